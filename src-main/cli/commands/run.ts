/**
 * `conveyor run <queue> <agent> [input|-]`: enqueue a job, follow it (progress
 * and logs as the agent reports them, on stderr), and print its result on
 * stdout; a job that ends dead or cancelled exits 1. Ctrl-C on a terminal
 * asks whether to cancel the job; without a terminal (a script, CI) it
 * cancels it, since nothing will read the result, and exits 130.
 */
import type { Command } from 'commander';
import { FINAL_STATES, type JobEvent, type JobEventType, type JobRecord } from '../../../src-shared/job';
import type { QueuePort } from '../../queue/port';
import { CliExit, EXIT_ERROR } from '../exit';
import { readLine, type CliIo } from '../io';
import { formatValue, oneLine, printJson } from '../output';
import { ProgressView } from '../progress-view';
import type { CommandDeps } from './command-context';
import { readJobInput, submitArguments, submitJob, type SubmitOptions } from './submit';

/** Exit status after Ctrl-C, as a shell reports SIGINT. */
const EXIT_INTERRUPTED = 130;
/** Events wake the loop at once; the job record is also read this often, so a missed event costs at most this. */
const POLL_MS = 1000;
/** Events after which the job does not change any more. */
const FINAL_EVENTS: ReadonlySet<JobEventType> = new Set(['completed', 'dead', 'cancelled', 'removed']);

interface RunOptions extends SubmitOptions {
  json?: boolean;
}

interface Followed {
  record: JobRecord | null;
  /** Ctrl-C was pressed and the job was cancelled for it. */
  interrupted: boolean;
}

/** The queue's event tail as one pending "next batch" at a time; a failed or ended tail stops waking the loop (the poll goes on). */
class EventFeed {
  private pending: Promise<JobEvent[]>;

  constructor(private readonly tail: AsyncIterator<JobEvent[]>) {
    this.pending = this.read();
  }

  /** The batch being read now; call `consume` once it has been handled. */
  next(): Promise<JobEvent[]> {
    return this.pending;
  }

  consume(): void {
    this.pending = this.read();
  }

  private read(): Promise<JobEvent[]> {
    return this.tail.next().then(
      (r) => (r.done ? new Promise<JobEvent[]>(() => undefined) : r.value),
      () => new Promise<JobEvent[]>(() => undefined),
    );
  }
}

export function registerRunCommand(program: Command, { io, context }: CommandDeps): void {
  submitArguments(program.command('run').description('enqueue an agent job, show its progress, and print its result (exit 1 if it fails)'))
    .option('--json', 'print the final job record as JSON instead of the result')
    .addHelpText(
      'after',
      '\nProgress and logs go to stderr, the result to stdout. Exit: 0 completed, 1 dead or cancelled, 130 after Ctrl-C.\nCtrl-C on a terminal asks whether to cancel the job; without a terminal it cancels it.',
    )
    .action(async (queue: string, agent: string, inputArg: string | undefined, opts: RunOptions, cmd: Command) => {
      const ctx = context(cmd);
      const input = await readJobInput(ctx, io, inputArg, opts);
      const { id, record, interrupted } = await ctx.withAdapter(async (adapter) => {
        const jobId = await submitJob(ctx, adapter, { queue, agent, input }, opts);
        return { id: jobId, ...(await follow(io, adapter, queue, jobId)) };
      });
      report(io, queue, id, record, interrupted, opts.json === true);
    });
}

/** Prints the outcome; anything but a completed job ends with a non-zero exit. */
function report(io: CliIo, queue: string, id: string, record: JobRecord | null, interrupted: boolean, json: boolean): void {
  if (record && json) printJson(io.stdout, record);
  if (record?.state === 'completed') {
    if (!json) io.stdout.write(`${formatValue(record.result)}\n`);
    return;
  }
  const code = interrupted ? EXIT_INTERRUPTED : EXIT_ERROR;
  if (!record) throw new CliExit(code, `job ${id} of queue "${queue}" was removed before it finished`);
  // A cancelled job's reason and error both say "cancelled": say each thing once.
  const reason = record.reason === undefined || record.reason === record.state ? '' : ` (${record.reason})`;
  const why = record.error === undefined || record.error === record.state ? '' : `: ${oneLine(record.error)}`;
  throw new CliExit(code, `job ${id} ended ${record.state}${reason}${why}`);
}

