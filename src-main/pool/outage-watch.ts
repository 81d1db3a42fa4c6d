import { isConnectionError } from '../queue/redis-client';
import type { PoolContext } from './pool-context';

/** How often the watchdog looks. */
const TICK_MS = 250;
/** During an outage, how often Redis is asked again (one question at a time). */
const PROBE_MS = 500;
/** A tick this late means this process was stalled (SIGSTOP, a long GC), not Redis. */
const STALL_MS = 1000;

/**
 * The outage watchdog. Every Redis reply the pool gets counts as "Redis is
 * there"; a connection error, or no reply for `silentMs` (a SIGSTOPped server
 * or a partition keeps the socket open and answers nothing), starts an outage:
 * one `outage started` event. While it lasts the pool starts no job (their
 * leases could not be renewed), and `probe` asks Redis again every half
 * second; the first reply ends it: one `outage ended` event, and the
 * dispatcher is woken to take work at once.
 */
export class OutageWatch {
  private lastReplyAt = Date.now();
  private lastTickAt = Date.now();
  private outage: { since: number } | undefined;
  private probing = false;
  private lastProbeAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: PoolContext,
    private readonly silentMs: number,
    private readonly probe: () => Promise<unknown>,
    /** Redis answers again: start what waited. */
    private readonly onEnd: () => void,
  ) {}

  get down(): boolean {
    return this.outage !== undefined;
  }

  start(): void {
    this.lastReplyAt = this.lastTickAt = Date.now();
    this.timer ??= setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Redis answered a call. */
  replied(): void {
    this.lastReplyAt = Date.now();
    const outage = this.outage;
    if (!outage) return;
    this.outage = undefined;
    this.ctx.emit({ type: 'outage', state: 'ended', durationMs: Date.now() - outage.since });
    this.onEnd();
  }

  /** A call failed; true when it was a connection error (the outage's to report, not the caller's). */
  failed(err: unknown): boolean {
    if (!isConnectionError(err)) return false;
    this.begin(err instanceof Error ? err.message : String(err), Date.now());
    return true;
  }

  private begin(reason: string, since: number): void {
    if (this.outage || this.ctx.state !== 'running') return;
    this.outage = { since };
    this.ctx.emit({ type: 'outage', state: 'started', reason });
  }

  private tick(): void {
    const now = Date.now();
    if (now - this.lastTickAt > STALL_MS) {
      // Replies may be waiting in the socket: give them time before calling Redis silent.
      this.lastReplyAt = Math.max(this.lastReplyAt, now - TICK_MS);
    }
    this.lastTickAt = now;
    const silent = now - this.lastReplyAt;
    if (!this.outage && silent >= this.silentMs) this.begin(`no reply from Redis for ${silent} ms`, this.lastReplyAt);
    if (this.outage && !this.probing && now - this.lastProbeAt >= PROBE_MS) {
      this.probing = true;
      this.lastProbeAt = now;
      this.probe()
        .then(
          () => this.replied(),
          (err: unknown) => void this.failed(err),
        )
        .finally(() => (this.probing = false));
    }
  }
}
