/**
 * The targets table: issue 6's targets, issue 15's latency ones, those the
 * feature report adds (feature-report.ts), and every figure on which Conveyor
 * is behind another system.
 */
import { CONSUMER_BATCH, type ContenderName } from './contender';
import { CURVE_CONCURRENCY, LATENCY_CONCURRENCY, PROCS_PAIR, type MeasurementKey } from './measurements';
import { best, bestCurvePoint, curvePoint, dec, find, int, mb, ms, table, type ReportInput, type Summary } from './report';

export interface TargetRow {
  target: string;
  measured: string;
  /** undefined: not measured this time. */
  met: boolean | undefined;
  /** Further lines under the row (what fell short). */
  details?: string[];
}

const verdict = (ok: boolean | undefined): string => (ok === undefined ? 'n/a' : ok ? 'MET' : 'MISSED');

/** A figure with a counterpart in another system, for the "ahead on every figure" row. */
export interface Comparison {
  what: string;
  conveyor: number | undefined;
  other: number | undefined;
  who: ContenderName;
  higherIsBetter: boolean;
  unit: 'jobs/s' | 'ms' | 'bytes' | 'flows/s' | 'µs/job';
}

/** Targets and comparisons of other modules' measurements (feature-report.ts), placed before the last row. */
export interface ExtraTargets {
  rows: TargetRow[];
  comparisons: Comparison[];
}

/** Percentiles issue 15 sets a target on. */
export const LATENCY_TARGET_PERCENTILES = ['p50', 'p95', 'p99'] as const;

/** The summary with the lowest median at percentile `p`. */
export function bestLatency(xs: readonly Summary[], p: 'p50' | 'p95' | 'p99' | 'max'): Summary | undefined {
  return xs.filter((x) => x.latency).sort((a, b) => (a.latency?.[p].median ?? Infinity) - (b.latency?.[p].median ?? Infinity))[0];
}

