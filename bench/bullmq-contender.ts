import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { DEFAULT_CONFIG } from '../src-shared/config-schema';
import { AGENT, BATCH, CONSUMER_BATCH, INPUT, checkCounts, type Contender, type QueueCheck, type Session } from './contender';

/** ioredis options for BullMQ from a redis:// or rediss:// URL. */
function connectionFromUrl(url: string): ConnectionOptions {
  const u = new URL(url);
  const db = Number(u.pathname.replace(/^\//, '') || 0);
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(u.port || 6379),
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/**
 * BullMQ with its defaults, except completed/failed retention set to
 * Conveyor's DEFAULT_CONFIG (BullMQ keeps every job by default), so both
 * trim the same way.
 */
export class BullmqContender implements Contender {
  readonly name = 'bullmq';
  readonly label: string;
  readonly notes: string;
  private readonly connection: ConnectionOptions;
  private readonly retention = DEFAULT_CONFIG.queue.retention;

  constructor(
    redisUrl: string,
    private readonly prefix: string,
    version: string,
  ) {
    this.connection = connectionFromUrl(redisUrl);
    this.label = `BullMQ ${version}`;
    const r = this.retention;
    this.notes =
      `removeOnComplete {count ${r.completed.count}, age ${r.completed.age_s}s}, removeOnFail {count ${r.dead.count}, age ${r.dead.age_s}s} ` +
      `(Conveyor's retention); drain = Worker concurrency ${CONSUMER_BATCH}, no-op processor`;
  }

  async open(name: string): Promise<Session> {
    const r = this.retention;
    const queue = new Queue(name, {
      connection: this.connection,
      prefix: this.prefix,
      defaultJobOptions: {
        removeOnComplete: { count: r.completed.count, age: r.completed.age_s },
        removeOnFail: { count: r.dead.count, age: r.dead.age_s },
      },
    });
    await queue.waitUntilReady();
    return new BullmqSession(queue, this.connection, this.prefix);
  }
}

class BullmqSession implements Session {
  private readonly data = { agent: AGENT, input: INPUT };
  private worker: Worker | undefined;

  constructor(
    private readonly queue: Queue,
    private readonly connection: ConnectionOptions,
    private readonly prefix: string,
  ) {}

  async enqueueOneByOne(n: number): Promise<void> {
    for (let i = 0; i < n; i++) await this.queue.add(AGENT, this.data);
  }

  async enqueueBulk(n: number): Promise<void> {
    for (let done = 0; done < n; done += BATCH) {
      const size = Math.min(BATCH, n - done);
      await this.queue.addBulk(new Array(size).fill({ name: AGENT, data: this.data }));
    }
  }

  async prepareDrain(n: number): Promise<() => Promise<void>> {
    await this.enqueueBulk(n);
    const worker = new Worker(this.queue.name, async () => null, {
      connection: this.connection,
      prefix: this.prefix,
      concurrency: CONSUMER_BATCH,
      autorun: false,
    });
    this.worker = worker;
    await worker.waitUntilReady();
    return () =>
      new Promise<void>((resolve, reject) => {
        let completed = 0;
        worker.on('completed', () => {
          if (++completed === n) resolve();
        });
        worker.on('failed', (job, err) => reject(new Error(`bullmq: job ${job?.id} failed: ${err.message}`)));
        worker.on('error', reject);
        worker.run().catch(reject);
      });
  }

  async check(expected: QueueCheck): Promise<void> {
    const c = await this.queue.getJobCounts('waiting', 'prioritized', 'active');
    checkCounts('bullmq', { waiting: (c['waiting'] ?? 0) + (c['prioritized'] ?? 0), active: c['active'] ?? 0 }, expected);
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
  }
}
