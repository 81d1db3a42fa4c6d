/**
 * The tables and targets of the feature measurements (feature-measurements.ts):
 * limits (issue 18), flows (issue 19), the Redis cost per script (issue 21).
 */
import type { ContenderName } from './contender';
import type { ScriptCost } from './redis-cpu-per-job';
import { FLOW_CHILDREN, FLOW_FAN_OUT, LIMIT_VARIANTS, SCRIPT_BATCHES } from './feature-measurements';
import { dec, find, int, scriptSteps, ms, rate, table, times, withRange, type ReportInput, type StepSpread, type Summary } from './report';
import type { Comparison, ExtraTargets, TargetRow } from './targets';

/** Issue 18: end-to-end throughput with a limit far above the achieved rate drops by at most this share. */
export const LIMIT_MAX_DROP = 0.1;
/** Issue 21: the metrics history's Redis CPU per completed job, at most. */
export const HISTORY_MAX_US = 2;

const RESUME_KEY = `resume-${FLOW_FAN_OUT}`;
const FLOWS_KEY = `flows-${FLOW_CHILDREN}`;
const batchKey = (b: number): string => `batch-${b}`;

/** "+1.2 %" / "−3.4 %": b against a (the baseline). */
export function percentChange(value: number, baseline: number): string {
  const p = (100 * (value - baseline)) / baseline;
  return `${p < 0 ? '−' : '+'}${Math.abs(p).toFixed(1)} %`;
}

/** "completeWithoutHistory" → "complete without history". */
export function stepName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`);
}

export function limitsTable(input: ReportInput): string {
  const { summaries, contenders, labels, setupLabel } = input;
  const rows = [['system · setup', 'jobs', 'jobs/s', 'vs no limit', 'start ms', 'Redis CPU µs/job', 'cmds/job']];
  for (const c of contenders) {
    const none = find(summaries, 'limits', c, LIMIT_VARIANTS.none);
    for (const s of summaries.filter((x) => x.measurement === 'limits' && x.contender === c)) {
      rows.push([
        `${labels[c]} · ${setupLabel(c, s.setup)}`,
        int(s.jobs),
        rate(s.jobsPerSec),
        none && s !== none ? percentChange(s.jobsPerSec.median, none.jobsPerSec.median) : '–',
        s.startupMs ? dec(s.startupMs.median, 0) : '–',
        dec(s.redisCpuUsPerJob.median),
        dec(s.commandsPerJob.median),
      ]);
    }
  }
  return table(rows);
}

/** Redis per job of a flow's jobs (a run's "jobs" are flows: a parent and its children each). */
const perFlowJob = (s: Summary, children: number): string => dec(s.redisCpuUsPerJob.median / (children + 1));

export function flowsTable(input: ReportInput): string {
  const { summaries, contenders, labels } = input;
  const of = (key: string): Array<[ContenderName, Summary]> =>
    contenders.flatMap((c) => {
      const s = find(summaries, 'flows', c, key);
      return s ? [[c, s] as [ContenderName, Summary]] : [];
    });
  const resume = [
    [
      `fan-out of ${int(FLOW_FAN_OUT)}: last child acknowledged → parent started`,
      'fan-outs',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'max ms',
      'Redis CPU µs/job',
    ],
  ];
  for (const [c, s] of of(RESUME_KEY)) {
    const l = s.latency;
    resume.push([
      `  ${labels[c]}`,
      int(s.jobs),
      withRange(l?.p50, ms),
      withRange(l?.p95, ms),
      withRange(l?.p99, ms),
      withRange(l?.max, ms),
      perFlowJob(s, FLOW_FAN_OUT),
    ]);
  }
  const bull = find(summaries, 'flows', 'bullmq', FLOWS_KEY);
  const through = [
    [
      `flows of 1 parent + ${FLOW_CHILDREN} children, run to the parent's completion`,
      'flows',
      'flows/s',
      'vs BullMQ',
      'Redis CPU µs/job',
      'cmds/job',
    ],
  ];
  for (const [c, s] of of(FLOWS_KEY)) {
    through.push([
      `  ${labels[c]}`,
      int(s.jobs),
      rate(s.jobsPerSec),
      times(bull ? s.jobsPerSec.median / bull.jobsPerSec.median : undefined),
      perFlowJob(s, FLOW_CHILDREN),
      dec(s.commandsPerJob.median / (FLOW_CHILDREN + 1)),
    ]);
  }
  return `${table(resume)}\n\n${table(through)}`;
}

const stepCells = (x: StepSpread | undefined): string[] =>
  x ? [withRange(x.us, (n) => dec(n, 2)), withRange(x.cpuUs, (n) => dec(n, 2)), dec(x.commands.median, 1)] : ['–', '–', '–'];

