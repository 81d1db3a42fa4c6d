/** Consumers the processing measurements time: built untimed, run to the last acknowledgement. */
import { performance } from 'node:perf_hooks';
import type { ConsumerHooks, QueueCheck, Session, Work } from './contender';
import type { Prepared } from './measurements';

/** What a drained queue holds. */
export const drained = (): QueueCheck => ({ waiting: 0, active: 0 });

/** A consumer that has completed `n` jobs when `run` resolves; the first failure rejects it. */
export async function consumeAll(
  session: Session,
  setup: string,
  n: number,
): Promise<{ run: () => Promise<void>; startupMs: () => number }> {
  let resolve: () => void = () => undefined;
  let reject: (err: Error) => void = () => undefined;
  const finished = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Nothing listens before the timed part starts: keep an early failure for it.
  finished.catch(() => undefined);
  let completed = 0;
  const hooks: ConsumerHooks = {
    completed: () => {
      if (++completed === n) resolve();
    },
    failed: reject,
  };
  const start = await session.prepareConsumer(setup, hooks);
  let startupMs = 0;
  return {
    run: async () => {
      const t0 = performance.now();
      await start();
      startupMs = performance.now() - t0;
      await finished;
    },
    startupMs: () => startupMs,
  };
}

/** Bulk-enqueues `n` jobs of `work` untimed; the timed part runs them from the consumer's start to the last acknowledgement. */
export async function endToEnd(session: Session, setup: string, n: number, work: Work): Promise<Prepared> {
  await session.enqueueBulk(n, work);
  const c = await consumeAll(session, setup, n);
  return { timed: c.run, finish: async () => ({ startupMs: c.startupMs() }), expected: drained() };
}
