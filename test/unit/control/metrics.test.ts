import { describe, expect, it } from 'vitest';
import type { JobEvent, JobEventType } from '../../../src-shared/job';
import { BUCKET_BOUNDS, bucketOf, Metrics, MIN_CHART_BUCKETS } from '../../../src-main/control/metrics';

/** A clock the test moves by hand, starting at a round second. */
function clock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, set: (ms: number) => (t = ms), advance: (ms: number) => (t += ms), start };
}

let seq = 0;
function ev(type: JobEventType, jobId: string, ts: number, extra: Partial<JobEvent> = {}): JobEvent {
  return { id: `${ts}-${seq++}`, queue: 'q', type, jobId, ts, ...extra };
}

/** enqueued at t, started after waitMs, finished (completed or failed) after runMs. */
function job(id: string, t: number, waitMs: number, runMs: number, end: 'completed' | 'failed' = 'completed', agent = 'echo'): JobEvent[] {
  return [ev('enqueued', id, t, { agent }), ev('started', id, t + waitMs), ev(end, id, t + waitMs + runMs)];
}

describe('metrics', () => {
  it('counts completions and failures per second over the part of the window seen so far', () => {
    const c = clock();
    const m = new Metrics({ now: c.now });
    for (let i = 0; i < 20; i++) m.ingest(job(`c${i}`, c.start + 100 * i, 1, 1));
    for (let i = 0; i < 10; i++) m.ingest(job(`f${i}`, c.start + 100 * i, 1, 1, 'failed'));
    c.advance(10_000);
    const q = m.snapshot().queues[0];
    expect(q?.completedPerSec).toBeCloseTo(2);
    expect(q?.failedPerSec).toBeCloseTo(1);
  });

  it('divides by the whole window once it has run that long', () => {
    const c = clock();
    const m = new Metrics({ now: c.now, windowMs: 10_000 });
    c.advance(30_000);
    for (let i = 0; i < 20; i++) m.ingest(job(`c${i}`, c.now() - 5000 + i, 0, 0));
    expect(m.snapshot().queues[0]?.completedPerSec).toBeCloseTo(2);
  });

  it('gives one series point per second of the window, oldest first, with the counts of that second', () => {
    const c = clock();
    const m = new Metrics({ now: c.now, windowMs: 5000 });
    m.ingest(job('a', c.start, 0, 10));
    c.advance(2500);
    m.ingest(job('b', c.start + 2000, 0, 10, 'failed'));
    c.advance(2000);
    const series = m.snapshot().queues[0]?.series;
    expect(series?.map((p) => p.t)).toEqual([0, 1, 2, 3, 4].map((s) => c.start + s * 1000));
    expect(series?.[0]).toMatchObject({ completed: 1, failed: 0 });
    expect(series?.[2]).toMatchObject({ completed: 0, failed: 1 });
  });

  it('forgets what falls out of the window', () => {
    const c = clock();
    const m = new Metrics({ now: c.now, windowMs: 5000 });
    m.setDepth('q', 0, 10);
    m.ingest(job('a', c.start, 5, 10));
    c.advance(5000);
    const q = m.snapshot().queues[0];
    expect(q?.completedPerSec).toBe(0);
    expect(q?.waitMs.count).toBe(0);
    expect(q?.runMs.count).toBe(0);
  });

  it('drops a queue that no longer exists once its window is empty', () => {
    const c = clock();
    const m = new Metrics({ now: c.now, windowMs: 5000 });
    m.setQueues([{ queue: 'q', depth: 1, cap: 10 }]);
    m.ingest(job('a', c.start, 0, 1));
    m.setQueues([]);
    expect(m.snapshot().queues.map((q) => q.queue)).toEqual(['q']);
    c.advance(6000);
    expect(m.snapshot().queues).toEqual([]);
  });

  it('reports p50, p95, p99 and max of run times within one bucket step', () => {
    const c = clock();
    const m = new Metrics({ now: c.now });
    for (let i = 1; i <= 1000; i++) m.ingest(job(`j${i}`, c.start, 0, i));
    const run = m.snapshot().queues[0]?.runMs;
    expect(run?.count).toBe(1000);
    expect(run?.max).toBe(1000);
    // Buckets are 2^(1/4) apart: a percentile is its bucket's bound, at most ~19 % high.
    expect(run?.p50).toBeGreaterThanOrEqual(500);
    expect(run?.p50).toBeLessThanOrEqual(500 * 1.19);
    expect(run?.p95).toBeGreaterThanOrEqual(950);
    expect(run?.p99).toBeGreaterThanOrEqual(990);
    expect(run?.p99).toBeLessThanOrEqual(1000);
    expect(run?.buckets.reduce((n, b) => n + b.count, 0)).toBe(1000);
  });

  it('measures wait from enqueue (plus its delay) to start, and run from start to finish', () => {
    const c = clock();
    const m = new Metrics({ now: c.now });
    m.ingest([
      ev('enqueued', 'a', c.start, { agent: 'echo', delayMs: 1000 }),
      ev('started', 'a', c.start + 1050),
      ev('completed', 'a', c.start + 1350),
    ]);
    const q = m.snapshot().queues[0];
    expect(q?.waitMs).toMatchObject({ count: 1, max: 50 });
    expect(q?.runMs).toMatchObject({ count: 1, max: 300 });
  });

  it('measures a retry from when it became runnable again', () => {
    const c = clock();
    const m = new Metrics({ now: c.now });
    m.ingest([
      ev('enqueued', 'a', c.start, { agent: 'echo' }),
      ev('started', 'a', c.start + 10),
      ev('failed', 'a', c.start + 20),
      ev('retrying', 'a', c.start + 20, { delayMs: 500 }),
      ev('started', 'a', c.start + 530),
      ev('completed', 'a', c.start + 560),
    ]);
    const q = m.snapshot().queues[0];
    expect(q?.waitMs).toMatchObject({ count: 2, max: 10 });
    expect(q?.runMs).toMatchObject({ count: 2, max: 30 });
    expect(q?.failedPerSec).toBeGreaterThan(0);
  });

  it('does not count the attempt of a cancelled job as a failure', () => {
    const c = clock();
    const m = new Metrics({ now: c.now });
    m.ingest([
      ev('enqueued', 'a', c.start),
      ev('started', 'a', c.start + 1),
      ev('failed', 'a', c.start + 2, { reason: 'cancelled' }),
      ev('cancelled', 'a', c.start + 2),
    ]);
    expect(m.snapshot().queues[0]?.failedPerSec).toBe(0);
  });

  it('attributes rates and run times to the agent named on the enqueued event', () => {
    const c = clock();
    const m = new Metrics({ now: c.now });
    m.ingest(job('a', c.start, 0, 100, 'completed', 'echo'));
    m.ingest(job('b', c.start, 0, 200, 'failed', 'sleep'));
    c.advance(1000);
    const agents = m.snapshot().agents;
    expect(agents.map((a) => a.agent)).toEqual(['echo', 'sleep']);
    expect(agents[0]).toMatchObject({ completedPerSec: 1, failedPerSec: 0, runMs: { count: 1, max: 100 } });
    expect(agents[1]).toMatchObject({ completedPerSec: 0, failedPerSec: 1, runMs: { count: 1, max: 200 } });
  });

  it('reports depth and cap as last set', () => {
    const m = new Metrics();
    m.setDepth('q', 7, 100);
    expect(m.snapshot().queues[0]).toMatchObject({ queue: 'q', depth: 7, cap: 100 });
  });

  it('follows at most maxTrackedJobs jobs, forgetting the oldest', () => {
    const c = clock();
    const m = new Metrics({ now: c.now, maxTrackedJobs: 3 });
    for (const id of ['a', 'b', 'c', 'd']) m.ingest([ev('enqueued', id, c.start)]);
    expect(m.trackedJobs).toBe(3);
    m.ingest([ev('started', 'a', c.start + 5), ev('started', 'd', c.start + 5)]);
    // `a` was forgotten: its start gives no wait sample; `d`'s does.
    expect(m.snapshot().queues[0]?.waitMs.count).toBe(1);
  });

  it('counts an event stamped in the future (clock skew) in the current second', () => {
    const c = clock();
    const m = new Metrics({ now: c.now, windowMs: 5000 });
    m.ingest(job('a', c.start + 30_000, 0, 0));
    const series = m.snapshot().queues[0]?.series;
    expect(series?.[series.length - 1]?.completed).toBe(1);
  });

  it('charts at least a dozen buckets around the data, so jobs of one duration are not a lone bar', () => {
    const c = clock();
    const m = new Metrics({ now: c.now });
    for (let i = 0; i < 5; i++) m.ingest(job(`j${i}`, c.start, 0, 100));
    const run = m.snapshot().queues[0]?.runMs;
    expect(run?.buckets.length).toBe(MIN_CHART_BUCKETS);
    expect(run?.buckets.filter((b) => b.count > 0)).toHaveLength(1);
    expect(run?.p50).toBe(100);
  });

  it('has log-scale buckets whose bounds contain their values', () => {
    for (const ms of [0, 0.5, 1, 1.1, 7, 100, 12_345, 10_000_000]) {
      const b = bucketOf(ms);
      if (ms <= (BUCKET_BOUNDS[BUCKET_BOUNDS.length - 1] as number)) expect(BUCKET_BOUNDS[b]).toBeGreaterThanOrEqual(ms);
      if (b > 0) expect(BUCKET_BOUNDS[b - 1]).toBeLessThan(ms);
    }
  });
});
