import { ConveyorError, ErrorCode } from '../../src-shared/errors';
import type { QueueContext } from '../queue/queue-context';
import { ScriptCode, scriptError, unexpectedReply } from '../queue/script-codes';
import { type EncodedNode, type FlowJobRef, childRef } from './flow-types';

/** The outbox entry a parent keeps while its children are being written (enqueueFlowNode-6). */
export const intentEntry = (queue: string, id: string): string => `enqueue\n${queue}\n${id}`;

/**
 * Writes a validated flow, parent before children. Across slots this cannot
 * be one transaction: each job's write is all-or-nothing (one script), and a
 * parent is written first with the list of its children and their specs (its
 * intent, `fi`). Children are written with their deterministic ids, so a
 * write repeated by anyone adds nothing twice; once all are written the
 * intent is dropped. A producer that dies midway leaves the intent in the
 * parent's outbox, and the sweeper of any process writes the rest.
 */
export class FlowWriter {
  /** Test-only fault injection: throw here to play a producer that dies after writing a parent. */
  fault?: (step: 'after-parent', ref: string) => void;

  constructor(private readonly ctx: QueueContext) {}

  async write(node: EncodedNode, parent: string): Promise<FlowJobRef> {
    const q = this.ctx.keys(node.queue);
    const lines = node.children.map((c) => `${childRef(c.queue, c.id)} ${c.policy}`).join('\n');
    const intent = node.children.length > 0 ? JSON.stringify(node.children) : '';
    const reply = await this.ctx.script(q, 'enqueueFlowNode', [...node.enc, parent, lines, intent]);
    if (!Array.isArray(reply)) throw unexpectedReply(`flow job ${node.id}`, reply);
    if (reply[0] === ScriptCode.QueueNotFound) throw scriptError(ScriptCode.QueueNotFound, { queue: node.queue });
    const ref: FlowJobRef = { queue: node.queue, id: node.id };
    if (node.children.length === 0) return ref;
    this.fault?.('after-parent', childRef(node.queue, node.id));
    ref.children = await this.writeChildren(node.queue, node.id, node.children);
    return ref;
  }

  async writeChildren(queue: string, id: string, children: EncodedNode[]): Promise<FlowJobRef[]> {
    const me = childRef(queue, id);
    const refs = await Promise.all(children.map((c) => this.write(c, me)));
    await this.confirm(queue, id);
    return refs;
  }

  /** All children are written: the intent goes (one slot, one MULTI). */
  private async confirm(queue: string, id: string): Promise<void> {
    const q = this.ctx.keys(queue);
    const { client } = this.ctx.conn;
    await this.ctx.conn.io(() => client.multi().hdel(q.job(id), 'fi').zrem(q.key('outbox'), intentEntry(queue, id)).exec());
  }

  /** Finishes a flow from a parent's intent (a producer died before writing all its children). */
  async replay(queue: string, id: string): Promise<void> {
    const q = this.ctx.keys(queue);
    const { client } = this.ctx.conn;
    const intent = await this.ctx.conn.io(() => client.hget(q.job(id), 'fi'));
    if (intent) {
      let children: EncodedNode[];
      try {
        children = JSON.parse(intent) as EncodedNode[];
      } catch (err) {
        throw new ConveyorError(ErrorCode.ItemInvalid, `flow intent of ${childRef(queue, id)} is not JSON: ${String(err)}`);
      }
      await this.writeChildren(queue, id, children);
    } else {
      await this.confirm(queue, id);
    }
  }
}
