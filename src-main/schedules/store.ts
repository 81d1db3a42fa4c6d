import type { Redis } from 'ioredis';
import { ConveyorError, ErrorCode, QueueNotFoundError } from '../../src-shared/errors';
import { agentItem, itemInputSchema } from '../../src-shared/item-schema';
import { runNowJobId, tickJobId, type ScheduleDefinition, type ScheduleInfo, type ScheduleInput } from '../../src-shared/schedule';
import { QueueKeys, assertQueueName } from '../queue/keys';
import { WRONG_TYPE_REPLY } from '../queue/scripts';
import type { RedisQueueAdapter } from '../queue/redis-queue-adapter';
import { type ScheduleReply, runScheduleScript } from './scripts';
import { Timing, planTicks } from './timing';
import { ScheduleInvalidError, ScheduleNotFoundError, validateSchedule } from './validate';

/**
 * Schedules in Redis, beside their queue's keys (same hash tag, so a tick's
 * claim and its job are one script on one Cluster slot):
 *   <prefix>:{<queue>}:schedule:<id>   hash  the schedule (fields below)
 *   <prefix>:{<queue>}:schedules       zset  ids by next tick (inf: paused or ended)
 *   <prefix>:{<queue>}:schedule-marks  hash  id -> latest tick handled (kept after
 *                                            removal); ':rev' and ':run' counters
 * Schedule fields: rev (changes on every write: writers compare it, see
 * scheduleSave-4), gen (changes with the ticks: claims compare it and the
 * next tick, see scheduleTick-8), def (the definition, JSON), timing (what ticks depend on),
 * paused, next, the job template src/dst/pl/agent/prio/mr/to (as enqueue-5
 * stores a job), created, updated, and the tick state last, lastJob,
 * lastRun, runs, skipped, lastError.
 */

/** Latest ticks whose jobs `list` looks up. */
const LAST_RUNS = 5;

/** Optimistic writes retried this often before giving up (each retry follows a write that won). */
const MAX_WRITE_TRIES = 100;

/**
 * After a lost write, a random pause of up to 2^tries ms (at most 32): writers
 * racing in lockstep (three upserting in a loop on a busy box lost 100 times
 * in a row) fall out of step, so each gets its turn.
 */
function backOff(tries: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * 2 ** Math.min(tries, 5)));
}

export function scheduleKeys(prefix: string, queue: string): { q: QueueKeys; hash: (id: string) => string; index: string; marks: string } {
  assertQueueName(queue);
  const q = new QueueKeys(prefix, queue);
  return { q, hash: (id) => `${q.base}schedule:${id}`, index: `${q.base}schedules`, marks: `${q.base}schedule-marks` };
}

/** Where schedulers hear that a queue's schedules changed (the message is the queue name). */
export function scheduleChannel(prefix: string): string {
  return `${prefix}:schedules:changed`;
}

