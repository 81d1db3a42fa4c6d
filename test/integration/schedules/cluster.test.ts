/**
 * Schedules on a Redis Cluster (3 masters): a schedule's keys share its
 * queue's hash tag, so the claim and the job are one script in one slot;
 * two schedulers fire the schedules of queues on different masters.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DEFAULT_CONFIG, type QueueConfig } from '../../../src-shared/config-schema';
import { withCluster } from '../../../src-main/config/connection-settings';
import { adapterOptionsFromConfig } from '../../../src-main/queue/adapter-options';
import { keySlot } from '../../../src-main/queue/keys';
import { RedisQueueAdapter } from '../../../src-main/queue/redis-queue-adapter';
import { ScheduleStore, startScheduler } from '../../../src-main/schedules';
import { scheduleKeys } from '../../../src-main/schedules/store';
import { LocalRedisCluster } from '../../support/redis-cluster';
import { freshPrefix } from '../../support/redis';
import { report, sleep, tickJobs } from './tick-ledger';

let cluster: LocalRedisCluster;
beforeAll(async () => {
  cluster = await LocalRedisCluster.start(3);
}, 30_000);
afterAll(async () => {
  await cluster?.stop();
});

async function connect(prefix: string): Promise<RedisQueueAdapter> {
  const config: QueueConfig = { ...DEFAULT_CONFIG.queue, key_prefix: prefix, connection_timeout: 5 };
  const { options } = adapterOptionsFromConfig(config, {});
  return RedisQueueAdapter.connect({ ...options, connection: withCluster(options.connection, cluster.nodes), log: () => undefined });
}

test('two schedulers fire schedules of queues on different masters, one job per tick', { timeout: 40_000 }, async () => {
  const prefix = freshPrefix('cvc');
  const [a, b] = await Promise.all([connect(prefix), connect(prefix)]);
  try {
    const queues = ['alpha', 'beta', 'gamma', 'delta'];
    const k = scheduleKeys(prefix, 'alpha');
    // Every schedule key in its queue's slot.
    expect(new Set([k.q.key('meta'), k.hash('s'), k.index, k.marks].map(keySlot)).size).toBe(1);
    expect(new Set(queues.map((q) => keySlot(scheduleKeys(prefix, q).index))).size).toBeGreaterThan(1);
    const store = new ScheduleStore(a);
    for (const q of queues) {
      await a.createQueue(q);
      await store.upsert({ queue: q, id: 's', agent: 'echo', every: '1s', catchUp: 'each', catchUpLimit: 100 });
    }
    const errors: string[] = [];
    const schedulers = [a, b].map((x) => startScheduler(x, { log: (l) => errors.push(l) }));
    await sleep(6500);
    await Promise.all(schedulers.map((s) => s.stop()));
    expect(errors).toEqual([]);
    for (const q of queues) {
      const r = report(await tickJobs(a, q, 's'), 1000);
      expect(r, q).toMatchObject({ duplicates: 0, missed: 0 });
      expect(r.jobs, q).toBeGreaterThanOrEqual(5);
    }
    expect((await store.list()).map((s) => s.queue).sort()).toEqual([...queues].sort());
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});
