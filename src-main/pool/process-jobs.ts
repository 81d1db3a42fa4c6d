import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { LeasedItem } from '../../src-shared/job';
import { isConnectionError } from '../queue/redis-client';
import type { RedisQueueAdapter } from '../queue/redis-queue-adapter';
import { pause } from './pool-context';

export interface ProcessJobsOptions {
  /** Jobs at once (default 1). */
  concurrency?: number;
  /** Stops taking jobs; `processJobs` resolves once the handlers running then have finished. */
  signal?: AbortSignal;
  /** Recorded on each attempt (default `<host>:<pid>:<random>`). */
  workerId?: string;
  /** Errors the loop lives through (Redis unavailable: it waits and tries again). Default: ignored. */
  onError?: (err: unknown) => void;
}

export interface JobContext {
  /** Fires when the job was cancelled or its lease was lost: stop, whatever you return is dropped. */
  signal: AbortSignal;
  /** Stores progress on the job (0..1), as the pool's agents do. */
  progress(fraction: number, message?: string): Promise<void>;
}

/** Runs one job; what it returns is the job's result, what it throws fails the attempt (retried with backoff, then dead). */
export type JobHandler<P = unknown> = (job: LeasedItem<P>, ctx: JobContext) => unknown;

export interface ProcessJobsResult {
  completed: number;
  failed: number;
  /** Ended without an outcome: cancelled or lease lost while running, or refused at acknowledgement. */
  lost: number;
}

/** A blocking wait lasts this long at most, so a stop is seen at once and the loop never blocks for long. */
const WAIT_MS = 1000;

/**
 * The seed's simple worker loop as one call, in this process, without
 * worker threads: lease a job (lease and start in one call), run `handler`
 * on it, complete it with the result or fail it with the error. Up to
 * `concurrency` jobs at once; each job's lease is kept alive while its
 * handler runs (a cancel request or a lost lease fires `ctx.signal`), and
 * every acknowledgement carries the job's lease token, so a stale run can
 * never touch a newer attempt. For agents, isolation and timeouts, use
 * WorkerPool.
 */
export async function processJobs<P = unknown>(
  adapter: RedisQueueAdapter,
  queue: string,
  handler: JobHandler<P>,
  options: ProcessJobsOptions = {},
): Promise<ProcessJobsResult> {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new TypeError(`processJobs: concurrency must be an integer >= 1, got ${concurrency}`);
  const signal = options.signal ?? new AbortController().signal;
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const onError = options.onError ?? (() => undefined);
  // Also says at once when the queue does not exist.
  const { leaseMs } = (await adapter.getQueueInfo(queue)).options;
  // Well before the lease ends, and at least every second so a cancel request is seen fast.
  const keepMs = Math.max(100, Math.min(1000, Math.floor(leaseMs / 3)));
  const totals: ProcessJobsResult = { completed: 0, failed: 0, lost: 0 };
  const running = new Set<Promise<void>>();
  let slotFreed: (() => void) | undefined;

  const run = async (job: LeasedItem<P>): Promise<void> => {
    const ref = { id: job.action.id, token: job.lease.token };
    const stop = new AbortController();
    const keeper = setInterval(() => {
      adapter.extendLeases(queue, [ref]).then(([r]) => {
        if (r && (!r.ok || r.value.cancelRequested)) stop.abort(r.ok ? 'cancelled' : 'lease lost');
      }, onError);
    }, keepMs);
    const ctx: JobContext = {
      signal: stop.signal,
      progress: async (fraction, message) => {
        await adapter.reportProgress(queue, [{ ...ref, fraction, ...(message === undefined ? {} : { message }) }]);
      },
    };
    try {
      let outcome: { ok: true; result: unknown } | { ok: false; error: unknown };
      try {
        outcome = { ok: true, result: await handler(job, ctx) };
      } catch (error) {
        outcome = { ok: false, error };
      }
      clearInterval(keeper);
      if (stop.signal.aborted && stop.signal.reason === 'lease lost') {
        totals.lost++;
        return;
      }
      const [r] = outcome.ok
        ? await adapter.completeMany(queue, [{ ...ref, result: outcome.result }])
        : await adapter.failMany(queue, [
            { ...ref, error: outcome.error, ...(stop.signal.aborted ? { reason: 'cancelled' as const } : {}) },
          ]);
      if (!r?.ok) totals.lost++;
      else if (outcome.ok) totals.completed++;
      else totals.failed++;
    } catch (err) {
      // Redis unreachable at the acknowledgement: the lease runs out and the job runs again (at-least-once).
      totals.lost++;
      onError(err);
    } finally {
      clearInterval(keeper);
    }
  };

  while (!signal.aborted) {
    const free = concurrency - running.size;
    if (free === 0) {
      await new Promise<void>((resolve) => (slotFreed = resolve));
      continue;
    }
    try {
      const batch = await adapter.waitAndLease<P>(queue, free, workerId, WAIT_MS, { start: true, signal });
      for (const job of batch.items) {
        const p: Promise<void> = run(job).finally(() => {
          running.delete(p);
          slotFreed?.();
          slotFreed = undefined;
        });
        running.add(p);
      }
    } catch (err) {
      onError(err);
      await pause(isConnectionError(err) ? 500 : 1000, signal);
    }
  }
  await Promise.all(running);
  return totals;
}
