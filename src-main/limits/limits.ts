import { QueueNotFoundError } from '../../src-shared/errors';
import {
  DEFAULT_GROUP,
  type LimitSpec,
  type LimitState,
  type LimitsView,
  formatRate,
  parseLimitGroup,
  parseLimitSpec,
  parseRate,
} from '../../src-shared/limits-schema';
import type { QueueContext } from '../queue/queue-context';
import { ScriptCode, scriptError } from '../queue/script-codes';

/** The limits.lua scope of a target: the queue itself, every group's default, or one group. */
function scopeOf(group: string | undefined): string {
  if (group === undefined) return 'q';
  return group === DEFAULT_GROUP ? 'd' : `g:${group}`;
}

/** What the lease script reads for each field of a spec (see limits.lua); '' removes. */
function fieldsOf(spec: LimitSpec): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (spec.rate !== undefined) {
    const r = parseRate(spec.rate);
    if (r) out.push(['rT', String(r.periodMs / r.count)], ['rS', formatRate(r)]);
  }
  if (spec.burst !== undefined) out.push(['rB', String(spec.burst)]);
  if (spec.concurrency !== undefined) out.push(['c', String(spec.concurrency)]);
  if (spec.points !== undefined) {
    const p = parseRate(spec.points);
    if (p) out.push(['p', String(p.count)], ['pW', String(p.periodMs)], ['pS', formatRate(p)]);
  }
  return out;
}

const ALL_FIELDS = ['rT', 'rB', 'c', 'p', 'pW', 'rS', 'pS'];

/** A scope's spec read back from the limits hash (rS and pS keep the rate and points as written). */
function specOf(cfg: Record<string, string>, scope: string): LimitSpec {
  const spec: LimitSpec = {};
  const rS = cfg[`${scope}:rS`];
  if (rS !== undefined) spec.rate = rS;
  const rB = cfg[`${scope}:rB`];
  if (rB !== undefined) spec.burst = Number(rB);
  const c = cfg[`${scope}:c`];
  if (c !== undefined) spec.concurrency = Number(c);
  const pS = cfg[`${scope}:pS`];
  if (pS !== undefined) spec.points = pS;
  return spec;
}

export interface ChargeRef {
  id: string;
  token: string;
  cost: number;
}

/**
 * Limits of one queue and its groups: set, removed and read by operators
 * (CLI, config.yml, control center, library), kept in Redis under the queue's
 * hash tag, and read by the lease script on every call, so every worker
 * obeys a change at its next lease.
 */
export class Limits {
  constructor(private readonly ctx: QueueContext) {}

  /**
   * Sets a queue's limit (no group), every group's default (`*`), or one
   * group's; fields not given keep their value. Checked whole first: a bad
   * field or a queue that does not exist stores nothing.
   */
  async set(queue: string, spec: unknown, group?: string): Promise<void> {
    const s = parseLimitSpec(spec);
    const g = group === undefined ? undefined : parseLimitGroup(group);
    await this.write(queue, scopeOf(g), fieldsOf(s));
  }

  /** Removes every limit of the scope (the queue's own, `*`, or one group's). */
  async remove(queue: string, group?: string): Promise<void> {
    const g = group === undefined ? undefined : parseLimitGroup(group);
    await this.write(
      queue,
      scopeOf(g),
      ALL_FIELDS.map((f) => [f, '']),
    );
  }

  /** Debits the costs finished jobs reported while their attempts still hold the lease. */
  async charge(queue: string, refs: ChargeRef[]): Promise<void> {
    if (refs.length === 0) return;
    await this.ctx.script(
      this.ctx.keys(queue),
      'charge',
      refs.flatMap((r) => [r.id, r.token, r.cost]),
    );
  }

