/**
 * The queue adapter on a Redis Cluster (connection settings with `cluster`
 * seed nodes, see `withCluster`): a local
 * 3-master cluster (no replicas) is built once for this file and torn down
 * after it; every test works under a fresh key prefix.
 *
 * Covers: enqueue → dequeue → start → complete; retries ending dead; an
 * expired lease redelivered; a blocking dequeue woken by an enqueue, and
 * waitForJobs over queues in different slots; waitAndLease on queues of
 * different slots; the events iterator across
 * queues on different masters; pause/resume; the worker registry (list,
 * expiry, unregister) under its `{registry}` hash tag; 30 queues spread over
 * all 3 masters, and deleteQueue removing keys wherever they live.
 *
 * Not covered here (standalone suites only): outages, auth/TLS, malformed
 * keys, retention, search, cancel/retry/remove/drain.
 */
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test as base } from 'vitest';
import { DEFAULT_CONFIG, type QueueConfig } from '../../../src-shared/config-schema';
import type { JobEvent } from '../../../src-shared/job';
import type { WorkerInfo } from '../../../src-shared/worker';
import { withCluster } from '../../../src-main/config/connection-settings';
import { adapterOptionsFromConfig } from '../../../src-main/queue/adapter-options';
import { QueueKeys, keySlot } from '../../../src-main/queue/keys';
import { RedisQueueAdapter } from '../../../src-main/queue/redis-queue-adapter';
import { LocalRedisCluster } from '../../support/redis-cluster';
import { item } from '../../support/queue';
import { freshPrefix } from '../../support/redis';

let cluster: LocalRedisCluster;

beforeAll(async () => {
  cluster = await LocalRedisCluster.start(3);
}, 30_000);

afterAll(async () => {
  await cluster?.stop();
});

interface ClusterFixtures {
  prefix: string;
  connect: (queue?: Partial<QueueConfig>) => Promise<RedisQueueAdapter>;
  adapter: RedisQueueAdapter;
}

const test = base.extend<ClusterFixtures>({
  // eslint-disable-next-line no-empty-pattern
  prefix: async ({}, use) => {
    await use(freshPrefix('cvc'));
  },
  connect: async ({ prefix }, use) => {
    const opened: RedisQueueAdapter[] = [];
    await use(async (queue = {}) => {
      const config: QueueConfig = { ...DEFAULT_CONFIG.queue, key_prefix: prefix, connection_timeout: 5, ...queue };
      const { options } = adapterOptionsFromConfig(config, {});
      const connection = withCluster(options.connection, cluster.nodes);
      const a = await RedisQueueAdapter.connect({ ...options, connection, log: () => undefined });
      opened.push(a);
      return a;
    });
    // Clean up on every master, then close.
    const first = opened[0];
    if (first) {
      for (const node of (first.redis as unknown as Cluster).nodes('master')) {
        let cursor = '0';
        do {
          const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
          cursor = next;
          for (const key of keys) await node.unlink(key);
        } while (cursor !== '0');
      }
    }
    await Promise.all(opened.map((a) => a.close()));
  },
  adapter: async ({ connect }, use) => {
    await use(await connect());
  },
});

const noBackoff = { backoff: { type: 'fixed' as const, delayMs: 0, maxDelayMs: 0 } };

/** Queue names whose keys land in `n` different slots. */
function queuesInDistinctSlots(prefix: string, n: number): string[] {
  const names: string[] = [];
  const slots = new Set<number>();
  for (let i = 0; names.length < n; i++) {
    const slot = keySlot(new QueueKeys(prefix, `q${i}`).key('meta'));
    if (!slots.has(slot)) {
      slots.add(slot);
      names.push(`q${i}`);
    }
  }
  return names;
}

/** Which master holds a key: the one that answers EXISTS (the others answer MOVED). */
async function masterOf(adapter: RedisQueueAdapter, key: string): Promise<string> {
  for (const node of (adapter.redis as unknown as Cluster).nodes('master')) {
    const here = await node.exists(key).catch((err: Error) => {
      if (/^MOVED /.test(err.message)) return 0;
      throw err;
    });
    if (here === 1) return `${node.options.host}:${node.options.port}`;
  }
  return 'nowhere';
}

