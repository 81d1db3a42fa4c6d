/**
 * The desktop app as a child of `conveyor dev`: Electron on the built
 * out/main/index.js, its output forwarded, stopped with one SIGTERM (Electron
 * quits gracefully on it: the control core closes, the local pool hands its
 * jobs back).
 *
 * On POSIX the child gets its own process group, so a Ctrl+C in the terminal
 * reaches only `dev`, which then stops the app once: a second signal would make
 * Electron exit without closing the core. If `dev` itself exits (a second
 * Ctrl+C), the app is killed with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConveyorError, ErrorCode } from '../../../src-shared/errors';
import type { CliWritable } from '../io';

export interface DesktopAppOptions {
  electron: string;
  /** After the main script: `--config PATH`, `--no-worker`. */
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: CliWritable;
  stderr: CliWritable;
  /** The built main process. Default: out/main/index.js (see desktopMainScript). */
  main?: string;
}

export interface DesktopAppExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** How long it ran. */
  ms: number;
  /** Its last line on stderr, for saying why it failed. */
  lastError: string;
}

/** out/main/index.js, wherever this module was bundled to (out/main, out/main/chunks) or run from (src-main/cli/dev). */
export function desktopMainScript(): string {
  const candidates = [
    join(__dirname, 'index.js'),
    join(__dirname, '..', 'index.js'),
    resolve(__dirname, '..', '..', '..', 'out', 'main', 'index.js'),
  ];
  const found = candidates.find((file) => existsSync(file));
  if (!found) {
    throw new ConveyorError(ErrorCode.Internal, 'the desktop app is not built (no out/main/index.js): run `npm run build` first', {
      looked: candidates,
    });
  }
  return found;
}

export function describeExit(exit: Pick<DesktopAppExit, 'code' | 'signal'>): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code ?? '?'}`;
}

export class DesktopApp {
  /** Resolves once the app has exited and its output is forwarded. */
  readonly exited: Promise<DesktopAppExit>;
  private stopped = false;
  private readonly killOnExit = (): void => void this.child.kill('SIGKILL');

  private constructor(
    private readonly child: ChildProcess,
    out: Pick<DesktopAppOptions, 'stdout' | 'stderr'>,
  ) {
    const started = Date.now();
    let lastError = '';
    let partial = '';
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => void out.stdout.write(chunk));
    child.stderr?.on('data', (chunk: string) => {
      out.stderr.write(chunk);
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      lastError =
        lines
          .map((l) => l.trim())
          .filter(Boolean)
          .pop() ?? lastError;
    });
    // Later errors (a failed kill) change nothing: 'close' still comes.
    child.on('error', () => undefined);
    process.on('exit', this.killOnExit);
    this.exited = new Promise((resolveExit) => {
      // 'close', not 'exit': the output has been forwarded to the end.
      child.once('close', (code, signal) => {
        process.off('exit', this.killOnExit);
        resolveExit({ code, signal, ms: Date.now() - started, lastError: partial.trim() || lastError });
      });
    });
  }

  /** Spawns the app; rejects when it cannot be spawned at all (ENOENT, EACCES). */
  static start(options: DesktopAppOptions): Promise<DesktopApp> {
    const main = options.main ?? desktopMainScript();
    const env = { ...options.env };
    // Set, it would make Electron run the script as plain Node.
    delete env['ELECTRON_RUN_AS_NODE'];
    const child = spawn(options.electron, [main, ...options.args], {
      cwd: options.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
    });
    return new Promise((resolveStart, reject) => {
      child.once('error', reject);
      child.once('spawn', () => {
        child.off('error', reject);
        resolveStart(new DesktopApp(child, options));
      });
    });
  }

  /** Asks the app to quit, once. */
  stop(): void {
    if (this.stopped || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.stopped = true;
    this.child.kill('SIGTERM');
  }
}