/**
 * Shows the job's events until it ends, and resolves to its final record. The
 * tail starts at the job's creation time (the stream's ids are Redis server
 * milliseconds, as is `createdAt`), so no event of the job is missed however
 * fast it runs; the record, read on every wake-up and at least every
 * POLL_MS, decides when it has ended.
 */
async function follow(io: CliIo, adapter: QueuePort, queue: string, id: string): Promise<Followed> {
  const tty = io.stderr.isTTY === true;
  const view = new ProgressView(io.stderr, tty);
  view.line(`job ${id} enqueued on ${queue}`);
  let signalled: () => void = () => undefined;
  const interrupt = new Promise<'interrupt'>((resolve) => (signalled = () => resolve('interrupt')));
  const unsubscribe = io.onShutdown?.(() => signalled()) ?? (() => undefined);
  const stopTail = new AbortController();
  let interruptPending: Promise<'interrupt'> = interrupt;
  let interrupted = false;
  try {
    let record = await adapter.getJob(queue, id);
    if (!record) return { record, interrupted };
    const tail = adapter.events([queue], { fromId: String(record.createdAt - 1), signal: stopTail.signal });
    const feed = new EventFeed(tail);
    // Ends at the job's final event; a final record without one (the stream was trimmed) ends after one quiet poll.
    let finalEvent = false;
    let quiet = false;
    while (record && !finalEvent && !(FINAL_STATES.includes(record.state) && quiet)) {
      let timer: NodeJS.Timeout | undefined;
      const woke = await Promise.race([
        feed.next(),
        interruptPending,
        new Promise<'poll'>((resolve) => (timer = setTimeout(() => resolve('poll'), POLL_MS))),
      ]).finally(() => clearTimeout(timer));
      quiet = woke === 'poll';
      if (woke === 'interrupt') {
        // One question per run: a second Ctrl-C ends the process (main.ts).
        interruptPending = new Promise(() => undefined);
        view.clear();
        if (!(await shouldCancel(io, tty, id))) {
          io.stderr.write(`job ${id} keeps running; see it with: conveyor job ${queue} ${id}\n`);
          throw new CliExit(EXIT_INTERRUPTED);
        }
        interrupted = true;
        const outcome = await adapter.cancel(queue, id);
        view.line(
          outcome === 'cancelled' ? `job ${id} cancelled` : `cancel requested: waiting for job ${id} to stop (Ctrl-C again leaves now)`,
        );
      } else if (woke !== 'poll') {
        feed.consume();
        for (const event of woke) {
          if (event.jobId !== id) continue;
          showEvent(view, event);
          finalEvent ||= FINAL_EVENTS.has(event.type);
        }
      }
      record = await adapter.getJob(queue, id);
    }
    return { record, interrupted };
  } finally {
    stopTail.abort();
    view.clear();
    unsubscribe();
  }
}

async function shouldCancel(io: CliIo, tty: boolean, id: string): Promise<boolean> {
  if (!tty || !io.stdin?.isTTY) return true;
  io.stderr.write(`cancel job ${id}? [y/N] `);
  const answer = await readLine(io.stdin);
  return /^\s*y(es)?\s*$/i.test(answer ?? '');
}

function showEvent(view: ProgressView, e: JobEvent): void {
  const attempt = e.attempt === undefined ? '' : ` (attempt ${e.attempt}${e.worker ? ` on ${e.worker}` : ''})`;
  switch (e.type) {
    case 'progress':
      if (e.fraction !== undefined) view.progress(e.fraction, e.message);
      return;
    case 'log':
      if (e.message !== undefined) view.line(`log: ${oneLine(e.message)}`);
      return;
    case 'started':
      view.line(`started${attempt}`);
      return;
    case 'failed':
      view.line(`failed${attempt}${e.error ? `: ${oneLine(e.error)}` : ''}`);
      return;
    case 'retrying':
      view.line(`retrying${e.delayMs ? ` in ${e.delayMs} ms` : ''}`);
      return;
    case 'stalled':
      view.line(`its worker lost the lease${attempt}`);
      return;
    default:
      return;
  }
}
