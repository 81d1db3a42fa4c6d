import type { LeasedItem } from '../../src-shared/job';
import { blockSeconds, isWrongType } from './connections';
import { type LeaseBatch, decodeLeaseBatch, dequeueArgs } from './lease-decoding';
import type { DequeueOptions } from './port';
import type { QueueContext } from './queue-context';
import { inOneWrite, isConnectionError, waitForReady } from './redis-client';
import { scriptKeys } from './scripts';

export interface DequeueManyOptions extends DequeueOptions {
  /** Recorded on the attempt at lease time. */
  workerId?: string;
}

/**
 * Leasing jobs: one non-blocking lease, a lease queued behind a blocking
 * wait on the same connection, and the blocking dequeue built on both.
 */
export class Leasing {
  constructor(private readonly ctx: QueueContext) {}

  /**
   * One non-blocking lease of up to n jobs. Also says when the queue's next
   * timer fires (a delayed job falls due or a lease expires), so a caller
   * that found nothing knows how long it may wait. With `start`, the attempts
   * are recorded as started by `workerId` in the same call.
   */
  async lease<P = unknown>(queue: string, n: number, workerId = '', opts: { start?: boolean } = {}): Promise<LeaseBatch<P>> {
    const q = this.ctx.keys(queue);
    return decodeLeaseBatch<P>(this.ctx, q, await this.ctx.script(q, 'dequeue', dequeueArgs(n, workerId, opts.start)));
  }

  async dequeueMany<P = unknown>(queue: string, n: number, opts: DequeueManyOptions = {}): Promise<LeasedItem<P>[]> {
    const deadline = Date.now() + (opts.blockMs ?? 0);
    for (;;) {
      let batch: LeaseBatch<P>;
      try {
        batch = await this.lease<P>(queue, n, opts.workerId);
      } catch (err) {
        // A blocking call rides out an outage until its deadline.
        if (!(isConnectionError(err) && Date.now() < deadline && !this.ctx.conn.closed)) throw err;
        await waitForReady(this.ctx.conn.client, deadline - Date.now());
        continue;
      }
      if (batch.items.length > 0) return batch.items;
      if (batch.quarantined > 0) continue;
      const remaining = deadline - Date.now();
      if (remaining <= 0 || this.ctx.conn.closed) return [];
      await this.waitForJobs([queue], batch.nextTimerMs >= 0 ? Math.min(remaining, Math.max(batch.nextTimerMs, 1)) : remaining);
    }
  }

  /**
   * `waitForJobs` on one queue with `lease` queued right behind the wait, on
   * the same connection: Redis runs the lease the moment the wait ends (a job
   * came, or `waitMs` passed), so a job enqueued to an idle consumer reaches
   * it with the wake-up instead of a round trip later. Resolves to that lease,
   * empty when the wait was cut short. `signal` cuts it short by dropping the
   * connection, so Redis never runs the lease behind the wait.
   */
  async waitAndLease<P = unknown>(
    queue: string,
    n: number,
    workerId: string,
    waitMs: number,
    opts: { start?: boolean; signal?: AbortSignal } = {},
  ): Promise<LeaseBatch<P>> {
    const q = this.ctx.keys(queue);
    const args = this.ctx.scriptArgs(q, dequeueArgs(n, workerId, opts.start));
    const none: LeaseBatch<P> = { items: [], nextTimerMs: -1, paused: false, more: false, quarantined: 0 };
    return this.ctx.conn.withBlocker(waitMs, opts.signal, none, async (blocker) => {
      // Two commands back to back in one write, not a pipeline object: this runs once per job on an idle worker.
      const [waited, leased] = inOneWrite(
        blocker,
        () =>
          [
            blocker.bzpopmin(q.key('marker'), blockSeconds(waitMs)),
            this.ctx.runner.run('dequeue', scriptKeys('dequeue', q), args, blocker),
          ] as const,
      );
      const [w, l] = await Promise.allSettled([waited, leased]);
      if (w.status === 'rejected') {
        if (isConnectionError(w.reason)) throw w.reason;
        // A marker of the wrong type would end every wait at once: set it aside.
        if (isWrongType(w.reason)) await this.ctx.repair.repairQueueKeys(q);
      }
      if (l.status === 'rejected') {
        if (isConnectionError(l.reason)) throw l.reason;
        // A key of the wrong type, say (the script wrote nothing): the plain call repairs and leases.
        return this.lease<P>(queue, n, workerId, opts);
      }
      return decodeLeaseBatch<P>(this.ctx, q, l.value);
    });
  }

  /**
   * Waits until a job may be there: something was enqueued, retried or
   * resumed in one of the queues, or `waitMs` passed. Blocks on the queues'
   * markers on a connection of its own, so other calls are not held up.
   */
  async waitForJobs(queues: string[], waitMs: number, signal?: AbortSignal): Promise<void> {
    const keys = queues.map((name) => this.ctx.keys(name));
    try {
      await this.ctx.conn.waitOnMarkers(
        keys.map((q) => q.key('marker')),
        waitMs,
        signal,
      );
    } catch (err) {
      if (!isWrongType(err)) throw this.ctx.conn.mapError(err);
      // A marker of the wrong type: set it aside; the caller's next lease finds what there is.
      for (const q of keys) await this.ctx.repair.repairQueueKeys(q);
    }
  }
}
