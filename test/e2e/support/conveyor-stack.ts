/**
 * The processes behind the feature e2e tests, all on the build (out/main/cli.js,
 * as copied for the run by build-snapshot.ts):
 *
 * - `conveyor serve --port 0`: the web mode with its local worker pool, on a
 *   temp config.yml (private Redis, a fresh `queue.key_prefix`, the fixture
 *   agents of test/fixtures/agents, short backoff, lease and shutdown times);
 * - `conveyor worker`: a separate worker process on the same config;
 * - `conveyor <command>`: one-shot CLI calls (a producer, or a look at Redis).
 *
 * Child processes get CONVEYOR_THREAD_ENTRY so their worker threads load the
 * TypeScript fixture agents. Every child is stopped by `stop()`, and killed
 * should this process exit without stopping it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import type { BuildSnapshot } from './build-snapshot';

export const root = resolve(__dirname, '../../..');
export const agentsDir = join(root, 'test/fixtures/agents');

/** Comment lines the config test expects to survive a save. */
export const CONFIG_HEADER_COMMENT = '# Conveyor e2e config: a private Redis and a fresh key prefix for this test.';
export const CONCURRENCY_COMMENT = '# async jobs per thread of the local pool';

export interface StackOptions {
  /** Queues the local pool of `conveyor serve` works (config.yml `workers.queues`). */
  poolQueues: string[];
  /** Queues the separate worker process works; empty: no worker process. */
  workerQueues: string[];
  /** Jobs per thread, of the local pool and of the worker process (one thread each). */
  concurrency: number;
  /** config.yml `queue.backoff.delay_ms` (fixed backoff) for queues created without options. */
  backoffMs: number;
  /** config.yml `queue.retention.completed.count`. */
  keepCompleted: number;
}

export const DEFAULT_STACK_OPTIONS: StackOptions = {
  poolQueues: ['default'],
  workerQueues: ['default'],
  concurrency: 4,
  backoffMs: 200,
  keepCompleted: 1000,
};

/** config.yml of one test: comments on purpose (a save must keep them). */
export function configText(redisUrl: string, keyPrefix: string, o: StackOptions): string {
  return [
    CONFIG_HEADER_COMMENT,
    '# Written by test/e2e/support/conveyor-stack.ts; removed after the test.',
    'queue:',
    `  redis_url: "${redisUrl}"`,
    `  key_prefix: "${keyPrefix}"   # fresh for each test`,
    '  connection_timeout: 5',
    '  lease_ms: 5000',
    '  backoff:',
    '    type: "fixed"',
    `    delay_ms: ${o.backoffMs}`,
    `    max_delay_ms: ${o.backoffMs}`,
    '  retention:',
    '    completed:',
    `      count: ${o.keepCompleted}`,
    '      age_s: 0',
    'workers:',
    `  queues: [${o.poolQueues.map((q) => `"${q}"`).join(', ')}]`,
    '  threads: 1',
    `  concurrency: ${o.concurrency}   ${CONCURRENCY_COMMENT}`,
    '  job_timeout_ms: 120000',
    '  kill_grace_ms: 500',
    '  shutdown_timeout_ms: 500',
    `  agents_dir: "${agentsDir}"`,
    '',
  ].join('\n');
}

/**
 * Environment of every child: the thread entry that loads TypeScript agents
 * (an absolute path: `conveyor serve` hands it to `new Worker()` unresolved),
 * and no REDIS_URL or CONVEYOR_CONFIG of the caller's.
 */
function childEnv(build: BuildSnapshot): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CONVEYOR_THREAD_ENTRY: build.threadEntry };
  delete env['REDIS_URL'];
  delete env['CONVEYOR_CONFIG'];
  return env;
}

// ------------------------------------------------------------ child processes

const live = new Set<ChildProcess>();
let exitHook = false;
function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHook) {
    exitHook = true;
    // The runner died or was interrupted without tearing down: leave nothing behind.
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
}

/** A long-running child with its output teed into a log file. */
export class Child {
  private readonly log: WriteStream;
  private stdoutText = '';
  private stderrText = '';
  private readonly exited: Promise<number | null>;

  constructor(
    readonly name: string,
    readonly process: ChildProcess,
    readonly logPath: string,
  ) {
    track(process);
    this.log = createWriteStream(logPath);
    process.stdout?.on('data', (chunk: Buffer) => {
      this.stdoutText += chunk.toString();
      this.log.write(chunk);
    });
    process.stderr?.on('data', (chunk: Buffer) => {
      this.stderrText += chunk.toString();
      this.log.write(chunk);
    });
    this.exited = new Promise((r) => process.once('exit', (code) => r(code)));
  }

  get pid(): number {
    const pid = this.process.pid;
    if (pid === undefined) throw new Error(`${this.name} has no pid (it did not start)`);
    return pid;
  }

  get output(): string {
    return this.stdoutText + this.stderrText;
  }