/** One row per script step (every step measureScriptCost returned), three columns per batch size. */
export function scriptsTable(input: ReportInput): string {
  const byBatch = SCRIPT_BATCHES.map((b) => find(input.summaries, 'scripts', 'conveyor', batchKey(b)));
  const steps = [...new Set(byBatch.flatMap((s) => Object.keys(s?.scripts?.steps ?? {})))];
  const head = ['step, per job'];
  for (const b of SCRIPT_BATCHES) head.push(`${int(b)}/call: script µs`, 'Redis CPU µs', 'cmds');
  const rows = [head];
  for (const step of steps) rows.push([stepName(step), ...byBatch.flatMap((s) => stepCells(s?.scripts?.steps[step]))]);
  rows.push(["metrics history's share of complete", ...byBatch.flatMap((s) => stepCells(s?.scripts?.history))]);
  return table(rows);
}

/** Issue 18's, 19's and 21's targets, and the flow figures BullMQ has a counterpart for. */
export function featureTargets(input: ReportInput): ExtraTargets {
  const s = input.summaries;
  const rows: TargetRow[] = [];
  const comparisons: Comparison[] = [];

  const none = find(s, 'limits', 'conveyor', LIMIT_VARIANTS.none);
  const limited = find(s, 'limits', 'conveyor', LIMIT_VARIANTS.limit);
  const drop = none && limited ? 1 - limited.jobsPerSec.median / none.jobsPerSec.median : undefined;
  rows.push({
    target: `e2e echo C=64 with a limit far above the achieved rate: throughput drop ≤ ${100 * LIMIT_MAX_DROP} % (#18)`,
    measured:
      none && limited
        ? `${percentChange(limited.jobsPerSec.median, none.jobsPerSec.median)} (${int(limited.jobsPerSec.median)} vs ${int(none.jobsPerSec.median)} jobs/s)`
        : '–',
    met: drop === undefined ? undefined : drop <= LIMIT_MAX_DROP,
  });

  const resume = (c: ContenderName): Summary | undefined => find(s, 'flows', c, RESUME_KEY);
  const cr = resume('conveyor')?.latency;
  const br = resume('bullmq')?.latency;
  for (const p of ['p50', 'p99'] as const) {
    rows.push({
      target: `fan-out of ${int(FLOW_FAN_OUT)}, last child → parent started, ${p} ≤ BullMQ FlowProducer's (#19)`,
      measured: cr && br ? `${ms(cr[p].median)} vs ${ms(br[p].median)} ms` : cr ? `${ms(cr[p].median)} ms` : '–',
      met: cr && br ? cr[p].median <= br[p].median : undefined,
    });
    comparisons.push({
      what: `flow resume ${p}`,
      conveyor: cr?.[p].median,
      other: br?.[p].median,
      who: 'bullmq',
      higherIsBetter: false,
      unit: 'ms',
    });
  }
  const cf = find(s, 'flows', 'conveyor', FLOWS_KEY)?.jobsPerSec.median;
  const bf = find(s, 'flows', 'bullmq', FLOWS_KEY)?.jobsPerSec.median;
  rows.push({
    target: `flows/s (1 parent + ${FLOW_CHILDREN} children) ≥ BullMQ FlowProducer (#19)`,
    measured:
      cf !== undefined && bf !== undefined
        ? `${times(cf / bf)} (${int(cf)} vs ${int(bf)} flows/s)`
        : cf !== undefined
          ? `${int(cf)} flows/s`
          : '–',
    met: cf !== undefined && bf !== undefined ? cf >= bf : undefined,
  });
  comparisons.push({ what: 'flow throughput', conveyor: cf, other: bf, who: 'bullmq', higherIsBetter: true, unit: 'flows/s' });

  const history = (b: number): number | undefined => find(s, 'scripts', 'conveyor', batchKey(b))?.scripts?.history?.cpuUs.median;
  const [one, many] = [history(1), history(Math.max(...SCRIPT_BATCHES))];
  rows.push({
    target: `metrics history ≤ ${HISTORY_MAX_US} µs Redis CPU per completed job, ${int(Math.max(...SCRIPT_BATCHES))}/call (#21)`,
    measured: many === undefined ? '–' : `${dec(many, 2)} µs${one === undefined ? '' : ` (${dec(one, 2)} µs at 1/call)`}`,
    met: many === undefined ? undefined : many <= HISTORY_MAX_US,
  });
  return { rows, comparisons };
}

/** A progress line's figures: "enqueue 5.10, lease 6.20, … µs Redis CPU/job". */
export function scriptStepsLine(cost: ScriptCost): string {
  return `${scriptSteps(cost)
    .map(([name, f]) => `${stepName(name)} ${f.cpuUs.toFixed(2)}`)
    .join(', ')} µs Redis CPU/job`;
}
