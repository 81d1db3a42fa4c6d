/**
 * Samples the bench's client side during its timed parts only (--profile).
 */
import { Session as InspectorSession } from 'node:inspector/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Sends CDP commands to one worker thread through the host's NodeWorker domain. */
interface ThreadSession {
  title: string;
  send(method: string, params?: object): Promise<unknown>;
}

/**
 * Samples the client's CPU during the timed parts only, one .cpuprofile per
 * run for the host thread and one per worker thread alive at the end of the
 * run (`<name>.thread<N>.cpuprofile`): the pool's threads and BullMQ's
 * sandboxes. New threads wait for the debugger until their profiler runs, so
 * a thread spawned inside a timed part is sampled from its first line; one
 * started before it, from the start of the timed part.
 */
export class TimedProfiler {
  private readonly session = new InspectorSession();
  private readonly threads = new Map<string, ThreadSession>();
  private readonly replies = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private active = false;

  private constructor(private readonly dir: string) {}

  static async open(dir: string): Promise<TimedProfiler> {
    mkdirSync(dir, { recursive: true });
    const p = new TimedProfiler(dir);
    p.session.connect();
    await p.session.post('Profiler.enable');
    await p.session.post('Profiler.setSamplingInterval', { interval: PROFILE_INTERVAL_US });
    p.session.on('NodeWorker.attachedToWorker', ({ params }) => void p.attached(params.sessionId, params.workerInfo.title));
    p.session.on('NodeWorker.detachedFromWorker', ({ params }) => p.threads.delete(params.sessionId));
    p.session.on('NodeWorker.receivedMessageFromWorker', ({ params }) => p.reply(params.message));
    await p.session.post('NodeWorker.enable', { waitForDebuggerOnStart: true });
    return p;
  }

  private async attached(sessionId: string, title: string): Promise<void> {
    const thread: ThreadSession = {
      title,
      send: (method, params = {}) =>
        new Promise((resolve, reject) => {
          const id = this.nextId++;
          // A thread that ends meanwhile never answers.
          const timer = setTimeout(() => {
            this.replies.delete(id);
            reject(new Error(`${title}: no answer to ${method}`));
          }, THREAD_REPLY_MS);
          const settle = (fn: () => void): void => {
            clearTimeout(timer);
            fn();
          };
          this.replies.set(id, { resolve: (v) => settle(() => resolve(v)), reject: (e) => settle(() => reject(e)) });
          this.session
            .post('NodeWorker.sendMessageToWorker', { sessionId, message: JSON.stringify({ id, method, params }) })
            .catch((e: Error) => {
              this.replies.delete(id);
              settle(() => reject(e));
            });
        }),
    };
    this.threads.set(sessionId, thread);
    try {
      if (this.active) await startProfiler(thread.send);
    } finally {
      // Outside a timed part the thread just goes on.
      await thread.send('Runtime.runIfWaitingForDebugger').catch(() => undefined);
    }
  }

  private reply(message: string): void {
    const m = JSON.parse(message) as { id?: number; result?: unknown; error?: { message: string } };
    const waiting = m.id === undefined ? undefined : this.replies.get(m.id);
    if (!waiting || m.id === undefined) return;
    this.replies.delete(m.id);
    if (m.error) waiting.reject(new Error(m.error.message));
    else waiting.resolve(m.result);
  }

  async around<T>(name: string, fn: () => Promise<T>): Promise<T> {
    await this.session.post('Profiler.start');
    // Threads already running (a consumer started before the timed part, as in latency) are sampled from now on.
    await Promise.all([...this.threads.values()].map((t) => startProfiler(t.send).catch(() => undefined)));
    this.active = true;
    try {
      return await fn();
    } finally {
      this.active = false;
      const { profile } = await this.session.post('Profiler.stop');
      writeFileSync(join(this.dir, `${name}.cpuprofile`), JSON.stringify(profile));
      // Threads that ended meanwhile, or never started a profiler, refuse Profiler.stop and are skipped.
      let n = 0;
      for (const thread of this.threads.values()) {
        const reply = (await thread.send('Profiler.stop').catch(() => undefined)) as { profile?: object } | undefined;
        if (reply?.profile) writeFileSync(join(this.dir, `${name}.thread${++n}.cpuprofile`), JSON.stringify(reply.profile));
      }
    }
  }

  close(): void {
    this.session.disconnect();
  }
}

const PROFILE_INTERVAL_US = 200;
const THREAD_REPLY_MS = 5_000;

async function startProfiler(send: ThreadSession['send']): Promise<void> {
  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval: PROFILE_INTERVAL_US });
  await send('Profiler.start');
}
