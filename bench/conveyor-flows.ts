import { performance } from 'node:perf_hooks';
import { agentItem } from '../src-shared/item-schema';
import { fanOut } from '../src-main/flows/flow-helpers';
import { processJobs } from '../src-main/pool/process-jobs';
import type { RedisQueueAdapter } from '../src-main/queue/redis-queue-adapter';
import { CONSUMER_BATCH, type FlowSession } from './contender';

/** Children are leased and completed this many at a time in the resume measurement. */
const RESUME_BATCH = 100;
/** A parent not leased this long after its last child: the flow is broken, not slow. */
const PARENT_DEADLINE_MS = 30_000;

/**
 * Conveyor's flows (issue 19), in this process: parents on the session's
 * queue, children on `<queue>-children`, each its own slot, so a parent
 * resumes through the cross-slot outbox as it would on a cluster.
 */
export class ConveyorFlows implements FlowSession {
  private readonly children: string;
  private readonly ready: Promise<void>;
  private readonly stop = new AbortController();

  constructor(
    private readonly adapter: RedisQueueAdapter,
    private readonly parents: string,
    maxLength: number,
  ) {
    this.children = `${parents}-children`;
    this.ready = adapter.createQueue(this.children, { maxLength }).then(() => undefined);
  }

  private flow(n: number, tag: string | number) {
    return fanOut(
      { queue: this.parents, item: agentItem('echo', tag) },
      Array.from({ length: n }, (_, i) => ({ queue: this.children, item: agentItem('echo', i) })),
    );
  }

  /** Children by dequeueMany + completeMany; the parent by a blocked dequeue, stamped when its lease returns. */
  async prepareResume(rounds: number, children: number): Promise<() => Promise<number[]>> {
    await this.ready;
    const a = this.adapter;
    const leaseParent = async (): Promise<number> => {
      const deadline = performance.now() + PARENT_DEADLINE_MS;
      while (performance.now() < deadline) {
        const p = await a.dequeue(this.parents, { blockMs: 1000 });
        if (!p) continue;
        const at = performance.now();
        await a.completeProcessing(this.parents, p.action.id, null, p.lease.token);
        return at;
      }
      throw new Error(`conveyor flows: no parent leased within ${PARENT_DEADLINE_MS} ms of its last child`);
    };
    return async () => {
      const samples: number[] = [];
      for (let r = 0; r < rounds; r++) {
        await a.flows.enqueueFlow(this.flow(children, r));
        const parent = leaseParent();
        let lastDone = 0;
        for (let done = 0; done < children;) {
          const batch = await a.dequeueMany(this.children, RESUME_BATCH, { blockMs: 1000 });
          const acks = await a.completeMany(
            this.children,
            batch.map((j) => ({ id: j.action.id, token: j.lease.token, result: j.action.id })),
          );
          for (const ack of acks) if (!ack.ok) throw ack.error;
          done += batch.length;
          lastDone = performance.now();
        }
        samples.push((await parent) - lastDone);
      }
      return samples;
    };
  }

  /** processJobs on both queues at CONSUMER_BATCH; each parent reads its children's results. Ends with both loops stopped, every job acknowledged. */
  async prepareThroughput(flows: number, children: number): Promise<() => Promise<void>> {
    await this.ready;
    const a = this.adapter;
    return async () => {
      let parents = 0;
      let allDone: () => void = () => undefined;
      const finished = new Promise<void>((r) => (allDone = r));
      const opts = { concurrency: CONSUMER_BATCH, signal: this.stop.signal };
      const loops = Promise.all([
        processJobs(a, this.children, (job) => job.action.id, opts),
        processJobs(
          a,
          this.parents,
          async (job) => {
            const results = await a.flows.childResults(this.parents, job.action.id);
            if (++parents === flows) allDone();
            return results.length;
          },
          opts,
        ),
      ]);
      await Promise.all(Array.from({ length: flows }, (_, f) => a.flows.enqueueFlow(this.flow(children, f))));
      await finished;
      // The last parents' acknowledgements land before the loops end.
      this.stop.abort();
      const [kids, tops] = await loops;
      if (tops.completed !== flows || kids.completed !== flows * children)
        throw new Error(
          `conveyor flows: ${tops.completed} parents and ${kids.completed} children completed, expected ${flows} and ${flows * children}`,
        );
    };
  }

  close(): void {
    this.stop.abort();
  }
}
