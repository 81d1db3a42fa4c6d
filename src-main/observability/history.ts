import type { Redis } from 'ioredis';
import { ConveyorError, ErrorCode } from '../../src-shared/errors';
import { QueueKeys } from '../queue/keys';
import {
  HISTORY_RANGES,
  type HistoryCounts,
  type HistoryPoint,
  type HistoryRange,
  type MetricsHistory,
  type Percentiles,
} from '../../src-shared/metrics-history';
import { HISTORY_BOUNDS_MS, HISTORY_TTL_FIELD, expandHistoryFields, isDottedHistoryField, metricsKey, rollupKey } from './history-keys';

export type { HistoryRange, MetricsHistory } from '../../src-shared/metrics-history';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const RANGE_MS: Record<HistoryRange, number> = {
  '15m': 15 * MINUTE,
  '1h': HOUR,
  '24h': 24 * HOUR,
  '7d': 7 * 24 * HOUR,
  '30d': 30 * 24 * HOUR,
};

/**
 * Reads of the metrics history lua/metrics.lua writes: per queue and minute,
 * outcome counts and wait/run histograms per agent. Every queue's keys are read
 * on their own (one hash tag each, so cluster-safe) and merged here.
 *
 * Ranges of an hour or less come from the minute hashes, one point a minute.
 * Longer ones come in hours: a finished hour's roll-up hash (`h:<hour>`, the
 * sum of its 60 minutes), written by the first read that needs it while its
 * minutes are still kept, and kept itself for `rollupDays`. Writing it is
 * idempotent (the same sum, one HSET), so any number of readers may race.
 */

export interface HistoryOptions {
  range?: HistoryRange;
  agent?: string;
  /** How long hourly roll-ups are kept (days). */
  rollupDays?: number;
}

export interface HistorySource {
  readonly redis: Redis;
  readonly keyPrefix: string;
  listQueues(): Promise<string[]>;
}

const COUNT_FIELDS: Record<string, keyof HistoryCounts> = { c: 'completed', f: 'failed', r: 'retried', d: 'dead', x: 'cancelled' };

const emptyCounts = (): HistoryCounts => ({ completed: 0, failed: 0, retried: 0, dead: 0, cancelled: 0 });

type RawHash = Record<string, string>;

/** Sums hashes field by field (the merge every reader of the history uses). */
export function mergeHashes(hashes: RawHash[]): RawHash {
  const out: Record<string, number> = {};
  for (const h of hashes) for (const [f, v] of Object.entries(h)) out[f] = (out[f] ?? 0) + Number(v);
  return Object.fromEntries(Object.entries(out).map(([f, v]) => [f, String(v)]));
}

/** The value below which `q` of the samples fall, interpolated linearly inside its bucket. */
export function bucketPercentile(buckets: number[], q: number, bounds: readonly number[] = HISTORY_BOUNDS_MS): number | null {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    const n = buckets[i] ?? 0;
    if (n > 0 && seen + n >= rank) {
      const lo = i === 0 ? 0 : (bounds[i - 1] ?? 0);
      // Beyond the last bound there is no upper edge: report its lower one.
      const hi = bounds[i] ?? lo;
      return lo + ((hi - lo) * Math.max(rank - seen, 0)) / n;
    }
    seen += n;
  }
  return bounds[bounds.length - 1] ?? null;
}

