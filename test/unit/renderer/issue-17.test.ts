/**
 * The formatters and selectors behind issue #17's fixes: words for enum values
 * and release reasons, relative times, the queue a view opens on, the status
 * bar's read errors, the live list's fill, smoothing and percentile marks.
 */
import { describe, expect, it } from 'vitest';
import type { QueueSummary } from '../../../src-shared/contract';
import { outcomeText } from '../../../src-renderer/src/features/job-detail/attempt-words';
import { jobTimes, resultNote } from '../../../src-renderer/src/features/job-detail/job-facts';
import { percentileMarks, smoothSeries } from '../../../src-renderer/src/features/overview/chart-data';
import { blocker } from '../../../src-renderer/src/features/enqueue/enqueue-input';
import { describeError } from '../../../src-renderer/src/lib/errors';
import { formatRelative, formatTime, humanize } from '../../../src-renderer/src/lib/format';
import { createAppStore } from '../../../src-renderer/src/store/app-store';
import { mostRelevantQueue, selectReadError } from '../../../src-renderer/src/store/selectors';
import { paletteItems } from '../../../src-renderer/src/app/palette-items';
import { logRows } from '../../../src-renderer/src/store/slices/detail';
import { mergeRecords } from '../../../src-renderer/src/store/slices/live-jobs';
import { applyEventToRow } from '../../../src-renderer/src/store/slices/job-row';
import { StoreReader } from '../../../src-renderer/src/store/store-reader';
import { ev, FakeApi, record } from './fake-api';

function summary(name: string, patch: Partial<QueueSummary> = {}): QueueSummary {
  return {
    name,
    paused: false,
    counts: { waiting: 0, delayed: 0, active: 0, completed: 0, dead: 0, cancelled: 0, paused: 0, 'waiting-children': 0 },
    options: {
      maxLength: 100,
      maxRetries: 3,
      backoff: { type: 'fixed', delayMs: 0, maxDelayMs: 0 },
      leaseMs: 1000,
      retention: { completed: { count: 1, ageS: 0 }, dead: { count: 1, ageS: 0 } },
    },
    depth: 0,
    full: false,
    ...patch,
  };
}

describe('words', () => {
  it('enum values read as words', () => {
    expect(humanize('not_retryable')).toBe('not retryable');
  });

  it('each release reason has its own words; a release from older data says just "released"', () => {
    expect(outcomeText({ number: 1, outcome: 'released' })).toBe('released');
    expect(outcomeText({ number: 1, outcome: 'released', releaseReason: 'prefetch_hold' })).toBe(
      'released (held too long before it could start)',
    );
    expect(outcomeText({ number: 1, outcome: 'released', releaseReason: 'shutdown' })).toBe('released (handed back at shutdown)');
    const reasons = ['shutdown', 'prefetch_hold', 'neighbour_killed', 'outage', 'rate_limited'] as const;
    expect(new Set(reasons.map((r) => outcomeText({ number: 1, outcome: 'released', releaseReason: r }))).size).toBe(reasons.length);
  });

  it('a dead or cancelled job has no "No result yet."', () => {
    expect(resultNote('dead')).toBe('No result: the job failed for good.');
    expect(resultNote('cancelled')).toBe('No result: the job was cancelled.');
    expect(resultNote('waiting')).toBe('No result yet.');
  });

  it('a Redis outage error is said once', () => {
    expect(describeError({ code: 'REDIS_UNAVAILABLE', message: 'Redis at redis://h:1 is unavailable: ECONNREFUSED' })).toBe(
      'Redis at redis://h:1 is unavailable: ECONNREFUSED',
    );
  });

  it('the Enqueue button says why it cannot send', () => {
    expect(blocker({ queue: 'q', agent: '' }, true, false)).toMatch(/no agent/);
    expect(blocker({ queue: 'q', agent: 'echo' }, false, false)).toBe('enter a valid input first');
    expect(blocker({ queue: 'q', agent: 'echo' }, true, false)).toBeUndefined();
  });
});

describe('times', () => {
  it('timestamps to the second, and relative times', () => {
    expect(formatTime(new Date(2026, 0, 2, 3, 4, 5, 678).getTime())).toBe('2026-01-02 03:04:05');
    expect(formatRelative(1_000, 181_000)).toBe('3 min ago');
    expect(formatRelative(10_000, 5_000)).toBe('in 5 s');
    expect(formatRelative(5_000, 5_200)).toBe('just now');
    expect(formatRelative(0, 2 * 86_400_000)).toBe('2 d ago');
  });

  it('wait and run durations of the last attempt', () => {
    const job = record('q', 'a', 'completed', {
      createdAt: 1000,
      attempts: [{ number: 1, leasedAt: 1500, startedAt: 1600, endedAt: 4600, outcome: 'completed' }],
    });
    expect(jobTimes(job, 10_000)).toEqual({ waitMs: 600, runMs: 3000 });
    const running = record('q', 'b', 'active', { createdAt: 1000, attempts: [{ number: 1, startedAt: 2000 }] });
    expect(jobTimes(running, 2500)).toEqual({ waitMs: 1000, runMs: 500 });
    expect(jobTimes(record('q', 'c', 'waiting'), 0)).toEqual({});
  });
});

