import type { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { ConveyorError, ErrorCode } from '../../src-shared/errors';
import { QUEUE_KEY_REDIS_TYPE, QueueKeys } from '../../src-main/queue/keys';
import type { QueueKeyType } from '../../src-main/queue/keys';
import { RedisQueueAdapter } from '../../src-main/queue/redis-queue-adapter';
import { metricsKey } from '../../src-main/observability/history-keys';
import { SCRIPT_KEYS, type ScriptName } from '../../src-main/queue/scripts';
import { item, queueTest as test, testAdapterOptions } from '../support/queue';
import { testRedisUrl } from '../support/redis';

/**
 * For every script and every key it touches (its declared queue keys, the
 * job hash it acts on, a job's log list), set that key to each wrong Redis
 * type, run the script through the adapter, let the repair happen, then check:
 * every job is in exactly one state set, the one its hash's `state` names; no
 * acknowledged job is lost; the queue keeps moving (enqueue, lease, complete).
 * Cases run concurrently, each on a queue of its own.
 */

type Corruptible = QueueKeyType | 'job' | 'logs' | 'metrics';
type RedisType = 'string' | 'list' | 'set' | 'zset' | 'hash' | 'stream';
const ALL_TYPES: RedisType[] = ['string', 'list', 'set', 'zset', 'hash', 'stream'];
// Queue keys as keys.ts declares them; a job's hash and log list, and the metrics history, beside them.
const EXPECTED: Record<Corruptible, RedisType> = { ...QUEUE_KEY_REDIS_TYPE, job: 'hash', logs: 'list', metrics: 'hash' };
const STATE_SETS: Array<[QueueKeyType, string]> = [
  ['wait', 'waiting'],
  ['delayed', 'delayed'],
  ['active', 'active'],
  ['completed', 'completed'],
  ['dead', 'dead'],
  ['cancelled', 'cancelled'],
  ['waitchildren', 'waiting-children'],
];

interface Held {
  id: string;
  token: string;
}

interface Scenario {
  /** Puts the queue where the script has work, and returns the job it acts on. */
  setup: (a: RedisQueueAdapter, q: string, redis: Redis, k: QueueKeys) => Promise<Held>;
  run: (a: RedisQueueAdapter, q: string, held: Held) => Promise<unknown>;
  /** Enqueue scripts: what the call acknowledged must exist exactly once (a half-applied call retried would add it twice). */
  acknowledges?: boolean;
  /** Keys beyond the script's own queue keys (a queue key here: one the script reaches through limits.lua). */
  extra: Corruptible[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function leased(a: RedisQueueAdapter, q: string): Promise<Held> {
  const id = await a.enqueue(q, item('echo', 'held'), { jobId: 'held' });
  const job = await a.dequeue(q);
  if (job?.action.id !== id) throw new Error('setup: no lease');
  return { id, token: job.lease.token };
}

/** A waiting job, a due delayed one and an expired lease, so a lease has everything to do. */
async function busy(a: RedisQueueAdapter, q: string, redis: Redis, k: QueueKeys): Promise<Held> {
  const held = await leased(a, q);
  await redis.zadd(k.key('active'), 1, held.id);
  await a.enqueue(q, item('echo', 'due'), { jobId: 'due', delayMs: 1 });
  await a.enqueue(q, item('echo', 'waiting'), { jobId: 'waiting' });
  await sleep(5);
  return held;
}

const SCENARIOS: Record<ScriptName, Scenario> = {
  enqueue: {
    setup: async (a, q) => {
      await a.enqueue(q, item('echo', 'before'));
      return { id: 'fresh', token: '' };
    },
    // Two jobs: one call of enqueue-5 (a single job takes enqueueOne-5).
    run: (a, q) => a.enqueueMany(q, [{ item: item('echo', 'fresh'), opts: { jobId: 'fresh' } }, item('echo', 'fresh')]),
    acknowledges: true,
    extra: ['job'],
  },
  enqueueOne: {
    setup: async (a, q) => {
      await a.enqueue(q, item('echo', 'before'));
      return { id: 'fresh', token: '' };
    },
    // A generated id, so a retry after a half-applied call would add the job again.
    run: (a, q) => a.enqueue(q, item('echo', 'fresh'), { delayMs: 0 }),
    acknowledges: true,
    extra: [],
  },
  dequeue: { setup: busy, run: (a, q) => a.dequeueMany(q, 5), extra: ['job'] },
  recoverStalled: { setup: busy, run: (a, q) => a.recoverStalled(q), extra: ['job', 'metrics'] },
  start: { setup: leased, run: (a, q, h) => a.startMany(q, 'w', [h]), extra: ['job'] },
  extendLeases: { setup: leased, run: (a, q, h) => a.extendLeases(q, [h]), extra: ['job'] },
  complete: { setup: leased, run: (a, q, h) => a.completeMany(q, [{ ...h, result: 1 }]), extra: ['job', 'metrics'] },
  fail: { setup: leased, run: (a, q, h) => a.failMany(q, [{ ...h, error: 'x', retryable: false }]), extra: ['job', 'metrics'] },
  release: { setup: leased, run: (a, q, h) => a.releaseMany(q, [{ ...h, reason: 'outage' }]), extra: ['job'] },
  progress: { setup: leased, run: (a, q, h) => a.reportProgress(q, [{ ...h, fraction: 0.5, log: 'line' }]), extra: ['job', 'logs'] },
  quarantine: {
    // A leased job whose message cannot be parsed is quarantined right after the lease.
    setup: async (a, q, redis, k) => {
      const id = await a.enqueue(q, item('echo', 'bad'), { jobId: 'bad' });
      await redis.hset(k.job(id), 'pl', '{not json');
      return { id, token: '' };
    },
    run: (a, q) => a.dequeueMany(q, 1),
    extra: ['job'],
  },
  cancel: {
    setup: async (a, q) => ({ id: await a.enqueue(q, item('echo', 1), { jobId: 'c' }), token: '' }),
    run: (a, q, h) => a.cancel(q, h.id),
    extra: ['job'],
  },
  promote: {
    setup: async (a, q) => ({ id: await a.enqueue(q, item('echo', 1), { jobId: 'p', delayMs: 60_000 }), token: '' }),
    run: (a, q, h) => a.promote(q, h.id),
    extra: ['job'],
  },
  retry: {
    setup: async (a, q) => {
      const h = await leased(a, q);
      await a.failMany(q, [{ ...h, error: 'x', retryable: false }]);
      return h;
    },
    run: (a, q, h) => a.retry(q, h.id),
    extra: ['job'],
  },
  remove: {
    setup: async (a, q) => ({ id: await a.enqueue(q, item('echo', 1), { jobId: 'r' }), token: '' }),
    run: (a, q, h) => a.remove(q, h.id),
    extra: ['job'],
  },
  drain: {
    // A grouped job too: drain reaches the group sets and the counter in meta.
    setup: async (a, q) => {
      await a.enqueue(q, item('echo', 2), { jobId: 'dg', group: 'g' });
      return { id: await a.enqueue(q, item('echo', 1), { jobId: 'd' }), token: '' };
    },
    run: (a, q) => a.drain(q),
    extra: ['job', 'meta', 'limits', 'lstate', 'groups', 'gblocked'],
  },
  enqueueFlowNode: {
    setup: async () => ({ id: 'fp', token: '' }),
    run: (a, q) =>
      a.flows.enqueueFlow({ queue: q, item: item('echo', 'p'), opts: { jobId: 'fp' }, children: [{ queue: q, item: item('echo', 'c') }] }),
    extra: ['job'],
  },
  flowApply: {
    // A parent waiting for one child, and the outbox entry the child's completion left (its applier died).
    setup: async (a, q, redis, k) => {
      await a.flows.enqueueFlow({
        queue: q,
        item: item('echo', 'p'),
        opts: { jobId: 'fp' },
        children: [{ queue: q, item: item('echo', 'c') }],
      });
      await redis.zadd(k.key('outbox'), Date.now(), `child\n${q}\nfp\n${q}/fp.0\ncompleted\n1`);
      return { id: 'fp', token: '' };
    },
    run: (a, q) => a.flows.sweep(q),
    extra: ['job'],
  },
  flowTrim: {
    // A finished child, and the `trim` entry its deleted parent left (its applier died).
    setup: async (a, q, redis, k) => {
      await a.flows.enqueueFlow({
        queue: q,
        item: item('echo', 'p'),
        opts: { jobId: 'tp' },
        children: [{ queue: q, item: item('echo', 'c') }],
      });
      const child = await a.dequeue(q);
      if (child?.action.id !== 'tp.0') throw new Error('setup: no lease of the child');
      await a.completeProcessing(q, 'tp.0', 1, child.lease.token);
      // The completion's own drain over first, or it could apply the entry below before the corruption.
      await a.flows.sweep(q);
      await redis.zadd(k.key('outbox'), Date.now(), `trim\n${q}\ntp\n\n\n${q}/tp.0`);
      return { id: 'tp.0', token: '' };
    },
    run: (a, q) => a.flows.sweep(q),
    extra: ['job'],
  },
  flowSuspend: {
    // A running job spawns a child and gives its slot back (ctx.children in an agent).
    setup: leased,
    run: (a, q, h) =>
      a.flows.suspend(q, h.id, h.token, { name: 'n', children: [{ queue: q, agent: 'echo', input: 1 }], memo: { 's:x': 1 } }),
    extra: ['job'],
  },
  setPaused: {
    setup: async () => ({ id: '', token: '' }),
    run: (a, q) => a.pause(q),
    extra: [],
  },
  setLimits: {
    setup: async () => ({ id: '', token: '' }),
    run: (a, q) => a.limits.set(q, { rate: '10/s', concurrency: 5 }),
    extra: [],
  },
  charge: { setup: leased, run: (a, q, h) => a.limits.charge(q, [{ ...h, cost: 10 }]), extra: ['job'] },
};

async function setWrongType(redis: Redis, key: string, type: RedisType): Promise<void> {
  await redis.del(key);
  if (type === 'string') await redis.set(key, 'x');
  else if (type === 'list') await redis.rpush(key, 'x');
  else if (type === 'set') await redis.sadd(key, 'x');
  else if (type === 'zset') await redis.zadd(key, 0, 'x');
  else if (type === 'hash') await redis.hset(key, 'x', 'x');
  else await redis.xadd(key, '*', 'x', 'x');
}

/** Jobs not in exactly one state set, or in one their hash's state does not name. */
async function misplacedJobs(redis: Redis, k: QueueKeys, ignore: Set<string>): Promise<string[]> {
  const where = new Map<string, string[]>();
  for (const [set, state] of STATE_SETS) {
    for (const id of await redis.zrange(k.key(set), 0, -1)) where.set(id, [...(where.get(id) ?? []), state]);
  }
  const ids = new Set(where.keys());
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${k.jobPrefix}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const id = key.slice(k.jobPrefix.length);
      if (!id.includes(':')) ids.add(id);
    }
  } while (cursor !== '0');
  const bad: string[] = [];
  for (const id of ids) {
    if (ignore.has(id)) continue;
    const sets = where.get(id) ?? [];
    const type = await redis.type(k.job(id));
    const state = type === 'hash' ? await redis.hget(k.job(id), 'state') : `<${type}>`;
    if (sets.length !== 1 || sets[0] !== state) bad.push(`${id}: hash says ${state}, sets [${sets.join(', ')}]`);
  }
  return bad;
}

/** The ids of the job hashes whose payload's input is `input`. */
async function jobsWithInput(redis: Redis, k: QueueKeys, input: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${k.jobPrefix}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      if ((await redis.type(key)) !== 'hash') continue;
      const pl = await redis.hget(key, 'pl');
      if (pl !== null && (JSON.parse(pl) as { input?: unknown }).input === input) ids.push(key.slice(k.jobPrefix.length));
    }
  } while (cursor !== '0');
  return ids;
}

