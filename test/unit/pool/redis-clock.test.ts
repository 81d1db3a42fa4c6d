import { afterEach, describe, expect, test, vi } from 'vitest';
import { RedisClock } from '../../../src-main/pool/redis-clock';

afterEach(() => {
  vi.useRealTimers();
});

describe('RedisClock: the Redis clock as seen from here', () => {
  test('unknown until a call observed it', () => {
    expect(new RedisClock().remainingMs(Date.now() + 1000)).toBeUndefined();
  });

  test('the tightest bound wins: a slow reply does not make deadlines look later', () => {
    vi.useFakeTimers({ now: 1_000_000, toFake: ['Date'] });
    const clock = new RedisClock();
    // Redis runs 5 s ahead. A quick call (sent now, Redis read its clock 2 ms later) and a slow one (800 ms in flight).
    clock.observe(1_000_000, 1_005_002);
    clock.observe(1_000_000, 1_005_800);
    expect(clock.offset).toBe(5002);
    // A deadline 3 s ahead by the Redis clock is at most 2,998 ms away here.
    expect(clock.remainingMs(1_008_000)).toBe(2998);
  });

  test('after a stall longer than the lease, a deadline from before it is past', () => {
    vi.useFakeTimers({ now: 1_000_000, toFake: ['Date'] });
    const clock = new RedisClock();
    clock.observe(1_000_000, 1_000_001);
    const deadline = 1_000_001 + 1500;
    vi.setSystemTime(1_004_000);
    expect(clock.remainingMs(deadline)).toBeLessThan(0);
  });

  test('observations older than a minute are forgotten (a clock may have stepped since)', () => {
    vi.useFakeTimers({ now: 1_000_000, toFake: ['Date'] });
    const clock = new RedisClock();
    clock.observe(1_000_000, 1_000_010);
    vi.setSystemTime(1_061_000);
    expect(clock.offset).toBeUndefined();
  });
});
