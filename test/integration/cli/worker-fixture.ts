/**
 * `conveyor worker` run in-process, stopped after the test as SIGTERM would:
 *
 *   test('...', async ({ startWorker, adapter, queue }) => {
 *     const worker = startWorker(['--quiet']);
 *     await worker.ready;
 *     const res = await worker.stop();
 *   });
 *
 * config.yml gets a `workers:` section on `jobs` with the fixture agents of
 * test/fixtures/agents (loaded through THREAD_ENTRY, which understands TypeScript).
 */
import { FIXTURE_AGENTS, THREAD_ENTRY } from '../../support/pool';
import { cliTest, configYaml, type CliResult } from './cli-fixture';

export const WORKERS_YAML = [
  'workers:',
  '  queues: [jobs]',
  '  threads: 1',
  '  concurrency: 2',
  '  shutdown_timeout_ms: 300',
  '  kill_grace_ms: 300',
  `  agents_dir: ${JSON.stringify(FIXTURE_AGENTS)}`,
  '',
].join('\n');

export function workerConfigYaml(prefix: string, workers = WORKERS_YAML): string {
  return configYaml(prefix, workers);
}

export interface RunningWorker {
  /** Output so far. */
  output: () => { stdout: string; stderr: string };
  /** The first match of `re` in stdout or stderr, waiting up to `ms` for it. */
  waitFor: (re: RegExp, ms?: number) => Promise<RegExpExecArray>;
  /** The worker id, once the start line is out. */
  ready: Promise<string>;
  /** Asks it to stop (as SIGTERM would) and resolves with the run's result. */
  stop: () => Promise<CliResult>;
  /** Resolves when the command ends by itself or after `stop`. */
  result: Promise<CliResult>;
}

export const workerTest = cliTest.extend<{ startWorker: (args?: string[], opts?: { env?: NodeJS.ProcessEnv }) => RunningWorker }>({
  startWorker: async ({ cli, prefix }, use) => {
    await cli.writeConfig(workerConfigYaml(prefix));
    const started: RunningWorker[] = [];
    await use((args = [], opts = {}) => {
      let requestStop!: () => void;
      const shutdown = new Promise<void>((resolve) => (requestStop = resolve));
      const out = { stdout: '', stderr: '' };
      const waiters = new Set<() => void>();
      const result = cli.run(['worker', ...args], {
        shutdown,
        env: { CONVEYOR_THREAD_ENTRY: THREAD_ENTRY, ...opts.env },
        tap: (chunk, stream) => {
          out[stream] += chunk;
          for (const w of [...waiters]) w();
        },
      });
      let ended = false;
      void result.finally(() => {
        ended = true;
        for (const w of [...waiters]) w();
      });
      const waitFor = (re: RegExp, ms = 8000): Promise<RegExpExecArray> =>
        new Promise((resolve, reject) => {
          const check = (): void => {
            const m = re.exec(`${out.stdout}${out.stderr}`);
            if (m) return done(() => resolve(m));
            if (ended) return done(() => reject(new Error(`the command ended without printing ${re}:\n${out.stdout}${out.stderr}`)));
          };
          const timer = setTimeout(() => done(() => reject(new Error(`no ${re} within ${ms} ms:\n${out.stdout}${out.stderr}`))), ms);
          const done = (settle: () => void): void => {
            clearTimeout(timer);
            waiters.delete(check);
            settle();
          };
          waiters.add(check);
          check();
        });
      const ready = waitFor(/ worker (\S+) started: /).then((m) => m[1] as string);
      // Not every test waits for it; a failed start shows in `result`.
      ready.catch(() => undefined);
      const worker: RunningWorker = {
        output: () => ({ ...out }),
        waitFor,
        ready,
        stop: () => {
          requestStop();
          return result;
        },
        result,
      };
      started.push(worker);
      return worker;
    });
    await Promise.all(started.map((w) => w.stop()));
  },
});
