import type { ContenderName } from './contender';
import type { MeasurementKey } from './measurements';
import type { CommandStat, RedisUsage } from './redis-stats';

/** One timed run, as written to --json. */
export interface RunRecord {
  measurement: MeasurementKey;
  contender: ContenderName;
  /** The contender's processor setup (`pool-2x32`, `sandboxed`, ...); '' for queue measurements. */
  setup: string;
  run: number;
  jobs: number;
  seconds: number;
  jobsPerSec: number;
  redisCpuUsPerJob: number;
  commandsPerJob: number;
  /** Share of the box's CPU other processes took during the timed part (Linux only). */
  foreignCpuShare?: number;
  redis: RedisUsage;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface CommandShare {
  name: string;
  callsPerJob: number;
  usPerJob: number;
  usPerCall: number;
}

export interface Summary {
  measurement: MeasurementKey;
  contender: ContenderName;
  setup: string;
  jobs: number;
  runs: number;
  jobsPerSec: Spread;
  redisCpuUsPerJob: Spread;
  commandsPerJob: Spread;
  /** Over all runs, by µs per job, highest first. */
  commands: CommandShare[];
}

export function spread(values: number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  return { median, min: s[0] as number, max: s[s.length - 1] as number };
}

export function summarize(runs: RunRecord[]): Summary[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const key = `${r.measurement}/${r.contender}/${r.setup}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((rs) => {
    const first = rs[0] as RunRecord;
    const totalJobs = rs.reduce((n, r) => n + r.jobs, 0);
    const sum = new Map<string, CommandStat>();
    for (const r of rs) {
      for (const [name, c] of Object.entries(r.redis.commands)) {
        const s = sum.get(name) ?? { calls: 0, usec: 0 };
        sum.set(name, { calls: s.calls + c.calls, usec: s.usec + c.usec });
      }
    }
    const commands = [...sum.entries()]
      .map(([name, c]) => ({ name, callsPerJob: c.calls / totalJobs, usPerJob: c.usec / totalJobs, usPerCall: c.usec / c.calls }))
      .sort((a, b) => b.usPerJob - a.usPerJob);
    return {
      measurement: first.measurement,
      contender: first.contender,
      setup: first.setup,
      jobs: first.jobs,
      runs: rs.length,
      jobsPerSec: spread(rs.map((r) => r.jobsPerSec)),
      redisCpuUsPerJob: spread(rs.map((r) => r.redisCpuUsPerJob)),
      commandsPerJob: spread(rs.map((r) => r.commandsPerJob)),
      commands,
    };
  });
}

// ------------------------------------------------------------------ text

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const dec = (n: number, digits = 1): string => n.toFixed(digits);
const rate = (s: Spread | undefined): string => (s ? `${int(s.median)} [${int(s.min)}–${int(s.max)}]` : '–');
const pair = (a: number | undefined, b: number | undefined): string => `${a === undefined ? '–' : dec(a)} / ${b === undefined ? '–' : dec(b)}`;

/** Left-aligns the first column, right-aligns the rest. */
function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('   ').trimEnd())
    .join('\n');
}

export interface TableInput {
  titles: Map<MeasurementKey, string>;
  order: MeasurementKey[];
  summaries: Summary[];
  labels: Record<ContenderName, string>;
}

function find(s: Summary[], m: MeasurementKey, c: ContenderName, setup = ''): Summary | undefined {
  return s.find((x) => x.measurement === m && x.contender === c && x.setup === setup);
}

export function resultsTable({ titles, order, summaries, labels }: TableInput): string {
  const rows = [
    [
      'measurement',
      'jobs',
      `${labels.conveyor} jobs/s`,
      `${labels.bullmq} jobs/s`,
      'C/B',
      'Redis CPU µs/job C / B',
      'cmds/job C / B',
    ],
  ];
  for (const m of order) {
    const c = find(summaries, m, 'conveyor');
    const b = find(summaries, m, 'bullmq');
    const ratio = c && b ? `${dec(c.jobsPerSec.median / b.jobsPerSec.median, 2)}×` : '–';
    rows.push([
      titles.get(m) ?? m,
      int((c ?? b)?.jobs ?? 0),
      rate(c?.jobsPerSec),
      rate(b?.jobsPerSec),
      ratio,
      pair(c?.redisCpuUsPerJob.median, b?.redisCpuUsPerJob.median),
      pair(c?.commandsPerJob.median, b?.commandsPerJob.median),
    ]);
  }
  return table(rows);
}

export interface ProcessingTableInput {
  titles: Map<MeasurementKey, string>;
  order: MeasurementKey[];
  summaries: Summary[];
  /** Row labels: contender label and setup label, e.g. "Conveyor WorkerPool 2 threads × 32". */
  rowLabel: (contender: ContenderName, setup: string) => string;
  /** The row the others are compared with: BullMQ's first setup (in-process). */
  baseline: { contender: ContenderName; setup: string };
}

/** Processing measurements: one block per measurement, one row per contender setup, in the order they ran. */
export function processingTable({ titles, order, summaries, rowLabel, baseline }: ProcessingTableInput): string {
  const rows = [['measurement / setup', 'jobs', 'jobs/s', 'vs base', 'Redis CPU µs/job', 'cmds/job']];
  for (const m of order) {
    const base = find(summaries, m, baseline.contender, baseline.setup);
    rows.push([titles.get(m) ?? m, '', '', '', '', '']);
    for (const s of summaries.filter((x) => x.measurement === m)) {
      const isBase = s === base;
      rows.push([
        `  ${rowLabel(s.contender, s.setup)}${isBase ? ' (base)' : ''}`,
        int(s.jobs),
        rate(s.jobsPerSec),
        base ? `${dec(s.jobsPerSec.median / base.jobsPerSec.median, 2)}×` : '–',
        dec(s.redisCpuUsPerJob.median),
        dec(s.commandsPerJob.median),
      ]);
    }
  }
  return table(rows);
}

/** The targets against the medians; a missing measurement reads n/a. */
export function targetsTable(summaries: Summary[]): string {
  const ratio = (m: MeasurementKey): number | undefined => {
    const c = find(summaries, m, 'conveyor');
    const b = find(summaries, m, 'bullmq');
    return c && b ? c.jobsPerSec.median / b.jobsPerSec.median : undefined;
  };
  const verdict = (ok: boolean | undefined): string => (ok === undefined ? 'n/a' : ok ? 'MET' : 'MISSED');
  const cpu = (m: MeasurementKey): number | undefined => find(summaries, m, 'conveyor')?.redisCpuUsPerJob.median;
  const rows: string[][] = [['target (issue)', 'measured', '']];
  for (const [m, label, min] of [
    ['one', 'one-by-one enqueue ≥ 2× BullMQ', 2],
    ['bulk', 'bulk enqueue ≥ 3× BullMQ', 3],
  ] as const) {
    const r = ratio(m);
    rows.push([label, r === undefined ? '–' : `${dec(r, 2)}×`, verdict(r === undefined ? undefined : r >= min)]);
  }
  const drain = cpu('drain');
  for (const [m, how] of [
    ['bulk', 'bulk'],
    ['one', 'one-by-one'],
  ] as const) {
    const enq = cpu(m);
    const total = enq !== undefined && drain !== undefined ? enq + drain : undefined;
    rows.push([
      `Redis CPU ≤ 40 µs/job (Conveyor, ${how} enqueue + dequeue+complete)`,
      total === undefined ? '–' : `${dec(enq as number)} + ${dec(drain as number)} = ${dec(total)} µs`,
      verdict(total === undefined ? undefined : total <= 40),
    ]);
  }
  return table(rows);
}

export function commandsTable(s: Summary, top: number): string {
  const rows = [['  command', 'calls/job', 'µs/job', 'µs/call']];
  for (const c of s.commands.slice(0, top)) {
    rows.push([`  ${c.name}`, dec(c.callsPerJob, 3), dec(c.usPerJob, 2), dec(c.usPerCall, 2)]);
  }
  return table(rows);
}
