import type { ContenderName } from './contender';
import type { LatencyStats } from './latency';
import { CURVE_CONCURRENCY, type MeasurementKey, type MemoryFigures } from './measurements';
import type { ScriptCost } from './redis-cpu-per-job';
import type { CommandStat, RedisUsage } from './redis-stats';

/** One timed run, as written to --json. */
export interface RunRecord {
  measurement: MeasurementKey;
  contender: ContenderName;
  /** The variant: processor setup (`pool-2x32`, `in-process-64`, ...), retention, processes; '' for queue measurements. */
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
  latency?: LatencyStats;
  memory?: MemoryFigures;
  /** End to end: ms the consumer's start took inside the timed part. */
  startupMs?: number;
  /** scripts: Redis cost per job by script. */
  scripts?: ScriptCost;
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
  latency?: { p50: Spread; p95: Spread; p99: Spread; max: Spread; mean: Spread };
  memory?: { deltaBytes: Spread; completedKept: number };
  startupMs?: Spread;
  /** scripts: per step (enqueue, lease, ...), µs of script time, µs of Redis CPU and commands per job; and the history's share of complete. */
  scripts?: { steps: Record<string, StepSpread>; history?: StepSpread };
}

export interface StepSpread {
  us: Spread;
  cpuUs: Spread;
  commands: Spread;
}

type StepFigures = { us: number; cpuUs: number; commands: number };

const isStep = (v: unknown): v is StepFigures =>
  typeof v === 'object' && v !== null && ['us', 'cpuUs', 'commands'].every((k) => typeof (v as Record<string, unknown>)[k] === 'number');

/** Every step a ScriptCost measured, in its order: whatever steps measureScriptCost returns, none dropped by name. */
export function scriptSteps(cost: ScriptCost): Array<[string, StepFigures]> {
  return Object.entries(cost).filter((e): e is [string, StepFigures] => e[0] !== 'history' && isStep(e[1]));
}

function stepSpread(xs: StepFigures[]): StepSpread {
  return { us: spread(xs.map((x) => x.us)), cpuUs: spread(xs.map((x) => x.cpuUs)), commands: spread(xs.map((x) => x.commands)) };
}

function scriptsSummary(costs: ScriptCost[]): Summary['scripts'] {
  const steps: Record<string, StepSpread> = {};
  for (const [name] of costs[0] ? scriptSteps(costs[0]) : []) {
    const xs = costs.flatMap((c) =>
      scriptSteps(c)
        .filter(([n]) => n === name)
        .map(([, f]) => f),
    );
    steps[name] = stepSpread(xs);
  }
  const history = costs.map((c) => c.history).filter(isStep);
  return { steps, ...(history.length > 0 ? { history: stepSpread(history) } : {}) };
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
    const lat = rs.map((r) => r.latency).filter((l): l is LatencyStats => l !== undefined);
    const mem = rs.map((r) => r.memory).filter((m): m is MemoryFigures => m !== undefined);
    const costs = rs.map((r) => r.scripts).filter((c): c is ScriptCost => c !== undefined);
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
      ...(lat.length > 0
        ? {
            latency: {
              p50: spread(lat.map((l) => l.p50)),
              p95: spread(lat.map((l) => l.p95)),
              p99: spread(lat.map((l) => l.p99)),
              max: spread(lat.map((l) => l.max)),
              mean: spread(lat.map((l) => l.mean)),
            },
          }
        : {}),
      ...(rs.every((r) => r.startupMs !== undefined) ? { startupMs: spread(rs.map((r) => r.startupMs as number)) } : {}),
      ...(mem.length > 0
        ? { memory: { deltaBytes: spread(mem.map((m) => m.deltaBytes)), completedKept: Math.max(...mem.map((m) => m.completedKept)) } }
        : {}),
      ...(costs.length > 0 ? { scripts: scriptsSummary(costs) } : {}),
    };
  });
}

// ------------------------------------------------------------------ text

export const int = (n: number): string => Math.round(n).toLocaleString('en-US');
export const dec = (n: number, digits = 1): string => n.toFixed(digits);
/** A median with the runs' [min–max] when they differ. */
export const withRange = (s: Spread | undefined, fmt: (n: number) => string): string =>
  s === undefined ? '–' : fmt(s.min) === fmt(s.max) ? fmt(s.median) : `${fmt(s.median)} [${fmt(s.min)}–${fmt(s.max)}]`;
export const rate = (s: Spread | undefined): string => withRange(s, int);
export const times = (r: number | undefined): string => (r === undefined || !Number.isFinite(r) ? '–' : `${dec(r, 2)}×`);
export const ms = (n: number | undefined): string => (n === undefined ? '–' : n < 10 ? dec(n, 2) : dec(n, 1));
export const mb = (bytes: number): string => `${dec(bytes / 1_048_576, 1)} MB`;
const SHORT: Record<ContenderName, string> = { conveyor: 'C', bullmq: 'B', beequeue: 'Bee' };

