import { ConveyorError, ErrorCode } from '../../src-shared/errors';
import type { EnqueueCoalescer } from '../queue/enqueue-coalescer';
import type { QueueContext } from '../queue/queue-context';
import { FlowOutbox } from './flow-outbox';
import { FlowReads } from './flow-reads';
import type { ChildResult, FlowJobRef, FlowNode, FlowTree } from './flow-types';
import { encodeFlow, flowQueues } from './flow-validation';
import { FlowWriter } from './flow-writer';

/** How often each queue this process has used gets its outbox swept (entries a crashed process left). */
export const SWEEP_INTERVAL_MS = 5_000;

/**
 * Flows on the queue adapter (`adapter.flows`): enqueue a tree of jobs across
 * queues, read a flow, and apply the cross-slot outbox (lua/flows.lua). The
 * adapter's scripts call `ctx.flowOutbox` when they wrote an entry; the
 * sweeper covers entries whose applier died.
 */
export class FlowEngine {
  readonly outbox: FlowOutbox;
  private readonly reads: FlowReads;
  readonly writer: FlowWriter;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: QueueContext,
    private readonly enqueuer: EnqueueCoalescer,
  ) {
    this.writer = new FlowWriter(ctx);
    this.outbox = new FlowOutbox(ctx, this.writer);
    this.reads = new FlowReads(ctx);
    ctx.flowOutbox = (queue) => {
      this.outbox.drain(queue).catch((err: unknown) => ctx.log(`[conveyor] flows: applying the outbox of "${queue}" failed: ${String(err)}`));
    };
    this.sweeper = setInterval(() => void this.sweepAll(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  /**
   * Enqueues a tree of jobs across queues. Everything is checked first (see
   * flow-validation.ts and the queues' existence): bad input writes nothing.
   * Then the root, each parent before its children; see flow-writer.ts for
   * what is all-or-nothing.
   */
  async enqueueFlow(root: FlowNode): Promise<FlowJobRef> {
    const encoded = encodeFlow(root, (item, opts) => this.enqueuer.encode(item, opts));
    const queues = [...flowQueues(encoded)];
    const { client } = this.ctx.conn;
    const missing: string[] = [];
    for (const queue of queues) {
      let metaKey: string;
      try {
        metaKey = this.ctx.keys(queue).key('meta');
      } catch (err) {
        throw new ConveyorError(ErrorCode.ItemInvalid, `invalid flow: ${(err as Error).message}`, { queue });
      }
      if ((await this.ctx.conn.io(() => client.exists(metaKey))) === 0) missing.push(queue);
    }
    if (missing.length > 0) {
      throw new ConveyorError(ErrorCode.ItemInvalid, `invalid flow: no such queue: ${missing.join(', ')}`, { queues: missing });
    }
    return this.writer.write(encoded, '');
  }

  /** A parent's children: each one's outcome and result or error. */
  childResults(queue: string, id: string): Promise<ChildResult[]> {
    return this.reads.childResults(queue, id);
  }

  /** The flow tree under a job, with its parent named. */
  tree(queue: string, id: string): Promise<FlowTree> {
    return this.reads.tree(queue, id);
  }

  /** Applies a queue's pending outbox entries now (what the sweeper does on its timer). */
  sweep(queue: string): Promise<void> {
    return this.outbox.drain(queue);
  }

  private async sweepAll(): Promise<void> {
    if (this.ctx.conn.client.status !== 'ready') return;
    for (const queue of this.ctx.knownQueues()) {
      await this.outbox.drain(queue).catch(() => undefined);
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
