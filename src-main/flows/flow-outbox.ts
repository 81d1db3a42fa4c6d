import type { QueueContext } from '../queue/queue-context';
import type { FlowWriter } from './flow-writer';

/** Entries read per round of a drain. */
const BATCH = 200;
/** An `enqueue` intent younger than this belongs to a producer still writing; the sweeper leaves it. */
const INTENT_GRACE_MS = 5_000;

/** Where a test's fault hook fires: after the child's outbox entry exists, before the parent's apply, or before the entry's delete. */
export type FlowFaultStep = 'before-apply' | 'before-delete';

interface Entry {
  kind: string;
  queue: string;
  id: string;
  ref: string;
  outcome: string;
  payload: string;
}

function parseEntry(raw: string): Entry {
  const parts = raw.split('\n');
  return {
    kind: parts[0] ?? '',
    queue: parts[1] ?? '',
    id: parts[2] ?? '',
    ref: parts[3] ?? '',
    outcome: parts[4] ?? '',
    // An error text may hold newlines: the payload is everything after the fifth.
    payload: parts.slice(5).join('\n'),
  };
}

/**
 * Applies a queue's outbox (see lua/flows.lua): each entry to its target
 * slot with an idempotent script, then deletes it. Drains of one queue do
 * not overlap in this process; across processes they may, which the
 * idempotent apply makes harmless.
 */
export class FlowOutbox {
  /** Test-only fault injection: throw (or exit) here to leave an entry half-done. */
  fault?: (step: FlowFaultStep, entry: string) => void;
  /** How old a producer's unfinished intent must be before a sweep completes it. */
  intentGraceMs = INTENT_GRACE_MS;
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();

  constructor(
    private readonly ctx: QueueContext,
    private readonly writer: FlowWriter,
  ) {}

  /** Drains `queue`'s outbox now; a call during a drain makes it run once more. Resolves when done. */
  drain(queue: string): Promise<void> {
    const current = this.running.get(queue);
    if (current) {
      this.again.add(queue);
      return current;
    }
    const run = (async () => {
      try {
        do {
          this.again.delete(queue);
          while ((await this.round(queue)) === BATCH);
        } while (this.again.has(queue));
      } finally {
        this.running.delete(queue);
      }
    })();
    this.running.set(queue, run);
    return run;
  }

  /** One batch of entries; resolves to how many it handled (a batch of young intents only ends the drain). */
  private async round(queue: string): Promise<number> {
    const q = this.ctx.keys(queue);
    const { client } = this.ctx.conn;
    const raw = await this.ctx.read(q, () => client.zrange(q.key('outbox'), 0, BATCH - 1, 'WITHSCORES'));
    const now = Date.now();
    const follow = new Set<string>();
    // One call per parent, its children's entries in outbox order (a child may end dead, be retried, end again).
    const byParent = new Map<string, string[]>();
    const others: string[] = [];
    for (let i = 0; i < raw.length; i += 2) {
      const member = raw[i] as string;
      const e = parseEntry(member);
      if (e.kind === 'enqueue' && Number(raw[i + 1]) > now - this.intentGraceMs) continue;
      if (e.kind !== 'child') others.push(member);
      else byParent.set(`${e.queue}\n${e.id}`, [...(byParent.get(`${e.queue}\n${e.id}`) ?? []), member]);
    }
    const applied: string[] = [];
    await Promise.all([
      ...[...byParent.values()].map(async (members) => {
        await this.applyToParent(members, follow);
        applied.push(...members);
      }),
      ...others.map(async (member) => {
        if (await this.apply(member, follow)) applied.push(member);
      }),
    ]);
    if (applied.length > 0) {
      this.fault?.('before-delete', applied[0] as string);
      await this.ctx.conn.io(() => client.zrem(q.key('outbox'), ...applied));
    }
    // Not awaited: two queues following each other must not wait on each other's drain.
    for (const f of follow) {
      if (f === queue) this.again.add(queue);
      else this.drain(f).catch((err: unknown) => this.ctx.log(`[conveyor] flows: applying the outbox of "${f}" failed: ${String(err)}`));
    }
    return applied.length;
  }

  /** Applies a parent's entries in one script call. */
  private async applyToParent(members: string[], follow: Set<string>): Promise<void> {
    const entries = members.map(parseEntry);
    const { queue, id } = entries[0] as Entry;
    for (const member of members) this.fault?.('before-apply', member);
    const args = entries.flatMap((e) => [e.ref, e.outcome, e.payload]);
    const code = Number(await this.ctx.script(this.ctx.keys(queue), 'flowApply', [id, ...args]));
    // The parent wrote entries of its own (cancel its children, tell its parent).
    if (code === 2) follow.add(queue);
  }

  /** Applies a `cancel`, `trim` or `enqueue` entry; false for an intent (its replay drops it). */
  private async apply(member: string, follow: Set<string>): Promise<boolean> {
    const e = parseEntry(member);
    if (e.kind === 'enqueue') {
      await this.writer.replay(e.queue, e.id);
      return false;
    }
    this.fault?.('before-apply', member);
    if (e.kind === 'cancel') {
      // Already final or gone is fine: the cancel is then done. A cancelled child writes its own entry.
      await this.ctx.script(this.ctx.keys(e.queue), 'cancel', [e.id]);
      follow.add(e.queue);
    }
    if (e.kind === 'trim') await this.trimChildren(`${e.queue}/${e.id}`, e.payload, follow);
    return true;
  }

  /** Deletes the final children of a deleted parent, each in its own slot; a child with children of its own leaves a `trim` entry in its outbox. */
  private async trimChildren(parent: string, refs: string, follow: Set<string>): Promise<void> {
    await Promise.all(
      refs
        .split('\n')
        .filter((ref) => ref.includes('/'))
        .map(async (ref) => {
          const slash = ref.indexOf('/');
          const queue = ref.slice(0, slash);
          const code = Number(await this.ctx.script(this.ctx.keys(queue), 'flowTrim', [ref.slice(slash + 1), parent]));
          if (code === 2) follow.add(queue);
        }),
    );
  }
}
