import type { QueueInfo, QueueOptions } from '../../src-shared/job';
import { partialQueueOptionsSchema } from '../../src-shared/queue-options-schema';
import { validate } from './enqueue-coalescer';
import type { QueueContext } from './queue-context';
import { metaFields, metaOptions } from './queue-meta';
import { QueueRegistry } from './queue-registry';
import type { Reads } from './reads';
import { masterNodes } from './redis-client';
import { ScriptCode, type CodeContext, isScriptCode, scriptError } from './script-codes';
import type { ScriptReply } from './scripts';

/**
 * Queues and the operator's verbs: create, inspect, delete; pause, resume,
 * cancel, retry, promote, remove, drain, recover. Each verb is a script of its
 * own, never a worker verb with a wildcard token.
 */
export class Admin {
  readonly registry: QueueRegistry;

  constructor(
    private readonly ctx: QueueContext,
    private readonly reads: Reads,
  ) {
    this.registry = new QueueRegistry(ctx);
  }

  async createQueue(name: string, options: Partial<QueueOptions> = {}): Promise<QueueInfo> {
    const q = this.ctx.keys(name);
    const given = validate(partialQueueOptionsSchema, options, 'queue options');
    const { client } = this.ctx.conn;
    await this.ctx.read(q, async () => {
      const tx = client.multi();
      for (const [k, v] of Object.entries({ ...metaFields(this.ctx.options.defaults), paused: '0' })) tx.hsetnx(q.key('meta'), k, v);
      tx.hsetnx(q.key('meta'), 'created', Date.now());
      const explicit = metaFields(given as Partial<QueueOptions>);
      if (Object.keys(explicit).length > 0) tx.hset(q.key('meta'), explicit);
      const failed = ((await tx.exec()) ?? []).find(([err]) => err);
      if (failed?.[0]) throw failed[0];
    });
    await this.registry.add(name);
    return this.getQueueInfo(name);
  }

  listQueues(): Promise<string[]> {
    return this.registry.list();
  }

  async getQueueInfo(name: string): Promise<QueueInfo> {
    const q = this.ctx.keys(name);
    const [meta, counts] = await Promise.all([
      this.ctx.read(q, () => this.ctx.conn.client.hgetall(q.key('meta'))),
      this.reads.counts(name),
    ]);
    if (!meta['max_len']) throw scriptError(ScriptCode.QueueNotFound, { queue: name });
    this.ctx.repair.remember(name, meta);
    return { name, paused: meta['paused'] === '1', createdAt: Number(meta['created'] ?? 0), counts, options: metaOptions(meta) };
  }

  async deleteQueue(name: string): Promise<void> {
    const q = this.ctx.keys(name);
    await this.ctx.conn.io(async () => {
      // SCAN is per node: on a cluster, every master (the queue's keys all live on one, but which may change).
      for (const node of masterNodes(this.ctx.conn.client)) {
        let cursor = '0';
        do {
          const [next, keys] = await node.scan(cursor, 'MATCH', q.pattern, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) await node.unlink(...keys);
        } while (cursor !== '0');
      }
    });
    await this.registry.remove(name);
    this.ctx.tokens.forgetQueue(name);
    this.ctx.repair.forget(name);
  }

  private async stateOf(queue: string, id: string): Promise<string> {
    const q = this.ctx.keys(queue);
    return (await this.ctx.conn.io(() => this.ctx.conn.client.hget(q.job(id), 'state'))) ?? 'missing';
  }

  /** Throws the typed error of a negative code; INVALID_STATE names the job's state now and what `wanted`. */
  private async check(reply: ScriptReply, ctx: CodeContext): Promise<void> {
    if (!isScriptCode(reply)) return;
    if (reply === ScriptCode.InvalidState && ctx.id !== undefined) ctx = { ...ctx, state: await this.stateOf(ctx.queue, ctx.id) };
    throw scriptError(reply, ctx);
  }

  private async setPaused(queue: string, paused: boolean): Promise<void> {
    await this.check(await this.ctx.script(this.ctx.keys(queue), 'setPaused', [paused ? '1' : '0']), { queue });
  }

  pause(queue: string): Promise<void> {
    return this.setPaused(queue, true);
  }

  resume(queue: string): Promise<void> {
    return this.setPaused(queue, false);
  }

  async cancel(queue: string, id: string): Promise<'cancelled' | 'cancel_requested'> {
    const reply = await this.ctx.script(this.ctx.keys(queue), 'cancel', [id]);
    await this.check(reply, { queue, id, wanted: 'only waiting, delayed or active jobs can be cancelled' });
    this.ctx.flowOutbox?.(queue); // flows
    return String(reply) as 'cancelled' | 'cancel_requested';
  }

  async retry(queue: string, id: string): Promise<void> {
    const reply = await this.ctx.script(this.ctx.keys(queue), 'retry', [id, '', 0]);
    await this.check(reply, { queue, id, wanted: 'only dead or cancelled jobs can be retried' });
    this.ctx.flowOutbox?.(queue); // flows
  }

  async retryAll(queue: string, state: 'dead' | 'cancelled'): Promise<number> {
    let total = 0;
    for (;;) {
      const moved = Number(await this.ctx.script(this.ctx.keys(queue), 'retry', ['', state, 500]));
      total += moved;
      if (moved > 0) this.ctx.flowOutbox?.(queue); // flows
      if (moved < 500) return total;
    }
  }

  /** Moves a delayed job to waiting now. */
  async promote(queue: string, id: string): Promise<void> {
    const reply = await this.ctx.script(this.ctx.keys(queue), 'promote', [id]);
    await this.check(reply, { queue, id, wanted: 'only delayed jobs can be promoted' });
  }

  async remove(queue: string, id: string): Promise<void> {
    const reply = await this.ctx.script(this.ctx.keys(queue), 'remove', [id]);
    await this.check(reply, { queue, id, wanted: 'cancel it first, then remove it' });
    this.ctx.flowOutbox?.(queue); // flows
  }

  async drain(queue: string): Promise<number> {
    let total = 0;
    for (;;) {
      const removed = Number(await this.ctx.script(this.ctx.keys(queue), 'drain', [1000]));
      total += removed;
      if (removed < 1000) return total;
    }
  }

  async recoverStalled(queue: string): Promise<{ retried: number; dead: number }> {
    const reply = await this.ctx.script(this.ctx.keys(queue), 'recoverStalled', [1000]);
    const [retried, dead] = Array.isArray(reply) ? reply : [];
    // flows: the sweeper rides this timer; it finishes outbox entries a crashed process left.
    this.ctx.flowOutbox?.(queue);
    return { retried: Number(retried ?? 0), dead: Number(dead ?? 0) };
  }
}
