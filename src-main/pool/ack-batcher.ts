import type { AttemptOutcome, ReleaseReason } from '../../src-shared/job';
import { EncodedResult } from '../queue/job-codec';
import type { BatchResult, RedisQueueAdapter } from '../queue/redis-queue-adapter';

export interface CompleteAck {
  kind: 'complete';
  id: string;
  token: string;
  /** The result, already JSON (the thread serialized it). */
  json: string;
}
export interface FailAck {
  kind: 'fail';
  id: string;
  token: string;
  error: { message: string; stack: string };
  retryable: boolean;
  reason: AttemptOutcome;
}
export interface ReleaseAck {
  kind: 'release';
  id: string;
  token: string;
  reason: ReleaseReason;
  /** reason 'rate_limited': how long the job's group pauses. */
  retryAfterMs?: number;
}
export type Ack = CompleteAck | FailAck | ReleaseAck;

/** An acknowledgement's answer, with the note its sender gave with it (what its event reports). */
export type AckOutcome<N> = { ack: Ack; note: N; queue: string; result: BatchResult<string | true> };

/** One queue's pending acknowledgements and their notes, index for index. */
interface Pending<N> {
  acks: Ack[];
  notes: N[];
}

const FLUSH_AT = 256;
const RETRY_MS = 500;

/**
 * Batches job outcomes per queue into one Redis call per kind per flush: acks
 * that arrive in the same turn of the event loop share a round trip. While
 * Redis is unreachable it keeps them and retries; a lease that expired
 * meanwhile simply comes back as lost.
 */
export class AckBatcher<N> {
  private pending = new Map<string, Pending<N>>();
  private count = 0;
  private flushing: Promise<void> | undefined;
  /** Retry after a failed flush. */
  private timer: NodeJS.Timeout | undefined;
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly adapter: RedisQueueAdapter,
    private readonly onOutcome: (outcomes: AckOutcome<N>[]) => void,
    private readonly onError: (err: unknown) => void,
  ) {}

  get size(): number {
    return this.count;
  }

  /** Queues `ack`; its outcome comes back with `note`. */
  add(queue: string, ack: Ack, note: N): void {
    let list = this.pending.get(queue);
    if (!list) this.pending.set(queue, (list = { acks: [], notes: [] }));
    list.acks.push(ack);
    list.notes.push(note);
    this.count++;
    if (this.count >= FLUSH_AT) void this.flush();
    else if (!this.scheduled) {
      // End of this turn, not setTimeout(0): that waits at least 1 ms, on every job's latency.
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.flush();
      });
    }
  }

  /** Stops retrying: after a last flush on shutdown, nothing may keep the process alive. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Sends everything pending; resolves when it is acknowledged (or given up for now on error). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.flushing) return this.flushing.then(() => (this.count > 0 ? this.flush() : undefined));
    if (this.count === 0) return Promise.resolve();
    const batch = this.pending;
    this.pending = new Map();
    this.count = 0;
    this.flushing = this.send(batch).finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async send(batch: Map<string, Pending<N>>): Promise<void> {
    const outcomes: AckOutcome<N>[] = [];
    for (const [queue, { acks, notes }] of batch) {
      try {
        const results = await this.sendQueue(queue, acks);
        for (let i = 0; i < acks.length; i++) outcomes.push({ ack: acks[i]!, note: notes[i]!, queue, result: results[i]! });
      } catch (err) {
        this.onError(err);
        // Closed: give up; the leases expire and the jobs run again elsewhere (at-least-once).
        if (this.closed) continue;
        for (let i = 0; i < acks.length; i++) this.add(queue, acks[i]!, notes[i]!);
        // Wait a little before the retry so an outage is not a busy loop.
        clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.flush(), RETRY_MS);
      }
    }
    if (outcomes.length > 0) this.onOutcome(outcomes);
  }

  /** One call per kind present; the answers come back in the order of `acks`. */
  private async sendQueue(queue: string, acks: Ack[]): Promise<BatchResult<string | true>[]> {
    const completes: CompleteAck[] = [];
    const fails: FailAck[] = [];
    const releases: ReleaseAck[] = [];
    for (const a of acks) {
      if (a.kind === 'complete') completes.push(a);
      else if (a.kind === 'fail') fails.push(a);
      else releases.push(a);
    }
    const [c, f, r] = await Promise.all([
      this.adapter.completeMany(
        queue,
        completes.map((a) => ({ id: a.id, token: a.token, result: new EncodedResult(a.json) })),
      ),
      this.adapter.failMany(
        queue,
        fails.map((a) => ({ id: a.id, token: a.token, error: errorFrom(a.error), retryable: a.retryable, reason: a.reason })),
      ),
      this.adapter.releaseMany(
        queue,
        releases.map((a) => ({
          id: a.id,
          token: a.token,
          reason: a.reason,
          ...(a.retryAfterMs !== undefined ? { retryAfterMs: a.retryAfterMs } : {}),
        })),
      ),
    ]);
    const next = { complete: 0, fail: 0, release: 0 };
    const answers = {
      complete: c as BatchResult<string | true>[],
      fail: f as BatchResult<string | true>[],
      release: r as BatchResult<string | true>[],
    };
    return acks.map((a) => answers[a.kind][next[a.kind]++]!);
  }
}

function errorFrom(e: { message: string; stack: string }): Error {
  const err = new Error(e.message);
  err.stack = e.stack;
  return err;
}
