import type { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { ScheduleStore, startScheduler } from '../../../src-main/schedules';
import { scheduleKeys } from '../../../src-main/schedules/store';
import { ErrorCode } from '../../../src-shared/errors';
import { tickJobId, type ScheduleInput } from '../../../src-shared/schedule';
import { queueTest as test } from '../../support/queue';
import { sleep, tickJobs, until } from './tick-ledger';

const every1s = (queue: string, id: string, extra: Partial<ScheduleInput> = {}): ScheduleInput => ({
  queue,
  id,
  agent: 'echo',
  every: '1s',
  ...extra,
});

/** Sets schedule `id`'s next tick a second in the past, so the next claim fires it; returns that tick. */
async function makeDue(redis: Redis, k: ReturnType<typeof scheduleKeys>, id: string): Promise<number> {
  const due = Math.floor(Date.now() / 1000) * 1000 - 1000;
  await redis.hset(k.hash(id), 'next', String(due));
  await redis.zadd(k.index, due, id);
  return due;
}

describe('catch-up of ticks missed while every scheduler was stopped for 10 s', () => {
  test(
    'skip runs only the on-time tick, once runs one job, each runs the latest N and the on-time one',
    { timeout: 40_000 },
    async ({ adapter, queue }) => {
      const store = new ScheduleStore(adapter);
      for (const [id, catchUp] of [
        ['skip', 'skip'],
        ['once', 'once'],
        ['each', 'each'],
      ] as const) {
        await store.upsert(every1s(queue, id, { catchUp, catchUpLimit: 3 }));
      }
      let scheduler = startScheduler(adapter, { queues: [queue] });
      await until(async () => (await tickJobs(adapter, queue, 'each')).length >= 2, 10_000, 'ticks before the stop');
      await scheduler.stop();
      const stoppedAfter = Math.max(
        ...(await Promise.all(['skip', 'once', 'each'].map(async (id) => (await tickJobs(adapter, queue, id)).at(-1)?.tick ?? 0))),
      );
      await sleep(10_000);
      const restart = Date.now();
      scheduler = startScheduler(adapter, { queues: [queue] });
      await sleep(1500);
      await scheduler.stop();
      const inGap = async (id: string): Promise<number[]> =>
        (await tickJobs(adapter, queue, id)).map((j) => j.tick).filter((t) => t > stoppedAfter && t <= restart);
      const latest = Math.floor(restart / 1000) * 1000;
      expect(await inGap('skip')).toEqual([latest]);
      expect(await inGap('once')).toEqual([latest]);
      expect(await inGap('each')).toEqual([latest - 3000, latest - 2000, latest - 1000, latest]);
      const skip = await store.get(queue, 'skip');
      expect(skip?.skipped).toBeGreaterThanOrEqual(8);
      // list links the latest ticks' jobs, newest first, found by their derived ids.
      const each = (await store.list([queue])).find((s) => s.id === 'each');
      const ticks = (await tickJobs(adapter, queue, 'each')).map((j) => j.tick).reverse();
      expect(each?.lastRuns).toEqual(ticks.slice(0, 5).map((tick) => ({ tick, jobId: `each@${tick}`, state: 'waiting' })));
    },
  );
});

describe('bad input: one error naming the field, nothing stored', () => {
  test.for([
    [{ cron: 'not a cron', every: undefined }, 'cron'],
    [{ cron: '0 9 * * *', tz: 'Nowhere/Land', every: undefined }, 'tz'],
    [{ every: '200ms' }, 'every'],
  ] as Array<[Partial<ScheduleInput>, string]>)('%o names %s', async ([extra, field], { adapter, queue, redis, prefix }) => {
    const store = new ScheduleStore(adapter);
    await expect(store.upsert(every1s(queue, 'bad', extra))).rejects.toMatchObject({ code: ErrorCode.ScheduleInvalid, details: { field } });
    expect(await redis.keys(`${prefix}:*schedule*`)).toEqual([]);
  });

  test('an unknown queue is QUEUE_NOT_FOUND and stores nothing', async ({ adapter, redis, prefix }) => {
    await expect(new ScheduleStore(adapter).upsert(every1s('nope', 'x'))).rejects.toMatchObject({ code: ErrorCode.QueueNotFound });
    expect(await redis.keys(`${prefix}:*schedule*`)).toEqual([]);
  });
});

describe('the store', () => {
  test('upserting the same schedule again keeps its next tick and adds nothing', async ({ adapter, queue }) => {
    const store = new ScheduleStore(adapter);
    const first = await store.upsert(every1s(queue, 's', { every: '1h' }));
    await sleep(20);
    const again = await store.upsert(every1s(queue, 's', { every: '1h', input: 'changed' }));
    expect(again.next).toBe(first.next);
    expect(again.input).toBe('changed');
    expect(again.createdAt).toBe(first.createdAt);
    expect(await store.list([queue])).toHaveLength(1);
  });

  test('list gives the next three fire times', async ({ adapter, queue }) => {
    const s = await new ScheduleStore(adapter).upsert(every1s(queue, 's', { every: '1h' }));
    expect(s.nextRuns).toHaveLength(3);
    expect(s.nextRuns[1]! - s.nextRuns[0]!).toBe(3_600_000);
    expect(s.nextRuns[0]! % 3_600_000).toBe(0);
  });

  test(
    'a removed schedule added again never fires a tick it already fired, even with its jobs trimmed',
    { timeout: 15_000 },
    async ({ adapter, queue, redis, prefix }) => {
      const store = new ScheduleStore(adapter);
      await store.upsert(every1s(queue, 's'));
      const scheduler = startScheduler(adapter, { queues: [queue] });
      await until(async () => (await tickJobs(adapter, queue, 's')).length >= 1, 5000, 'a tick');
      await scheduler.stop();
      const [fired] = await tickJobs(adapter, queue, 's');
      expect(fired?.id).toBe(tickJobId('s', fired?.tick ?? 0));
      // The job is gone (completed and trimmed), the schedule removed; then the id comes back pointing at that very tick.
      await adapter.remove(queue, fired!.id);
      await store.remove(queue, 's');
      await store.upsert(every1s(queue, 's', { catchUp: 'each', catchUpLimit: 100 }));
      const k = scheduleKeys(prefix, queue);
      await redis.hset(k.hash('s'), 'next', String(fired!.tick));
      await redis.zadd(k.index, fired!.tick, 's');
      const jobs = await store.fire(queue, 's');
      expect(jobs).not.toContain(fired!.id);
      expect(await adapter.getJob(queue, fired!.id)).toBeNull();
    },
  );

  test(
    'pause stops ticks; resume starts at the first tick after now (paused ticks are not caught up)',
    { timeout: 15_000 },
    async ({ adapter, queue }) => {
      const store = new ScheduleStore(adapter);
      await store.upsert(every1s(queue, 's', { catchUp: 'each', catchUpLimit: 100 }));
      const paused = await store.pause(queue, 's');
      expect(paused).toMatchObject({ paused: true, next: null, nextRuns: [] });
      const scheduler = startScheduler(adapter, { queues: [queue] });
      await sleep(2500);
      expect(await tickJobs(adapter, queue, 's')).toEqual([]);
      const resumedAt = Date.now();
      await store.resume(queue, 's');
      await until(async () => (await tickJobs(adapter, queue, 's')).length >= 1, 5000, 'a tick after resume');
      await scheduler.stop();
      expect((await tickJobs(adapter, queue, 's'))[0]!.tick).toBeGreaterThan(resumedAt - 5);
    },
  );

  test('the job of a tick names its agent in the job hash (ag), as every enqueue does', async ({ adapter, queue, redis, prefix }) => {
    const store = new ScheduleStore(adapter);
    await store.upsert(every1s(queue, 's'));
    const k = scheduleKeys(prefix, queue);
    await makeDue(redis, k, 's');
    await store.fire(queue, 's');
    const [job] = await tickJobs(adapter, queue, 's');
    expect(await redis.hget(`${k.q.jobPrefix}${job!.id}`, 'ag')).toBe('echo');
  });

  test('run-now enqueues a job whose id is never a tick id', async ({ adapter, queue }) => {
    const store = new ScheduleStore(adapter);
    await store.upsert(every1s(queue, 's', { input: { n: 1 } }));
    const a = await store.runNow(queue, 's');
    const b = await store.runNow(queue, 's');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^s@run-\d+-\d+$/);
    const job = await adapter.getJob(queue, a);
    expect(job?.item?.message.payload).toEqual({ agent: 'echo', input: { n: 1 } });
  });

  test('remove and pause of an unknown schedule: SCHEDULE_NOT_FOUND / false', async ({ adapter, queue }) => {
    const store = new ScheduleStore(adapter);
    await expect(store.pause(queue, 'ghost')).rejects.toMatchObject({ code: ErrorCode.ScheduleNotFound });
    expect(await store.remove(queue, 'ghost')).toBe(false);
  });

  test('a scheduler wakes for a new schedule at once, not at its next look', { timeout: 15_000 }, async ({ adapter, queue }) => {
    const scheduler = startScheduler(adapter, { queues: [queue] });
    await sleep(300);
    const store = new ScheduleStore(adapter);
    await store.upsert(every1s(queue, 's'));
    await until(async () => (await tickJobs(adapter, queue, 's')).length >= 2, 4000, 'two ticks well before the 10 s look');
    await scheduler.stop();
  });
});

