import { NAME_PATTERN } from '../../src-shared/names';
import { isWrongType } from './connections';
import { registryKey } from './keys';
import type { QueueContext } from './queue-context';
import { masterNodes } from './redis-client';

/**
 * The set of queue names (`<prefix>:queues`), outside any queue's slot. A name
 * that is not a valid queue name is skipped with one log line; a registry key
 * of the wrong type is set aside and the set rebuilt from the queues' meta keys.
 */
export class QueueRegistry {
  private readonly key: string;
  /** Bad entries already logged, so each is logged once. */
  private readonly reported = new Set<string>();

  constructor(private readonly ctx: QueueContext) {
    this.key = registryKey(ctx.options.keyPrefix);
  }

  add(name: string): Promise<void> {
    return this.repairing(async () => void (await this.ctx.conn.client.sadd(this.key, name)));
  }

  remove(name: string): Promise<void> {
    return this.repairing(async () => void (await this.ctx.conn.client.srem(this.key, name)));
  }

  async list(): Promise<string[]> {
    const names = await this.repairing(() => this.ctx.conn.client.smembers(this.key));
    return names
      .filter((name) => {
        if (NAME_PATTERN.test(name)) return true;
        if (!this.reported.has(name)) {
          this.reported.add(name);
          this.ctx.log(`[conveyor] the queue registry ${this.key} holds ${JSON.stringify(name)}, not a queue name; skipped`);
        }
        return false;
      })
      .sort();
  }

  private async repairing<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await this.ctx.conn.io(fn);
    } catch (err) {
      if (!isWrongType((err as { cause?: unknown }).cause)) throw err;
      await this.rebuild();
      return this.ctx.conn.io(fn);
    }
  }

  /** Sets the registry aside and lists again every queue that has a meta hash. */
  private async rebuild(): Promise<void> {
    const { client } = this.ctx.conn;
    const aside = `${this.key}:malformed:${Date.now()}`;
    const type = await this.ctx.conn.io(() => client.type(this.key));
    await this.ctx.conn.io(async () => {
      try {
        await client.rename(this.key, aside);
      } catch (err) {
        // On a cluster the aside key (no hash tag) may live in another slot: copy it there, then drop it here.
        if (!/CROSSSLOT/.test(String((err as Error).message))) throw err;
        const raw = await client.dumpBuffer(this.key);
        if (raw) await client.restore(aside, 0, raw);
        await client.del(this.key);
      }
    });
    const prefix = `${this.ctx.options.keyPrefix}:{`;
    const names = new Set<string>();
    for (const node of masterNodes(client)) {
      let cursor = '0';
      do {
        const [next, keys] = await this.ctx.conn.io(() => node.scan(cursor, 'MATCH', `${prefix}*}:meta`, 'COUNT', 1000));
        cursor = next;
        for (const key of keys) names.add(key.slice(prefix.length, -'}:meta'.length));
      } while (cursor !== '0');
    }
    const valid = [...names].filter((n) => NAME_PATTERN.test(n));
    if (valid.length > 0) await this.ctx.conn.io(() => client.sadd(this.key, ...valid));
    this.ctx.log(
      `[conveyor] the queue registry ${this.key} held a ${type}, not a set; moved it to ${aside} and listed ${valid.length} queues again`,
    );
  }
}
