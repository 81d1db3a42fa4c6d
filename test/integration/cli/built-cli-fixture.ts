/**
 * The built `conveyor` (out/main/cli.js) run as a child process, the way a
 * user runs it, against the test Redis:
 *
 *   test('...', async ({ built, startWorker }) => {
 *     await startWorker().ready;
 *     const res = await built.run(['run', 'jobs', 'echo', 'hi']);
 *     const child = built.spawn(['run', 'jobs', 'progress']);
 *     await child.waitFor(/started/);
 *   });
 *
 * Every run gets the `cli` fixture's `--config` and `--redis-url` (unless
 * `raw`), and an environment without the machine's REDIS_URL or CONVEYOR_CONFIG.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { OutputWatch } from '../../support/output-watch';
import { workerTest } from './worker-fixture';

export const ROOT = path.resolve(__dirname, '../../..');
export const BUILT_CLI = path.join(ROOT, 'out/main/cli.js');

export interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SpawnedCli {
  child: ChildProcess;
  output: () => { stdout: string; stderr: string };
  waitFor: (re: RegExp, ms?: number) => Promise<RegExpExecArray>;
  exited: Promise<Exited>;
}

export interface BuiltRunOptions {
  /** Leave out --config and --redis-url. */
  raw?: boolean;
  env?: NodeJS.ProcessEnv;
  stdin?: string;
  /** The program to run instead of `node out/main/cli.js` (e.g. `script` for a terminal); gets the arguments. */
  wrap?: (argv: string[]) => { command: string; args: string[] };
}

export interface BuiltCli {
  spawn: (args: string[], opts?: BuiltRunOptions) => SpawnedCli;
  run: (args: string[], opts?: BuiltRunOptions & { timeoutMs?: number }) => Promise<Exited>;
}

export const builtTest = workerTest.extend<{ built: BuiltCli }>({
  built: async ({ cli, redisUrl }, use) => {
    if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run \`npm run build\` first`);
    const children = new Set<ChildProcess>();
    const spawnCli = (args: string[], opts: BuiltRunOptions = {}): SpawnedCli => {
      const argv = [BUILT_CLI, ...(opts.raw ? [] : ['--config', cli.configPath, '--redis-url', redisUrl]), ...args];
      const { command, args: finalArgs } = opts.wrap ? opts.wrap([process.execPath, ...argv]) : { command: process.execPath, args: argv };
      const child = spawn(command, finalArgs, {
        cwd: cli.dir,
        env: {
          HOME: cli.dir,
          XDG_CONFIG_HOME: path.join(cli.dir, 'config'),
          XDG_DATA_HOME: path.join(cli.dir, 'data'),
          PATH: process.env.PATH,
          ...opts.env,
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      children.add(child);
      const out = { stdout: '', stderr: '' };
      const watch = new OutputWatch(() => `${out.stdout}${out.stderr}`, 'the process exited');
      child.stdout?.on('data', (d: Buffer) => {
        out.stdout += d.toString();
        watch.changed();
      });
      child.stderr?.on('data', (d: Buffer) => {
        out.stderr += d.toString();
        watch.changed();
      });
      if (opts.stdin !== undefined) child.stdin?.end(opts.stdin);
      const exited = new Promise<Exited>((resolve) => {
        child.once('close', (code, signal) => {
          children.delete(child);
          watch.end();
          resolve({ code, signal, ...out });
        });
      });
      return { child, output: () => ({ ...out }), waitFor: (re, ms) => watch.waitFor(re, ms), exited };
    };
    const run = async (args: string[], opts: BuiltRunOptions & { timeoutMs?: number } = {}): Promise<Exited> => {
      const spawned = spawnCli(args, { stdin: '', ...opts });
      const timer = setTimeout(() => spawned.child.kill('SIGKILL'), opts.timeoutMs ?? 45_000);
      try {
        return await spawned.exited;
      } finally {
        clearTimeout(timer);
      }
    };
    await use({ spawn: spawnCli, run });
    for (const child of children) child.kill('SIGKILL');
  },
});
