import type { Redis } from 'ioredis';
import { ConveyorError, ErrorCode } from '../../src-shared/errors';
import type { RedisConnectionSettings } from '../config/connection-settings';
import { keySlot } from './keys';
import { authError, createRedisClient, isAuthError, isCluster, isConnectionError, unavailable, waitForReady } from './redis-client';
import { defineScripts } from './scripts';

const MIN_BLOCK_S = 0.01;
/** On a cluster, how long one BZPOPMIN waits on one slot's markers before trying the next slot's. */
const CLUSTER_BLOCK_SLICE_S = 0.05;

/** A Redis reply error naming a key of the wrong type (Redis' own, or a script's refusal before any write). */
export function isWrongType(err: unknown): boolean {
  return /WRONGTYPE/.test(String((err as Error | undefined)?.message));
}

/** Splits keys (or names, through `keyOf`) into groups whose keys share a Cluster slot, in first-seen order. */
export function groupBySlot<T>(items: T[], keyOf: (item: T) => string = String): T[][] {
  const bySlot = new Map<number, T[]>();
  for (const item of items) {
    const slot = keySlot(keyOf(item));
    const group = bySlot.get(slot);
    if (group) group.push(item);
    else bySlot.set(slot, [item]);
  }
  return [...bySlot.values()];
}

/**
 * The adapter's connections: the command connection, side connections for
 * blocking waits (kept for the next wait) and event tails, and how their
 * errors reach callers: every one with a code.
 */
export class Connections {
  readonly client: Redis;
  /** Talking to a Redis Cluster: multi-key commands are split per slot. */
  readonly cluster: boolean;
  private readonly idleBlockers: Redis[] = [];
  private readonly all = new Set<Redis>();
  private isClosed = false;

  constructor(private readonly settings: RedisConnectionSettings) {
    this.client = this.newClient('conveyor');
    this.cluster = isCluster(this.client);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  newClient(name: string, opts: { scripts?: boolean } = {}): Redis {
    const client = createRedisClient(this.settings, name);
    // A blocking connection queues a lease behind its wait (waitAndLease).
    if (opts.scripts) defineScripts(client);
    // Errors surface through the calls that hit them; without a listener ioredis would print them.
    client.on('error', () => undefined);
    this.all.add(client);
    return client;
  }

  /** Closes a side connection for good. */
  drop(client: Redis): void {
    this.all.delete(client);
    // Not twice: ioredis arms a 2 s fallback timer on each disconnect, and one armed after the socket closed is never cleared (it kept `conveyor run` alive 2 s).
    if (client.status !== 'end') client.disconnect();
  }

  ensureOpen(): void {
    if (this.isClosed) throw new ConveyorError(ErrorCode.Internal, 'the queue adapter is closed');
    if (this.client.status !== 'ready') throw unavailable(this.settings, undefined);
  }

  /** Any error to one with a code: connection and auth errors typed, any other Redis reply INTERNAL. */
  mapError(err: unknown): ConveyorError {
    if (err instanceof ConveyorError) return err;
    if (isAuthError(err)) return authError(this.settings, err);
    if (isConnectionError(err)) return unavailable(this.settings, err);
    const message = err instanceof Error ? err.message : String(err);
    return new ConveyorError(ErrorCode.Internal, `Redis refused a queue command: ${message}`, undefined, { cause: err });
  }

  /** Runs a Redis call with fail-fast and error mapping. */
  async io<T>(fn: () => Promise<T>): Promise<T> {
    this.ensureOpen();
    try {
      return await fn();
    } catch (err) {
      throw this.mapError(err);
    }
  }

  /**
   * Waits until one of `markers` is popped or `waitMs` passed, on a
   * connection of its own. A cluster refuses a BZPOPMIN across slots: one
   * call per slot's markers, in turns of a short slice.
   */
  async waitOnMarkers(markers: string[], waitMs: number, signal?: AbortSignal): Promise<void> {
    const groups = this.cluster ? groupBySlot(markers) : [markers];
    const deadline = Date.now() + waitMs;
    await this.withBlocker(waitMs, signal, undefined, async (blocker) => {
      if (groups.length === 1) {
        await blocker.bzpopmin(...markers, blockSeconds(waitMs));
        return;
      }
      for (let i = 0; !this.isClosed; i = (i + 1) % groups.length) {
        const remainingS = (deadline - Date.now()) / 1000;
        if (remainingS <= 0) return;
        const popped = await blocker.bzpopmin(
          ...(groups[i] as string[]),
          Math.max(Math.min(remainingS, CLUSTER_BLOCK_SLICE_S), MIN_BLOCK_S),
        );
        if (popped) return;
      }
    });
  }

  /**
   * Runs a blocking call on a connection of its own (kept for the next one).
   * Resolves to `cut` when the connection is not ready within `waitMs`, is
   * lost (after waiting up to `waitMs` for it to come back), or `signal` ends
   * the wait: that drops the connection, and with it whatever it had queued.
   */
  async withBlocker<T>(waitMs: number, signal: AbortSignal | undefined, cut: T, call: (blocker: Redis) => Promise<T>): Promise<T> {
    if (signal?.aborted) return cut;
    const blocker = this.idleBlockers.pop() ?? this.newClient('conveyor:blocking', { scripts: true });
    let dropped = false;
    const drop = (): void => {
      dropped = true;
      blocker.disconnect();
    };
    signal?.addEventListener('abort', drop, { once: true });
    try {
      if (blocker.status !== 'ready') {
        if (blocker.status === 'wait') blocker.connect().catch(() => undefined);
        if (!(await waitForReady(blocker, waitMs, signal))) return cut;
      }
      return await call(blocker);
    } catch (err) {
      if (dropped) return cut;
      if (!isConnectionError(err)) throw err;
      await waitForReady(blocker, waitMs, signal);
      return cut;
    } finally {
      signal?.removeEventListener('abort', drop);
      if (this.isClosed || dropped) this.drop(blocker);
      else this.idleBlockers.push(blocker);
    }
  }

  async close(): Promise<void> {
    this.isClosed = true;
    for (const c of this.all) {
      // quit lets replies in flight arrive; blocked and idle side connections just go.
      if (c === this.client && c.status === 'ready') await c.quit().catch(() => c.disconnect());
      else c.disconnect();
    }
    this.all.clear();
  }
}

/** A BZPOPMIN timeout (s) for a wait of `waitMs`; 0 would block for ever. */
export function blockSeconds(waitMs: number): number {
  return Math.max(waitMs / 1000, MIN_BLOCK_S);
}