  /** Every limit of the queue with its state now, and the groups that have jobs. */
  async list(queue: string): Promise<LimitsView> {
    const q = this.ctx.keys(queue);
    const client = this.ctx.conn.client;
    const [exists, cfgRaw, stRaw, time, ring, held] = await this.ctx.read(q, async () => {
      const res =
        (await client
          .pipeline()
          .exists(q.key('meta'))
          .hgetall(q.key('limits'))
          .hgetall(q.key('lstate'))
          .time()
          .zrange(q.key('groups'), 0, -1)
          .zrange(q.key('gblocked'), 0, -1)
          .exec()) ?? [];
      for (const [err] of res) if (err) throw err;
      return res.map(([, v]) => v) as [number, Record<string, string>, Record<string, string>, [string, string], string[], string[]];
    });
    if (exists === 0) throw new QueueNotFoundError(queue);
    const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
    const num = (rec: Record<string, string>, f: string): number | undefined => (rec[f] === undefined ? undefined : Number(rec[f]));
    const scopes = new Set<string>();
    for (const f of Object.keys(cfgRaw)) scopes.add(f.slice(0, f.lastIndexOf(':')));
    const groups = new Set([...ring, ...held]);
    for (const f of Object.keys(stRaw)) if (f.startsWith('act:g:') && Number(stRaw[f]) > 0) groups.add(f.slice(6));
    const waiting = new Map<string, number>();
    if (groups.size > 0) {
      const names = [...groups];
      const counts = await this.ctx.read(q, async () => {
        const pipe = client.pipeline();
        for (const g of names) pipe.zcard(q.groupWait(g));
        return ((await pipe.exec()) ?? []).map(([, v]) => Number(v));
      });
      names.forEach((g, i) => waiting.set(g, counts[i] ?? 0));
    }
    const stateOf = (scope: string): LimitState => {
      const spec = specOf(cfgRaw, scope);
      const st: LimitState = { spec, active: num(stRaw, `act:${scope}`) ?? 0 };
      if (scope === 'd') st.group = DEFAULT_GROUP;
      if (scope.startsWith('g:')) {
        st.group = scope.slice(2);
        st.waiting = waiting.get(st.group) ?? 0;
      }
      const window = num(cfgRaw, `${scope}:pW`) ?? num(cfgRaw, 'd:pW');
      const start = num(stRaw, `pw:${scope}`);
      if (window !== undefined && start !== undefined && now < start + window) {
        st.pointsUsed = num(stRaw, `pu:${scope}`) ?? 0;
        st.pointsWindowEndsAt = start + window;
      }
      const rT = num(cfgRaw, `${scope}:rT`) ?? (scope.startsWith('g:') ? num(cfgRaw, 'd:rT') : undefined);
      const tat = num(stRaw, `tat:${scope}`);
      if (rT !== undefined && tat !== undefined) {
        const burst = num(cfgRaw, `${scope}:rB`) ?? (scope.startsWith('g:') ? num(cfgRaw, 'd:rB') : undefined) ?? 1;
        const at = Math.ceil(tat - (burst - 1) * rT);
        if (at > now) st.nextAllowedAt = at;
      }
      const paused = num(stRaw, `pause:${scope}`);
      if (paused !== undefined && paused > now) st.pausedUntil = paused;
      return st;
    };
    const order = (s: string): string => (s === 'q' ? '0' : s === 'd' ? '1' : `2${s}`);
    const limits = [...scopes].sort((a, b) => order(a).localeCompare(order(b))).map(stateOf);
    const own = new Set(limits.map((l) => l.group));
    const others = [...groups]
      .filter((g) => !own.has(g))
      .sort()
      .map((g) => stateOf(`g:${g}`));
    for (const o of others) o.spec = {};
    return { queue, now, limits, groups: others };
  }

  private async write(queue: string, scope: string, fields: Array<[string, string]>): Promise<void> {
    const reply = await this.ctx.script(this.ctx.keys(queue), 'setLimits', [scope, ...fields.flat()]);
    if (reply === ScriptCode.QueueNotFound) throw scriptError(ScriptCode.QueueNotFound, { queue });
  }
}