describe('the tick script checks every key it writes before its first write', () => {
  test.for(['schedule', 'schedules', 'schedule-marks', 'wait', 'marker', 'events'])(
    'a %s key of the wrong type: a typed error, no job, the schedule unchanged',
    async (which, { adapter, queue, redis, prefix }) => {
      const store = new ScheduleStore(adapter);
      await store.upsert(every1s(queue, 's'));
      const k = scheduleKeys(prefix, queue);
      // Due now, so a claim would write.
      const due = await makeDue(redis, k, 's');
      const key = {
        schedule: k.hash('s'),
        schedules: k.index,
        'schedule-marks': k.marks,
        wait: k.q.key('wait'),
        marker: k.q.key('marker'),
        events: k.q.key('events'),
      }[which] as string;
      const saved = await redis.dumpBuffer(key);
      await redis.del(key);
      await redis.set(key, 'not what it should be');
      await expect(store.fire(queue, 's')).rejects.toThrow(/WRONGTYPE|wrong Redis type/);
      await redis.del(key);
      if (saved) await redis.restore(key, 0, saved);
      // Not even half a job: no job hash was written.
      expect(await redis.keys(`${k.q.jobPrefix}*`)).toEqual([]);
      if (which !== 'schedule') expect(await redis.hget(k.hash('s'), 'next')).toBe(String(due));
    },
  );
});

