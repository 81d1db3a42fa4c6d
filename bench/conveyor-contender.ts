import { DEFAULT_CONFIG } from '../src-shared/config-schema';
import { agentItem } from '../src-shared/item-schema';
import type { QueueItemInput } from '../src-shared/job';
import { adapterOptionsFromConfig } from '../src-main/queue/adapter-options';
import { RedisQueueAdapter } from '../src-main/queue/redis-queue-adapter';
import { AGENT, BATCH, CONSUMER_BATCH, INPUT, checkCounts, type Contender, type QueueCheck, type Session } from './contender';

const MAX_LENGTH = 10_000_000;

/** Conveyor with DEFAULT_CONFIG's queue options, on the bench's Redis. */
export class ConveyorContender implements Contender {
  readonly name = 'conveyor';
  readonly label = 'Conveyor';
  readonly notes = `DEFAULT_CONFIG queue options (max_length raised); drain = dequeueMany(${CONSUMER_BATCH}) + completeMany, one loop`;

  constructor(
    private readonly redisUrl: string,
    private readonly keyPrefix: string,
  ) {}

  async open(queue: string): Promise<Session> {
    const config = { ...DEFAULT_CONFIG.queue, key_prefix: this.keyPrefix };
    const { options } = adapterOptionsFromConfig(config, { REDIS_URL: this.redisUrl });
    const adapter = await RedisQueueAdapter.connect({ ...options, log: (line) => console.error(line) });
    // Only the length cap differs from the defaults, so a large --jobs fits in one queue.
    try {
      await adapter.createQueue(queue, { maxLength: MAX_LENGTH });
    } catch (err) {
      await adapter.close();
      throw err;
    }
    return new ConveyorSession(adapter, queue);
  }
}

class ConveyorSession implements Session {
  private readonly item: QueueItemInput = agentItem(AGENT, INPUT);

  constructor(
    private readonly adapter: RedisQueueAdapter,
    private readonly queue: string,
  ) {}

  async enqueueOneByOne(n: number): Promise<void> {
    for (let i = 0; i < n; i++) await this.adapter.enqueue(this.queue, this.item);
  }

  async enqueueBulk(n: number): Promise<void> {
    for (let done = 0; done < n; done += BATCH) {
      const size = Math.min(BATCH, n - done);
      await this.adapter.enqueueMany(this.queue, new Array<QueueItemInput>(size).fill(this.item));
    }
  }

  async prepareDrain(n: number): Promise<() => Promise<void>> {
    await this.enqueueBulk(n);
    return async () => {
      let completed = 0;
      while (completed < n) {
        const leased = await this.adapter.dequeueMany(this.queue, CONSUMER_BATCH, { workerId: 'bench' });
        if (leased.length === 0) throw new Error(`conveyor: queue ran dry after ${completed} of ${n} jobs`);
        const results = await this.adapter.completeMany(
          this.queue,
          leased.map((job) => ({ id: job.action.id, token: job.lease.token, result: null })),
        );
        for (const r of results) {
          if (!r.ok) throw r.error;
          completed++;
        }
      }
    };
  }

  async check(expected: QueueCheck): Promise<void> {
    const c = await this.adapter.counts(this.queue);
    checkCounts('conveyor', { waiting: c.waiting, active: c.active }, expected);
  }

  async close(): Promise<void> {
    await this.adapter.close();
  }
}