describe('queue adapter on a Redis Cluster', () => {
  test('the adapter is in cluster mode', ({ adapter }) => {
    expect(adapter.cluster).toBe(true);
  });

  test('enqueue, dequeue, start and complete', async ({ adapter }) => {
    await adapter.createQueue('jobs', noBackoff);
    const id = await adapter.enqueue('jobs', item('echo', { n: 1 }));
    const leased = await adapter.dequeue('jobs', { workerId: 'w1' });
    expect(leased).toMatchObject({ action: { id }, attempt: 1 });
    await adapter.startProcessing('jobs', id, 'w1');
    await adapter.completeProcessing('jobs', id, { ok: true });
    expect(await adapter.getJob('jobs', id)).toMatchObject({ state: 'completed' });
    expect(await adapter.counts('jobs')).toMatchObject({ waiting: 0, active: 0, completed: 1 });
    expect(await adapter.listQueues()).toEqual(['jobs']);
  });

  test('a job that keeps failing is retried, then dead', async ({ adapter }) => {
    await adapter.createQueue('jobs', { ...noBackoff, maxRetries: 1 });
    const id = await adapter.enqueue('jobs', item('echo', 1));
    await adapter.dequeue('jobs');
    expect(await adapter.failProcessing('jobs', id, new Error('boom'))).toBe('delayed');
    expect(await adapter.dequeue('jobs')).toMatchObject({ action: { id }, attempt: 2 });
    expect(await adapter.failProcessing('jobs', id, new Error('boom again'))).toBe('dead');
    expect(await adapter.counts('jobs')).toMatchObject({ dead: 1, waiting: 0, delayed: 0 });
  });

  test('an expired lease is redelivered with the attempt counted', async ({ adapter, connect }) => {
    await adapter.createQueue('short', { leaseMs: 1000 });
    const id = await adapter.enqueue('short', item('echo', 1));
    await adapter.dequeue('short', { workerId: 'crashed-worker' });
    const other = await connect();
    expect(await other.dequeue('short')).toBeNull();
    const again = await other.dequeue('short', { blockMs: 5000 });
    expect(again).toMatchObject({ action: { id }, attempt: 2 });
  });

  test('a blocking dequeue wakes on enqueue; waitForJobs watches queues in several slots', async ({ adapter, connect }) => {
    const [a, b, c] = queuesInDistinctSlots(adapter.keyPrefix, 3) as [string, string, string];
    for (const q of [a, b, c]) await adapter.createQueue(q, noBackoff);
    const producer = await connect();

    let started = Date.now();
    const pending = adapter.dequeue(a, { blockMs: 5000 });
    setTimeout(() => void producer.enqueue(a, item('echo', 1)), 200);
    expect(await pending).not.toBeNull();
    expect(Date.now() - started).toBeLessThan(1500);

    started = Date.now();
    const waiting = adapter.waitForJobs([a, b, c], 5000);
    setTimeout(() => void producer.enqueue(c, item('echo', 2)), 200);
    await waiting;
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await adapter.dequeue(c)).not.toBeNull();
  });

  test('waitAndLease brings a job enqueued during the wait, leased, whatever slot its queue is in', async ({ adapter, connect }) => {
    const producer = await connect();
    for (const q of queuesInDistinctSlots(adapter.keyPrefix, 3)) {
      await adapter.createQueue(q, noBackoff);
      const waiting = adapter.waitAndLease(q, 4, 'w1', 5000, { start: true });
      setTimeout(() => void producer.enqueue(q, item('echo', q)), 100);
      const batch = await waiting;
      expect(batch.items.map((i) => i.message.payload)).toEqual([{ agent: 'echo', input: q }]);
    }
  });

  test('the events iterator reads queues on different masters', async ({ adapter }) => {
    const queues = queuesInDistinctSlots(adapter.keyPrefix, 30);
    // Three of them on three different masters.
    for (const q of queues) await adapter.createQueue(q, noBackoff);
    const byMaster = new Map<string, string>();
    for (const q of queues) byMaster.set(await masterOf(adapter, new QueueKeys(adapter.keyPrefix, q).key('meta')), q);
    const picked = [...byMaster.values()];
    expect(picked).toHaveLength(3);

    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 5000);
    // From the streams' start: '$' is pinned when the iterator is first read, which a busy box may reach after the enqueues.
    const iterator = adapter.events(picked, { signal: controller.signal, fromId: '0-0' });
    const seen: JobEvent[] = [];
    const reading = (async () => {
      for await (const batch of iterator) {
        seen.push(...batch);
        if (new Set(seen.filter((e) => e.type === 'enqueued').map((e) => e.queue)).size === picked.length) break;
      }
    })();
    for (const q of picked) await adapter.enqueue(q, item('echo', q));
    await reading;
    clearTimeout(timer);
    expect(new Set(seen.filter((e) => e.type === 'enqueued').map((e) => e.queue))).toEqual(new Set(picked));
  });

  test('pause holds jobs back; resume releases them', async ({ adapter }) => {
    await adapter.createQueue('jobs', noBackoff);
    await adapter.pause('jobs');
    const id = await adapter.enqueue('jobs', item('echo', 1));
    expect(await adapter.dequeue('jobs')).toBeNull();
    expect(await adapter.getQueueInfo('jobs')).toMatchObject({ paused: true, counts: { paused: 1 } });
    await adapter.resume('jobs');
    expect(await adapter.dequeue('jobs')).toMatchObject({ action: { id } });
  });

  test('the worker registry lists, expires and unregisters workers under one hash tag', async ({ adapter }) => {
    const worker = (id: string): WorkerInfo => ({
      id,
      host: 'h1',
      pid: 1,
      queues: ['jobs'],
      threads: 1,
      concurrency: 1,
      running: [],
      processed: 0,
      failed: 0,
      startedAt: Date.now(),
      lastHeartbeat: Date.now(),
    });
    await adapter.workers.heartbeat(worker('gone'), 200);
    await adapter.workers.heartbeat(worker('alive'), 5000);
    await adapter.workers.heartbeat(worker('leaving'), 5000);
    expect((await adapter.listWorkers()).map((w) => w.id).sort()).toEqual(['alive', 'gone', 'leaving']);
    expect(await adapter.redis.exists(`${adapter.keyPrefix}:{registry}:worker:alive`)).toBe(1);
    await adapter.workers.unregister('leaving');
    await new Promise((r) => setTimeout(r, 300));
    expect((await adapter.listWorkers()).map((w) => w.id)).toEqual(['alive']);
  });

  test('30 queues spread over all 3 masters; deleteQueue finds keys on any of them', async ({ adapter }) => {
    const names = Array.from({ length: 30 }, (_, i) => `queue-${i}`);
    for (const q of names) {
      await adapter.createQueue(q, noBackoff);
      await adapter.enqueue(q, item('echo', q));
    }
    const redis = adapter.redis as unknown as Cluster;
    const masters = redis.nodes('master');
    expect(masters).toHaveLength(3);
    const holders = new Set<string>();
    for (const q of names) {
      const key = new QueueKeys(adapter.keyPrefix, q).key('wait');
      // Our slot function agrees with the server's.
      expect(Number(await masters[0]!.call('CLUSTER', 'KEYSLOT', key))).toBe(keySlot(key));
      holders.add(await masterOf(adapter, key));
    }
    expect(holders.size).toBe(3);
    expect(await adapter.listQueues()).toHaveLength(30);

    for (const q of names) await adapter.deleteQueue(q);
    for (const node of masters) expect(await node.scan('0', 'MATCH', `${adapter.keyPrefix}:{*`, 'COUNT', 10_000)).toEqual(['0', []]);
    expect(await adapter.listQueues()).toEqual([]);
  });
});
