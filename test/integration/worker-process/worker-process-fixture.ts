/**
 * `node out/main/cli.js worker ...` as real processes on the test Redis
 * (the build must exist: scripts/test.sh and CI build first). Each test gets
 * a temp config.yml (key_prefix = its prefix, the fixture agents, short
 * timeouts); every process still alive after the test is SIGKILLed.
 *
 *   test('...', async ({ spawnWorker, adapter }) => {
 *     const w = await spawnWorker(['jobs']);
 *     const id = await w.ready;       // the worker id, from its start line
 *     w.child.kill('SIGTERM');
 *     expect((await w.exited).code).toBe(0);
 *   });
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FIXTURE_AGENTS, THREAD_ENTRY } from '../../support/pool';
import { OutputWatch } from '../../support/output-watch';
import { queueTest } from '../../support/queue';

const ROOT = path.resolve(__dirname, '../../..');
export const BUILT_CLI = path.join(ROOT, 'out/main/cli.js');

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** stdout and stderr so far, interleaved as they arrived. */
  output: () => string;
  /** The first match of `re` in the output, waiting up to `ms`. */
  waitFor: (re: RegExp, ms?: number) => Promise<RegExpExecArray>;
  /** The worker id, once the start line is out. */
  ready: Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface SpawnOptions {
  /** Replaces the `workers:` settings written by default (a YAML block under `workers:`). */
  workers?: string;
  /** Another Redis than the test's. */
  redisUrl?: string;
}

export interface WorkerProcessFixtures {
  spawnWorker: (args?: string[], opts?: SpawnOptions) => Promise<WorkerProcess>;
}

const DEFAULT_WORKERS = ['  threads: 1', '  concurrency: 2', '  shutdown_timeout_ms: 300', '  kill_grace_ms: 300'].join('\n');

export const workerProcessTest = queueTest.extend<WorkerProcessFixtures>({
  spawnWorker: async ({ prefix, redisUrl }, use) => {
    if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} does not exist: run npm run build (make test does)`);
    const dir = await mkdtemp(path.join(tmpdir(), 'conveyor-worker-'));
    const spawned: WorkerProcess[] = [];
    let n = 0;
    await use(async (args = [], opts = {}) => {
      const config = path.join(dir, `config-${n++}.yml`);
      const yaml = [
        'queue:',
        `  key_prefix: "${prefix}"`,
        '  connection_timeout: 5',
        'workers:',
        `  agents_dir: ${JSON.stringify(FIXTURE_AGENTS)}`,
        opts.workers ?? DEFAULT_WORKERS,
        '',
      ].join('\n');
      await writeFile(config, yaml);
      let output = '';
      const watch = new OutputWatch(() => output, 'the worker exited');
      const child = spawn(process.execPath, [BUILT_CLI, '--config', config, '--redis-url', opts.redisUrl ?? redisUrl, 'worker', ...args], {
        cwd: dir,
        // Not process.env: no REDIS_URL or CONVEYOR_CONFIG of the machine, no vitest NODE_OPTIONS.
        env: { PATH: process.env.PATH, HOME: dir, CONVEYOR_THREAD_ENTRY: THREAD_ENTRY },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
        child.on('exit', (code, signal) => {
          watch.end();
          resolve({ code, signal });
        });
      });
      for (const stream of [child.stdout, child.stderr]) {
        stream?.setEncoding('utf8');
        stream?.on('data', (chunk: string) => {
          output += chunk;
          watch.changed();
        });
      }
      const waitFor = (re: RegExp, ms?: number): Promise<RegExpExecArray> => watch.waitFor(re, ms);
      const ready = waitFor(/ worker (\S+) started: /).then((m) => m[1] as string);
      ready.catch(() => undefined);
      const worker: WorkerProcess = {
        child,
        get pid(): number {
          return child.pid ?? -1;
        },
        output: () => output,
        waitFor,
        ready,
        exited,
      };
      spawned.push(worker);
      return worker;
    });
    // No process outlives its test.
    for (const w of spawned) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await Promise.all(spawned.map((w) => w.exited));
    await rm(dir, { recursive: true, force: true });
  },
});