/** The issues' targets against the medians; a missing measurement reads n/a. */
export function targets(input: ReportInput, extra: ExtraTargets = { rows: [], comparisons: [] }): TargetRow[] {
  const { summaries: s, baselines, labels } = input;
  const rows: TargetRow[] = [];
  const jps = (x: Summary | undefined): number | undefined => x?.jobsPerSec.median;
  const ratio = (a: number | undefined, b: number | undefined): number | undefined =>
    a !== undefined && b !== undefined ? a / b : undefined;
  const atLeast = (target: string, r: number | undefined, min: number): void => {
    rows.push({ target, measured: r === undefined ? '–' : `${dec(r, 2)}×`, met: r === undefined ? undefined : r >= min });
  };
  for (const [m, what] of [
    ['one', 'one-by-one enqueue (awaited)'],
    ['concurrent', 'concurrent one-by-one enqueue'],
  ] as const) {
    const c = jps(find(s, m, 'conveyor'));
    atLeast(`${what} ≥ 2× BullMQ`, ratio(c, jps(find(s, m, 'bullmq'))), 2);
    atLeast(`${what} ≥ Bee-Queue`, ratio(c, jps(find(s, m, 'beequeue'))), 1);
  }
  atLeast('bulk enqueue ≥ 3× BullMQ', ratio(jps(find(s, 'bulk', 'conveyor')), jps(find(s, 'bulk', 'bullmq'))), 3);
  const e2e = best(s, 'e2e', 'conveyor');
  const e2eWho = e2e ? ` (${input.setupLabel('conveyor', e2e.setup)})` : '';
  atLeast(`e2e echo C=64 ≥ 2× BullMQ in-process${e2eWho}`, ratio(jps(e2e), jps(find(s, 'e2e', 'bullmq', baselines.inProcess))), 2);
  atLeast(`e2e echo C=64 ≥ 5× BullMQ sandboxed${e2eWho}`, ratio(jps(e2e), jps(find(s, 'e2e', 'bullmq', baselines.sandboxed))), 5);

  // Issue 15: each percentile at or below Bee-Queue's, for the threads setup (the curve's) and for the best one.
  const lats = (c: ContenderName): Summary[] => s.filter((x) => x.measurement === 'latency' && x.contender === c && x.latency);
  const threads = lats('conveyor').find((x) => x.setup === input.curveKey('conveyor', LATENCY_CONCURRENCY));
  const bl = lats('beequeue')[0]?.latency;
  for (const p of LATENCY_TARGET_PERCENTILES) {
    const bestAt = bestLatency(lats('conveyor'), p);
    for (const [x, which] of [
      [threads, 'threads'],
      [bestAt, 'best'],
    ] as const) {
      if (which === 'best' && (bestAt === undefined || bestAt === threads)) continue;
      const v = x?.latency?.[p].median;
      const label = x
        ? input.setupLabel('conveyor', x.setup)
        : input.setupLabel('conveyor', input.curveKey('conveyor', LATENCY_CONCURRENCY));
      rows.push({
        target: `${p} latency at 500/s ≤ Bee-Queue's (#15; ${which === 'best' ? `best: ${label}` : label})`,
        measured: v !== undefined && bl ? `${ms(v)} vs ${ms(bl[p].median)} ms` : '–',
        met: v !== undefined && bl ? v <= bl[p].median : undefined,
      });
    }
  }
  const cl = threads?.latency;
  rows.push({
    target: 'p50 latency at 500/s ≤ 1 ms',
    measured: cl ? `${ms(cl.p50.median)} ms` : '–',
    met: cl ? cl.p50.median <= 1 : undefined,
  });

  const cpu = (m: MeasurementKey, setup = ''): number | undefined => find(s, m, 'conveyor', setup)?.redisCpuUsPerJob.median;
  const drain = cpu('drain');
  const sumRow = (how: string, enq: number | undefined, deq: number | undefined, deqWhat: string): void => {
    const total = enq !== undefined && deq !== undefined ? enq + deq : undefined;
    rows.push({
      target: `Redis CPU ≤ 40 µs/processed job (${how} + ${deqWhat})`,
      measured: total === undefined ? '–' : `${dec(enq as number)} + ${dec(deq as number)} = ${dec(total)} µs`,
      met: total === undefined ? undefined : total <= 40,
    });
  };
  sumRow('bulk enqueue', cpu('bulk'), drain, 'dequeue+complete');
  sumRow('concurrent enqueue', cpu('concurrent'), drain, 'dequeue+complete');
  sumRow('concurrent enqueue', cpu('concurrent'), e2e?.redisCpuUsPerJob.median, 'WorkerPool e2e');
  sumRow('awaited enqueue', cpu('one'), drain, 'dequeue+complete');

  const mem = s.filter((x) => x.measurement === 'memory' && x.contender === 'conveyor');
  const full = mem.find((x) => !x.setup.endsWith('@small'));
  const small = mem.find((x) => x.setup.endsWith('@small'));
  if (full?.memory && small?.memory) {
    const f = full.memory.deltaBytes.median;
    const g = small.memory.deltaBytes.median;
    const kept = full.memory.completedKept;
    const bounded = kept <= input.retentionCount && f - g <= Math.max(0.1 * f, 1_048_576);
    rows.push({
      target: `memory bounded by retention (${int(input.retentionCount)} completed)`,
      measured: `${mb(g)} at ${int(small.jobs)} → ${mb(f)} at ${int(full.jobs)} jobs; ${int(kept)} kept`,
      met: bounded,
    });
  } else {
    rows.push({ target: `memory bounded by retention (${int(input.retentionCount)} completed)`, measured: '–', met: undefined });
  }

  // Every figure that has a counterpart, Conveyor against each other system.
  const behind: string[] = [];
  let compared = 0;
  const cmp = (
    what: string,
    conveyor: number | undefined,
    other: number | undefined,
    who: ContenderName,
    higherIsBetter: boolean,
    unit: string,
  ): void => {
    if (conveyor === undefined || other === undefined) return;
    compared++;
    const ok = higherIsBetter ? conveyor >= other : conveyor <= other;
    if (!ok) behind.push(`${what} vs ${labels[who]}: ${fmtUnit(conveyor, unit)} vs ${fmtUnit(other, unit)}`);
  };
  const others = input.contenders.filter((c) => c !== 'conveyor');
  for (const o of others) {
    for (const m of ['one', 'concurrent', 'bulk', 'drain'] as const) {
      cmp(input.titles.get(m) ?? m, jps(find(s, m, 'conveyor')), jps(find(s, m, o)), o, true, 'jobs/s');
      cmp(`${input.titles.get(m) ?? m} Redis CPU`, cpu(m), find(s, m, o)?.redisCpuUsPerJob.median, o, false, 'µs/job');
    }
    for (const m of ['e2e', 'cpu'] as const) {
      const a = best(s, m, 'conveyor');
      const b = best(s, m, o);
      cmp(`${input.titles.get(m) ?? m} (best setups)`, jps(a), jps(b), o, true, 'jobs/s');
      if (m === 'e2e')
        cmp(`${input.titles.get(m) ?? m} Redis CPU`, a?.redisCpuUsPerJob.median, b?.redisCpuUsPerJob.median, o, false, 'µs/job');
    }
    // C=64 is e2e's own figure when e2e ran: compared above.
    for (const n of CURVE_CONCURRENCY.filter((x) => !(x === CONSUMER_BATCH && find(s, 'e2e', 'conveyor', input.curveKey('conveyor', x))))) {
      cmp(`e2e echo at C=${n} (best setups)`, jps(bestCurvePoint(input, 'conveyor', n)), jps(curvePoint(input, o, n)), o, true, 'jobs/s');
    }
    const ol = lats(o)[0]?.latency;
    for (const p of ['p50', 'p95', 'p99', 'max'] as const)
      cmp(`latency ${p} at 500/s (best setups)`, bestLatency(lats('conveyor'), p)?.latency?.[p].median, ol?.[p].median, o, false, 'ms');
    cmp(
      `${PROCS_PAIR} worker processes`,
      jps(find(s, 'procs', 'conveyor', input.procsKey('conveyor', PROCS_PAIR))),
      jps(find(s, 'procs', o, input.procsKey(o, PROCS_PAIR))),
      o,
      true,
      'jobs/s',
    );
  }
  const bounded = find(s, 'memory', 'bullmq', 'keep-1000');
  cmp('memory after 100k jobs (1,000 kept)', full?.memory?.deltaBytes.median, bounded?.memory?.deltaBytes.median, 'bullmq', false, 'bytes');
  for (const x of extra.comparisons)
    if (input.contenders.includes(x.who)) cmp(x.what, x.conveyor, x.other, x.who, x.higherIsBetter, x.unit);
  rows.push(...extra.rows);
  rows.push({
    target: 'ahead of BullMQ and Bee-Queue on every figure',
    measured: compared === 0 ? '–' : `behind on ${behind.length} of ${compared}`,
    met: compared === 0 ? undefined : behind.length === 0,
    details: behind,
  });
  return rows;
}

function fmtUnit(n: number, unit: string): string {
  if (unit === 'jobs/s' || unit === 'flows/s') return `${int(n)} ${unit}`;
  if (unit === 'ms') return `${ms(n)} ms`;
  if (unit === 'bytes') return mb(n);
  return `${dec(n)} ${unit}`;
}

export function targetsTable(rows: TargetRow[]): string {
  const lines = table([
    ['target (issue 6 unless marked)', 'measured', ''],
    ...rows.map((r) => [r.target, r.measured, verdict(r.met)]),
  ]).split('\n');
  const out: string[] = [lines[0] as string];
  rows.forEach((r, i) => {
    out.push(lines[i + 1] as string);
    for (const d of r.details ?? []) out.push(`    behind: ${d}`);
  });
  return out.join('\n');
}