export async function redisNow(client: Redis): Promise<number> {
  const [s, us] = await client.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

type Stored = Record<string, string>;

function timingKey(def: ScheduleDefinition): string {
  return JSON.stringify([def.cron ?? null, def.tz ?? null, def.everyMs ?? null, def.startMs ?? null, def.endMs ?? null]);
}

function num(v: string | undefined): number | undefined {
  return v === undefined || v === '' ? undefined : Number(v);
}

function wrongTypeError(key: string): ConveyorError {
  return new ConveyorError(ErrorCode.Internal, `schedule key ${key} holds the wrong Redis type`, { key });
}

function codeError(reply: ScheduleReply[], queue: string): ConveyorError | undefined {
  if (reply[0] === -1) return new QueueNotFoundError(queue);
  if (reply[0] === -7) return wrongTypeError(String(reply[1]));
  return undefined;
}

/** The queue keys the tick script takes before the schedule's (scheduleTick-8.lua). */
const TICK_QUEUE_KEYS = ['meta', 'wait', 'delayed', 'marker', 'events'] as const;

/** A schedule's job template, encoded as enqueue-5 stores a job. */
function template(def: ScheduleDefinition): Record<string, string> {
  const parsed = itemInputSchema.safeParse(agentItem(def.agent, def.input, `schedule:${def.id}`, 'worker'));
  if (!parsed.success) throw new ScheduleInvalidError('input', 'expected JSON data (strings, numbers, booleans, null, arrays, objects)');
  const m = parsed.data.message;
  return {
    src: JSON.stringify(m.source),
    dst: JSON.stringify(m.destination),
    pl: JSON.stringify(m.payload),
    agent: def.agent,
    prio: String(def.priority ?? 0),
    mr: def.maxRetries === undefined ? '' : String(def.maxRetries),
    to: def.timeoutMs === undefined ? '' : String(def.timeoutMs),
  };
}

/** Reads and writes schedules; `ScheduleStore` is what the CLI, the control core and config apply use. */
export class ScheduleStore {
  constructor(private readonly adapter: RedisQueueAdapter) {}

  private get redis(): Redis {
    return this.adapter.redis;
  }

  private keys(queue: string): ReturnType<typeof scheduleKeys> {
    return scheduleKeys(this.adapter.keyPrefix, queue);
  }

  /** The schedule's hash, its mark and the Redis time, read together. */
  private async read(queue: string, id: string): Promise<{ stored: Stored | undefined; mark: string; now: number }> {
    const k = this.keys(queue);
    const res = (await this.redis.pipeline().hgetall(k.hash(id)).hget(k.marks, id).time().exec()) ?? [];
    for (const [err] of res) if (err) throw err;
    const stored = res[0]?.[1] as Stored;
    const [s, us] = res[2]?.[1] as [string, string];
    return {
      stored: stored && stored['rev'] ? stored : undefined,
      mark: (res[1]?.[1] as string | null) ?? '',
      now: Number(s) * 1000 + Math.floor(Number(us) / 1000),
    };
  }

  /** Writes the schedule if unchanged since read; false when someone else wrote first. */
  private async write(
    def: ScheduleDefinition,
    rev: string,
    mark: string,
    next: number | null,
    gen: string,
    fields: Record<string, string>,
  ): Promise<boolean> {
    const k = this.keys(def.queue);
    const args = Object.entries(fields).flat();
    const reply = (await runScheduleScript(
      this.redis,
      'cv_scheduleSave',
      [k.q.key('meta'), k.hash(def.id), k.index, k.marks],
      [def.id, rev, mark, next === null ? '' : String(next), gen, ...args],
    )) as ScheduleReply[];
    const err = codeError(reply, def.queue);
    if (err) throw err;
    if (reply[0] === 1) {
      await this.redis.publish(scheduleChannel(this.adapter.keyPrefix), def.queue);
      return true;
    }
    return false;
  }

  /**
   * Creates or replaces a schedule; resolves to it as stored. Upserting what is
   * already there changes nothing about its ticks: the next tick stays (no
   * second job, no lost tick); a new cron, interval, start or end starts
   * from the first tick after now. Invalid input throws ScheduleInvalidError
   * (naming the field), a missing queue QueueNotFoundError; neither stores anything.
   */
  async upsert(input: ScheduleInput): Promise<ScheduleInfo> {
    const def = validateSchedule(input);
    const tmpl = template(def);
    const timing = new Timing(def);
    const key = timingKey(def);
    for (let i = 0; i < MAX_WRITE_TRIES; i++) {
      const { stored, mark, now } = await this.read(def.queue, def.id);
      const paused = input.paused ?? stored?.['paused'] === '1';
      // Same ticks as stored (same timing, still running or still paused): keep its next tick and generation.
      const same = stored !== undefined && stored['timing'] === key && (stored['paused'] === '1') === paused;
      let next: number | null;
      if (paused) next = null;
      else if (same) next = num(stored['next']) ?? null;
      else next = timing.nextAfter(Math.max(now, num(mark) ?? 0));
      const fields: Record<string, string> = {
        ...this.state(stored),
        ...tmpl,
        def: JSON.stringify(def),
        timing: key,
        paused: paused ? '1' : '0',
        next: next === null ? '' : String(next),
        created: stored?.['created'] ?? String(now),
        updated: String(now),
      };
      // The same schedule again (a redeploy, config.yml at every start): nothing to write, nobody to wake.
      if (same && Object.entries(fields).every(([f, v]) => f === 'updated' || stored[f] === v)) return decode(stored, now);
      const gen = same ? (stored['gen'] ?? '') : '';
      if (await this.write(def, stored?.['rev'] ?? '', mark, next, gen, fields)) return this.info(def.queue, def.id);
      await backOff(i);
    }
    throw new ConveyorError(ErrorCode.Internal, `schedule "${def.id}": too many concurrent writers; try again`);
  }

  /** The tick state a rewrite keeps. */
  private state(stored: Stored | undefined): Record<string, string> {
    const out: Record<string, string> = {};
    for (const f of ['last', 'lastJob', 'lastRun', 'runs', 'skipped', 'lastError']) {
      const v = stored?.[f];
      if (v !== undefined) out[f] = v;
    }
    return out;
  }

  private async setPaused(queue: string, id: string, paused: boolean): Promise<ScheduleInfo> {
    for (let i = 0; i < MAX_WRITE_TRIES; i++) {
      const { stored, mark, now } = await this.read(queue, id);
      if (!stored) throw new ScheduleNotFoundError(queue, id);
      if ((stored['paused'] === '1') === paused) return this.info(queue, id);
      const def = JSON.parse(stored['def'] ?? '{}') as ScheduleDefinition;
      // Ticks that fell while paused are not missed ones: resuming starts at the first tick after now.
      const next = paused ? null : new Timing(def).nextAfter(Math.max(now, num(mark) ?? 0));
      const fields: Record<string, string> = {
        ...stored,
        paused: paused ? '1' : '0',
        next: next === null ? '' : String(next),
        updated: String(now),
      };
      delete fields['rev'];
      delete fields['gen'];
      // Pausing stops claims by the flag; resuming starts new ticks, so a new generation.
      const gen = paused ? (stored['gen'] ?? '') : '';
      if (await this.write(def, stored['rev'] ?? '', mark, next, gen, fields)) return this.info(queue, id);
      await backOff(i);
    }
    throw new ConveyorError(ErrorCode.Internal, `schedule "${id}": too many concurrent writers; try again`);
  }

  pause(queue: string, id: string): Promise<ScheduleInfo> {
    return this.setPaused(queue, id, true);
  }

  resume(queue: string, id: string): Promise<ScheduleInfo> {
    return this.setPaused(queue, id, false);
  }

  /** Removes a schedule; false when there was none. Its jobs stay. */
  async remove(queue: string, id: string): Promise<boolean> {
    const k = this.keys(queue);
    const reply = await runScheduleScript(this.redis, 'cv_scheduleRemove', [k.hash(id), k.index], [id]);
    if (Array.isArray(reply)) throw codeError(reply, queue) ?? new ConveyorError(ErrorCode.Internal, 'unexpected reply');
    await this.redis.publish(scheduleChannel(this.adapter.keyPrefix), queue);
    return reply === 1;
  }

  /**
   * Enqueues the schedule's job now, outside its ticks: id `<id>@run-<ms>-<n>`,
   * never a tick's id, so it neither takes nor blocks a tick.
   */
  async runNow(queue: string, id: string): Promise<string> {
    const { stored, now } = await this.read(queue, id);
    if (!stored) throw new ScheduleNotFoundError(queue, id);
    const def = JSON.parse(stored['def'] ?? '{}') as ScheduleDefinition;
    const seq = await this.redis.hincrby(this.keys(queue).marks, ':run', 1);
    return this.adapter.enqueue(queue, agentItem(def.agent, def.input, `schedule:${id}`, 'worker'), {
      jobId: runNowJobId(id, now, seq),
      ...(def.priority !== undefined ? { priority: def.priority } : {}),
      ...(def.maxRetries !== undefined ? { maxRetries: def.maxRetries } : {}),
      ...(def.timeoutMs !== undefined ? { timeoutMs: def.timeoutMs } : {}),
    });
  }

  async get(queue: string, id: string): Promise<ScheduleInfo | null> {
    const { stored, now } = await this.read(queue, id);
    return stored ? decode(stored, now) : null;
  }

  private async info(queue: string, id: string): Promise<ScheduleInfo> {
    const got = await this.get(queue, id);
    if (!got) throw new ScheduleNotFoundError(queue, id);
    return got;
  }

  /** Every schedule of the given queues (default: all queues), by queue then next tick. */
  async list(queues?: string[]): Promise<ScheduleInfo[]> {
    const names = queues ?? (await this.adapter.listQueues());
    const out: ScheduleInfo[] = [];
    for (const queue of names) {
      const k = this.keys(queue);
      const ids = await this.redis.zrange(k.index, 0, -1);
      if (ids.length === 0) continue;
      const pipe = this.redis.pipeline();
      for (const id of ids) pipe.hgetall(k.hash(id));
      const [res, now] = await Promise.all([pipe.exec(), redisNow(this.redis)]);
      const infos: ScheduleInfo[] = [];
      for (const [err, stored] of res ?? []) {
        if (!err && stored && (stored as Stored)['rev']) infos.push(decode(stored as Stored, now));
      }
      await this.addLastRuns(k, infos);
      out.push(...infos);
    }
    return out;
  }

  /** The jobs of each schedule's latest ticks, found by their derived ids (one pipeline per queue: one slot). */
  private async addLastRuns(k: ReturnType<typeof scheduleKeys>, infos: ScheduleInfo[]): Promise<void> {
    const wanted = infos.map((info) =>
      info.lastTick === undefined
        ? []
        : new Timing(info)
            .latestIn(0, info.lastTick, LAST_RUNS)
            .reverse()
            .map((tick) => ({ tick, jobId: tickJobId(info.id, tick) })),
    );
    const pipe = this.redis.pipeline();
    for (const runs of wanted) for (const r of runs) pipe.hget(k.q.job(r.jobId), 'state');
    const states = (await pipe.exec()) ?? [];
    let i = 0;
    infos.forEach((info, n) => {
      info.lastRuns = [];
      for (const r of wanted[n] ?? []) {
        const [err, state] = states[i++] ?? [];
        if (!err && typeof state === 'string') info.lastRuns.push({ ...r, state });
      }
    });
  }

  // ------------------------------------------------------------ scheduler

  /** Ids of the queue's schedules due at `now` (Redis ms), and the earliest next tick after them. */
  async due(queue: string, now: number, limit = 100): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys(queue).index, '-inf', now, 'LIMIT', 0, limit);
  }

  /** The earliest next tick of each queue's schedules (ms), or undefined for queues with none active. */
  async earliest(queues: string[]): Promise<Array<number | undefined>> {
    // One command per queue, not a pipeline: on a cluster the queues live in different slots.
    return Promise.all(
      queues.map(async (queue) => {
        const r = await this.redis.zrange(this.keys(queue).index, 0, 0, 'WITHSCORES');
        const score = Number(r[1]);
        return Number.isFinite(score) ? score : undefined;
      }),
    );
  }

  /**
   * Claims a schedule's due ticks and enqueues their jobs, if no other
   * scheduler did first. Resolves to the ids of the jobs this call added.
   */
  async fire(queue: string, id: string): Promise<string[]> {
    const k = this.keys(queue);
    for (let i = 0; i < MAX_WRITE_TRIES; i++) {
      const { stored, now } = await this.read(queue, id);
      const dueFrom = num(stored?.['next']);
      if (!stored || stored['paused'] === '1' || dueFrom === undefined || dueFrom > now) return [];
      const def = JSON.parse(stored['def'] ?? '{}') as ScheduleDefinition;
      const plan = planTicks(new Timing(def), def, dueFrom, now);
      if (!plan) return [];
      const reply = (await runScheduleScript(
        this.redis,
        'cv_scheduleTick',
        [...TICK_QUEUE_KEYS.map((t) => k.q.key(t)), k.hash(id), k.index, k.marks],
        [
          k.q.jobPrefix,
          this.adapter.eventsMaxLen,
          id,
          stored['gen'] ?? '',
          stored['next'] ?? '',
          plan.next === null ? '' : String(plan.next),
          String(plan.handledUpTo),
          plan.skipped,
          plan.fire.length,
          ...plan.fire.map(String),
        ],
      ).catch((e: unknown) => {
        const wrong = WRONG_TYPE_REPLY.exec(e instanceof Error ? e.message : '');
        throw wrong ? wrongTypeError(wrong[1] ?? '') : e;
      })) as ScheduleReply[];
      const err = codeError(reply, queue);
      if (err) throw err;
      if (reply[0] === 1) return reply.slice(2).map(String);
      // Not due by the script's clock (Redis' clock stepped back): the scheduler sleeps until it is.
      if (reply[0] === 2) return [];
      // 0: another scheduler or a writer got there first: read again.
    }
    return [];
  }
}

function decode(stored: Stored, now: number): ScheduleInfo {
  const def = JSON.parse(stored['def'] ?? '{}') as ScheduleDefinition;
  const paused = stored['paused'] === '1';
  const next = paused ? null : (num(stored['next']) ?? null);
  const info: ScheduleInfo = {
    ...def,
    paused,
    next,
    nextRuns: next === null ? [] : [next, ...new Timing(def).nextRuns(Math.max(next, now), 2)],
    runs: num(stored['runs']) ?? 0,
    skipped: num(stored['skipped']) ?? 0,
    createdAt: num(stored['created']) ?? 0,
    updatedAt: num(stored['updated']) ?? 0,
  };
  const last = num(stored['last']);
  if (last !== undefined) info.lastTick = last;
  if (stored['lastJob']) info.lastJobId = stored['lastJob'];
  const lastRun = num(stored['lastRun']);
  if (lastRun !== undefined) info.lastRunAt = lastRun;
  if (stored['lastError']) info.lastError = stored['lastError'];
  return info;
}
