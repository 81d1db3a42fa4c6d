import { describe, expect, it } from 'vitest';
import { historyRows } from '../../../src-renderer/src/features/history/history-model';
import type { MetricsHistory } from '../../../src-shared/metrics-history';

const history = (stepMs: number, completed: number): MetricsHistory => {
  const zero = { completed: 0, failed: 0, retried: 0, dead: 0, cancelled: 0 };
  const none = { p50: null, p95: null, p99: null };
  return {
    range: '24h',
    stepMs,
    queues: ['q'],
    agents: [],
    series: [{ t: 0, ...zero, completed }],
    totals: zero,
    wait: none,
    run: none,
    waitBuckets: [],
    runBuckets: [],
    boundsMs: [],
  };
};

describe('history panel rows', () => {
  it('are jobs per minute whatever the step', () => {
    expect(historyRows(history(60_000, 30))[0]?.completed).toBe(30);
    expect(historyRows(history(3_600_000, 120))[0]?.completed).toBe(2);
  });
});
