/**
 * A RedisQueueAdapter on the test Redis under a fresh key prefix, closed after
 * the test:
 *
 *   import { queueTest as test } from '../support/queue';
 *   test('...', async ({ queue, adapter }) => { await adapter.enqueue(queue, item('echo', 1)) });
 */
import type { QueueItemInput } from '../../src-shared/job';
import { agentItem } from '../../src-shared/item-schema';
import { DEFAULT_CONFIG, type QueueConfig } from '../../src-shared/config-schema';
import { adapterOptionsFromConfig } from '../../src-main/queue/adapter-options';
import { RedisQueueAdapter, type RedisQueueAdapterOptions } from '../../src-main/queue/redis-queue-adapter';
import { redisTest } from './redis';

/** Adapter options for the test Redis; `queue` overrides config.yml's `queue:` values. */
export function testAdapterOptions(prefix: string, redisUrl: string, queue: Partial<QueueConfig> = {}): RedisQueueAdapterOptions {
  const config: QueueConfig = { ...DEFAULT_CONFIG.queue, key_prefix: prefix, connection_timeout: 2, ...queue };
  const { options } = adapterOptionsFromConfig(config, { REDIS_URL: redisUrl });
  return { ...options, log: () => undefined };
}

/** An agent job item, as producers build them. */
export function item(agent: string, input: unknown): QueueItemInput {
  return agentItem(agent, input);
}

export interface QueueFixtures {
  /** An adapter under this test's prefix. */
  adapter: RedisQueueAdapter;
  /** Opens more adapters (other "processes") on the same prefix; all closed after the test. */
  connect: (queue?: Partial<QueueConfig>) => Promise<RedisQueueAdapter>;
  /** A queue created with default options (backoff 0 so retries are immediate). */
  queue: string;
}

export const queueTest = redisTest.extend<QueueFixtures>({
  connect: async ({ prefix, redisUrl }, use) => {
    const opened: RedisQueueAdapter[] = [];
    await use(async (queue = {}) => {
      const a = await RedisQueueAdapter.connect(testAdapterOptions(prefix, redisUrl, queue));
      opened.push(a);
      return a;
    });
    await Promise.all(opened.map((a) => a.close()));
  },
  adapter: async ({ connect }, use) => {
    await use(await connect());
  },
  queue: async ({ adapter }, use) => {
    await adapter.createQueue('jobs', { backoff: { type: 'fixed', delayMs: 0, maxDelayMs: 0 } });
    await use('jobs');
  },
});
