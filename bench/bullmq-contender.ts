import { Queue, Worker, type ConnectionOptions, type Job, type WorkerOptions } from 'bullmq';
import { DEFAULT_CONFIG } from '../src-shared/config-schema';
import runAgentJob from './bullmq-processor';
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

interface WorkerSetup extends ProcessorSetup {
  sandboxed: boolean;
}

/** Both at concurrency CONSUMER_BATCH; sandboxed, BullMQ runs each concurrent job in a worker thread of its own (up to 64). */
const WORKER_SETUPS: readonly WorkerSetup[] = [
  { key: 'in-process', label: `Worker in-process × ${CONSUMER_BATCH}`, sandboxed: false },
  { key: 'sandboxed', label: `Worker sandboxed (worker threads) × ${CONSUMER_BATCH}`, sandboxed: true },
];

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
  readonly processors: readonly ProcessorSetup[] = WORKER_SETUPS;

  /** `processorFile`: bench/bullmq-processor.ts built, for sandboxed workers. */
  constructor(
    redisUrl: string,
    private readonly prefix: string,
    version: string,
    private readonly processorFile: string,
  ) {
    this.connection = connectionFromUrl(redisUrl);
    this.label = `BullMQ ${version}`;
    const r = this.retention;
    this.notes =
      `removeOnComplete {count ${r.completed.count}, age ${r.completed.age_s}s}, removeOnFail {count ${r.dead.count}, age ${r.dead.age_s}s} ` +
      `(Conveyor's retention); drain = Worker concurrency ${CONSUMER_BATCH}, no-op processor; ` +
      'end to end = the same agent code as Conveyor\'s built-ins (bench/bullmq-processor.ts, progress via job.updateProgress), ' +
      'timed from worker.run() (sandboxed: threads spawn on demand) to the last completed event';
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
    return new BullmqSession(queue, this.connection, this.prefix, this.processorFile);
  }
}

class BullmqSession implements Session {
  private readonly data = { agent: AGENT, input: INPUT };
  private worker: Worker | undefined;

  constructor(
    private readonly queue: Queue,
    private readonly connection: ConnectionOptions,
    private readonly prefix: string,
    private readonly processorFile: string,
  ) {}

  async enqueueOneByOne(n: number): Promise<void> {
    for (let i = 0; i < n; i++) await this.queue.add(AGENT, this.data);
  }

  enqueueBulk(n: number): Promise<void> {
    return this.fill(n, AGENT, this.data);
  }

  private async fill(n: number, name: string, data: unknown): Promise<void> {
    for (let done = 0; done < n; done += BATCH) {
      const size = Math.min(BATCH, n - done);
      await this.queue.addBulk(new Array(size).fill({ name, data }));
    }
  }

  async prepareDrain(n: number): Promise<() => Promise<void>> {
    await this.enqueueBulk(n);
    const worker = await this.readyWorker(async () => null, {});
    return () => runToCompletion(worker, n);
  }

  async prepareProcessing(n: number, work: Work, setup: string): Promise<() => Promise<void>> {
    const how = WORKER_SETUPS.find((s) => s.key === setup);
    if (!how) throw new Error(`bullmq: no processor setup ${JSON.stringify(setup)}`);
    await this.fill(n, work.agent, { agent: work.agent, input: work.input });
    if (how.sandboxed) {
      // BullMQ pipes every sandbox thread's stdout and stderr into ours: a set of listeners per thread, up to CONSUMER_BATCH.
      for (const stream of [process.stdout, process.stderr]) stream.setMaxListeners(Math.max(stream.getMaxListeners(), CONSUMER_BATCH + 10));
    }
    const worker = how.sandboxed
      ? await this.readyWorker(this.processorFile, { useWorkerThreads: true })
      : await this.readyWorker(runAgentJob, {});
    return () => runToCompletion(worker, n);
  }

  /** A Worker on this queue at concurrency CONSUMER_BATCH, connected but not yet taking jobs. */
  private async readyWorker(processor: string | ((job: Job) => Promise<unknown>), extra: Partial<WorkerOptions>): Promise<Worker> {
    const worker = new Worker(this.queue.name, processor, {
      connection: this.connection,
      prefix: this.prefix,
      concurrency: CONSUMER_BATCH,
      autorun: false,
      ...extra,
    });
    this.worker = worker;
    await worker.waitUntilReady();
    return worker;
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

/** Starts `worker` and resolves when it has completed `n` jobs; a failed job or a worker error rejects. */
function runToCompletion(worker: Worker, n: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let completed = 0;
    worker.on('completed', () => {
      if (++completed === n) resolve();
    });
    worker.on('failed', (job, err) => reject(new Error(`bullmq: job ${job?.id} failed: ${err.message}`)));
    worker.on('error', reject);
    worker.run().catch(reject);
  });
}
