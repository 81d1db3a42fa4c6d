import { ConveyorError, ErrorCode } from '../../src-shared/errors';
import type { EnqueueCoalescer } from '../queue/enqueue-coalescer';
import { isScriptCode, scriptError } from '../queue/script-codes';
import type { FlowResumeState, SuspendSpec } from './agent-flow';
import { flowFromSpec } from './flow-helpers';
import type { QueueContext } from '../queue/queue-context';
import { FlowOutbox } from './flow-outbox';
import { FlowReads } from './flow-reads';
import { type ChildResult, type FlowJobRef, type FlowNode, type FlowTree, childRef } from './flow-types';
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
      this.outbox
        .drain(queue)
        .catch((err: unknown) => ctx.log(`[conveyor] flows: applying the outbox of "${queue}" failed: ${String(err)}`));
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
    await this.checkQueues([...flowQueues(encoded)]);
    return this.writer.write(encoded, '');
  }

  private async checkQueues(queues: string[]): Promise<void> {
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
  }

  /**
   * A running job spawns children and waits for them (ctx.children in an agent): fenced by its
   * lease, it moves to waiting-children with its step memo, then its children (ids
   * `<id>.<name>.<index>`) are written as enqueueFlow writes them.
   */
  async suspend(queue: string, id: string, token: string, spec: SuspendSpec): Promise<void> {
    const children = spec.children.map((c, i) => {
      const node = flowFromSpec({ ...c, id: `${id}.${spec.name}.${i}` }, `children[${i}]`);
      return encodeFlow(node, (item, opts) => this.enqueuer.encode(item, opts));
    });
    await this.checkQueues([...new Set(children.map((c) => c.queue))]);
    const lines = children.map((c) => `${childRef(c.queue, c.id)} ${c.policy}`).join('\n');
    const reply = await this.ctx.script(this.ctx.keys(queue), 'flowSuspend', [
      id,
      token,
      lines,
      JSON.stringify(children),
      JSON.stringify(spec.memo),
    ]);
    if (isScriptCode(reply)) throw scriptError(reply, { queue, id });
    this.ctx.tokens.forget(queue, id, token);
    await this.writer.writeChildren(queue, id, children);
  }

  /** What a resumed run of `id` reads: its step memo and its children's results. */
  async resumeState(queue: string, id: string): Promise<FlowResumeState> {
    const q = this.ctx.keys(queue);
    const { client } = this.ctx.conn;
    const h = await this.ctx.conn.io(() => client.hgetall(q.job(id)));
    let memo: Record<string, unknown> = {};
    try {
      memo = h['fm'] ? (JSON.parse(h['fm']) as Record<string, unknown>) : {};
    } catch {
      // A memo that does not parse is lost: the steps run again (they must be idempotent anyway).
    }
    return { memo, children: FlowReads.results(h) };
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

  /** Stops the sweeper timer (the adapter's close does it); `sweep` still works. */
  close(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
