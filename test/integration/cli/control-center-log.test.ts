/** What `conveyor dev` prints in web mode from the core's events: no Redis needed. */
import { describe, expect, it, vi } from 'vitest';
import type { JobEvent } from '../../../src-shared/job';
import { ControlCenterLog, describeJobEvent, describePool } from '../../../src-main/cli/dev/control-center-log';

function sink(): { write: (s: string) => void; lines: () => string[] } {
  let text = '';
  return {
    write: (s) => void (text += s),
    lines: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => l.replace(/^\S+ /, '')),
  };
}

const ev = (type: JobEvent['type'], extra: Partial<JobEvent> = {}): JobEvent => ({
  id: '1-0',
  queue: 'q',
  type,
  jobId: '7',
  ts: 0,
  ...extra,
});

describe('ControlCenterLog', () => {
  it('describes state changes, pool and connection lines', () => {
    expect(describeJobEvent(ev('enqueued', { agent: 'echo' }))).toBe('enqueued q/7 echo');
    expect(describeJobEvent(ev('dead', { attempt: 3, reason: 'failed', error: 'boom\nat x' }))).toBe(
      'dead q/7 attempt 3: failed: boom at x',
    );
    expect(describeJobEvent(ev('retrying', { attempt: 1, delayMs: 500 }))).toBe('retrying q/7 attempt 1 in 500 ms');
    expect(describeJobEvent({ id: '1-0', queue: 'q', type: 'drained', ts: 0, count: 12 })).toBe('drained q (12 jobs)');
    expect(
      describePool({
        running: true,
        workerId: 'h:1:ab',
        queues: ['a', 'b'],
        threads: 1,
        concurrency: 8,
        processed: 0,
        failed: 0,
        active: 0,
      }),
    ).toBe('local pool h:1:ab running: queues a, b, 1 thread × 8 jobs');

    const out = sink();
    const log = new ControlCenterLog(out);
    log.onJobEvents([ev('leased'), ev('started', { attempt: 1 }), ev('progress'), ev('completed', { attempt: 1 })]);
    const pool = { running: true, workerId: 'w', queues: ['q'], threads: 2, concurrency: 4, processed: 0, failed: 0, active: 0 };
    log.onPool(pool);
    log.onPool({ ...pool, processed: 5 }); // counts alone: no line
    log.onConnection({ state: 'disconnected', target: 'redis://h:6379/0', error: 'ECONNREFUSED', since: 0 });
    log.onConnection({ state: 'disconnected', target: 'redis://h:6379/0', since: 0 });
    log.close();
    expect(out.lines()).toEqual([
      'started q/7 attempt 1',
      'completed q/7 attempt 1',
      'local pool w running: queues q, 2 threads × 4 jobs',
      'Redis redis://h:6379/0 disconnected: ECONNREFUSED',
    ]);
  });

  it('a burst prints at most maxLinesPerSecond lines a second and summarises the rest when the second is over', () => {
    vi.useFakeTimers();
    try {
      const out = sink();
      const log = new ControlCenterLog(out, { maxLinesPerSecond: 2, now: () => Date.now() });
      log.onJobEvents([ev('enqueued'), ev('enqueued'), ev('enqueued'), ev('started'), ev('completed'), ev('completed')]);
      expect(out.lines()).toEqual(['enqueued q/7', 'enqueued q/7']);
      vi.advanceTimersByTime(1000);
      expect(out.lines().at(-1)).toBe('… 4 more job events: 1 enqueued, 1 started, 2 completed');
      log.onJobEvents([ev('dead')]);
      log.close();
      expect(out.lines().at(-1)).toBe('dead q/7');
    } finally {
      vi.useRealTimers();
    }
  });
});
