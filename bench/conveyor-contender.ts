import { DEFAULT_CONFIG } from '../src-shared/config-schema';
import { agentItem } from '../src-shared/item-schema';
import type { QueueItemInput } from '../src-shared/job';
import { WorkerPool, type PoolEvent } from '../src-main/pool/pool';
import { adapterOptionsFromConfig } from '../src-main/queue/adapter-options';
import { RedisQueueAdapter } from '../src-main/queue/redis-queue-adapter';
import {
  AGENT,
  BATCH,
  CONSUMER_BATCH,
  INPUT,
  checkCounts,
  type Contender,
  type ProcessorSetup,
  type QueueCheck,
  type Session,
  type Work,
} from './contender';

const MAX_LENGTH = 10_000_000;

interface PoolSetup extends ProcessorSetup {
  threads: number;
  concurrency: number;
}

/** threads × concurrency = CONSUMER_BATCH, as BullMQ's worker concurrency; two threads use both cores of the reference box. */
const POOL_SETUPS: readonly PoolSetup[] = [
  { threads: 2, concurrency: CONSUMER_BATCH / 2 },
  { threads: 1, concurrency: CONSUMER_BATCH },
].map((s) => ({
  ...s,
  key: `pool-${s.threads}x${s.concurrency}`,
  label: `WorkerPool ${s.threads} thread${s.threads === 1 ? '' : 's'} × ${s.concurrency}`,
}));

/** Conveyor with DEFAULT_CONFIG's queue (and, for processing, workers) options, on the bench's Redis. */
export class ConveyorContender implements Contender {
  readonly name = 'conveyor';
  readonly label = 'Conveyor';
  readonly notes =
    `DEFAULT_CONFIG queue options (max_length raised); drain = dequeueMany(${CONSUMER_BATCH}) + completeMany, one loop; ` +
    'end to end = WorkerPool with DEFAULT_CONFIG.workers timeouts, built-in agents, timed from start() (threads spawn) to the last completed event';
  readonly processors: readonly ProcessorSetup[] = POOL_SETUPS;

  /** `threadEntry`: the pool's built thread entry (the bench builds its own, beside its bundle). */
  constructor(
    private readonly redisUrl: string,
    private readonly keyPrefix: string,
    private readonly threadEntry: string,
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
    return new ConveyorSession(adapter, queue, this.threadEntry);
  }
}

class ConveyorSession implements Session {
  private readonly item: QueueItemInput = agentItem(AGENT, INPUT);
  private pool: WorkerPool | undefined;

  constructor(
    private readonly adapter: RedisQueueAdapter,
    private readonly queue: string,
    private readonly threadEntry: string,
  ) {}

  async enqueueOneByOne(n: number): Promise<void> {
    for (let i = 0; i < n; i++) await this.adapter.enqueue(this.queue, this.item);
  }

  enqueueBulk(n: number): Promise<void> {
    return this.fill(n, this.item);
  }

  private async fill(n: number, item: QueueItemInput): Promise<void> {
    for (let done = 0; done < n; done += BATCH) {
      const size = Math.min(BATCH, n - done);
      await this.adapter.enqueueMany(this.queue, new Array<QueueItemInput>(size).fill(item));
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

  async prepareProcessing(n: number, work: Work, setup: string): Promise<() => Promise<void>> {
    const size = POOL_SETUPS.find((s) => s.key === setup);
    if (!size) throw new Error(`conveyor: no processor setup ${JSON.stringify(setup)}`);
    await this.fill(n, agentItem(work.agent, work.input));
    const w = DEFAULT_CONFIG.workers;
    const pool = new WorkerPool({
      adapter: this.adapter,
      queues: [this.queue],
      threads: size.threads,
      concurrency: size.concurrency,
      jobTimeoutMs: w.job_timeout_ms,
      killGraceMs: w.kill_grace_ms,
      maxMemoryMb: w.max_memory_mb,
      shutdownTimeoutMs: w.shutdown_timeout_ms,
      threadEntry: this.threadEntry,
    });
    this.pool = pool;
    return () =>
      new Promise<void>((resolve, reject) => {
        let completed = 0;
        pool.on('event', (e: PoolEvent) => {
          if (e.type === 'job') {
            if (e.state === 'completed') {
              if (++completed === n) resolve();
            } else if (e.state !== 'started') {
              reject(new Error(`conveyor: job ${e.id} ${e.state}: ${e.error ?? e.reason ?? ''}`));
            }
          } else if (e.type === 'error') {
            reject(e.error);
          } else if (e.type === 'thread' && e.state === 'died') {
            reject(new Error(`conveyor: worker thread ${e.threadId} died: ${e.error ?? e.reason ?? ''}`));
          }
        });
        pool.start().catch(reject);
      });
  }

  async check(expected: QueueCheck): Promise<void> {
    const c = await this.adapter.counts(this.queue);
    checkCounts('conveyor', { waiting: c.waiting, active: c.active }, expected);
  }

  async close(): Promise<void> {
    try {
      await this.pool?.stop();
    } finally {
      await this.adapter.close();
    }
  }
}
