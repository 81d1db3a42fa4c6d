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
import { cliTest, configYaml, type RunningCommand } from './cli-fixture';

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

export interface RunningWorker extends RunningCommand {
  /** The worker id, once the start line is out. */
  ready: Promise<string>;
}

export const workerTest = cliTest.extend<{ startWorker: (args?: string[], opts?: { env?: NodeJS.ProcessEnv }) => RunningWorker }>({
  startWorker: async ({ cli, prefix }, use) => {
    await cli.writeConfig(workerConfigYaml(prefix));
    // cli stops every command it started after the test.
    await use((args = [], opts = {}) => {
      const command = cli.start(['worker', ...args], { env: { CONVEYOR_THREAD_ENTRY: THREAD_ENTRY, ...opts.env } });
      const ready = command.waitFor(/ worker (\S+) started: /).then((m) => m[1] as string);
      // Not every test waits for it; a failed start shows in `result`.
      ready.catch(() => undefined);
      return { ...command, ready };
    });
  },
});