/** Left-aligns the first column, right-aligns the rest. */
export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
        .join('   ')
        .trimEnd(),
    )
    .join('\n');
}

export interface ReportInput {
  summaries: Summary[];
  /** The contenders that ran, in column order. */
  contenders: ContenderName[];
  labels: Record<ContenderName, string>;
  titles: Map<MeasurementKey, string>;
  /** "WorkerPool 2 threads × 32" for a variant key. */
  setupLabel: (c: ContenderName, key: string) => string;
  /** The variant key a contender's curve point at `concurrency` has (also e2e's at 64). */
  curveKey: (c: ContenderName, concurrency: number) => string;
  /** The keys of its further setups at `concurrency` (Contender.curveExtras), in order. */
  curveExtras?: (c: ContenderName, concurrency: number) => string[];
  /** The variant key of the multi-process measurement at `processes`. */
  procsKey: (c: ContenderName, processes: number) => string;
  /** BullMQ's in-process and sandboxed e2e setups, Bee-Queue's. */
  baselines: { inProcess: string; sandboxed: string; bee: string };
  /** Conveyor's completed-job retention count. */
  retentionCount: number;
}

export function find(s: readonly Summary[], m: MeasurementKey, c: ContenderName, setup = ''): Summary | undefined {
  return s.find((x) => x.measurement === m && x.contender === c && x.setup === setup);
}

/** The contender's fastest setup of a processing measurement. */
export function best(s: readonly Summary[], m: MeasurementKey, c: ContenderName): Summary | undefined {
  return s.filter((x) => x.measurement === m && x.contender === c).sort((a, b) => b.jobsPerSec.median - a.jobsPerSec.median)[0];
}

/** A curve point: the curve measurement's own, or e2e's at the same setup. */
export function curvePoint(input: ReportInput, c: ContenderName, concurrency: number): Summary | undefined {
  const key = input.curveKey(c, concurrency);
  return find(input.summaries, 'curve', c, key) ?? find(input.summaries, 'e2e', c, key);
}

/** Queue API: one row per measurement, a column per system. */
export function queueTable(input: ReportInput, order: MeasurementKey[]): string {
  const { summaries, contenders, labels, titles } = input;
  const others = contenders.filter((c) => c !== 'conveyor');
  const who = contenders.map((c) => SHORT[c]).join(' / ');
  const rows = [
    [
      'measurement',
      'jobs',
      ...contenders.map((c) => `${labels[c]} jobs/s`),
      ...(contenders.includes('conveyor') ? others.map((c) => `C/${SHORT[c]}`) : []),
      `Redis CPU µs/job ${who}`,
      `cmds/job ${who}`,
    ],
  ];
  for (const m of order) {
    const byC = contenders.map((c) => find(summaries, m, c));
    const conv = find(summaries, m, 'conveyor');
    rows.push([
      titles.get(m) ?? m,
      int(byC.find(Boolean)?.jobs ?? 0),
      ...byC.map((s) => rate(s?.jobsPerSec)),
      ...(contenders.includes('conveyor')
        ? others.map((c) => {
            const o = find(summaries, m, c);
            return times(conv && o ? conv.jobsPerSec.median / o.jobsPerSec.median : undefined);
          })
        : []),
      byC.map((s) => (s ? dec(s.redisCpuUsPerJob.median) : '–')).join(' / '),
      byC.map((s) => (s ? dec(s.commandsPerJob.median) : '–')).join(' / '),
    ]);
  }
  return table(rows);
}

/** End to end: one block per measurement, one row per system and setup. */
export function processingTable(input: ReportInput, order: MeasurementKey[]): string {
  const { summaries, contenders, labels, titles, setupLabel, baselines } = input;
  const rows = [['measurement / setup', 'jobs', 'jobs/s', 'vs BullMQ in-proc', 'vs Bee-Queue', 'start ms', 'Redis CPU µs/job', 'cmds/job']];
  for (const m of order) {
    const base = find(summaries, m, 'bullmq', baselines.inProcess);
    const bee = find(summaries, m, 'beequeue', baselines.bee);
    rows.push([titles.get(m) ?? m, '', '', '', '', '', '', '']);
    for (const c of contenders) {
      for (const s of summaries.filter((x) => x.measurement === m && x.contender === c)) {
        rows.push([
          `  ${labels[c]} ${setupLabel(c, s.setup)}`,
          int(s.jobs),
          rate(s.jobsPerSec),
          times(base ? s.jobsPerSec.median / base.jobsPerSec.median : undefined),
          times(bee ? s.jobsPerSec.median / bee.jobsPerSec.median : undefined),
          s.startupMs ? dec(s.startupMs.median, 0) : '–',
          dec(s.redisCpuUsPerJob.median),
          dec(s.commandsPerJob.median),
        ]);
      }
    }
  }
  return table(rows);
}

/** One line of the concurrency curve: a contender's curve setup, or one of its extras, at each concurrency. */
export interface CurveSeries {
  contender: ContenderName;
  /** "Conveyor WorkerPool 1 thread × C": C for the concurrency. */
  label: string;
  at(concurrency: number): Summary | undefined;
}

