import { performance } from 'node:perf_hooks';

/** What this adapter knows of a lease it handed out. */
export interface HeldLease {
  token: string;
  /** For the metrics history (observability/batch-history.ts): the job's agent, its wait before the lease, and when it started here. */
  agent: string;
  waitMs: number | null;
  startedAt: number;
}

/**
 * The lease tokens this adapter handed out, so the port's verbs without a
 * token (`completeProcessing(queue, id, result)`) act for the lease this
 * adapter holds, and for nothing else: with no token here, they are refused
 * (LEASE_LOST) without asking Redis. A token is never a wildcard.
 * Kept per queue, then per job: every leased job passes here three times, and
 * a map per queue needs no key string built per call.
 */
export class LeaseTokens {
  private readonly byQueue = new Map<string, Map<string, HeldLease>>();

  remember(queue: string, id: string, token: string, agent = '', waitMs: number | null = null): void {
    let jobs = this.byQueue.get(queue);
    if (!jobs) this.byQueue.set(queue, (jobs = new Map()));
    jobs.set(id, { token, agent, waitMs, startedAt: performance.now() });
  }

  get(queue: string, id: string): string | undefined {
    return this.byQueue.get(queue)?.get(id)?.token;
  }

  /** The attempt `token` of a job this adapter leased started now (a lease without `start`, then startProcessing). */
  started(queue: string, id: string, token: string): void {
    const held = this.byQueue.get(queue)?.get(id);
    if (held?.token === token) held.startedAt = performance.now();
  }

  /** What this adapter knows of attempt `token` (agent, wait, start), if it leased it. */
  held(queue: string, id: string, token: string): Readonly<HeldLease> | undefined {
    const held = this.byQueue.get(queue)?.get(id);
    return held?.token === token ? held : undefined;
  }

  /** Forgets the token of a lease that ended, unless this adapter has leased the job again since. */
  forget(queue: string, id: string, token: string): void {
    const jobs = this.byQueue.get(queue);
    if (jobs?.get(id)?.token === token) jobs.delete(id);
  }

  forgetQueue(queue: string): void {
    this.byQueue.delete(queue);
  }
}
