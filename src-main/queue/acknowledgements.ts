import { performance } from 'node:perf_hooks';
import type { ConveyorError } from '../../src-shared/errors';
import type { FailOptions, ReleaseReason } from '../../src-shared/job';
import { type AttemptTiming, completedHistory } from '../observability/batch-history';
import { describeError, encodeResult } from './job-codec';
import type { QueueContext } from './queue-context';
import { ScriptCode, isScriptCode, scriptError, unexpectedReply } from './script-codes';
import type { ScriptReply } from './scripts';

/** A lease as its holder presents it: the job and the attempt's token. */
export interface LeaseRef {
  id: string;
  token: string;
}

/** A lease handed back; `rate_limited` (a 429) pauses the job's group for `retryAfterMs`. */
export type ReleaseRef = LeaseRef & { reason?: ReleaseReason; retryAfterMs?: number };

export interface ProgressUpdate extends LeaseRef {
  /** 0..1 */
  fraction?: number;
  message?: string;
  /** One log line. */
  log?: string;
}

/** Per-job outcome of a batched call: ok, or the typed error for that job. */
export type BatchResult<T = true> = { id: string; ok: true; value: T } | { id: string; ok: false; error: ConveyorError };

/** Log lines kept per job (the newest). */
const MAX_LOG_LINES = 1000;

const asArray = (reply: ScriptReply): ScriptReply[] => (Array.isArray(reply) ? reply : []);

/**
 * What a lease holder sends back: start, heartbeat, progress, complete, fail,
 * release. Every call is fenced by the attempt's token in the script: a
 * missing or stale one is refused (LEASE_LOST), never taken as "whoever holds
 * the lease now". Many jobs per call; one job's refusal does not fail the others.
 */
export class Acknowledgements {
  constructor(private readonly ctx: QueueContext) {}

  private failure(queue: string, id: string, code: unknown): BatchResult<never> {
    const error = isScriptCode(code) ? scriptError(code, { queue, id }) : unexpectedReply(`job "${id}"`, code);
    return { id, ok: false, error };
  }

  /** Forgets the token of a lease this call ended or found lost: later token-less calls are refused here. */
  private settled(queue: string, ref: LeaseRef): void {
    this.ctx.tokens.forget(queue, ref.id, ref.token);
  }

  /** Records the start of many attempts in one call; resolves to each attempt number. */
  async startMany(queue: string, workerId: string, refs: LeaseRef[]): Promise<BatchResult<number>[]> {
    if (refs.length === 0) return [];
    const args = refs.flatMap((r) => [r.id, r.token, workerId]);
    const reply = asArray(await this.ctx.script(this.ctx.keys(queue), 'start', args));
    return refs.map((r, i) => {
      const v = Number(reply[i]);
      if (v > 0) {
        this.ctx.tokens.started(queue, r.id, r.token);
        return { id: r.id, ok: true, value: v };
      }
      if (v === ScriptCode.LeaseLost) this.settled(queue, r);
      return this.failure(queue, r.id, v);
    });
  }

  /** Heartbeats many leases in one call. */
  async extendLeases(queue: string, refs: LeaseRef[]): Promise<BatchResult<{ deadline: number; cancelRequested: boolean }>[]> {
    if (refs.length === 0) return [];
    const args = refs.flatMap((r) => [r.id, r.token]);
    const reply = asArray(await this.ctx.script(this.ctx.keys(queue), 'extendLeases', args));
    return refs.map((r, i) => {
      const deadline = Number(reply[i * 2]);
      if (deadline < 0) {
        this.settled(queue, r);
        return this.failure(queue, r.id, deadline);
      }
      return { id: r.id, ok: true, value: { deadline, cancelRequested: Number(reply[i * 2 + 1]) === 1 } };
    });
  }

  /**
   * Completes many jobs in one call. When this adapter leased every one of
   * them, the call carries their metrics history, summed here (complete-4.lua).
   */
  async completeMany(queue: string, jobs: Array<LeaseRef & { result: unknown }>): Promise<BatchResult[]> {
    if (jobs.length === 0) return [];
    const args: Array<string | number> = [jobs.length];
    const timings: AttemptTiming[] = [];
    for (const j of jobs) {
      args.push(j.id, j.token, encodeResult(j.result));
      const held = this.ctx.tokens.held(queue, j.id, j.token);
      if (held) timings.push(held);
    }
    if (timings.length === jobs.length) args.push(...completedHistory(timings, performance.now()));
    const reply = asArray(await this.ctx.script(this.ctx.keys(queue), 'complete', args));
    if (reply.length > jobs.length) this.ctx.flowOutbox?.(queue); // flows: a child finished
    return jobs.map((j, i) => {
      this.settled(queue, j);
      const code = Number(reply[i]);
      return code === 1 ? { id: j.id, ok: true, value: true } : this.failure(queue, j.id, code);
    });
  }

  /** Fails many jobs in one call. Each resolves to where the job went. */
  async failMany(
    queue: string,
    jobs: Array<LeaseRef & Omit<FailOptions, 'token'> & { error: unknown }>,
  ): Promise<BatchResult<'delayed' | 'waiting' | 'dead' | 'cancelled'>[]> {
    if (jobs.length === 0) return [];
    const args = jobs.flatMap((j) => {
      const e = describeError(j.error);
      return [j.id, j.token, e.message, e.stack, j.retryable === false ? 0 : 1, j.reason ?? 'failed'];
    });
    const reply = asArray(await this.ctx.script(this.ctx.keys(queue), 'fail', args));
    if (reply.length > jobs.length) this.ctx.flowOutbox?.(queue); // flows: a child ended (fail-8 says so), not on every dead job
    return jobs.map((j, i) => {
      this.settled(queue, j);
      const v = reply[i];
      if (typeof v === 'number') return this.failure(queue, j.id, v);
      return { id: j.id, ok: true, value: String(v) as 'delayed' | 'waiting' | 'dead' | 'cancelled' };
    });
  }

  /**
   * Hands many leases back at once; the jobs wait again without spending an
   * attempt. `reason` (default 'shutdown') is kept on the attempt and its event.
   */
  async releaseMany(queue: string, refs: ReleaseRef[]): Promise<BatchResult[]> {
    if (refs.length === 0) return [];
    // A 429's wait rides on the reason (release-5.lua, limits.lua): 'rate_limited:<ms>'.
    const why = (r: ReleaseRef): string =>
      r.reason === 'rate_limited' ? `rate_limited:${Math.max(0, Math.ceil(r.retryAfterMs ?? 0))}` : (r.reason ?? 'shutdown');
    const args = refs.flatMap((r) => [r.id, r.token, why(r)]);
    const reply = asArray(await this.ctx.script(this.ctx.keys(queue), 'release', args));
    return refs.map((r, i) => {
      this.settled(queue, r);
      const code = Number(reply[i]);
      return code === 1 ? { id: r.id, ok: true, value: true } : this.failure(queue, r.id, code);
    });
  }

  /**
   * Stores progress and log lines of running jobs (batched); updates for jobs
   * whose lease is not held are dropped. Resolves to how many were applied.
   */
  async reportProgress(queue: string, updates: ProgressUpdate[]): Promise<number> {
    if (updates.length === 0) return 0;
    const args: Array<string | number> = [MAX_LOG_LINES];
    for (const u of updates) args.push(u.id, u.token, u.fraction ?? '', u.message ?? '', u.log ?? '');
    return Number(await this.ctx.script(this.ctx.keys(queue), 'progress', args));
  }
}
