/**
 * A user-space TCP relay for network-fault tests, in plain Node `net`: it
 * listens on one address and forwards every connection to a target, and each
 * direction can be set, at any time, to
 *
 * - `pass`: forward at once;
 * - `drop`: forward nothing and close nothing, a silent partition. Bytes are
 *   held, not thrown away (a TCP stream that loses bytes is no longer the
 *   protocol; in a real partition TCP retransmits them), and delivered when
 *   the direction heals, as the first retransmission after a partition is.
 *   An end (FIN) is held the same way; new connections are accepted and held
 *   too (in user space the handshake cannot be withheld: the client sees a
 *   connected socket that nothing answers);
 * - `delay`: each chunk is delivered `delayMs ± jitterMs` after it arrived,
 *   in order. "Loss" is what loss costs a TCP stream: with probability
 *   `lossRate` a chunk waits `lossStallMs` more (a retransmission timeout;
 *   Linux's minimum RTO is 200 ms), and everything behind it waits too.
 *
 *   const relay = await TcpRelay.start({ host: '169.254.7.1', target: { host: '127.0.0.1', port: 6379 } });
 *   relay.set('toTarget', { mode: 'drop' });   // client -> target silent
 *   relay.heal();                              // both directions pass again
 *   await relay.close();
 *
 * Directions are named from the client's side: `toTarget` (client -> target)
 * and `toClient` (target -> client).
 */
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export type RelayDirection = 'toTarget' | 'toClient';

export type RelayFault =
  { mode: 'pass' } | { mode: 'drop' } | { mode: 'delay'; delayMs: number; jitterMs?: number; lossRate?: number; lossStallMs?: number };

export interface RelayOptions {
  /** Address to listen on; port 0 (default) picks a free one. */
  host: string;
  port?: number;
  target: { host: string; port: number };
  /** Random source for jitter and loss (tests may seed it). */
  random?: () => number;
}

/** Held bytes past which the reading side is paused (the sender's window filling up). */
const HIGH_WATER = 4 * 1024 * 1024;

/** One direction of one connection: chunks wait here until their time comes and the direction passes. */
class Lane {
  private readonly held: Array<{ chunk: Buffer | null; at: number }> = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastAt = 0;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly fault: () => RelayFault,
    private readonly random: () => number,
  ) {
    from.on('data', (chunk: Buffer) => this.push(chunk));
    from.on('end', () => this.push(null));
  }

  /** `null` is the end of the stream (a FIN). */
  private push(chunk: Buffer | null): void {
    const f = this.fault();
    let at = Date.now();
    if (f.mode === 'delay') {
      const jitter = f.jitterMs ?? 0;
      at += f.delayMs + (this.random() * 2 - 1) * jitter;
      if (this.random() < (f.lossRate ?? 0)) at += f.lossStallMs ?? 250;
    }
    // A stream stays in order: nothing overtakes what is ahead of it.
    at = Math.max(at, this.lastAt);
    this.lastAt = at;
    this.held.push({ chunk, at });
    if (chunk) {
      this.bytes += chunk.length;
      if (this.bytes > HIGH_WATER) this.from.pause();
    }
    this.flush();
  }

  /** Delivers what is due, unless the direction drops; re-arms for the next chunk. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.fault().mode === 'drop') return;
    const now = Date.now();
    while (this.held.length > 0 && (this.held[0] as { at: number }).at <= now) {
      const { chunk } = this.held.shift() as { chunk: Buffer | null };
      if (chunk === null) {
        this.to.end();
        continue;
      }
      this.bytes -= chunk.length;
      if (!this.to.destroyed) this.to.write(chunk);
    }
    if (this.bytes <= HIGH_WATER && this.from.isPaused()) this.from.resume();
    const next = this.held[0];
    if (next) this.timer = setTimeout(() => this.flush(), Math.max(1, next.at - now));
  }

  /** Healing: what was held is due now (its retransmission gets through). */
  release(): void {
    const now = Date.now();
    for (const h of this.held) h.at = Math.min(h.at, now);
    this.lastAt = Math.min(this.lastAt, now);
    this.flush();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

export class TcpRelay {
  private readonly faults: Record<RelayDirection, RelayFault> = { toTarget: { mode: 'pass' }, toClient: { mode: 'pass' } };
  private readonly lanes = new Set<{ toTarget: Lane; toClient: Lane; sockets: Socket[] }>();
  /** Closes that happened while their way dropped: they reach the other side at the heal. */
  private pendingCloses: Array<() => void> = [];

  private constructor(
    private readonly server: Server,
    private readonly options: RelayOptions,
  ) {}

  static async start(options: RelayOptions): Promise<TcpRelay> {
    const server = createServer({ pauseOnConnect: true });
    const relay = new TcpRelay(server, options);
    server.on('connection', (client) => relay.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host, () => resolve());
    });
    return relay;
  }

  get host(): string {
    return this.options.host;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Connections open now. */
  get connections(): number {
    return this.lanes.size;
  }

  /** Sets one direction's fault, or both (`'both'`). */
  set(direction: RelayDirection | 'both', fault: RelayFault): void {
    for (const d of direction === 'both' ? (['toTarget', 'toClient'] as const) : [direction]) this.faults[d] = fault;
    for (const pair of this.lanes) {
      if (this.faults.toTarget.mode !== 'drop') pair.toTarget.flush();
      if (this.faults.toClient.mode !== 'drop') pair.toClient.flush();
    }
  }

  /** Both directions pass again; held bytes go at once. */
  heal(): void {
    this.set('both', { mode: 'pass' });
    for (const pair of this.lanes) {
      pair.toTarget.release();
      pair.toClient.release();
    }
    for (const close of this.pendingCloses.splice(0)) close();
  }

  async close(): Promise<void> {
    for (const pair of this.lanes) {
      pair.toTarget.stop();
      pair.toClient.stop();
      for (const s of pair.sockets) s.destroy();
    }
    this.lanes.clear();
    await new Promise((r) => this.server.close(r));
  }

  private accept(client: Socket): void {
    const target = createConnection(this.options.target);
    const random = this.options.random ?? Math.random;
    const pair = {
      toTarget: new Lane(client, target, () => this.faults.toTarget, random),
      toClient: new Lane(target, client, () => this.faults.toClient, random),
      sockets: [client, target],
    };
    this.lanes.add(pair);
    client.resume();
    // One side closed or reset: the other learns of it, unless the way there drops (then not until the heal).
    const gone = (from: Socket, other: Socket, way: RelayDirection): void => {
      from.destroy();
      if (this.faults[way].mode === 'drop') {
        this.pendingCloses.push(() => gone(from, other, way));
        return;
      }
      if (!this.lanes.delete(pair)) return;
      pair.toTarget.stop();
      pair.toClient.stop();
      other.destroy();
    };
    client.on('error', () => undefined).on('close', () => gone(client, target, 'toTarget'));
    target.on('error', () => undefined).on('close', () => gone(target, client, 'toClient'));
  }
}
