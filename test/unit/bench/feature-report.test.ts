import { describe, expect, it } from 'vitest';
import { featureTargets, limitsTable, percentChange, scriptsTable, stepName } from '../../../bench/feature-report';
import type { ScriptCost } from '../../../bench/redis-cpu-per-job';
import { shade } from '../../../bench/benchmarks-md';
import { curveTable, scriptSteps, spread, type ReportInput, type Summary } from '../../../bench/report';
import { targets } from '../../../bench/targets';

const step = (us: number) => ({ us, cpuUs: us, commands: 1, byCommand: {} });

/** One summary with every run at `jobsPerSec` and, optionally, latency percentiles. */
function summary(
  measurement: Summary['measurement'],
  contender: Summary['contender'],
  setup: string,
  extra: Partial<Summary> = {},
): Summary {
  const one = spread([1]);
  return {
    measurement,
    contender,
    setup,
    jobs: 1000,
    runs: 1,
    jobsPerSec: one,
    redisCpuUsPerJob: one,
    commandsPerJob: one,
    commands: [],
    ...extra,
  };
}

const rate = (n: number) => ({ jobsPerSec: spread([n]) });
const latency = (p50: number, p95: number, p99: number) => ({
  latency: { p50: spread([p50]), p95: spread([p95]), p99: spread([p99]), max: spread([p99]), mean: spread([p50]) },
});

function input(summaries: Summary[]): ReportInput {
  return {
    summaries,
    contenders: ['conveyor', 'bullmq', 'beequeue'],
    labels: { conveyor: 'Conveyor', bullmq: 'BullMQ', beequeue: 'Bee-Queue' },
    titles: new Map(),
    setupLabel: (_c, key) => `setup ${key}`,
    curveKey: (_c, n) => `pool-1x${n}`,
    procsKey: (_c, p) => `${p}p`,
    baselines: { inProcess: 'in-process-64', sandboxed: 'sandboxed-64', bee: 'process-64' },
    retentionCount: 1000,
  };
}

describe('bench feature report', () => {
  it('writes a change against its baseline with its sign and one decimal', () => {
    expect(percentChange(95, 100)).toBe('−5.0 %');
    expect(percentChange(101.24, 100)).toBe('+1.2 %');
  });

  it('names a script step in words', () => {
    expect(stepName('completeWithoutHistory')).toBe('complete without history');
  });

  it('takes every step a ScriptCost carries, in its order, and leaves out the history and missing steps', () => {
    const cost = {
      batch: 1,
      jobs: 1,
      enqueue: step(1),
      lease: step(2),
      complete: step(3),
      fail: step(4),
      completeWithoutHistory: null,
      history: step(1),
    };
    expect(scriptSteps(cost as ScriptCost).map(([name]) => name)).toEqual(['enqueue', 'lease', 'complete', 'fail']);
  });

  it('a limit 5 % slower than none meets the ≤ 10 % target; 15 % slower misses it', () => {
    const at = (limited: number) =>
      featureTargets(input([summary('limits', 'conveyor', 'none', rate(1000)), summary('limits', 'conveyor', 'limit', rate(limited))]))
        .rows[0];
    expect(at(950)).toMatchObject({ met: true, measured: '−5.0 % (950 vs 1,000 jobs/s)' });
    expect(at(850)?.met).toBe(false);
  });

  it('shows a limits setup by the label its contender gives it', () => {
    expect(limitsTable(input([summary('limits', 'conveyor', 'groups', rate(900))]))).toContain('Conveyor · setup groups');
  });

  it('shows the history share row even when the measurement could not tell it', () => {
    const s = summary('scripts', 'conveyor', 'batch-1000', {
      scripts: { steps: { lease: { us: spread([2]), cpuUs: spread([2]), commands: spread([1]) } } },
    });
    const text = scriptsTable(input([s]));
    expect(text).toMatch(/^lease .*2\.00/m);
    expect(text).toMatch(/^metrics history's share of complete .*–/m);
  });

  it('checks each latency percentile against Bee-Queue for the threads setup, and for the best setup when it is another', () => {
    const rows = targets(
      input([
        summary('latency', 'conveyor', 'pool-1x16', latency(0.8, 1.2, 4)),
        summary('latency', 'conveyor', 'inline-16', latency(0.3, 0.5, 1)),
        summary('latency', 'beequeue', 'process-16', latency(0.35, 0.6, 2)),
      ]),
    ).filter((r) => r.target.includes('#15'));
    expect(rows.map((r) => [r.target, r.met])).toEqual([
      ["p50 latency at 500/s ≤ Bee-Queue's (#15; setup pool-1x16)", false],
      ["p50 latency at 500/s ≤ Bee-Queue's (#15; best: setup inline-16)", true],
      ["p95 latency at 500/s ≤ Bee-Queue's (#15; setup pool-1x16)", false],
      ["p95 latency at 500/s ≤ Bee-Queue's (#15; best: setup inline-16)", true],
      ["p99 latency at 500/s ≤ Bee-Queue's (#15; setup pool-1x16)", false],
      ["p99 latency at 500/s ≤ Bee-Queue's (#15; best: setup inline-16)", true],
    ]);
  });

  it("shows a contender's further curve setups (curveExtras) as series of their own", () => {
    const text = curveTable({
      ...input([summary('curve', 'conveyor', 'pool-1x1', rate(100)), summary('curve', 'conveyor', 'inline-1', rate(300))]),
      contenders: ['conveyor'],
      setupLabel: (_c, key) => (key.startsWith('inline') ? `inline × ${key.slice(7)}` : `1 thread × ${key.slice(7)}`),
      curveExtras: (_c, n) => [`inline-${n}`],
    });
    expect(text).toMatch(/^Conveyor 1 thread × C +100/m);
    expect(text).toMatch(/^Conveyor inline × C +300/m);
  });

  it("draws a system's further series in lighter shades of its colour", () => {
    expect(shade('#2563eb', 0)).toBe('#2563eb');
    expect(shade('#000000', 2)).toBe('#666666');
  });
});