/** Every series of the curve: per contender, its curve setup's, then one per extra setup (`curveExtras`), none left out. */
export function curveSeries(input: ReportInput): CurveSeries[] {
  const out: CurveSeries[] = [];
  for (const c of input.contenders) {
    const extras = (n: number): string[] => input.curveExtras?.(c, n) ?? [];
    const width = Math.max(0, ...CURVE_CONCURRENCY.map((n) => extras(n).length));
    for (let i = -1; i < width; i++) {
      const key = (n: number): string | undefined => (i < 0 ? input.curveKey(c, n) : extras(n)[i]);
      const first = CURVE_CONCURRENCY.map(key).find((k) => k !== undefined) ?? '';
      out.push({
        contender: c,
        label: `${input.labels[c]} ${input.setupLabel(c, first).replace(/\b1\b(?!.*\b1\b)/, 'C')}`,
        at: (n) => {
          const k = key(n);
          return k === undefined ? undefined : (find(input.summaries, 'curve', c, k) ?? find(input.summaries, 'e2e', c, k));
        },
      });
    }
  }
  return out;
}

/** A contender's fastest curve point at `concurrency`, over its series. */
export function bestCurvePoint(input: ReportInput, c: ContenderName, concurrency: number): Summary | undefined {
  return curveSeries(input)
    .filter((x) => x.contender === c)
    .map((x) => x.at(concurrency))
    .filter((x): x is Summary => x !== undefined)
    .sort((a, b) => b.jobsPerSec.median - a.jobsPerSec.median)[0];
}

/** Jobs/s by concurrency, a row per series, then each Conveyor series' ratios to the others' curve setups. */
export function curveTable(input: ReportInput): string {
  const { contenders, labels } = input;
  const series = curveSeries(input);
  const rows = [['system (setup at C)', ...CURVE_CONCURRENCY.map((n) => `C=${n} jobs/s`)]];
  for (const x of series) rows.push([x.label, ...CURVE_CONCURRENCY.map((n) => rate(x.at(n)?.jobsPerSec))]);
  const conveyor = series.filter((x) => x.contender === 'conveyor');
  for (const o of contenders.filter((c) => c !== 'conveyor')) {
    for (const x of conveyor) {
      rows.push([
        `  ${x.label.replace(/^Conveyor /, '')} / ${labels[o]}`,
        ...CURVE_CONCURRENCY.map((n) => {
          const a = x.at(n);
          const b = curvePoint(input, o, n);
          return times(a && b ? a.jobsPerSec.median / b.jobsPerSec.median : undefined);
        }),
      ]);
    }
  }
  return table(rows);
}

export function latencyTable(input: ReportInput): string {
  const { summaries, contenders, labels, setupLabel } = input;
  const rows = [['system (consumer)', 'jobs', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'mean ms', 'Redis CPU µs/job']];
  for (const c of contenders) {
    for (const s of summaries.filter((x) => x.measurement === 'latency' && x.contender === c)) {
      const l = s.latency;
      rows.push([
        `${labels[c]} ${setupLabel(c, s.setup)}`,
        int(s.jobs),
        withRange(l?.p50, ms),
        withRange(l?.p95, ms),
        withRange(l?.p99, ms),
        withRange(l?.max, ms),
        withRange(l?.mean, ms),
        dec(s.redisCpuUsPerJob.median),
      ]);
    }
  }
  return table(rows);
}

export function memoryTable(input: ReportInput): string {
  const { summaries, contenders, labels, setupLabel } = input;
  const rows = [['system · retention', 'completed jobs', 'used_memory Δ', 'bytes/job', 'completed kept', 'drain jobs/s']];
  for (const c of contenders) {
    for (const s of summaries.filter((x) => x.measurement === 'memory' && x.contender === c)) {
      const d = s.memory?.deltaBytes.median ?? 0;
      rows.push([
        `${labels[c]} · ${setupLabel(c, s.setup)}`,
        int(s.jobs),
        withRange(s.memory?.deltaBytes, mb),
        int(d / s.jobs),
        int(s.memory?.completedKept ?? 0),
        rate(s.jobsPerSec),
      ]);
    }
  }
  return table(rows);
}

export function procsTable(input: ReportInput): string {
  const { summaries, contenders, labels, setupLabel } = input;
  const rows = [['system · worker processes', 'jobs', 'jobs/s', 'vs 1 process', 'Redis CPU µs/job', 'cmds/job']];
  for (const c of contenders) {
    const all = summaries.filter((x) => x.measurement === 'procs' && x.contender === c);
    const one = all.find((s) => s.setup === input.procsKey(c, 1));
    for (const s of all) {
      rows.push([
        `${labels[c]} · ${setupLabel(c, s.setup)}`,
        int(s.jobs),
        rate(s.jobsPerSec),
        times(one ? s.jobsPerSec.median / one.jobsPerSec.median : undefined),
        dec(s.redisCpuUsPerJob.median),
        dec(s.commandsPerJob.median),
      ]);
    }
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
