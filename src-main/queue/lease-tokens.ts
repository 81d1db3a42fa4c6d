/**
 * The lease tokens this adapter handed out, so the port's verbs without a
 * token (`completeProcessing(queue, id, result)`) act for the lease this
 * adapter holds, and for nothing else: with no token here, they are refused
 * (LEASE_LOST) without asking Redis. A token is never a wildcard.
 */
export class LeaseTokens {
  private readonly byJob = new Map<string, string>();

  private static key(queue: string, id: string): string {
    return `${queue}\u0000${id}`;
  }

  remember(queue: string, id: string, token: string): void {
    this.byJob.set(LeaseTokens.key(queue, id), token);
  }

  get(queue: string, id: string): string | undefined {
    return this.byJob.get(LeaseTokens.key(queue, id));
  }

  /** Forgets the token of a lease that ended, unless this adapter has leased the job again since. */
  forget(queue: string, id: string, token: string): void {
    const key = LeaseTokens.key(queue, id);
    if (this.byJob.get(key) === token) this.byJob.delete(key);
  }

  forgetQueue(queue: string): void {
    for (const key of this.byJob.keys()) if (key.startsWith(queue + '\u0000')) this.byJob.delete(key);
  }
}
