import { describe, expect, test } from 'vitest';
import { Timing, planTicks } from '../../../src-main/schedules/timing';
import { validateSchedule } from '../../../src-main/schedules/validate';
import type { ScheduleInput } from '../../../src-shared/schedule';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const at = (s: string): number => Date.parse(s);

function timing(extra: Partial<ScheduleInput>): Timing {
  return new Timing(validateSchedule({ queue: 'q', id: 's', agent: 'a', ...extra }));
}

describe('cron ticks on a fixed clock', () => {
  test('a weekday 09:00 cron in Europe/Berlin fires at 08:00 UTC in winter and 07:00 UTC in summer', () => {
    const t = timing({ cron: '0 9 * * 1-5', tz: 'Europe/Berlin' });
    expect(iso(t.nextAfter(at('2026-01-09T12:00:00Z')))).toBe('2026-01-12T08:00:00.000Z'); // Friday noon -> Monday
    expect(iso(t.nextAfter(at('2026-07-01T00:00:00Z')))).toBe('2026-07-01T07:00:00.000Z');
  });

  test('without tz a cron runs in UTC, whatever the machine zone', () => {
    expect(iso(timing({ cron: '30 6 * * *' }).nextAfter(at('2026-05-01T07:00:00Z')))).toBe('2026-05-02T06:30:00.000Z');
  });

  test('6 fields put seconds first', () => {
    expect(timing({ cron: '*/15 * * * * *' }).nextRuns(at('2026-05-01T00:00:00Z'), 3).map(iso)).toEqual([
      '2026-05-01T00:00:15.000Z',
      '2026-05-01T00:00:30.000Z',
      '2026-05-01T00:00:45.000Z',
    ]);
  });

  test('DST spring forward: a fixed time in the gap (02:30 Berlin) runs once at the end of the gap (03:00 CEST)', () => {
    const t = timing({ cron: '30 2 * * *', tz: 'Europe/Berlin' });
    expect(t.nextRuns(at('2026-03-28T12:00:00Z'), 2).map(iso)).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
  });

  test('DST fall back: a fixed time that occurs twice (02:30 Berlin) runs once, at its first occurrence', () => {
    const t = timing({ cron: '30 2 * * *', tz: 'Europe/Berlin' });
    expect(t.nextRuns(at('2026-10-24T12:00:00Z'), 2).map(iso)).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
  });

  test('DST: an interval cron runs on both passes of the repeated hour and skips times in the gap', () => {
    const t = timing({ cron: '*/30 2 * * *', tz: 'Europe/Berlin' });
    expect(t.nextRuns(at('2026-10-24T12:00:00Z'), 4).map(iso)).toEqual([
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-25T01:00:00.000Z',
      '2026-10-25T01:30:00.000Z',
    ]);
    expect(t.nextRuns(at('2026-03-28T12:00:00Z'), 1).map(iso)).toEqual(['2026-03-30T00:00:00.000Z']);
  });

  test('America/New_York: 09:00 local is 14:00 UTC before the March switch and 13:00 UTC after', () => {
    const t = timing({ cron: '0 9 * * *', tz: 'America/New_York' });
    expect(t.nextRuns(at('2026-03-07T15:00:00Z'), 2).map(iso)).toEqual(['2026-03-08T13:00:00.000Z', '2026-03-09T13:00:00.000Z']);
    expect(iso(t.nextAfter(at('2026-03-06T15:00:00Z')))).toBe('2026-03-07T14:00:00.000Z');
  });
});

describe('interval ticks', () => {
  test('tick on multiples of the interval from the epoch, so every process computes the same ticks', () => {
    expect(timing({ every: '30s' }).nextRuns(at('2026-05-01T00:00:10Z'), 2).map(iso)).toEqual([
      '2026-05-01T00:00:30.000Z',
      '2026-05-01T00:01:00.000Z',
    ]);
  });

  test('count from start, and stop after end', () => {
    const t = timing({ every: '1h', start: '2026-05-01T00:20:00Z', end: '2026-05-01T02:20:00Z' });
    expect(iso(t.nextAfter(at('2026-04-01T00:00:00Z')))).toBe('2026-05-01T00:20:00.000Z');
    expect(t.nextRuns(at('2026-05-01T00:20:00Z'), 5).map(iso)).toEqual(['2026-05-01T01:20:00.000Z', '2026-05-01T02:20:00.000Z']);
    expect(t.nextAfter(at('2026-05-01T02:20:00Z'))).toBeNull();
  });
});

describe('catch-up after every scheduler stopped', () => {
  const def = (catchUp: 'skip' | 'once' | 'each', catchUpLimit = 3) =>
    validateSchedule({ queue: 'q', id: 's', agent: 'a', every: '1s', catchUp, catchUpLimit });
  // Ticks 1..10 s came due while nothing ran; now is 10.2 s: 10 s is on time, 1..9 s were missed.
  const plan = (d: ReturnType<typeof def>) => planTicks(new Timing(d), d, 1000, 10_200);

  test('skip: only the on-time tick runs', () => {
    expect(plan(def('skip'))).toEqual({ fire: [10_000], handledUpTo: 10_000, skipped: 9, next: 11_000 });
  });
  test('once: one job, for the latest tick', () => {
    expect(plan(def('once'))).toEqual({ fire: [10_000], handledUpTo: 10_000, skipped: 9, next: 11_000 });
  });
  test('each: the latest N missed ticks each run, then the on-time one', () => {
    expect(plan(def('each', 3))).toEqual({ fire: [7000, 8000, 9000, 10_000], handledUpTo: 10_000, skipped: 6, next: 11_000 });
  });
  test('when even the latest tick is late, skip runs nothing and once runs one', () => {
    const late = (d: ReturnType<typeof def>) => planTicks(new Timing(d), d, 1000, 10_000 + 5000 - 1);
    const d = validateSchedule({ queue: 'q', id: 's', agent: 'a', every: '5s', catchUp: 'skip' });
    expect(late(d)?.fire).toEqual([]);
    expect(late({ ...d, catchUp: 'once' })?.fire).toEqual([10_000]);
  });
  test('nothing due: no plan', () => {
    expect(planTicks(new Timing(def('each')), def('each'), 11_000, 10_999)).toBeNull();
  });
});
