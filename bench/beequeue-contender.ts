import BeeQueue from 'bee-queue';
import runAgentJob from './bullmq-processor';
import {
  BATCH,
  CONSUMER_BATCH,
  ECHO,
  checkCounts,
  setupOf,
  type ConsumerHooks,
  type Contender,
  type ProcessorSetup,
  type QueueCheck,
  type Session,
  type Work,
} from './contender';
import { connectionFromUrl } from './bullmq-contender';

interface ProcessSetup extends ProcessorSetup {
  concurrency: number;
}

function processSetup(concurrency: number): ProcessSetup {
  return { key: `process-${concurrency}`, label: `process(${concurrency})`, concurrency };
}

/** Bee-Queue runs handlers in-process only. */
const PROCESS_SETUPS: readonly ProcessSetup[] = [processSetup(CONSUMER_BATCH)];

type JobData = { agent: string; input: unknown };

/**
 * Bee-Queue with its defaults (completed jobs kept: removeOnSuccess false;
 * job events published: sendEvents true), set up as its README advises: the
 * producer queue with isWorker, getEvents and storeJobs off (it listens to no
 * job events), the worker queue with getEvents off (the bench counts the
 * worker's own `succeeded` events).
 */
export class BeeQueueContender implements Contender {
  readonly name = 'beequeue';
  readonly label: string;
  readonly notes =
    'defaults (removeOnSuccess false: keeps every job; sendEvents on) but in the memory measurement; producer queue {isWorker, getEvents, storeJobs: false}, ' +
    `worker queue {getEvents: false} (README advice); bulk = saveAll by ${BATCH.toLocaleString('en-US')}; drain = process(${CONSUMER_BATCH}), no-op handler; ` +
    "consumers = process(n) running the same agent code as Conveyor's built-ins; client: node_redis 3 (its own dependency)";
  readonly processors: readonly ProcessorSetup[] = PROCESS_SETUPS;
  readonly retentions: readonly ProcessorSetup[] = [
    { key: 'default', label: 'default (removeOnSuccess: false, keeps every job)' },
    { key: 'remove', label: 'removeOnSuccess: true' },
  ];
  private readonly setups = new Map<string, ProcessSetup>(PROCESS_SETUPS.map((s) => [s.key, s]));
  private readonly redis: Record<string, unknown>;

  constructor(
    redisUrl: string,
    private readonly prefix: string,
    version: string,
  ) {
    const c = connectionFromUrl(redisUrl);
    this.redis = {
      host: c.host,
      port: c.port,
      db: c.db,
      ...(c.password ? { password: c.password } : {}),
      ...(c.tls ? { tls: c.tls } : {}),
    };
    this.label = `Bee-Queue ${version}`;
  }

  curveSetup(concurrency: number): ProcessorSetup {
    const s = processSetup(concurrency);
    if (!this.setups.has(s.key)) this.setups.set(s.key, s);
    return s;
  }

  async open(name: string, retention = 'default'): Promise<Session> {
    if (!this.retentions.some((r) => r.key === retention)) throw new Error(`beequeue: no retention ${JSON.stringify(retention)}`);
    const producer = new BeeQueue<JobData>(name, {
      prefix: this.prefix,
      redis: this.redis,
      isWorker: false,
      getEvents: false,
      storeJobs: false,
    });
    await producer.ready();
    const newWorker = (): BeeQueue<JobData> =>
      new BeeQueue<JobData>(name, { prefix: this.prefix, redis: this.redis, getEvents: false, removeOnSuccess: retention === 'remove' });
    return new BeeQueueSession(producer, newWorker, (key) => setupOf('beequeue', this.setups, key));
  }
}

class BeeQueueSession implements Session {
  private readonly data: JobData = { agent: ECHO.agent, input: ECHO.input };
  private worker: BeeQueue<JobData> | undefined;

  constructor(
    private readonly producer: BeeQueue<JobData>,
    private readonly newWorker: () => BeeQueue<JobData>,
    private readonly setup: (key: string) => ProcessSetup,
  ) {}

  async enqueueOne(): Promise<string> {
    return (await this.producer.createJob(this.data).save()).id;
  }

  async enqueueBulk(n: number, work: Work = ECHO): Promise<void> {
    const data: JobData = { agent: work.agent, input: work.input };
    for (let done = 0; done < n; done += BATCH) {
      const jobs = Array.from({ length: Math.min(BATCH, n - done) }, () => this.producer.createJob(data));
      const errors = await this.producer.saveAll(jobs);
      if (errors.size > 0) throw new Error(`beequeue: saveAll failed for ${errors.size} jobs: ${[...errors.values()][0]?.message}`);
    }
  }

  private async readyWorker(hooks: ConsumerHooks): Promise<BeeQueue<JobData>> {
    const worker = this.newWorker();
    this.worker = worker;
    worker.on('succeeded', (job) => hooks.completed(job.id));
    worker.on('failed', (job, err) => hooks.failed(new Error(`beequeue: job ${job.id} failed: ${err.message}`)));
    worker.on('error', (err) => hooks.failed(err));
    await worker.ready();
    return worker;
  }

  async prepareDrain(n: number): Promise<() => Promise<void>> {
    await this.enqueueBulk(n);
    let done: () => void = () => undefined;
    let fail: (err: Error) => void = () => undefined;
    let completed = 0;
    const worker = await this.readyWorker({ completed: () => ++completed === n && done(), failed: (err) => fail(err) });
    return () =>
      new Promise<void>((resolve, reject) => {
        done = resolve;
        fail = reject;
        worker.process(CONSUMER_BATCH, async () => null);
      });
  }

  async prepareConsumer(key: string, hooks: ConsumerHooks): Promise<() => Promise<void>> {
    const { concurrency } = this.setup(key);
    const worker = await this.readyWorker(hooks);
    return async () => {
      worker.process(concurrency, (job) => runAgentJob({ id: job.id, data: job.data, updateProgress: async (p) => job.reportProgress(p) }));
    };
  }

  async check(expected: QueueCheck): Promise<void> {
    const h = await this.producer.checkHealth();
    checkCounts('beequeue', { waiting: h.waiting, active: h.active }, expected);
  }

  async completedKept(): Promise<number> {
    return (await this.producer.checkHealth()).succeeded;
  }

  async close(): Promise<void> {
    try {
      await this.worker?.close();
    } finally {
      await this.producer.close();
    }
  }
}
