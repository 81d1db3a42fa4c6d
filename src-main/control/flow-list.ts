/**
 * The Jobs view's flows listing (#19): the flow parents of a queue.
 *
 * A parent waiting for its children sits in `waiting-children`, an index of
 * its own where every job is a parent. Once its children are done it moves on
 * like any job, so parents are also looked for among the first
 * FLOW_SCAN_PER_STATE jobs of each other state (newest first for finished
 * ones, as search does). Each call looks at about a budget of jobs and hands
 * back a cursor `<state index>:<offset>`. Only ids and a few hash fields are
 * read (HMGET, never whole job hashes), and each pipeline stays in the queue's
 * slot: a parent records its children's outcomes in its own hash.
 */
import type { FlowChildOutcome, FlowPage, FlowSummary } from '../../src-shared/contract';
import type { JobState } from '../../src-shared/job';
import { FlowReads } from '../flows/flow-reads';
import { parseRef } from '../flows/flow-types';
import { decodeState } from '../queue/job-codec';
import { QueueKeys } from '../queue/keys';
import type { RedisQueueAdapter } from '../queue/redis-queue-adapter';

/** Where parents are looked for, in this order: the waiting ones first, then where they go after. */
const FLOW_STATE_ORDER: readonly JobState[] = ['waiting-children', 'active', 'waiting', 'delayed', 'completed', 'dead', 'cancelled'];
/** Jobs looked at in each state other than `waiting-children` (which is read whole). */
export const FLOW_SCAN_PER_STATE = 1000;
/** Jobs looked at per call, at most (a call may overshoot it by less than one chunk). */
export const FLOW_SCAN_BUDGET = 5000;
const CHUNK = 200;

/** What the listing needs of the adapter. */
export type FlowLister = Pick<RedisQueueAdapter, 'redis' | 'keyPrefix'>;

const NO_OUTCOMES: Record<FlowChildOutcome, number> = { pending: 0, completed: 0, dead: 0, cancelled: 0, removed: 0 };

function decodeCursor(cursor: string | undefined): { state: number; offset: number } {
  const [s, o] = (cursor ?? '').split(':');
  const state = Number(s);
  const offset = Number(o);
  if (!Number.isInteger(state) || !Number.isInteger(offset) || state < 0 || offset < 0) return { state: 0, offset: 0 };
  return { state, offset };
}

function stateKey(q: QueueKeys, state: JobState): string {
  return q.key(state === 'waiting' ? 'wait' : state === 'waiting-children' ? 'waitchildren' : state);
}

/** Up to `limit` flow parents of `queue`, from `cursor` on. */
export async function listFlows(
  adapter: FlowLister,
  queue: string,
  opts: { cursor?: string; limit?: number; budget?: number } = {},
): Promise<FlowPage> {
  const limit = opts.limit ?? 50;
  const budget = opts.budget ?? FLOW_SCAN_BUDGET;
  const q = new QueueKeys(adapter.keyPrefix, queue);
  const redis = adapter.redis;
  const flows: FlowSummary[] = [];
  let scanned = 0;
  let { state: si, offset } = decodeCursor(opts.cursor);
  while (si < FLOW_STATE_ORDER.length) {
    const state = FLOW_STATE_ORDER[si] as JobState;
    const cap = state === 'waiting-children' ? Infinity : FLOW_SCAN_PER_STATE;
    const want = Math.min(CHUNK, cap - offset);
    if (want <= 0) {
      si++;
      offset = 0;
      continue;
    }
    const end = offset + want - 1;
    const key = stateKey(q, state);
    const newestFirst = state === 'completed' || state === 'dead' || state === 'cancelled';
    const ids = newestFirst ? await redis.zrevrange(key, offset, end) : await redis.zrange(key, offset, end);
    const parents = await readParents(redis, q, queue, ids);
    for (let i = 0; i < ids.length; i++) {
      const found = parents.get(ids[i] as string);
      if (found) flows.push(found);
      if (flows.length >= limit) {
        scanned += i + 1;
        return { flows, scanned, cursor: `${si}:${offset + i + 1}` };
      }
    }
    scanned += ids.length;
    if (ids.length < want) {
      si++;
      offset = 0;
    } else {
      offset += ids.length;
    }
    if (si < FLOW_STATE_ORDER.length && scanned >= budget) return { flows, scanned, cursor: `${si}:${offset}` };
  }
  return { flows, scanned };
}

/** The parents among `ids`, each with its children counted by recorded outcome (two pipelines, one slot). */
async function readParents(redis: FlowLister['redis'], q: QueueKeys, queue: string, ids: string[]): Promise<Map<string, FlowSummary>> {
  const out = new Map<string, FlowSummary>();
  if (ids.length === 0) return out;
  const pipe = redis.pipeline();
  for (const id of ids) pipe.hmget(q.job(id), 'state', 'fk', 'par', 'ts');
  const heads = ((await pipe.exec()) ?? []).map(([err, value], i) => ({
    id: ids[i] as string,
    // A job key of the wrong type is no parent to list (reads show it as malformed).
    fields: err ? [] : (value as Array<string | null>),
  }));
  const parents = heads.filter((h) => typeof h.fields[1] === 'string' && h.fields[1] !== '');
  if (parents.length === 0) return out;
  const deps = redis.pipeline();
  for (const p of parents) deps.hmget(q.job(p.id), ...(p.fields[1] as string).split('\n').map((ref) => 'd:' + ref));
  const replies = (await deps.exec()) ?? [];
  parents.forEach((p, i) => {
    const [stateField, fk, par, ts] = p.fields as [string | null, string, string | null, string | null];
    const refs = fk.split('\n');
    const values = (replies[i]?.[1] ?? []) as Array<string | null>;
    const hash: Record<string, string> = { fk };
    refs.forEach((ref, j) => {
      const v = values[j];
      if (typeof v === 'string') hash['d:' + ref] = v;
    });
    const outcomes = { ...NO_OUTCOMES };
    for (const child of FlowReads.results(hash)) outcomes[child.outcome]++;
    const summary: FlowSummary = {
      queue,
      id: p.id,
      state: decodeState(stateField ?? undefined),
      createdAt: Number(ts) || 0,
      children: refs.length,
      outcomes,
    };
    if (par) summary.parent = parseRef(par);
    out.set(p.id, summary);
  });
  return out;
}
