/** `conveyor schedule add|ls|rm|pause|resume|run-now`: cron and interval schedules of agent jobs. */
import type { Command } from 'commander';
import { ConveyorError, ErrorCode } from '../../../src-shared/errors';
import { CATCH_UP_POLICIES, type CatchUpPolicy, type ScheduleInfo, type ScheduleInput } from '../../../src-shared/schedule';
import { ScheduleStore } from '../../schedules/store';
import { formatTable, formatTime, printJson, type Column } from '../output';
import { integer } from '../parsers';
import type { CommandDeps } from './command-context';
import { readJobInput } from './submit';

interface AddOptions {
  cron?: string;
  tz?: string;
  every?: string;
  start?: string;
  end?: string;
  catchUp?: string;
  paused?: boolean;
  priority?: number;
  maxRetries?: number;
  timeout?: number;
}

const COLUMNS: Column<ScheduleInfo>[] = [
  { header: 'QUEUE', value: (s) => s.queue },
  { header: 'ID', value: (s) => s.id },
  { header: 'WHEN', value: (s) => (s.cron !== undefined ? `cron "${s.cron}"${s.tz ? ` ${s.tz}` : ''}` : `every ${s.everyMs} ms`) },
  { header: 'AGENT', value: (s) => s.agent },
  { header: 'STATE', value: (s) => (s.paused ? 'paused' : s.next === null ? 'ended' : 'active') },
  { header: 'NEXT RUNS', value: (s) => (s.nextRuns.length ? s.nextRuns.map((t) => formatTime(t)).join(', ') : '-') },
  { header: 'LAST JOB', value: (s) => s.lastJobId ?? '-' },
  { header: 'RUNS', value: (s) => s.runs },
];

/** `--catch-up skip|once|each[:N]`. */
function parseCatchUp(value: string): { catchUp: CatchUpPolicy; catchUpLimit?: number } {
  const m = /^(skip|once|each)(?::(\d+))?$/.exec(value);
  if (!m || (m[2] !== undefined && m[1] !== 'each')) {
    throw new ConveyorError(
      ErrorCode.InvalidArgs,
      `invalid --catch-up ${JSON.stringify(value)}: use ${CATCH_UP_POLICIES.join(', ')} or each:N (N 1-1000)`,
    );
  }
  return { catchUp: m[1] as CatchUpPolicy, ...(m[2] !== undefined ? { catchUpLimit: Number(m[2]) } : {}) };
}

function describe(s: ScheduleInfo): string {
  const state = s.paused ? 'paused' : s.next === null ? 'ended' : `next ${s.nextRuns.map((t) => formatTime(t)).join(', ')}`;
  return `schedule ${s.queue}/${s.id}: ${state}\n`;
}

export function registerScheduleCommands(program: Command, { io, context }: CommandDeps): void {
  const schedule = program
    .command('schedule')
    .description('run agent jobs on a cron schedule or an interval (workers and serve fire them)');

  schedule
    .command('add')
    .description('create or replace a schedule (the same definition again changes nothing)')
    .argument('<queue>', 'queue the jobs go to')
    .argument('<id>', "schedule id, unique in its queue: letters, digits, '.', '_' or '-'")
    .argument('<agent>', 'agent that runs each job')
    .argument('[input]', 'job input: JSON if it parses, else the text itself; "-" reads stdin (default: null)')
    .option('--cron <expr>', 'cron expression, 5 fields ("0 9 * * 1-5") or 6 with seconds first')
    .option('--tz <zone>', 'IANA time zone of --cron (default UTC), e.g. Europe/Berlin')
    .option('--every <duration>', 'interval instead of cron: 30s, 5m, 1h, 1d (at least 1s)')
    .option('--start <date>', 'no tick before this ISO 8601 date (intervals count from it)')
    .option('--end <date>', 'no tick after this ISO 8601 date')
    .option('--catch-up <policy>', 'ticks missed while no scheduler ran: skip, once (default) or each[:N] (latest N, default 10)')
    .option('--paused', 'store it paused')
    .option('--priority <n>', 'job priority, -1000000 to 1000000', integer(-1_000_000, 1_000_000))
    .option('--max-retries <n>', "job retries (default: the queue's)", integer(0))
    .option('--timeout <ms>', 'job timeout', integer(1))
    .action(async (queue: string, id: string, agent: string, inputArg: string | undefined, opts: AddOptions, cmd: Command) => {
      const ctx = context(cmd);
      const input: ScheduleInput = { queue, id, agent, input: await readJobInput(ctx, io, inputArg, {}) };
      if (opts.cron !== undefined) input.cron = opts.cron;
      if (opts.tz !== undefined) input.tz = opts.tz;
      if (opts.every !== undefined) input.every = opts.every;
      if (opts.start !== undefined) input.start = opts.start;
      if (opts.end !== undefined) input.end = opts.end;
      if (opts.catchUp !== undefined) Object.assign(input, parseCatchUp(opts.catchUp));
      if (opts.paused) input.paused = true;
      if (opts.priority !== undefined) input.priority = opts.priority;
      if (opts.maxRetries !== undefined) input.maxRetries = opts.maxRetries;
      if (opts.timeout !== undefined) input.timeoutMs = opts.timeout;
      const saved = await ctx.withAdapter((adapter) => new ScheduleStore(adapter).upsert(input));
      io.stdout.write(describe(saved));
    });

  schedule
    .command('ls')
    .alias('list')
    .description('list schedules with their next 3 fire times')
    .argument('[queue...]', 'only these queues')
    .option('--json', 'print JSON')
    .action(async (queues: string[], opts: { json?: boolean }, cmd: Command) => {
      const list = await context(cmd).withAdapter((adapter) => new ScheduleStore(adapter).list(queues.length ? queues : undefined));
      if (opts.json) printJson(io.stdout, list);
      else if (list.length === 0) io.stdout.write('no schedules\n');
      else io.stdout.write(formatTable(COLUMNS, list));
    });

  schedule
    .command('rm')
    .alias('remove')
    .description('remove a schedule (its jobs stay)')
    .argument('<queue>')
    .argument('<id>')
    .action(async (queue: string, id: string, _opts: unknown, cmd: Command) => {
      const removed = await context(cmd).withAdapter((adapter) => new ScheduleStore(adapter).remove(queue, id));
      if (!removed) throw new ConveyorError(ErrorCode.ScheduleNotFound, `no schedule "${id}" on queue "${queue}"`, { queue, id });
      io.stdout.write(`schedule ${queue}/${id} removed\n`);
    });

  for (const verb of ['pause', 'resume'] as const) {
    schedule
      .command(verb)
      .description(verb === 'pause' ? 'stop a schedule ticking' : 'start a paused schedule again, from its first tick after now')
      .argument('<queue>')
      .argument('<id>')
      .action(async (queue: string, id: string, _opts: unknown, cmd: Command) => {
        const s = await context(cmd).withAdapter((adapter) => new ScheduleStore(adapter)[verb](queue, id));
        io.stdout.write(describe(s));
      });
  }

  schedule
    .command('run-now')
    .description("enqueue the schedule's job now, outside its ticks; prints the job id")
    .argument('<queue>')
    .argument('<id>')
    .action(async (queue: string, id: string, _opts: unknown, cmd: Command) => {
      const jobId = await context(cmd).withAdapter((adapter) => new ScheduleStore(adapter).runNow(queue, id));
      io.stdout.write(`${jobId}\n`);
    });
}
