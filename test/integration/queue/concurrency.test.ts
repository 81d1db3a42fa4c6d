import { describe, expect } from 'vitest';
import { item, queueTest as test } from '../../support/queue';

describe('concurrent consumers', () => {
  test('8 consumers over 1,000 jobs never share a job and lose none', async ({ adapter, connect, queue }) => {
    const ids = await adapter.enqueueMany(
      queue,
      Array.from({ length: 1000 }, (_, i) => item('echo', i)),
    );
    const consumers = await Promise.all(Array.from({ length: 8 }, () => connect()));
    const seen = new Map<string, number>();
    await Promise.all(
      consumers.map(async (c, w) => {
        for (;;) {
          const batch = await c.dequeueMany(queue, 1 + (w % 4), { workerId: `w${w}` });
          if (batch.length === 0) return;
          for (const job of batch) seen.set(job.action.id, (seen.get(job.action.id) ?? 0) + 1);
          const results = await c.completeMany(
            queue,
            batch.map((j) => ({ id: j.action.id, token: j.lease.token, result: w })),
          );
          expect(results.every((r) => r.ok)).toBe(true);
        }
      }),
    );
    expect(seen.size).toBe(1000);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(seen.keys())).toEqual(new Set(ids));
    expect(await adapter.counts(queue)).toMatchObject({ waiting: 0, active: 0, completed: 1000 });
  });

  test('blocked consumers on separate connections are all woken by a burst', async ({ adapter, connect, queue }) => {
    const consumers = await Promise.all(Array.from({ length: 4 }, () => connect()));
    const pending = consumers.map((c) => c.dequeue(queue, { blockMs: 3000 }));
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    const ids = await adapter.enqueueMany(
      queue,
      Array.from({ length: 4 }, (_, i) => item('echo', i)),
    );
    const got = await Promise.all(pending);
    expect(new Set(got.map((j) => j?.action.id))).toEqual(new Set(ids));
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
