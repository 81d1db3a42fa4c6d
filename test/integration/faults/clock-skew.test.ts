import { afterEach, describe, expect, vi } from 'vitest';
import { item, queueTest as test } from '../../support/queue';

// Lease deadlines and delays are judged by the Redis server's clock (TIME), so a
// worker whose clock is off by an hour neither loses leases early nor keeps them late.
const HOUR = 3_600_000;

afterEach(() => {
  vi.useRealTimers();
});

describe('clock skew between hosts', () => {
  test('a worker whose clock runs an hour ahead gets leases by the Redis clock', async ({ adapter }) => {
    await adapter.createQueue('short', { leaseMs: 1000 });
    await adapter.enqueue('short', item('echo', 1));
    const realNow = Date.now();
    vi.useFakeTimers({ now: realNow + HOUR, toFake: ['Date'] });
    const leased = await adapter.dequeue('short');
    expect(leased!.lease.deadline).toBeGreaterThanOrEqual(realNow + 1000 - 100);
    expect(leased!.lease.deadline).toBeLessThan(realNow + 1000 + 1000);
  });

  test('a worker whose clock runs an hour ahead does not recover live leases as stalled', async ({ adapter, connect }) => {
    await adapter.createQueue('short', { leaseMs: 2000 });
    const id = await adapter.enqueue('short', item('echo', 1));
    await adapter.dequeue('short');
    const skewed = await connect();
    vi.useFakeTimers({ now: Date.now() + HOUR, toFake: ['Date'] });
    expect(await skewed.recoverStalled('short')).toEqual({ retried: 0, dead: 0 });
    expect((await skewed.getJob('short', id))?.state).toBe('active');
  });

  test('a producer whose clock runs an hour behind still delays by the Redis clock', async ({ adapter }) => {
    await adapter.createQueue('d');
    vi.useFakeTimers({ now: Date.now() - HOUR, toFake: ['Date'] });
    const id = await adapter.enqueue('d', item('echo', 1), { delayMs: 200 });
    vi.useRealTimers();
    const job = await adapter.getJob('d', id);
    expect(job!.runAt! - job!.createdAt).toBe(200);
    expect(Math.abs(job!.createdAt - Date.now())).toBeLessThan(1000);
  });
});