describe('the queue a view opens on', () => {
  it('is the busiest running queue, not the first by name', () => {
    const queues = [summary('aaa', { paused: true }), summary('bbb'), summary('ccc', { depth: 40 })];
    expect(mostRelevantQueue(queues, null)).toBe('ccc');
    const metrics = { at: 0, windowMs: 60_000, agents: [], queues: [{ queue: 'bbb', completedPerSec: 3, failedPerSec: 0 } as never] };
    expect(mostRelevantQueue(queues, metrics)).toBe('bbb');
    expect(mostRelevantQueue([summary('aaa', { paused: true, depth: 9 }), summary('zzz')], null)).toBe('zzz');
    expect(mostRelevantQueue([], null)).toBeNull();
  });
});

describe('the status bar', () => {
  it('names what failed in words, and nothing while Redis is away (the connection says it)', () => {
    const store = createAppStore();
    store.setState({ readErrors: { 'queues.list': 'boom' }, connection: { state: 'connected', target: 'redis://h', since: 0 } });
    expect(selectReadError(store.getState())).toBe('Could not refresh the queues: boom');
    store.setState({ connection: { state: 'disconnected', target: 'redis://h', since: 0, error: 'ECONNREFUSED' } });
    expect(selectReadError(store.getState())).toBeNull();
  });
});

describe('the live list', () => {
  it('reads the input of rows built from events, once each', async () => {
    const store = createAppStore();
    const api = new FakeApi().on('jobs.getMany', ({ ids }) => ids.map((id) => record('q', id, 'completed')));
    const reader = new StoreReader(api, store);
    const row = applyEventToRow(undefined, ev('q', 'completed', 'j1'), 1);
    store.setState({ jobs: new Map([['q', new Map([['j1', row!]])]]) });
    await reader.fillLiveRows('q');
    expect(store.getState().jobs.get('q')?.get('j1')).toMatchObject({ agent: 'echo', preview: 'input of j1' });
    await reader.fillLiveRows('q');
    expect(api.callsOf('jobs.getMany')).toHaveLength(1);
  });

  it('a read older than an event still brings the agent and input the event lacks', () => {
    const row = { ...applyEventToRow(undefined, ev('q', 'completed', 'j1'), 5)! };
    const live = mergeRecords(new Map([['q', new Map([['j1', row]])]]), 'q', [record('q', 'j1', 'active')], 1);
    expect(live.get('q')?.get('j1')).toMatchObject({ state: 'completed', agent: 'echo', preview: 'input of j1' });
  });
});

describe('charts', () => {
  it('a trailing moving average smooths bursts', () => {
    const series = [8, 0, 8, 0, 8, 0].map((completed, t) => ({ t, completed, failed: 0 }));
    expect(smoothSeries(series, 2).map((p) => p.completed)).toEqual([8, 4, 4, 4, 4, 4]);
  });

  it('percentiles in one bucket share one line and one label', () => {
    const h = {
      count: 10,
      p50: 5,
      p95: 90,
      p99: 95,
      max: 95,
      buckets: [
        { le: 10, count: 5 },
        { le: 100, count: 5 },
      ],
    };
    expect(percentileMarks(h).map((m) => m.label)).toEqual(['p50', 'p95 p99']);
  });
});

describe('the command palette', () => {
  const queues = [summary('default'), summary('held', { paused: true })];

  it('offers views, queues and actions that match every typed word', () => {
    expect(paletteItems('pau def', queues, null).map((i) => i.label)).toEqual(['Pause default']);
    expect(paletteItems('held', queues, null).map((i) => i.label)).toEqual(['Jobs of held', 'Flows of held', 'Resume held']);
  });

  it("lists a queue's flows beside its jobs, each switching the Jobs view to what it names", () => {
    expect(paletteItems('flows held', queues, null)).toEqual([
      expect.objectContaining({ label: 'Flows of held', action: { kind: 'route', route: { view: 'jobs' }, queue: 'held', flows: true } }),
    ]);
    expect(paletteItems('jobs of held', queues, null)[0]?.action).toMatchObject({ queue: 'held', flows: false });
  });

  it('opens a job by queue/id, or by id in the current queue', () => {
    expect(paletteItems('held/abc-1', queues, null)[0]).toMatchObject({
      label: 'Open job abc-1 in held',
      action: { route: { view: 'jobs', job: { queue: 'held', id: 'abc-1' } } },
    });
    expect(paletteItems('abc-1', queues, 'default')[0]?.label).toBe('Open job abc-1 in default');
    expect(paletteItems('nope/abc', queues, null).some((i) => i.group === 'job')).toBe(false);
  });
});

describe('job logs', () => {
  it('puts a separator before each attempt and one before lines stored without a time', () => {
    const old = { line: 'old' };
    const a1 = { line: 'a', at: 10, attempt: 1 };
    const b1 = { line: 'b', at: 11, attempt: 1 };
    const c2 = { line: 'c', at: 20, attempt: 2 };
    expect(logRows([old, a1, b1, c2])).toEqual([
      { kind: 'undated' },
      { kind: 'line', line: old },
      { kind: 'attempt', attempt: 1 },
      { kind: 'line', line: a1 },
      { kind: 'line', line: b1 },
      { kind: 'attempt', attempt: 2 },
      { kind: 'line', line: c2 },
    ]);
  });

  it('a log stored entirely without times has no separators', () => {
    expect(logRows([{ line: 'x' }, { line: 'y' }])).toEqual([
      { kind: 'line', line: { line: 'x' } },
      { kind: 'line', line: { line: 'y' } },
    ]);
  });
});

describe('the command palette, a bare word', () => {
  it('lists views and queues it names before guessing it is a job id', () => {
    const labels = paletteItems('def', [summary('default')], 'default').map((i) => i.label);
    expect(labels).toEqual(['Jobs of default', 'Flows of default', 'Pause default', 'Open job def in default']);
  });
});