/** A fresh job is enqueued, leased first and completed. */
async function stillMoves(a: RedisQueueAdapter, q: string): Promise<string | undefined> {
  await a.resume(q);
  const id = await a.enqueue(q, item('echo', 'after'), { jobId: 'after', priority: 1_000_000 });
  const got = await a.dequeue(q);
  if (got?.action.id !== id) return `leased ${got?.action.id ?? 'nothing'} instead of the new job`;
  await a.completeProcessing(q, id, 'done', got.lease.token);
  const state = (await a.getJob(q, id))?.state;
  return state === 'completed' ? undefined : `the new job ended ${state}`;
}

interface Case {
  script: ScriptName;
  key: Corruptible;
  type: RedisType;
}

const CASES: Case[] = (Object.keys(SCENARIOS) as ScriptName[]).flatMap((script) =>
  [...SCRIPT_KEYS[script], ...SCENARIOS[script].extra].flatMap((key) =>
    ALL_TYPES.filter((type) => type !== EXPECTED[key]).map((type) => ({ script, key, type })),
  ),
);

/** Refusals a worker or operator may get when the job it names was the corrupted key. */
const ACCEPTED_FOR_JOB_KEY: string[] = [ErrorCode.LeaseLost, ErrorCode.JobNotFound, ErrorCode.InvalidState];

