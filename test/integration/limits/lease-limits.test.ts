import { describe, expect } from 'vitest';
import { ErrorCode } from '../../../src-shared/errors';
import type { LeasedItem } from '../../../src-shared/job';
import { item, queueTest as test } from '../../support/queue';

/**
 * The lease script under limits (src-main/queue/lua/limits.lua), driven from
 * one adapter: what a lease hands out, what it holds back, and when it says
 * to look again. The multi-process figures are in worker-processes.test.ts.
 */

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const ids = (items: LeasedItem[]): string[] => items.map((i) => i.action.id);

describe('limits at lease time', () => {
  test('a rate hands out its burst, then one job per interval, and says when the next is allowed', async ({ adapter, queue }) => {
    // 2/s: an interval of 500 ms, long beside a round trip on a busy machine.
    await adapter.limits.set(queue, { rate: '2/s', burst: 3 });
    for (let i = 0; i < 10; i++) await adapter.enqueue(queue, item('echo', i));
    const first = await adapter.lease(queue, 10);
    expect(first.items).toHaveLength(3);
    // The fourth is due one interval after the burst's first.
    expect(first.nextTimerMs).toBeGreaterThan(250);
    expect(first.nextTimerMs).toBeLessThanOrEqual(500);
    expect((await adapter.lease(queue, 10)).items).toHaveLength(0);
    await sleep(first.nextTimerMs + 5);
    expect((await adapter.lease(queue, 10)).items).toHaveLength(1);
  });

  test('concurrency counts jobs active across every consumer; a finished job frees its slot', async ({ adapter, connect, queue }) => {
    const other = await connect();
    await adapter.limits.set(queue, { concurrency: 2 });
    for (let i = 0; i < 6; i++) await adapter.enqueue(queue, item('echo', i));
    const a = await adapter.lease(queue, 5);
    const b = await other.lease(queue, 5);
    expect(a.items.length + b.items.length).toBe(2);
    const held = [...a.items][0] ?? b.items[0];
    if (!held) throw new Error('nothing leased');
    const owner = a.items.includes(held) ? adapter : other;
    await owner.completeMany(queue, [{ id: held.action.id, token: held.lease.token, result: 1 }]);
    expect((await other.lease(queue, 5)).items).toHaveLength(1);
  });

  test('a lease asking for more than wait: the slots it did not fill stay free', async ({ adapter, queue }) => {
    await adapter.limits.set(queue, { concurrency: 5, rate: '1000/s', burst: 5 });
    for (let i = 0; i < 2; i++) await adapter.enqueue(queue, item('echo', i));
    expect((await adapter.lease(queue, 10)).items).toHaveLength(2);
    for (let i = 0; i < 6; i++) await adapter.enqueue(queue, item('echo', i));
    // 5 slots and a burst of 5, 2 of each used: 3 more, not 0.
    expect((await adapter.lease(queue, 10)).items).toHaveLength(3);
  });

  test('completing many jobs at once frees every slot they held', async ({ adapter, queue }) => {
    await adapter.limits.set(queue, { concurrency: 4 });
    for (let i = 0; i < 8; i++) await adapter.enqueue(queue, item('echo', i));
    const first = await adapter.lease(queue, 8);
    expect(first.items).toHaveLength(4);
    await adapter.completeMany(
      queue,
      first.items.map((j) => ({ id: j.action.id, token: j.lease.token, result: 1 })),
    );
    expect((await adapter.lease(queue, 8)).items).toHaveLength(4);
  });

  test('fail, release and an expired lease free the slot too', async ({ adapter, queue }) => {
    await adapter.limits.set(queue, { concurrency: 1 });
    for (let i = 0; i < 3; i++) await adapter.enqueue(queue, item('echo', i));
    const one = (await adapter.lease(queue, 3)).items;
    expect(one).toHaveLength(1);
    await adapter.failMany(queue, [{ id: one[0]!.action.id, token: one[0]!.lease.token, error: 'x', retryable: false }]);
    const two = (await adapter.lease(queue, 3)).items;
    expect(two).toHaveLength(1);
    await adapter.releaseMany(queue, [{ id: two[0]!.action.id, token: two[0]!.lease.token, reason: 'outage' }]);
    expect((await adapter.lease(queue, 3)).items).toHaveLength(1);
    const view = await adapter.limits.list(queue);
    expect(view.limits[0]).toMatchObject({ spec: { concurrency: 1 }, active: 1 });
  });

  test('groups are served in turn: a group with 10 waiting is not stuck behind one with 1,000', async ({ adapter, queue }) => {
    const big = Array.from({ length: 1000 }, (_, i) => adapter.enqueue(queue, item('echo', i), { group: 'big' }));
    await Promise.all(big);
    for (let i = 0; i < 10; i++) await adapter.enqueue(queue, item('echo', i), { group: 'small', jobId: `s${i}` });
    const leased = ids((await adapter.lease(queue, 20)).items);
    expect(leased).toHaveLength(20);
    expect(leased.filter((id) => id.startsWith('s'))).toHaveLength(10);
  });

  test('jobs waiting in their groups count as waiting', async ({ adapter, queue }) => {
    await adapter.enqueue(queue, item('echo', 1), { group: 'g' });
    await adapter.enqueue(queue, item('echo', 2), { group: 'h' });
    await adapter.enqueue(queue, item('echo', 3));
    expect((await adapter.counts(queue)).waiting).toBe(3);
  });

  test('priorities still order jobs within a group', async ({ adapter, queue }) => {
    await adapter.enqueue(queue, item('echo', 1), { group: 'g', jobId: 'low' });
    await adapter.enqueue(queue, item('echo', 2), { group: 'g', jobId: 'high', priority: 5 });
    expect(ids((await adapter.lease(queue, 2)).items)).toEqual(['high', 'low']);
  });

  test('a per-group limit holds back that group only; the default applies to every other group', async ({ adapter, queue }) => {
    await adapter.limits.set(queue, { concurrency: 1 }, '*');
    await adapter.limits.set(queue, { concurrency: 3 }, 'wide');
    for (let i = 0; i < 5; i++) {
      await adapter.enqueue(queue, item('echo', i), { group: 'narrow', jobId: `n${i}` });
      await adapter.enqueue(queue, item('echo', i), { group: 'wide', jobId: `w${i}` });
    }
    const leased = ids((await adapter.lease(queue, 10)).items);
    expect(leased.filter((id) => id.startsWith('n'))).toHaveLength(1);
    expect(leased.filter((id) => id.startsWith('w'))).toHaveLength(3);
  });

  test('a 429 (release rate_limited) pauses its group only and spends no attempt', async ({ adapter, queue }) => {
    for (let i = 0; i < 3; i++) {
      await adapter.enqueue(queue, item('echo', i), { group: 'a', jobId: `a${i}` });
      await adapter.enqueue(queue, item('echo', i), { group: 'b', jobId: `b${i}` });
    }
    const first = (await adapter.lease(queue, 1)).items[0]!;
    const group = first.action.id.slice(0, 1);
    await adapter.releaseMany(queue, [{ id: first.action.id, token: first.lease.token, reason: 'rate_limited', retryAfterMs: 1000 }]);
    const during = await adapter.lease(queue, 10);
    expect(ids(during.items).every((id) => !id.startsWith(group))).toBe(true);
    expect(during.items).toHaveLength(3);
    expect(during.nextTimerMs).toBeGreaterThan(500);
    expect(during.nextTimerMs).toBeLessThanOrEqual(1000);
    await sleep(during.nextTimerMs + 10);
    const after = ids((await adapter.lease(queue, 10)).items);
    expect(after).toHaveLength(3);
    expect(after).toContain(first.action.id);
    const job = await adapter.getJob(queue, first.action.id);
    expect(job?.attempts.at(0)?.releaseReason).toBe('rate_limited');
    expect(job?.attempts).toHaveLength(2);
  });

  test('points: a group whose budget is spent waits for its next window', async ({ adapter, queue }) => {
    // A window long enough that it cannot roll over between the charge and the reads below.
    await adapter.limits.set(queue, { points: '100/1m' }, 'p');
    for (let i = 0; i < 3; i++) await adapter.enqueue(queue, item('echo', i), { group: 'p' });
    const one = (await adapter.lease(queue, 1)).items[0]!;
    await adapter.limits.charge(queue, [{ id: one.action.id, token: one.lease.token, cost: 150 }]);
    await adapter.completeMany(queue, [{ id: one.action.id, token: one.lease.token, result: 1 }]);
    const held = await adapter.lease(queue, 5);
    expect(held.items).toHaveLength(0);
    expect(held.nextTimerMs).toBeGreaterThan(0);
    expect(held.nextTimerMs).toBeLessThanOrEqual(60_000);
    expect((await adapter.limits.list(queue)).limits[0]).toMatchObject({ group: 'p', pointsUsed: 150 });
  });

  test('a raised limit applies at the next lease', async ({ adapter, queue }) => {
    await adapter.limits.set(queue, { concurrency: 1 });
    for (let i = 0; i < 5; i++) await adapter.enqueue(queue, item('echo', i), { group: 'g' });
    expect((await adapter.lease(queue, 5)).items).toHaveLength(1);
    await adapter.limits.set(queue, { concurrency: 4 });
    expect((await adapter.lease(queue, 5)).items).toHaveLength(3);
    await adapter.limits.remove(queue);
    expect((await adapter.lease(queue, 5)).items).toHaveLength(1);
  });

  test('a delayed grouped job enters its group when due', async ({ adapter, queue }) => {
    await adapter.enqueue(queue, item('echo', 1), { group: 'g', jobId: 'later', delayMs: 600 });
    const before = await adapter.lease(queue, 1);
    expect(before.items).toHaveLength(0);
    await sleep(before.nextTimerMs + 10);
    expect(ids((await adapter.lease(queue, 1)).items)).toEqual(['later']);
  });

  test('a cancelled grouped job is never leased', async ({ adapter, queue }) => {
    await adapter.enqueue(queue, item('echo', 1), { group: 'g', jobId: 'gone' });
    await adapter.enqueue(queue, item('echo', 2), { group: 'g', jobId: 'kept' });
    await adapter.cancel(queue, 'gone');
    expect(ids((await adapter.lease(queue, 5)).items)).toEqual(['kept']);
  });

  test('drain deletes jobs waiting in group sets too, keeps a cancelled one, and reports the total', async ({ adapter, queue }) => {
    await adapter.enqueue(queue, item('echo', 1), { group: 'g' });
    await adapter.enqueue(queue, item('echo', 2), { group: 'h' });
    await adapter.enqueue(queue, item('echo', 3), { group: 'h', jobId: 'gone' });
    await adapter.enqueue(queue, item('echo', 4));
    await adapter.cancel(queue, 'gone');
    expect(await adapter.drain(queue)).toBe(3);
    expect(await adapter.counts(queue)).toMatchObject({ waiting: 0, cancelled: 1 });
    expect((await adapter.lease(queue, 5)).items).toHaveLength(0);
  });

  test('the queue-full check counts jobs waiting in group sets, and frees their room when they are leased', async ({ adapter }) => {
    await adapter.createQueue('capped-groups', { maxLength: 2 });
    await adapter.enqueue('capped-groups', item('echo', 1), { group: 'g' });
    await adapter.enqueue('capped-groups', item('echo', 2), { group: 'h' });
    await expect(adapter.enqueue('capped-groups', item('echo', 3))).rejects.toMatchObject({
      code: ErrorCode.QueueFull,
      depth: 2,
      limit: 2,
    });
    expect((await adapter.lease('capped-groups', 1)).items).toHaveLength(1);
    await adapter.enqueue('capped-groups', item('echo', 3), { group: 'g' });
  });

  test('bad input stores nothing and names the field', async ({ adapter, queue }) => {
    for (const [spec, field] of [
      [{ rate: '10 per sec' }, 'rate'],
      [{ rate: '0/s' }, 'rate'],
      [{ rate: '-5/s' }, 'rate'],
      [{ concurrency: -1 }, 'concurrency'],
      [{ rate: '10/s', speed: 3 }, 'speed'],
    ] as const) {
      await expect(adapter.limits.set(queue, spec)).rejects.toMatchObject({
        code: ErrorCode.InvalidArgs,
        message: expect.stringContaining(field),
      });
    }
    await expect(adapter.limits.set('nope', { rate: '10/s' })).rejects.toMatchObject({ code: ErrorCode.QueueNotFound });
    expect((await adapter.limits.list(queue)).limits).toEqual([]);
  });
});
