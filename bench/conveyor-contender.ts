import { DEFAULT_CONFIG } from '../src-shared/config-schema';
import { agentItem } from '../src-shared/item-schema';
import type { QueueItemInput } from '../src-shared/job';
import { WorkerPool, type PoolEvent } from '../src-main/pool/pool';
import { adapterOptionsFromConfig } from '../src-main/queue/adapter-options';
import { RedisQueueAdapter } from '../src-main/queue/redis-queue-adapter';
import { DEFAULT_GROUP } from '../src-shared/limits-schema';
import { ConveyorFlows } from './conveyor-flows';
import {
  BATCH,
  CONSUMER_BATCH,
  ECHO,
  checkCounts,
  setupOf,
  type BenchLimit,
  type ConsumerHooks,
  type Contender,
  type Feature,
  type FlowSession,
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

function poolSetup(threads: number, concurrency: number): PoolSetup {
  return {
    threads,
    concurrency,
    key: `pool-${threads}x${concurrency}`,
    label: `WorkerPool ${threads} thread${threads === 1 ? '' : 's'} × ${concurrency}`,
  };
}

/** threads × concurrency = CONSUMER_BATCH, as BullMQ's worker concurrency; two threads use both cores of the reference box. */
const POOL_SETUPS: readonly PoolSetup[] = [poolSetup(2, CONSUMER_BATCH / 2), poolSetup(1, CONSUMER_BATCH)];

/** Conveyor with DEFAULT_CONFIG's queue (and, for processing, workers) options, on the bench's Redis. */
export class ConveyorContender implements Contender {
  readonly name = 'conveyor';
  readonly label = 'Conveyor';
  readonly notes =
    `DEFAULT_CONFIG queue options (max_length raised; retention ${DEFAULT_CONFIG.queue.retention.completed.count} completed / ` +
    `${DEFAULT_CONFIG.queue.retention.completed.age_s / 86_400} day); drain = dequeueMany(${CONSUMER_BATCH}) + completeMany, one loop; ` +
    'consumers = WorkerPool with DEFAULT_CONFIG.workers timeouts (spare thread on), built-in agents in its threads';
  readonly processors: readonly ProcessorSetup[] = POOL_SETUPS;
  readonly retentions: readonly ProcessorSetup[] = [{ key: 'default', label: 'default retention (1,000 completed / 1 day)' }];
  readonly features: readonly Feature[] = ['limits', 'flows'];
  private readonly setups = new Map<string, PoolSetup>(POOL_SETUPS.map((s) => [s.key, s]));

  /** `threadEntry`: the pool's built thread entry (the bench builds its own, beside its bundle). */
  constructor(
    private readonly redisUrl: string,
    private readonly keyPrefix: string,
    private readonly threadEntry: string,
  ) {}

  /** One thread × `concurrency`: the pool's async slots, as BullMQ's and Bee-Queue's concurrency. */
  curveSetup(concurrency: number): ProcessorSetup {
    const s = poolSetup(1, concurrency);
    if (!this.setups.has(s.key)) this.setups.set(s.key, s);
    return s;
  }

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
    return new ConveyorSession(adapter, queue, this.threadEntry, (key) => setupOf('conveyor', this.setups, key));
  }
}

class ConveyorSession implements Session {
  private readonly item: QueueItemInput = agentItem(ECHO.agent, ECHO.input);
  private pool: WorkerPool | undefined;
  private flowSession: ConveyorFlows | undefined;

  constructor(
    private readonly adapter: RedisQueueAdapter,
    private readonly queue: string,
    private readonly threadEntry: string,
    private readonly setup: (key: string) => PoolSetup,
  ) {}

  enqueueOne(): Promise<string> {
    return this.adapter.enqueue(this.queue, this.item);
  }

  async enqueueBulk(n: number, work: Work = ECHO): Promise<void> {
    const item = work === ECHO ? this.item : agentItem(work.agent, work.input);
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

  async prepareConsumer(key: string, hooks: ConsumerHooks): Promise<() => Promise<void>> {
    const size = this.setup(key);
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
    pool.on('event', (e: PoolEvent) => {
      if (e.type === 'job') {
        if (e.state === 'completed') hooks.completed(e.id);
        else if (e.state !== 'started') hooks.failed(new Error(`conveyor: job ${e.id} ${e.state}: ${e.error ?? e.reason ?? ''}`));
      } else if (e.type === 'error') {
        hooks.failed(e.error);
      } else if (e.type === 'thread' && e.state === 'died') {
        hooks.failed(new Error(`conveyor: worker thread ${e.threadId} died: ${e.error ?? e.reason ?? ''}`));
      }
    });
    return () => pool.start();
  }

  async setLimit(limit: BenchLimit, groupDefault: boolean): Promise<void> {
    await this.adapter.limits.set(this.queue, limit);
    if (groupDefault) await this.adapter.limits.set(this.queue, limit, DEFAULT_GROUP);
  }

  async enqueueBulkInGroups(n: number, groups: number, work: Work = ECHO): Promise<void> {
    const item = work === ECHO ? this.item : agentItem(work.agent, work.input);
    for (let done = 0; done < n; done += BATCH) {
      const size = Math.min(BATCH, n - done);
      await this.adapter.enqueueMany(
        this.queue,
        Array.from({ length: size }, (_, i) => ({ item, opts: { group: `g${(done + i) % groups}` } })),
      );
    }
  }

  flows(): FlowSession {
    this.flowSession ??= new ConveyorFlows(this.adapter, this.queue, MAX_LENGTH);
    return this.flowSession;
  }

  async check(expected: QueueCheck): Promise<void> {
    const c = await this.adapter.counts(this.queue);
    checkCounts('conveyor', { waiting: c.waiting, active: c.active }, expected);
  }

  async completedKept(): Promise<number> {
    return (await this.adapter.counts(this.queue)).completed;
  }

  async close(): Promise<void> {
    this.flowSession?.close();
    try {
      await this.pool?.stop();
    } finally {
      await this.adapter.close();
    }
  }
}
