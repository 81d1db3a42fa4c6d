/** `conveyor job <queue> <id>` and `conveyor jobs <queue>`: look at jobs. */
import { Option, type Command } from 'commander';
import { JobNotFoundError } from '../../../src-shared/errors';
import { JOB_STATES, type AgentPayload, type Attempt, type JobRecord, type JobState, type LogLine } from '../../../src-shared/job';
import type { QueuePort } from '../../queue/port';
import { formatFields, formatTable, formatTime, formatValue, oneLine, printJson, truncate, type Column } from '../output';
import { integer } from '../parsers';
import type { CommandDeps } from './command-context';

const MAX_LIMIT = 1000;
const ERROR_WIDTH = 60;

function inputOf(job: JobRecord): unknown {
  const payload = job.item?.message.payload as Partial<AgentPayload> | undefined;
  return payload && typeof payload === 'object' && 'input' in payload ? payload.input : payload;
}

function describeAttempt(a: Attempt): string {
  const parts = [`#${a.number}`];
  if (a.worker !== undefined) parts.push(`worker ${a.worker}`);
  parts.push(a.outcome ?? 'running');
  if (a.startedAt ?? a.leasedAt) parts.push(formatTime(a.startedAt ?? a.leasedAt));
  if (a.endedAt !== undefined && (a.startedAt ?? a.leasedAt) !== undefined) parts.push(`${a.endedAt - (a.startedAt ?? a.leasedAt ?? 0)}ms`);
  if (a.error !== undefined) parts.push(`error: ${oneLine(a.error)}`);
  return parts.join('  ');
}

/** A stored log line with its time and attempt; lines stored by older versions have neither and show '-'. */
function formatLogLine(l: LogLine): string {
  return l.at === undefined ? `-  ${l.line}` : `${formatTime(l.at)}  #${l.attempt ?? '?'}  ${l.line}`;
}

export function formatJob(job: JobRecord): string {
  let text = formatFields([
    ['id', job.id],
    ['queue', job.queue],
    ['state', job.reason === undefined ? job.state : `${job.state} (${job.reason})`],
    ['agent', job.agent ?? '-'],
    ['input', job.item ? formatValue(inputOf(job)) : undefined],
    ['raw', job.raw],
    ['priority', String(job.priority)],
    ['created', formatTime(job.createdAt)],
    ['run at', job.runAt === undefined ? undefined : formatTime(job.runAt)],
    ['finished', job.finishedAt === undefined ? undefined : formatTime(job.finishedAt)],
    ['timeout', job.timeoutMs === undefined ? undefined : `${job.timeoutMs}ms`],
    [
      'progress',
      job.progress ? `${Math.round(job.progress.fraction * 100)}%${job.progress.message ? ` ${job.progress.message}` : ''}` : undefined,
    ],
    ['cancel', job.cancelRequested ? 'requested' : undefined],
    [
      'attempts',
      `${job.countedAttempts} of ${job.maxRetries + 1}${job.attempts.length > job.countedAttempts ? ` (${job.attempts.length} in all)` : ''}`,
    ],
  ]);
  for (const a of job.attempts) text += `  ${describeAttempt(a)}\n`;
  text += formatFields([
    ['result', job.result === undefined ? undefined : formatValue(job.result)],
    ['error', job.error],
  ]);
  if (job.stack) text += `stack\n${job.stack.replace(/^/gm, '  ')}\n`;
  if (job.logs.length > 0) text += `logs\n${job.logs.map((l) => `  ${formatLogLine(l)}`).join('\n')}\n`;
  return text;
}

const JOB_COLUMNS: Column<JobRecord>[] = [
  { header: 'ID', value: (j) => j.id },
  { header: 'STATE', value: (j) => j.state },
  { header: 'AGENT', value: (j) => j.agent ?? '-' },
  { header: 'PRIORITY', value: (j) => j.priority, align: 'right' },
  { header: 'ATTEMPTS', value: (j) => j.attempts.length, align: 'right' },
  { header: 'CREATED', value: (j) => formatTime(j.createdAt) },
  { header: 'ERROR', value: (j) => truncate(oneLine(j.error ?? ''), ERROR_WIDTH) },
];

interface ListOptions {
  state?: JobState;
  search?: string;
  limit: number;
  json?: boolean;
}

/** Jobs of one state, or of every state (most urgent first), or those matching a search. */
export async function findJobs(adapter: QueuePort, queue: string, opts: ListOptions): Promise<JobRecord[]> {
  // Fails with "queue does not exist" rather than printing an empty list for a typo.
  await adapter.getQueueInfo(queue);
  if (opts.search !== undefined) {
    // A state filter applies after the search, so look further than `limit`.
    const found = await adapter.search(queue, opts.search, { limit: opts.state === undefined ? opts.limit : MAX_LIMIT * 10 });
    return found.filter((j) => opts.state === undefined || j.state === opts.state).slice(0, opts.limit);
  }
  const states =
    opts.state === undefined
      ? (['active', 'waiting', 'waiting-children', 'delayed', 'dead', 'cancelled', 'completed'] as const)
      : [opts.state];
  const jobs: JobRecord[] = [];
  for (const state of states) {
    if (jobs.length >= opts.limit) break;
    jobs.push(...(await adapter.listJobs(queue, state, { limit: opts.limit - jobs.length })).jobs);
  }
  return jobs;
}

export function registerJobCommands(program: Command, { io, context }: CommandDeps): void {
  program
    .command('job')
    .description('show one job: state, agent, attempts, result or error')
    .argument('<queue>', 'queue name')
    .argument('<id>', 'job id')
    .option('--json', 'print the job record as JSON')
    .action(async (queue: string, id: string, opts: { json?: boolean }, cmd: Command) => {
      const job = await context(cmd).withAdapter(async (adapter) => {
        const found = await adapter.getJob(queue, id);
        // "no such job" for a typo in the queue name would send people looking for the job.
        if (!found) await adapter.getQueueInfo(queue);
        return found;
      });
      if (!job) throw new JobNotFoundError(queue, id);
      if (opts.json) return printJson(io.stdout, job);
      io.stdout.write(formatJob(job));
    });

  program
    .command('jobs')
    .description('list jobs of a queue')
    .argument('<queue>', 'queue name')
    .addOption(new Option('--state <state>', 'only jobs in this state').choices(JOB_STATES))
    .option('--search <text>', 'only jobs whose id, agent, input or error contains the text (case-insensitive)')
    .option('--limit <n>', `at most this many jobs, 1-${MAX_LIMIT}`, integer(1, MAX_LIMIT), 50)
    .option('--json', 'print JSON')
    .action(async (queue: string, opts: ListOptions, cmd: Command) => {
      const jobs = await context(cmd).withAdapter((adapter) => findJobs(adapter, queue, opts));
      if (opts.json) return printJson(io.stdout, jobs);
      if (jobs.length === 0) {
        io.stdout.write('no jobs\n');
        return;
      }
      io.stdout.write(formatTable(JOB_COLUMNS, jobs));
    });
}
