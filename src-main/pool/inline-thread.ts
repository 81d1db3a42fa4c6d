import { threadId } from 'node:worker_threads';
import type { HostMessage, ThreadData, ThreadMessage } from './messages';
import type { ThreadPort } from './thread-handle';
import { bootRuntime, type ThreadRuntime } from './thread-runtime';

/**
 * `workers: 'inline'`: the thread runtime (thread-runtime.ts) on the pool's
 * own thread, behind the same ThreadPort as a worker thread, so dispatch,
 * outcomes, timeouts, cancel, progress, flows, ctx.cost and rate limits take
 * the same path. Messages are handed over as they are, not cloned.
 *
 * What cannot be the same (README, "Execution modes: threads or in-process"):
 * nothing here can be terminated. A run that ignores its abort is abandoned
 * (its job fails, its promise is left to settle or not); an exception thrown
 * outside a run's promise, or running out of memory, ends the process; a
 * synchronous endless loop blocks the whole pool (no timer fires, the leases
 * lapse and other workers take the jobs again).
 */
export class InlineThread implements ThreadPort {
  readonly threadId = threadId;
  readonly isolated = false;
  private runtime: ThreadRuntime | undefined;
  private ended = false;

  constructor(
    private readonly data: ThreadData,
    private readonly busy: SharedArrayBuffer,
  ) {}

  listen(on: { message(m: ThreadMessage): void; error(err: Error): void; exit(code: number): void }): void {
    const post = (m: ThreadMessage): void => {
      if (!this.ended) on.message(m);
    };
    // As a thread does: load the agents, then say ready. A failure is a death at start-up.
    void this.boot(post).catch((err: unknown) => {
      if (this.ended) return;
      this.ended = true;
      on.error(err instanceof Error ? err : new Error(String(err)));
      on.exit(1);
    });
  }

  postMessage(message: HostMessage): void {
    if (!this.ended) this.runtime?.handle(message);
  }

  /** Asks every run to stop (shutdown) and drops what they report later; it cannot force them. */
  terminate(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      this.runtime?.abortAll('shutdown');
    }
    return Promise.resolve();
  }

  private async boot(post: (m: ThreadMessage) => void): Promise<void> {
    const { runtime, ready } = await bootRuntime(this.data, post, this.busy);
    if (this.ended) return;
    this.runtime = runtime;
    post(ready);
  }
}