async function runCase(a: RedisQueueAdapter, redis: Redis, prefix: string, c: Case, n: number): Promise<string[]> {
  const q = `p${n}`;
  const k = new QueueKeys(prefix, q);
  const where = `${c.script} with ${c.key} a ${c.type}`;
  await a.createQueue(q, { maxRetries: 1, backoff: { type: 'fixed', delayMs: 0, maxDelayMs: 0 } });
  const scenario = SCENARIOS[c.script];
  const held = await scenario.setup(a, q, redis, k);
  // The metrics history's hash for this minute (and the next, should the minute turn before the script runs).
  const minute = Math.floor(Number((await redis.time())[0]) / 60);
  const keys =
    c.key === 'job'
      ? [k.job(held.id)]
      : c.key === 'logs'
        ? [k.logs(held.id)]
        : c.key === 'metrics'
          ? [metricsKey(k, minute), metricsKey(k, minute + 1)]
          : [k.key(c.key)];
  const key = keys[0]!;
  // Jobs whose set membership the corruption itself wipes out are not the script's doing.
  const ignore = new Set(EXPECTED[c.key] === 'zset' && c.key !== 'marker' ? await redis.zrange(key, 0, -1) : []);
  // A turn-order set lists groups: wiping it orphans their waiting jobs.
  if (c.key === 'groups' || c.key === 'gblocked') {
    for (const g of [...ignore]) for (const id of await redis.zrange(k.groupWait(g), 0, -1)) ignore.add(id);
  }
  for (const each of keys) await setWrongType(redis, each, c.type);
  const problems: string[] = [];
  try {
    await scenario.run(a, q, held);
  } catch (err) {
    const code = err instanceof ConveyorError ? err.code : 'no code';
    if (!(c.key === 'job' && ACCEPTED_FOR_JOB_KEY.includes(code))) problems.push(`${where}: threw ${code}: ${(err as Error).message}`);
  }
  const misplaced = await misplacedJobs(redis, k, ignore).catch((err: unknown) => [
    `the state sets cannot be read: ${(err as Error).message}`,
  ]);
  for (const bad of misplaced) problems.push(`${where}: ${bad}`);
  if (scenario.acknowledges) {
    // enqueue acknowledges `fresh` and a generated id, enqueueOne a generated id.
    const expected = c.script === 'enqueueOne' ? 1 : 2;
    const fresh = await jobsWithInput(redis, k, 'fresh');
    if (fresh.length !== expected) problems.push(`${where}: the acknowledged jobs are ${JSON.stringify(fresh)}`);
    if (c.script === 'enqueue' && !(await a.getJob(q, 'fresh'))) problems.push(`${where}: the acknowledged job is gone`);
  }
  const stuck = await stillMoves(a, q).catch((err: unknown) => `threw ${(err as Error).message}`);
  if (stuck) problems.push(`${where}: the queue does not move: ${stuck}`);
  return problems;
}

describe('every script, every key it touches, every wrong type', () => {
  test(
    `${CASES.length} cases: jobs stay in exactly one state set, none acknowledged is lost, the queue moves`,
    { timeout: 120_000 },
    async ({ redis, prefix }) => {
      const a = await RedisQueueAdapter.connect({ ...testAdapterOptions(prefix, testRedisUrl()), log: () => undefined });
      try {
        const problems: string[] = [];
        const PARALLEL = 24;
        for (let i = 0; i < CASES.length; i += PARALLEL) {
          const chunk = CASES.slice(i, i + PARALLEL);
          const results = await Promise.all(chunk.map((c, j) => runCase(a, redis, prefix, c, i + j)));
          problems.push(...results.flat());
        }
        expect(problems).toEqual([]);
      } finally {
        await a.close();
      }
    },
  );

  test('every script is covered by a scenario', () => {
    expect(Object.keys(SCENARIOS).sort()).toEqual(Object.keys(SCRIPT_KEYS).sort());
  });
});
