import { describe, expect, it } from 'vitest';
import { formatRate, parseLimitSpec, parseRate } from '../../../src-shared/limits-schema';
import { parseResetDuration, parseRetryAfter, retryAfterMs } from '../../../src-main/limits/retry-after';

describe('parseRate', () => {
  it.each([
    ['10/s', 10, 1000],
    ['600/m', 600, 60_000],
    ['100/10s', 100, 10_000],
    ['5/500ms', 5, 500],
    ['1/h', 1, 3_600_000],
    ['200000/m', 200_000, 60_000],
    [' 3 / d ', 3, 86_400_000],
  ])('reads %s', (text, count, periodMs) => {
    expect(parseRate(text)).toEqual({ count, periodMs });
  });

  it.each(['10 per sec', '0/s', '-5/s', '10/', '/s', '10/w', '10/0s', '1.5/s', '', 's/10'])('refuses %j', (text) => {
    expect(parseRate(text)).toBeUndefined();
  });

  it('writes a rate back the short way', () => {
    expect(formatRate({ count: 20, periodMs: 1000 })).toBe('20/s');
    expect(formatRate({ count: 100, periodMs: 10_000 })).toBe('100/10s');
    expect(formatRate({ count: 5, periodMs: 500 })).toBe('5/500ms');
  });
});

describe('parseLimitSpec', () => {
  it('names each bad field and what is valid', () => {
    expect(() => parseLimitSpec({ rate: '0/s' })).toThrow(/rate: expected N\/<window>/);
    expect(() => parseLimitSpec({ concurrency: 0 })).toThrow(/concurrency/);
    expect(() => parseLimitSpec({ rate: '1/s', sped: 1 })).toThrow(/unknown field sped: valid are rate, burst, concurrency, points/);
    expect(() => parseLimitSpec({})).toThrow(/at least one of rate, burst, concurrency, points/);
  });
});

describe('429 headers', () => {
  it('Retry-After in seconds or as an HTTP date', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:05 GMT', Date.parse('Wed, 21 Oct 2026 07:28:00 GMT'))).toBe(5000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('x-ratelimit-reset-* durations; the longest wins without Retry-After', () => {
    expect(parseResetDuration('6m0s')).toBe(360_000);
    expect(parseResetDuration('1.5s')).toBe(1500);
    expect(parseResetDuration('20ms')).toBe(20);
    const headers = new Headers({ 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-reset-tokens': '6m0s' });
    expect(retryAfterMs(headers)).toBe(360_000);
    expect(retryAfterMs(new Headers({ 'retry-after': '3', 'x-ratelimit-reset-tokens': '6m0s' }))).toBe(3000);
    expect(retryAfterMs(new Headers())).toBe(1000);
  });
});