async function redisNow(redis: Redis): Promise<number> {
  const [s, us] = await redis.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

async function readHashes(redis: Redis, keys: string[]): Promise<RawHash[]> {
  if (keys.length === 0) return [];
  const pipe = redis.pipeline();
  for (const key of keys) pipe.hgetall(key);
  const replies = (await pipe.exec()) ?? [];
  // A key of another type (or a failed read) counts as empty: the history is advisory.
  return replies.map(([err, value]) => (err ? {} : expandHistoryFields((value ?? {}) as RawHash)));
}

/** One queue's hashes for each step of the range, oldest first. */
async function queueSteps(redis: Redis, k: QueueKeys, now: number, range: HistoryRange, rollupDays: number): Promise<RawHash[]> {
  const span = RANGE_MS[range];
  if (span <= HOUR) {
    const last = Math.floor(now / MINUTE);
    const minutes = Array.from({ length: span / MINUTE }, (_, i) => last - span / MINUTE + 1 + i);
    return readHashes(
      redis,
      minutes.map((m) => metricsKey(k, m)),
    );
  }
  const current = Math.floor(now / HOUR);
  const hours = Array.from({ length: span / HOUR }, (_, i) => current - span / HOUR + 1 + i);
  const done = hours.slice(0, -1);
  const rolled = await readHashes(
    redis,
    done.map((h) => rollupKey(k, h)),
  );
  const ttl = Number((await redis.hget(k.key('meta'), HISTORY_TTL_FIELD)) ?? 7 * 86400);
  const oldestMinute = Math.floor((now - ttl * 1000) / MINUTE);
  const missing = done.filter((h, i) => Object.keys(rolled[i] ?? {}).length === 0 && h * 60 >= oldestMinute);
  const minutesOf = (h: number): string[] => Array.from({ length: 60 }, (_, i) => metricsKey(k, h * 60 + i));
  const sums = new Map<number, RawHash>();
  for (const h of missing) sums.set(h, mergeHashes(await readHashes(redis, minutesOf(h))));
  if (sums.size > 0) {
    const pipe = redis.pipeline();
    for (const [h, sum] of sums) {
      // An hour with nothing in it is rolled up too ('_' only), so it is not summed again.
      pipe.hset(rollupKey(k, h), Object.keys(sum).length > 0 ? sum : { _: '0' });
      pipe.expire(rollupKey(k, h), Math.round(rollupDays * 86400));
    }
    await pipe.exec();
  }
  const currentHour = mergeHashes(await readHashes(redis, minutesOf(current)));
  return [...done.map((h, i) => sums.get(h) ?? rolled[i] ?? {}), currentHour];
}

/**
 * Throughput series and wait/run percentiles of one queue or all, over `range`,
 * for every agent or one.
 */
export async function readMetricsHistory(source: HistorySource, queue: string | 'all', opts: HistoryOptions = {}): Promise<MetricsHistory> {
  const range = opts.range ?? '1h';
  if (!HISTORY_RANGES.includes(range)) {
    throw new ConveyorError(ErrorCode.InvalidArgs, `unknown history range ${JSON.stringify(range)}: use ${HISTORY_RANGES.join(', ')}`);
  }
  const queues = queue === 'all' ? (await source.listQueues()).sort() : [queue];
  const now = await redisNow(source.redis);
  const perQueue = await Promise.all(
    queues.map((q) => queueSteps(source.redis, new QueueKeys(source.keyPrefix, q), now, range, opts.rollupDays ?? 90)),
  );
  const stepMs = RANGE_MS[range] <= HOUR ? MINUTE : HOUR;
  const steps = perQueue[0]?.length ?? RANGE_MS[range] / stepMs;
  const firstStep = Math.floor(now / stepMs) - steps + 1;
  const agents = new Set<string>();
  const nb = HISTORY_BOUNDS_MS.length + 1;
  const waitBuckets = new Array<number>(nb).fill(0);
  const runBuckets = new Array<number>(nb).fill(0);
  const totals = emptyCounts();
  const series: HistoryPoint[] = [];
  for (let s = 0; s < steps; s++) {
    const point: HistoryPoint = { t: (firstStep + s) * stepMs, ...emptyCounts() };
    for (const hashes of perQueue) {
      for (const [field, value] of Object.entries(hashes[s] ?? {})) {
        const bar = field.indexOf('|');
        if (bar < 0) continue;
        const agent = field.slice(bar + 1);
        agents.add(agent);
        if (opts.agent !== undefined && agent !== opts.agent) continue;
        const n = Number(value);
        const kind = field.slice(0, bar);
        const count = COUNT_FIELDS[kind];
        if (count) point[count] += n;
        else if (kind[0] === 'w' || kind[0] === 't') {
          const i = Number(kind.slice(1)) - 1;
          const into = kind[0] === 'w' ? waitBuckets : runBuckets;
          if (i >= 0 && i < nb) into[i] = (into[i] ?? 0) + n;
        }
      }
    }
    for (const key of Object.keys(totals) as Array<keyof HistoryCounts>) totals[key] += point[key];
    series.push(point);
  }
  const pct = (b: number[]): Percentiles => ({
    p50: bucketPercentile(b, 0.5),
    p95: bucketPercentile(b, 0.95),
    p99: bucketPercentile(b, 0.99),
  });
  return {
    range,
    stepMs,
    queues,
    agents: [...agents].sort(),
    series,
    totals,
    wait: pct(waitBuckets),
    run: pct(runBuckets),
    waitBuckets,
    runBuckets,
    boundsMs: [...HISTORY_BOUNDS_MS],
  };
}

/** Sets how long a queue's minute hashes are kept (metrics.lua reads it per call). */
export async function setHistoryRetention(redis: Redis, keyPrefix: string, queue: string, days: number): Promise<void> {
  const meta = new QueueKeys(keyPrefix, queue).key('meta');
  // Only on a queue that exists: a meta hash is what makes one.
  if (await redis.exists(meta)) await redis.hset(meta, HISTORY_TTL_FIELD, Math.round(days * 86400));
}

/**
 * Reads the totals and the minute not yet added to them (metrics.lua's `m:all` and the minute meta
 * `mx_m` names) in one step, so a minute joining the totals in between is never counted twice.
 * Keys of another type read as empty: the history is advisory.
 */
const TOTALS_SCRIPT = `
local open = redis.pcall('HGET', KEYS[1], 'mx_m')
local function all(key)
  local h = redis.pcall('HGETALL', key)
  if h.err then return {} end
  return h
end
return { all(KEYS[2]), type(open) == 'string' and all(ARGV[1] .. open) or {} }`;

/** A queue's running totals since it was created (metrics.lua's `m:all` plus the open minute), plain fields. */
export async function readHistoryTotals(redis: Redis, keyPrefix: string, queue: string): Promise<Record<string, string>> {
  const k = new QueueKeys(keyPrefix, queue);
  try {
    // The minute's key is built in the script from its base: same hash tag, so the same slot.
    const reply = (await redis.eval(TOTALS_SCRIPT, 2, k.key('meta'), `${k.base}m:all`, `${k.base}m:`)) as string[][];
    // Of the open minute, the dotted fields only: plain ones (an earlier version's) are in m:all already.
    const hashes = reply.map((flat, which) => {
      const h: RawHash = {};
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const field = flat[i] ?? '';
        if (which === 0 || isDottedHistoryField(field)) h[field] = flat[i + 1] ?? '0';
      }
      return expandHistoryFields(h);
    });
    return mergeHashes(hashes);
  } catch {
    return {};
  }
}