  /** Resolves with the first match of `pattern` on stdout; rejects on timeout or exit. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return new Promise((resolveMatch, reject) => {
      const check = (): boolean => {
        const m = this.stdoutText.match(pattern);
        if (m) {
          cleanup();
          resolveMatch(m);
        }
        return m !== null;
      };
      const onExit = (code: number | null): void => {
        cleanup();
        reject(new Error(`${this.name} exited (${code}) before printing ${pattern}:\n${this.output}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.name} did not print ${pattern} within ${timeoutMs} ms:\n${this.output}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.process.stdout?.off('data', check);
        this.process.off('exit', onExit);
      };
      if (check()) return;
      this.process.stdout?.on('data', check);
      this.process.once('exit', onExit);
    });
  }

  /** SIGTERM (a graceful stop), SIGKILL after `graceMs`; resolves once it has exited. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      this.process.kill('SIGTERM');
      const killer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(killer);
    }
    await new Promise<void>((r) => this.log.end(() => r()));
  }
}

function spawnCli(build: BuildSnapshot, name: string, args: string[], logPath: string): Child {
  const child = spawn(process.execPath, [build.cliPath, ...args], { cwd: root, env: childEnv(build), stdio: ['ignore', 'pipe', 'pipe'] });
  return new Child(name, child, logPath);
}

/** A TypeScript script of the repo run from source through tsx (Lua files load as text), as its own process. */
export function spawnTsScript(name: string, script: string, args: string[], logPath: string): Child {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['REDIS_URL'];
  delete env['CONVEYOR_CONFIG'];
  const child = spawn(process.execPath, ['--require', './scripts/register-lua-raw.cjs', '--import', 'tsx', script, ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Child(name, child, logPath);
}

// ------------------------------------------------------------------- the stack

export interface WorkerProcess {
  child: Child;
  pid: number;
  /** The id it registered under (host:pid:random). */
  workerId: string;
  queues: string[];
}

export interface ConveyorStack {
  /** The tokenised control center URL. */
  url: string;
  configPath: string;
  keyPrefix: string;
  options: StackOptions;
  serve: Child;
  /** The separate `conveyor worker` process, when `workerQueues` is not empty. */
  worker: WorkerProcess | undefined;
  /** Runs `conveyor --config <this config> ...args`; resolves with stdout, rejects with stderr. */
  cli(...args: string[]): Promise<string>;
  /** `conveyor job <queue> <id> --json`. */
  job(queue: string, id: string): Promise<JobJson>;
  stop(): Promise<void>;
}

/** The parts of `conveyor job --json` the tests read. */
export interface JobJson {
  id: string;
  state: string;
  attempts: Array<{ number: number; leasedAt?: number; endedAt?: number; outcome?: string; error?: string }>;
  result?: unknown;
}

/**
 * Writes the config, starts `conveyor serve` (waits for its URL) and, when
 * asked, a `conveyor worker` (waits for its start line). Logs go to `logDir`.
 */
export async function startStack(build: BuildSnapshot, redisUrl: string, logDir: string, options: StackOptions): Promise<ConveyorStack> {
  await mkdir(logDir, { recursive: true });
  const dir = await mkdtemp(join(tmpdir(), 'conveyor-e2e-'));
  const keyPrefix = `e2e-${randomBytes(4).toString('hex')}`;
  const configPath = join(dir, 'config.yml');
  await writeFile(configPath, configText(redisUrl, keyPrefix, options));

  const children: Child[] = [];
  const stop = async (): Promise<void> => {
    // The worker first: its graceful stop hands running jobs back while Redis is up.
    for (const c of [...children].reverse()) await c.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const serve = spawnCli(build, 'conveyor serve', ['--config', configPath, 'serve', '--port', '0'], join(logDir, 'serve.log'));
    children.push(serve);
    const [, url] = await serve.waitFor(/Conveyor control center: (\S+)\n/, 30_000);

    let worker: WorkerProcess | undefined;
    if (options.workerQueues.length > 0) {
      const child = spawnCli(
        build,
        'conveyor worker',
        [
          '--config',
          configPath,
          'worker',
          ...options.workerQueues,
          '--create',
          '--threads',
          '1',
          '--concurrency',
          String(options.concurrency),
        ],
        join(logDir, 'worker.log'),
      );
      children.push(child);
      const [, workerId] = await child.waitFor(/worker (\S+) started: /, 30_000);
      worker = { child, pid: child.pid, workerId: workerId ?? '', queues: options.workerQueues };
    }

    const cli = (...args: string[]): Promise<string> =>
      new Promise((resolveRun, reject) => {
        execFile(
          process.execPath,
          [build.cliPath, '--config', configPath, ...args],
          { cwd: root, env: childEnv(build), timeout: 30_000 },
          (err, stdout, stderr) => {
            if (err) reject(new Error(`conveyor ${args.join(' ')} failed: ${stderr || err.message}`));
            else resolveRun(stdout);
          },
        );
      });

    return {
      url: url ?? '',
      configPath,
      keyPrefix,
      options,
      serve,
      worker,
      cli,
      job: async (queue, id) => JSON.parse(await cli('job', queue, id, '--json')) as JobJson,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
