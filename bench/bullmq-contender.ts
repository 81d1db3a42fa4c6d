import { Queue, Worker, type ConnectionOptions, type Job, type JobsOptions, type WorkerOptions } from 'bullmq';
import { DEFAULT_CONFIG } from '../src-shared/config-schema';
import { BullmqFlows } from './bullmq-flows';
import runAgentJob from './bullmq-processor';
import {
  BATCH,
  CONSUMER_BATCH,
  ECHO,
  checkCounts,
  setupOf,
  type ConsumerHooks,
  type Contender,
  type Feature,
  type FlowSession,
  type ProcessorSetup,
  type QueueCheck,
  type Session,
  type Work,
} from './contender';

interface WorkerSetup extends ProcessorSetup {
  sandboxed: boolean;
  concurrency: number;
}

function workerSetup(sandboxed: boolean, concurrency: number): WorkerSetup {
  return sandboxed
    ? { key: `sandboxed-${concurrency}`, label: `Worker sandboxed (worker threads) × ${concurrency}`, sandboxed, concurrency }
    : { key: `in-process-${concurrency}`, label: `Worker in-process × ${concurrency}`, sandboxed, concurrency };
}

/** Both at concurrency CONSUMER_BATCH; sandboxed, BullMQ runs each concurrent job in a worker thread of its own (up to 64). */
const WORKER_SETUPS: readonly WorkerSetup[] = [workerSetup(false, CONSUMER_BATCH), workerSetup(true, CONSUMER_BATCH)];

