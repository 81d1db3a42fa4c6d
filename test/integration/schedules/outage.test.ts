/**
 * A scheduler outlives a Redis crash: it logs one line while Redis is away,
 * and fires again (catching up by the schedule's policy) once it is back,
 * without a restart and without a second job for a tick claimed before.
 */
import { afterEach, beforeEach, expect, test } from 'vitest';
import { RedisQueueAdapter } from '../../../src-main/queue/redis-queue-adapter';
import { RedisServerProcess } from '../../../src-main/redis/redis-server-process';
import { ScheduleStore, startScheduler } from '../../../src-main/schedules';
import { testAdapterOptions } from '../../support/queue';
import { freshPrefix } from '../../support/redis';
import { report, sleep, tickJobs, until } from './tick-ledger';

let server: RedisServerProcess;
beforeEach(async () => {
  server = await RedisServerProcess.start({ port: 0, appendonly: true, appendfsync: 'always' });
});
afterEach(async () => {
  await server.stop();
});

test('Redis crashes and comes back: the scheduler logs once, then fires again, one job per tick', { timeout: 40_000 }, async () => {
  const adapter = await RedisQueueAdapter.connect(testAdapterOptions(freshPrefix(), server.url, { connection_timeout: 5 }));
  const lines: string[] = [];
  const scheduler = startScheduler(adapter, { log: (l) => lines.push(l) });
  try {
    await adapter.createQueue('q');
    await new ScheduleStore(adapter).upsert({ queue: 'q', id: 's', agent: 'echo', every: '1s', catchUp: 'each', catchUpLimit: 100 });
    await until(async () => (await tickJobs(adapter, 'q', 's')).length >= 2, 5000, 'ticks before the crash');
    await server.kill();
    await sleep(3000);
    await server.restart();
    const back = Date.now();
    await until(async () => (await tickJobs(adapter, 'q', 's')).some((j) => j.tick > back), 15_000, 'a tick after Redis is back');
    await scheduler.stop();
    const r = report(await tickJobs(adapter, 'q', 's'), 1000);
    expect(r).toMatchObject({ duplicates: 0, missed: 0 });
    expect(lines.filter((l) => l.includes('retrying'))).toHaveLength(1);
    expect(lines.at(-1)).toBe('conveyor: scheduler: running again');
  } finally {
    await scheduler.stop();
    await adapter.close();
  }
});