describe('claims and upserts', () => {
  test(
    'a storm of upserts that change the job input, not the ticks, never holds a tick back',
    { timeout: 30_000 },
    async ({ connect, queue }) => {
      const adapters = await Promise.all([0, 1, 2].map(() => connect()));
      const stores = adapters.map((a) => new ScheduleStore(a));
      await stores[0]!.upsert(every1s(queue, 's', { catchUp: 'each', catchUpLimit: 100 }));
      const schedulers = adapters.slice(0, 2).map((a) => startScheduler(a, { queues: [queue] }));
      const until = Date.now() + 6000;
      let n = 0;
      await Promise.all(
        stores.map(async (s) => {
          while (Date.now() < until) await s.upsert(every1s(queue, 's', { catchUp: 'each', catchUpLimit: 100, input: n++ }));
        }),
      );
      await Promise.all(schedulers.map((s) => s.stop()));
      const jobs = await tickJobs(adapters[0]!, queue, 's');
      const late = jobs.filter((j) => j.createdAt - j.tick > 900);
      expect(jobs.length).toBeGreaterThanOrEqual(5);
      expect(late).toEqual([]);
      // The jobs carry the input of the latest upsert before their tick: the template is read at claim time.
      const last = await adapters[0]!.getJob(queue, jobs.at(-1)!.id);
      expect(typeof (last?.item?.message.payload as { input: unknown }).input).toBe('number');
    },
  );

  test('upserting the very same schedule writes nothing', async ({ adapter, queue, redis, prefix }) => {
    const store = new ScheduleStore(adapter);
    await store.upsert(every1s(queue, 's'));
    const rev = await redis.hget(scheduleKeys(prefix, queue).hash('s'), 'rev');
    await store.upsert(every1s(queue, 's'));
    expect(await redis.hget(scheduleKeys(prefix, queue).hash('s'), 'rev')).toBe(rev);
  });
});
