import { performance } from 'node:perf_hooks';
import { FlowProducer, Worker, type ConnectionOptions, type FlowJob, type Job, type JobsOptions } from 'bullmq';
import { CONSUMER_BATCH, type FlowSession } from './contender';

/**
 * BullMQ's FlowProducer (issue 19's anchor): parents on the session's queue,
 * children on `<queue>-children`, in-process Workers. BullMQ moves a parent
 * inside its last child's own script, since all a flow's queues share one slot.
 */
export class BullmqFlows implements FlowSession {
  private readonly children: string;
  private readonly producer: FlowProducer;
  private readonly workers: Worker[] = [];
  /** Rejects on the first failed job or worker error; raced against every timed part. */
  private readonly failed: Promise<never>;
  private fail: (err: Error) => void = () => undefined;

  constructor(
    private readonly connection: ConnectionOptions,
    private readonly prefix: string,
    private readonly parents: string,
    /** The session's job options (retention), on every job of a flow: FlowProducer does not take the queue's defaults. */
    private readonly opts: JobsOptions,
  ) {
    this.children = `${parents}-children`;
    this.producer = new FlowProducer({ connection, prefix });
    this.failed = new Promise<never>((_, reject) => (this.fail = reject));
    this.failed.catch(() => undefined);
  }

  private flow(n: number, tag: string | number): FlowJob {
    return {
      name: 'echo',
      queueName: this.parents,
      data: tag,
      opts: this.opts,
      children: Array.from({ length: n }, (_, i) => ({ name: 'echo', queueName: this.children, data: i, opts: this.opts })),
    };
  }

  private async worker(queue: string, concurrency: number, processor: (job: Job) => Promise<unknown>): Promise<Worker> {
    const w = new Worker(queue, processor, { connection: this.connection, prefix: this.prefix, concurrency, autorun: false });
    this.workers.push(w);
    w.on('failed', (job, err) => this.fail(new Error(`bullmq flows: job ${job?.id} failed: ${err.message}`)));
    w.on('error', (err) => this.fail(err));
    await w.waitUntilReady();
    return w;
  }

  /** Starts the workers (run() resolves only when a worker closes). */
  private run(...workers: Worker[]): void {
    for (const w of workers) w.run().catch((err: Error) => this.fail(err));
  }

  /** Children by a Worker at CONSUMER_BATCH, stamped at each `completed` event; the parent stamped as its processor starts. */
  async prepareResume(rounds: number, children: number): Promise<() => Promise<number[]>> {
    let lastDone = 0;
    let parentStarted: (at: number) => void = () => undefined;
    let parentDone: () => void = () => undefined;
    const map = await this.worker(this.children, CONSUMER_BATCH, async (job) => job.id);
    map.on('completed', () => (lastDone = performance.now()));
    const reduce = await this.worker(this.parents, 1, async () => {
      parentStarted(performance.now());
      return null;
    });
    reduce.on('completed', () => parentDone());
    return async () => {
      this.run(map, reduce);
      const samples: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const started = new Promise<number>((resolve) => (parentStarted = resolve));
        const done = new Promise<void>((resolve) => (parentDone = resolve));
        await this.producer.add(this.flow(children, r));
        samples.push((await Promise.race([started, this.failed])) - lastDone);
        // The next fan-out once this parent is acknowledged: one flow at a time.
        await Promise.race([done, this.failed]);
      }
      return samples;
    };
  }

  /** Workers at CONSUMER_BATCH on both queues; each parent reads its children's results. */
  async prepareThroughput(flows: number, children: number): Promise<() => Promise<void>> {
    const map = await this.worker(this.children, CONSUMER_BATCH, async (job) => job.id);
    const reduce = await this.worker(this.parents, CONSUMER_BATCH, async (job) => Object.keys(await job.getChildrenValues()).length);
    return async () => {
      let parents = 0;
      const finished = new Promise<void>((resolve) => reduce.on('completed', () => ++parents === flows && resolve()));
      this.run(map, reduce);
      await this.producer.addBulk(Array.from({ length: flows }, (_, f) => this.flow(children, f)));
      await Promise.race([finished, this.failed]);
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    await this.producer.close();
  }
}
