import type { Redis } from 'ioredis';
import type { QueueKeys } from './keys';
import { QUEUE_KEY_REDIS_TYPE, QUEUE_KEY_TYPES } from './keys';
import type { QueueContext } from './queue-context';
import { SETTINGS_FIELDS, metaFields } from './queue-meta';
import { masterNodes } from './redis-client';

const RENAME_IF_WRONG_TYPE = `local t = redis.call('TYPE', KEYS[1])['ok']
if t == 'none' or t == ARGV[1] then return nil end
redis.call('RENAME', KEYS[1], KEYS[2])
return t`;

/**
 * Renames `key` to `aside` (in the same slot) if it holds a type other than `expected`, in one step:
 * checked apart, another repair could move it first and a script write the right type anew, and the
 * rename would then set aside a good key with its jobs. Resolves to the type it held, or null if none was moved.
 */
export async function renameIfWrongType(client: Redis, key: string, expected: string, aside: string): Promise<string | null> {
  const held = await client.eval(RENAME_IF_WRONG_TYPE, 2, key, aside, expected);
  return typeof held === 'string' ? held : null;
}

/** Generated job ids are integers (the meta `seq` counter). */
const GENERATED_ID = /^\d+$/;

/**
 * Sets aside keys of the wrong Redis type so a queue keeps moving, each with
 * one log line: a queue key is renamed to `<key>:malformed:<ms>` (a `meta`
 * rebuilt from what is known), a job's log list likewise, and a job key
 * becomes a dead record (quarantine-7.lua). The scripts refuse to run on a
 * bad key before their first write, so after a repair the call is made again
 * and sees everything.
 */
export class KeyRepair {
  /** Each queue's settings as last read or written here, to rebuild a `meta` that had to be set aside. */
  private readonly known = new Map<string, Record<string, string>>();

  constructor(private readonly ctx: QueueContext) {}

  /** Keeps a queue's settings (from its meta hash) for a rebuild. */
  remember(queue: string, meta: Record<string, string>): void {
    const kept: Record<string, string> = {};
    for (const f of SETTINGS_FIELDS) if (meta[f] !== undefined) kept[f] = meta[f];
    if (kept['max_len'] !== undefined) this.known.set(queue, kept);
  }

  forget(queue: string): void {
    this.known.delete(queue);
  }

  /** Repairs the key a script refused; resolves to whether anything was moved. */
  async repairKey(q: QueueKeys, key: string): Promise<boolean> {
    if (q.list.includes(key)) return (await this.repairQueueKeys(q)).length > 0;
    if (!key.startsWith(q.jobPrefix)) return false;
    const rest = key.slice(q.jobPrefix.length);
    if (rest.endsWith(':logs')) return this.setAside(q, key, 'list');
    const moved = Number(await this.ctx.script(q, 'quarantine', [rest, 'job key of the wrong type', 'key'])) === 1;
    if (moved) this.ctx.log(`[conveyor] queue "${q.queue}": job key ${key} was not a hash; set aside (its raw value kept)`);
    return moved;
  }

  private async setAside(q: QueueKeys, key: string, expected: string): Promise<boolean> {
    const aside = `${key}:malformed:${Date.now()}`;
    const actual = await this.ctx.conn.io(() => renameIfWrongType(this.ctx.conn.client, key, expected, aside));
    if (actual === null) return false;
    this.ctx.log(`[conveyor] queue "${q.queue}": key ${key} held a ${actual}, expected a ${expected}; moved it to ${aside}`);
    return true;
  }

  /** Renames queue keys of the wrong Redis type aside; resolves to where they went. */
  async repairQueueKeys(q: QueueKeys): Promise<string[]> {
    const { client } = this.ctx.conn;
    const types = await this.ctx.conn.io(async () => {
      const pipe = client.pipeline();
      for (const key of q.list) pipe.type(key);
      return (await pipe.exec()) ?? [];
    });
    const moved: string[] = [];
    let metaMoved = false;
    for (const [i, type] of QUEUE_KEY_TYPES.entries()) {
      const actual = String(types[i]?.[1] ?? 'none');
      if (actual === 'none' || actual === QUEUE_KEY_REDIS_TYPE[type]) continue;
      const key = q.key(type);
      const aside = `${key}:malformed:${Date.now()}`;
      // Another process may have moved it first: then there is nothing left to move here.
      const renamed = (await this.ctx.conn.io(() => renameIfWrongType(client, key, QUEUE_KEY_REDIS_TYPE[type], aside))) !== null;
      if (!renamed) continue;
      moved.push(aside);
      if (type === 'meta') metaMoved = true;
      this.ctx.log(
        `[conveyor] queue "${q.queue}": key ${key} held a ${actual}, expected a ${QUEUE_KEY_REDIS_TYPE[type]}; moved it to ${aside}`,
      );
    }
    if (metaMoved) await this.rebuildMeta(q);
    if (moved.length > 0) {
      await this.ctx.conn.io(() =>
        client.xadd(
          q.key('events'),
          'MAXLEN',
          '~',
          this.ctx.options.eventsMaxLen,
          '*',
          'e',
          'malformed',
          'why',
          `wrong key type: ${moved.join(', ')}`,
        ),
      );
    }
    return moved;
  }

  /**
   * A new `meta` for a queue whose own was set aside: its settings as this
   * adapter last saw them (else the defaults), its id counter past every job
   * id in use (a generated id must not land on a kept job), and its lease
   * counter at the clock in ms, past any token handed out before (a stale
   * worker's token must never match a new lease), and the flags nobody can
   * know any more set: `fkq` (a job had children: retention reads each trimmed
   * job's), `fcq` (a job has a flow parent: complete reads par) and `lim`
   * (limits in use: leases go through the limiter, and the slots a job holds
   * are given back when it ends). HSETNX: concurrent repairs agree.
   */
  private async rebuildMeta(q: QueueKeys): Promise<void> {
    const known = this.known.get(q.queue);
    const settings: Record<string, string | number> = known ?? { ...metaFields(this.ctx.options.defaults), paused: '0' };
    const seq = await this.highestGeneratedId(q);
    const { client } = this.ctx.conn;
    const fields: Record<string, string | number> = { created: Date.now(), ...settings, seq, lseq: Date.now(), fkq: 1, fcq: 1, lim: '1' };
    await this.ctx.conn.io(async () => {
      const tx = client.multi();
      for (const [k, v] of Object.entries(fields)) tx.hsetnx(q.key('meta'), k, v);
      await tx.exec();
    });
    this.ctx.log(
      `[conveyor] queue "${q.queue}": rebuilt its meta from ${known ? 'the settings last seen' : 'the default settings'}; id counter at ${seq}`,
    );
  }

  private async highestGeneratedId(q: QueueKeys): Promise<number> {
    let max = 0;
    for (const node of masterNodes(this.ctx.conn.client)) {
      let cursor = '0';
      do {
        const [next, keys] = await this.ctx.conn.io(() => node.scan(cursor, 'MATCH', `${q.jobPrefix}*`, 'COUNT', 1000));
        cursor = next;
        for (const key of keys) {
          const id = key.slice(q.jobPrefix.length);
          if (GENERATED_ID.test(id)) max = Math.max(max, Number(id));
        }
      } while (cursor !== '0');
    }
    return max;
  }
}
