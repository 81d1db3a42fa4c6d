import { describe, expect, test } from 'vitest';
import { ScheduleInvalidError, validateSchedule } from '../../../src-main/schedules/validate';
import type { ScheduleInput } from '../../../src-shared/schedule';

const base: ScheduleInput = { queue: 'q', id: 's', agent: 'a', every: '1m' };

function fieldOf(input: Partial<ScheduleInput>): { field: string; message: string } {
  try {
    validateSchedule({ ...base, ...input } as ScheduleInput);
  } catch (err) {
    if (err instanceof ScheduleInvalidError) return { field: err.field, message: err.message };
    throw err;
  }
  throw new Error('no error');
}

describe('a bad schedule is one error naming the field and what is valid', () => {
  test.each([
    [{ every: undefined, cron: 'every monday' }, 'cron', /5 fields/],
    [{ every: undefined, cron: '61 * * * *' }, 'cron', /minute/],
    [{ every: undefined, cron: '0 0 0 * * * 2027' }, 'cron', /5 fields .* or 6 with seconds first$/],
    [{ every: undefined, cron: '0 9 * * *', tz: 'Mars/Olympus' }, 'tz', /IANA/],
    [{ every: '500ms' }, 'every', /minimum of 1000 ms/],
    [{ every: 'often' }, 'every', /"30s"/],
    [{ cron: '* * * * *' }, 'cron/every', /exactly one/],
    [{ every: undefined }, 'cron/every', /exactly one/],
    [{ id: 'a b' }, 'id', /letters, digits/],
    [{ start: 'yesterday' }, 'start', /ISO 8601/],
    [{ start: '2026-02-01T00:00:00Z', end: '2026-01-01T00:00:00Z' }, 'end', /after start/],
    [{ catchUp: 'all' as never }, 'catchUp', /skip, once, each/],
    [{ catchUpLimit: 0 }, 'catchUpLimit', /1-1000/],
  ] as Array<[Partial<ScheduleInput>, string, RegExp]>)('%o -> %s', (input, field, message) => {
    const got = fieldOf(input);
    expect(got.field).toBe(field);
    expect(got.message).toMatch(message);
  });

  test('defaults: catch-up once, up to 10; "30s" is 30000 ms', () => {
    expect(validateSchedule({ ...base, every: '30s' })).toMatchObject({ everyMs: 30_000, catchUp: 'once', catchUpLimit: 10, input: null });
  });
});
