import { describe, expect, it } from 'vitest';
import { describeQueueFull, queueFullFacts, toUiError, configIssuesOf } from '../../../src-renderer/src/lib/errors';
import { lineColumn, locateJsonError, parseJsonInput } from '../../../src-renderer/src/lib/json-input';
import { formatRoute, parseRoute } from '../../../src-renderer/src/lib/routes';
import { QueueFullError } from '../../../src-shared/errors';

describe('parseJsonInput', () => {
  it('parses JSON', () => {
    expect(parseJsonInput('{"a": [1, "x", null]}')).toEqual({ ok: true, value: { a: [1, 'x', null] } });
  });

  it('names line, column and position of the first error', () => {
    const r = parseJsonInput('{"a": 1,\n "b": }');
    expect(r).toMatchObject({ ok: false, line: 2, column: 7, position: 15 });
    if (!r.ok)
      expect(r.message).toBe(
        "Unexpected '}': expected a value (object, array, string, number, true, false or null) at line 2, column 7 (position 15)",
      );
  });

  it.each([
    ['', 0],
    ['{"a" 1}', 5],
    ["{'a': 1}", 1],
    ['[1, 2', 5],
    ['"abc', 4],
    ['tru', 3],
    ['01', 1],
    ['1.', 2],
    ['{"a":1} x', 8],
    ['"a\\qb"', 3],
  ])('locates the error in %j at %i', (text, position) => {
    expect(locateJsonError(text)?.position).toBe(position);
    expect(parseJsonInput(text).ok).toBe(false);
  });

  it('agrees with JSON.parse on valid text', () => {
    for (const text of ['0', '-1.5e+3', '"\\u00e9\\n"', '[]', '{}', ' [ {"a": [true, false, null]} ] ']) {
      expect(locateJsonError(text)).toBeUndefined();
    }
  });

  it('counts lines and columns from 1', () => {
    expect(lineColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });
});

describe('errors', () => {
  it('reads ApiError-like values by shape', () => {
    expect(toUiError({ code: 'QUEUE_FULL', message: 'm', details: { depth: 1 } })).toEqual({
      code: 'QUEUE_FULL',
      message: 'm',
      details: { depth: 1 },
    });
    expect(toUiError(new Error('x'))).toEqual({ code: 'INTERNAL', message: 'x' });
    expect(configIssuesOf({ code: 'CONFIG_INVALID', message: '', details: { issues: [{ path: 'a', message: 'b' }, 3] } })).toEqual([
      { path: 'a', message: 'b' },
    ]);
  });

  it('explains a full queue with its cap and depth', () => {
    const facts = queueFullFacts(toUiError(new QueueFullError('jobs', 1000, 1000).toShape()));
    expect(facts).toEqual({ queue: 'jobs', depth: 1000, limit: 1000 });
    expect(describeQueueFull(facts!)).toBe(
      'Queue "jobs" is full: 1,000 jobs are waiting or delayed, and its cap is 1,000. The job was not enqueued. ' +
        "Wait for workers to work it down, or raise the queue's cap (max length).",
    );
    expect(describeQueueFull({ queue: 'jobs', depth: 990, limit: 1000 }, 50)).toContain(
      'None of the 50 jobs were enqueued. Only 10 more would fit.',
    );
    expect(queueFullFacts({ code: 'INTERNAL', message: '' })).toBeUndefined();
  });
});

describe('routes', () => {
  it('round-trips views and job details, with odd ids', () => {
    for (const route of [
      { view: 'overview' },
      { view: 'config' },
      { view: 'jobs' },
      { view: 'jobs', job: { queue: 'q.1', id: 'a/b c#?' } },
    ] as const) {
      expect(parseRoute(formatRoute(route))).toEqual(route);
    }
    expect(parseRoute('#/nope')).toEqual({ view: 'overview' });
    expect(parseRoute('')).toEqual({ view: 'overview' });
  });
});
