/** Entry of `out/main/cli.js` (and `bin/conveyor.js`): the real process around `runCli`. */
import { isatty } from 'node:tty';
import { runCli } from './program';

/** How a shell reports a process ended by the signal: 128 + its number. */
const SIGNAL_EXIT_CODE = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof SIGNAL_EXIT_CODE;

const listeners = new Set<() => void>();
let signalled = false;

/** First SIGINT/SIGTERM: ask the command to stop. Second: exit at once with 130/143. */
function onSignal(signal: StopSignal): void {
  if (signalled) {
    process.stderr.write(`conveyor: ${signal} again: exiting without waiting\n`);
    process.exit(SIGNAL_EXIT_CODE[signal]);
  }
  signalled = true;
  for (const listener of [...listeners]) listener();
}

function setHandlers(on: boolean): void {
  for (const signal of Object.keys(SIGNAL_EXIT_CODE) as StopSignal[]) {
    if (on) process.on(signal, onSignal);
    else process.off(signal, onSignal);
  }
}

/**
 * Signals are caught only while a long-running command (`dev`, `worker`)
 * listens, so Ctrl+C kills the others at once. After the first signal the
 * handlers stay, so a second one always ends the process.
 */
function onShutdown(listener: () => void): () => void {
  if (listeners.size === 0 && !signalled) setHandlers(true);
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && !signalled) setHandlers(false);
  };
}

// `conveyor jobs q | head`: a closed pipe is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  // Touch process.stdin only when a command reads it (`enqueue ... -`); isatty(0) does not open it.
  stdin: { [Symbol.asyncIterator]: () => process.stdin[Symbol.asyncIterator](), isTTY: isatty(0) },
  env: process.env,
  cwd: process.cwd(),
  onShutdown,
}).then(
  (code) => {
    process.exitCode = code;
    // Asked to stop and done stopping: a handle still open (a connect attempt
    // still retrying) must not keep the process up. stdout/stderr are
    // synchronous for files, pipes and terminals on POSIX, so nothing is lost.
    if (signalled) process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`conveyor: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