/** ioredis options for BullMQ from a redis:// or rediss:// URL. */
export function connectionFromUrl(url: string): {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls?: object;
} {
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

const r = DEFAULT_CONFIG.queue.retention;
/** Job options per retention: Conveyor's (every measurement but memory), BullMQ's default (keep everything), a count of 1,000. */
const RETENTION_OPTIONS: Record<string, JobsOptions> = {
  conveyor: {
    removeOnComplete: { count: r.completed.count, age: r.completed.age_s },
    removeOnFail: { count: r.dead.count, age: r.dead.age_s },
  },
  default: {},
  'keep-1000': { removeOnComplete: 1000 },
};

/**
 * BullMQ with its defaults, except completed/failed retention set to
 * Conveyor's DEFAULT_CONFIG (BullMQ keeps every job by default), so both
 * trim the same way; the memory measurement runs its default and a count of 1,000.
 */
export class BullmqContender implements Contender {
  readonly name = 'bullmq';
  readonly label: string;
  readonly notes: string;
  private readonly connection: ConnectionOptions;
  readonly processors: readonly ProcessorSetup[] = WORKER_SETUPS;
  readonly retentions: readonly ProcessorSetup[] = [
    { key: 'default', label: 'default (keeps every job)' },
    { key: 'keep-1000', label: 'removeOnComplete: 1000' },
  ];
  readonly features: readonly Feature[] = ['flows'];
  private readonly setups = new Map<string, WorkerSetup>(WORKER_SETUPS.map((s) => [s.key, s]));

  /** `processorFile`: bench/bullmq-processor.ts built, for sandboxed workers. */
  constructor(
    redisUrl: string,
    private readonly prefix: string,
    version: string,
    private readonly processorFile: string,
  ) {
    this.connection = connectionFromUrl(redisUrl);
    this.label = `BullMQ ${version}`;
    this.notes =
      `removeOnComplete {count ${r.completed.count}, age ${r.completed.age_s}s}, removeOnFail {count ${r.dead.count}, age ${r.dead.age_s}s} ` +
      `(Conveyor's retention) but in the memory measurement; drain = Worker concurrency ${CONSUMER_BATCH}, no-op processor; ` +
      "consumers = Worker running the same agent code as Conveyor's built-ins (bench/bullmq-processor.ts, progress via job.updateProgress)";
  }

  curveSetup(concurrency: number): ProcessorSetup {
    const s = workerSetup(false, concurrency);
    if (!this.setups.has(s.key)) this.setups.set(s.key, s);
    return s;
  }

  async open(name: string, retention = 'conveyor'): Promise<Session> {
    const defaultJobOptions = RETENTION_OPTIONS[retention];
    if (!defaultJobOptions) throw new Error(`bullmq: no retention ${JSON.stringify(retention)}`);
    const queue = new Queue(name, { connection: this.connection, prefix: this.prefix, defaultJobOptions });
    await queue.waitUntilReady();
    return new BullmqSession(queue, this.connection, this.prefix, this.processorFile, defaultJobOptions, (key) =>
      setupOf('bullmq', this.setups, key),
    );
  }
}

class BullmqSession implements Session {
  private readonly data = { agent: ECHO.agent, input: ECHO.input };
  private worker: Worker | undefined;
  private flowSession: BullmqFlows | undefined;

  constructor(
    private readonly queue: Queue,
    private readonly connection: ConnectionOptions,
    private readonly prefix: string,
    private readonly processorFile: string,
    private readonly jobOptions: JobsOptions,
    private readonly setup: (key: string) => WorkerSetup,
  ) {}

  async enqueueOne(): Promise<string> {
    return (await this.queue.add(ECHO.agent, this.data)).id ?? '';
  }

  async enqueueBulk(n: number, work: Work = ECHO): Promise<void> {
    const job = { name: work.agent, data: { agent: work.agent, input: work.input } };
    for (let done = 0; done < n; done += BATCH) {
      await this.queue.addBulk(new Array(Math.min(BATCH, n - done)).fill(job));
    }
  }

  async prepareDrain(n: number): Promise<() => Promise<void>> {
    await this.enqueueBulk(n);
    const worker = await this.readyWorker(async () => null, CONSUMER_BATCH, {});
    return () =>
      new Promise<void>((resolve, reject) => {
        let completed = 0;
        listen(worker, { completed: () => ++completed === n && resolve(), failed: reject });
        worker.run().catch(reject);
      });
  }

  async prepareConsumer(key: string, hooks: ConsumerHooks): Promise<() => Promise<void>> {
    const how = this.setup(key);
    if (how.sandboxed) {
      // BullMQ pipes every sandbox thread's stdout and stderr into ours: a set of listeners per thread, up to its concurrency.
      for (const stream of [process.stdout, process.stderr])
        stream.setMaxListeners(Math.max(stream.getMaxListeners(), how.concurrency + 10));
    }
    const worker = how.sandboxed
      ? await this.readyWorker(this.processorFile, how.concurrency, { useWorkerThreads: true })
      : await this.readyWorker(runAgentJob, how.concurrency, {});
    listen(worker, hooks);
    return async () => {
      // run() resolves only when the worker closes.
      worker.run().catch((err: Error) => hooks.failed(err));
    };
  }

  /** A Worker on this queue, connected but not yet taking jobs. */
  private async readyWorker(
    processor: string | ((job: Job) => Promise<unknown>),
    concurrency: number,
    extra: Partial<WorkerOptions>,
  ): Promise<Worker> {
    const worker = new Worker(this.queue.name, processor, {
      connection: this.connection,
      prefix: this.prefix,
      concurrency,
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

  async completedKept(): Promise<number> {
    return (await this.queue.getJobCounts('completed'))['completed'] ?? 0;
  }

  flows(): FlowSession {
    this.flowSession ??= new BullmqFlows(this.connection, this.prefix, this.queue.name, this.jobOptions);
    return this.flowSession;
  }

  async close(): Promise<void> {
    await this.flowSession?.close();
    await this.worker?.close();
    await this.queue.close();
  }
}

/** Completed and failed jobs and worker errors, to the hooks. */
function listen(worker: Worker, hooks: ConsumerHooks): void {
  worker.on('completed', (job) => hooks.completed(job.id ?? ''));
  worker.on('failed', (job, err) => hooks.failed(new Error(`bullmq: job ${job?.id} failed: ${err.message}`)));
  worker.on('error', (err) => hooks.failed(err));
}
