/**
 * Runs the `conveyor` program in-process against the test Redis:
 *
 *   test('...', async ({ cli, adapter, queue }) => {
 *     const { code, stdout } = await cli.run(['queue', 'ls']);
 *   });
 *
 * Every run gets `--config <temp>/config.yml` (key_prefix = the test's prefix)
 * and `--redis-url <test Redis>`, unless `raw` is set.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { runCli } from '../../../src-main/cli/program';
import { OutputWatch } from '../../support/output-watch';
import { queueTest } from '../../support/queue';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface RunOptions {
  stdin?: string;
  /** Leave out the default --config and --redis-url. */
  raw?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Resolves when the program should stop, as SIGINT would (for `dev` without --once, `worker`). */
  shutdown?: Promise<void>;
  /** Sees the output as it is written, for tests that wait on a line of a running command. */
  tap?: (chunk: string, stream: 'stdout' | 'stderr') => void;
}

/** A long-running command (`dev`, `worker`) started in-process; `stop` asks it to stop as SIGTERM would. */
export interface RunningCommand {
  /** Output so far. */
  output: () => { stdout: string; stderr: string };
  /** The first match of `re` in stdout or stderr, waiting up to `ms` for it. */
  waitFor: (re: RegExp, ms?: number) => Promise<RegExpExecArray>;
  /** Asks it to stop and resolves with the run's result. */
  stop: () => Promise<CliResult>;
  /** Resolves when the command ends by itself or after `stop`. */
  result: Promise<CliResult>;
}

export interface Cli {
  /** Folder holding config.yml; also HOME and XDG_DATA_HOME of each run. */
  dir: string;
  configPath: string;
  /** Replaces config.yml. */
  writeConfig: (yaml: string) => Promise<void>;
  run: (args: string[], opts?: RunOptions) => Promise<CliResult>;
  /** Starts a long-running command; every one still running is stopped after the test. */
  start: (args: string[], opts?: Omit<RunOptions, 'shutdown' | 'tap'>) => RunningCommand;
}

class Buffered {
  text = '';
  constructor(private readonly tap?: (chunk: string) => void) {}
  write(chunk: string): boolean {
    this.text += chunk;
    this.tap?.(chunk);
    return true;
  }
}

export function configYaml(prefix: string, extra = ''): string {
  return `queue:\n  key_prefix: "${prefix}"\n  connection_timeout: 2\n${extra}`;
}

export const cliTest = queueTest.extend<{ cli: Cli }>({
  cli: async ({ prefix, redisUrl }, use) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'conveyor-cli-'));
    const configPath = path.join(dir, 'config.yml');
    const writeConfig = (yaml: string): Promise<void> => writeFile(configPath, yaml);
    await writeConfig(configYaml(prefix));
    const run = async (args: string[], opts: RunOptions = {}): Promise<CliResult> => {
      const stdout = new Buffered(opts.tap && ((chunk) => opts.tap?.(chunk, 'stdout')));
      const stderr = new Buffered(opts.tap && ((chunk) => opts.tap?.(chunk, 'stderr')));
      const argv = opts.raw ? args : ['--config', configPath, '--redis-url', redisUrl, ...args];
      const started = Date.now();
      const code = await runCli(argv, {
        stdout,
        stderr,
        stdin: Readable.from(opts.stdin === undefined ? [] : [opts.stdin]),
        // Not process.env: no REDIS_URL or CONVEYOR_CONFIG of the machine leaks in.
        env: {
          HOME: dir,
          XDG_DATA_HOME: path.join(dir, 'data'),
          XDG_CONFIG_HOME: path.join(dir, 'config'),
          PATH: process.env.PATH,
          ...opts.env,
        },
        cwd: dir,
        ...(opts.shutdown
          ? {
              onShutdown: (listener: () => void) => {
                let on = true;
                void opts.shutdown?.then(() => on && listener());
                return () => {
                  on = false;
                };
              },
            }
          : {}),
      });
      return { code, stdout: stdout.text, stderr: stderr.text, ms: Date.now() - started };
    };
    const started: RunningCommand[] = [];
    const start = (args: string[], opts: Omit<RunOptions, 'shutdown' | 'tap'> = {}): RunningCommand => {
      let requestStop!: () => void;
      const shutdown = new Promise<void>((resolve) => (requestStop = resolve));
      const out = { stdout: '', stderr: '' };
      const watch = new OutputWatch(() => `${out.stdout}${out.stderr}`, 'the command ended');
      const result = run(args, {
        ...opts,
        shutdown,
        tap: (chunk, stream) => {
          out[stream] += chunk;
          watch.changed();
        },
      });
      void result.finally(() => watch.end());
      const command: RunningCommand = {
        output: () => ({ ...out }),
        waitFor: (re, ms) => watch.waitFor(re, ms),
        stop: () => {
          requestStop();
          return result;
        },
        result,
      };
      started.push(command);
      return command;
    };
    await use({ dir, configPath, writeConfig, run, start });
    await Promise.all(started.map((c) => c.stop()));
    await rm(dir, { recursive: true, force: true });
  },
});
