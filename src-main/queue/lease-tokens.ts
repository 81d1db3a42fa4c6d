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
 */
export class LeaseTokens {
  private readonly byJob = new Map<string, HeldLease>();

  private static key(queue: string, id: string): string {
    return `${queue}\u0000${id}`;
  }

  remember(queue: string, id: string, token: string, agent = '', waitMs: number | null = null): void {
    this.byJob.set(LeaseTokens.key(queue, id), { token, agent, waitMs, startedAt: performance.now() });
  }

  get(queue: string, id: string): string | undefined {
    return this.byJob.get(LeaseTokens.key(queue, id))?.token;
  }

  /** The attempt `token` of a job this adapter leased started now (a lease without `start`, then startProcessing). */
  started(queue: string, id: string, token: string): void {
    const held = this.byJob.get(LeaseTokens.key(queue, id));
    if (held?.token === token) held.startedAt = performance.now();
  }

  /** What this adapter knows of attempt `token` (agent, wait, start), if it leased it. */
  held(queue: string, id: string, token: string): Readonly<HeldLease> | undefined {
    const held = this.byJob.get(LeaseTokens.key(queue, id));
    return held?.token === token ? held : undefined;
  }

  /** Forgets the token of a lease that ended, unless this adapter has leased the job again since. */
  forget(queue: string, id: string, token: string): void {
    const key = LeaseTokens.key(queue, id);
    if (this.byJob.get(key)?.token === token) this.byJob.delete(key);
  }

  forgetQueue(queue: string): void {
    for (const key of this.byJob.keys()) if (key.startsWith(queue + '\u0000')) this.byJob.delete(key);
  }
}
