/**
 * Flows on a local 3-master Redis Cluster: a parent and its children on
 * queues of different slots and masters; the kill-between-steps checks of
 * flows.test.ts, and two children finishing at once, across nodes.
 */
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test as base } from 'vitest';
import { DEFAULT_CONFIG, type QueueConfig } from '../../../src-shared/config-schema';
import { withCluster } from '../../../src-main/config/connection-settings';
import { adapterOptionsFromConfig } from '../../../src-main/queue/adapter-options';
import { RedisQueueAdapter } from '../../../src-main/queue/redis-queue-adapter';
import { LocalRedisCluster } from '../../support/redis-cluster';
import { freshPrefix } from '../../support/redis';
import { QUEUES, createQueues, eventCount, fanIn, killBeforeTrim, killBetweenSteps, runOne, waitState } from './flow-scenarios';

let cluster: LocalRedisCluster;

beforeAll(async () => {
  cluster = await LocalRedisCluster.start(3);
}, 30_000);

afterAll(async () => {
  await cluster?.stop();
});

const test = base.extend<{ connect: () => Promise<RedisQueueAdapter> }>({
  // eslint-disable-next-line no-empty-pattern
  connect: async ({}, use) => {
    const prefix = freshPrefix('cvf');
    const opened: RedisQueueAdapter[] = [];
    await use(async () => {
      const config: QueueConfig = { ...DEFAULT_CONFIG.queue, key_prefix: prefix, connection_timeout: 5 };
      const { options } = adapterOptionsFromConfig(config, {});
      const a = await RedisQueueAdapter.connect({
        ...options,
        connection: withCluster(options.connection, cluster.nodes),
        log: () => undefined,
      });
      opened.push(a);
      return a;
    });
    await Promise.all(opened.map((a) => a.close()));
  },
});

describe('flows on a 3-master cluster', () => {
  test('the flow queues live on different masters', async ({ connect }) => {
    const a = await connect();
    const masters = (a.redis as unknown as Cluster).nodes('master');
    expect(masters).toHaveLength(3);
    const owners = new Set<string>();
    for (const q of QUEUES) {
      const slot = Number(await (a.redis as unknown as Cluster).cluster('KEYSLOT', `${a.keyPrefix}:{${q}}:meta`));
      const shards = await (a.redis as unknown as Cluster).cluster('SLOTS');
      const owner = shards.find(([lo, hi]) => slot >= lo && slot <= hi);
      owners.add(String(owner?.[2]?.[1]));
    }
    expect(owners.size).toBeGreaterThan(1);
  });

  test('a fan-in across masters resumes its parent once', async ({ connect }) => {
    const a = await connect();
    await createQueues(a);
    await a.flows.enqueueFlow(fanIn('p', 2));
    await runOne(a, 'fb', 'p.0', 0);
    await runOne(a, 'fc', 'p.1', 1);
    await waitState(a, 'fa', 'p', 'waiting');
    expect(await eventCount(a, 'fa', 'children_done', 'p')).toBe(1);
  });

  test('kill between the child finishing and the parent apply: a sweep by another process resumes the parent once', async ({ connect }) => {
    await killBetweenSteps(await connect(), await connect(), 'before-apply');
  });

  test('kill between the parent apply and the entry delete: applying again changes nothing', async ({ connect }) => {
    await killBetweenSteps(await connect(), await connect(), 'before-delete');
  });

  test("kill between a root's trim and its apply: a sweep by another process deletes the children, on their masters, once", async ({
    connect,
  }) => {
    await killBeforeTrim(await connect(), await connect());
  });

  test('a producer that dies after writing the parent: another process writes the children, on their masters, from its intent', async ({
    connect,
  }) => {
    const a = await connect();
    await createQueues(a);
    a.flows.writer.fault = () => {
      throw new Error('injected producer death');
    };
    await expect(a.flows.enqueueFlow(fanIn('p', 2))).rejects.toThrow('injected producer death');
    const b = await connect();
    b.flows.outbox.intentGraceMs = 0;
    await b.flows.sweep('fa');
    await runOne(b, 'fb', 'p.0', 0);
    await runOne(b, 'fc', 'p.1', 1);
    await waitState(b, 'fa', 'p', 'waiting');
  });

  test('children finishing at once on two processes, on two masters: the parent resumes exactly once', async ({ connect }) => {
    const a = await connect();
    const b = await connect();
    await createQueues(a);
    await a.flows.enqueueFlow(fanIn('p', 20));
    const held = [];
    for (const q of ['fb', 'fc']) held.push(...(await a.dequeueMany(q, 10)).map((j) => ({ q, j })));
    await Promise.all(held.map(({ q, j }, i) => (i % 2 ? a : b).completeProcessing(q, j.action.id, i, j.lease.token)));
    await waitState(a, 'fa', 'p', 'waiting');
    expect(await eventCount(a, 'fa', 'children_done', 'p')).toBe(1);
    expect((await a.counts('fa')).waiting).toBe(1);
  });
});
