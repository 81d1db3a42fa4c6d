import type { Redis } from 'ioredis';
import type { z } from 'zod';
import {
  ConveyorError,
  ErrorCode,
  InvalidStateError,
  JobNotFoundError,
  LeaseLostError,
  QueueFullError,
  QueueNotFoundError,
} from '../../src-shared/errors';
import { describeItemIssues, fastParseItem, itemInputSchema } from '../../src-shared/item-schema';
import type {
  EnqueueOptions,
  FailOptions,
  JobEvent,
  JobPage,
  JobRecord,
  JobState,
  LeasedItem,
  QueueCounts,
  QueueInfo,
  QueueItemInput,
  QueueOptions,
} from '../../src-shared/job';
import { JOB_STATES } from '../../src-shared/job';
import type { WorkerInfo } from '../../src-shared/worker';
import { enqueueOptionsSchema, fastParseEnqueueOptions, partialQueueOptionsSchema } from '../../src-shared/queue-options-schema';
import type { RedisConnectionSettings } from '../config/connection-settings';
import { type FsyncPlan, checkFsync, confirmFsync } from './durability';
import { mergeIterators, tailStreams } from './events';
import { agentOf, decodeJob, describeError, encodeResult, parseMessage } from './job-codec';
import { QUEUE_KEY_REDIS_TYPE, QUEUE_KEY_TYPES, QueueKeys, assertQueueName, keySlot, registryKey } from './keys';
import type { DequeueOptions, EventsOptions, QueuePort } from './port';
import { WorkerRegistry } from './worker-registry';
import {
  authError,
  connectClient,
  createRedisClient,
  inOneWrite,
  isAuthError,
  isCluster,
  isConnectionError,
  masterNodes,
  unavailable,
  waitForReady,
} from './redis-client';
import { type ScriptName, type ScriptReply, ScriptRunner, defineScripts } from './scripts';

export interface RedisQueueAdapterOptions {
  connection: RedisConnectionSettings;
  keyPrefix: string;
  /** Options of queues created without them (from config.yml's `queue:` section). */
  defaults: QueueOptions;
  eventsMaxLen: number;
  maxPayloadBytes: number;
  /** `queue.wait_for_fsync`: an enqueue resolves only once Redis has fsynced it (see durability.ts). */
  waitForFsync?: boolean;
  /** Where quarantine and repair notices go. */
  log?: (line: string) => void;
}

export interface DequeueManyOptions extends DequeueOptions {
  /** Recorded on the attempt at lease time. */
  workerId?: string;
}

export interface LeaseRef {
  id: string;
  token?: string;
}

export interface ProgressUpdate extends LeaseRef {
  /** 0..1 */
  fraction?: number;
  message?: string;
  /** One log line. */
  log?: string;
}

export interface LeaseBatch<P = unknown> {
  items: LeasedItem<P>[];
  /** ms until the queue's next timer (delayed job due, lease expiry); -1 if none. */
  nextTimerMs: number;
  paused: boolean;
  /** Jobs were still waiting after this lease. */
  more: boolean;
  /** Leased jobs found malformed and moved to dead. */
  quarantined: number;
}

interface PendingEnqueue {
  encoded: string[];
  waitMs: number;
  resolve: (id: string) => void;
  reject: (err: unknown) => void;
}

/** Per-job outcome of a batched call: ok, or the typed error for that job. */
export type BatchResult<T = true> = { id: string; ok: true; value: T } | { id: string; ok: false; error: ConveyorError };

const ENQUEUE_FIELDS = 3;
/**
 * Enqueues coalesced into one script call at most. Past this, calls of the same
 * turn start another call: several then pipeline, so Redis runs one while this
 * process encodes the next and handles the replies of the last (64 awaited
 * producers: about 60k -> 88k jobs/s; 16 to 32 measure alike, 32 costs Redis less per job).
 */
export const MAX_COALESCED = 32;
const DEQUEUE_FIELDS = 7;
const MIN_BLOCK_S = 0.01;
/** On a cluster, how long one BZPOPMIN waits on one slot's markers before trying the next slot's. */
const CLUSTER_BLOCK_SLICE_S = 0.05;
/** Log lines kept per job (the newest). */
const MAX_LOG_LINES = 1000;

/** Generated ids are integers; custom ids that look like one could collide with them. */
const GENERATED_ID = /^\d+$/;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function asArray(reply: ScriptReply): ScriptReply[] {
  return Array.isArray(reply) ? reply : [];
}

function str(v: ScriptReply | undefined): string {
  return v === null || v === undefined ? '' : String(v);
}

function validate<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ConveyorError(ErrorCode.ItemInvalid, `invalid ${what}: ${describeItemIssues(parsed.error)}`, {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return parsed.data;
}

/** The dequeue script's own arguments: how many, for whom, and whether they start at once. */
function dequeueArgs(n: number, workerId: string, start = false): Array<string | number> {
  if (!Number.isInteger(n) || n < 1) throw new ConveyorError(ErrorCode.ItemInvalid, `n must be a positive integer, got ${n}`);
  return [n, workerId, start ? '1' : ''];
}

/** Splits keys (or names, through `keyOf`) into groups whose keys share a Cluster slot, in first-seen order. */
function groupBySlot<T>(items: T[], keyOf: (item: T) => string = String): T[][] {
  const bySlot = new Map<number, T[]>();
  for (const item of items) {
    const slot = keySlot(keyOf(item));
    const group = bySlot.get(slot);
    if (group) group.push(item);
    else bySlot.set(slot, [item]);
  }
  return [...bySlot.values()];
}

/**
 * The queue port on Redis. Every state change is one Lua script that also
 * appends the lifecycle event; reads are pipelined. Commands fail fast with
 * RedisUnavailableError while Redis is down; blocking dequeues and event
 * iterators wait out an outage and resume.
 */
export class RedisQueueAdapter implements QueuePort {
  private readonly client: Redis;
  private readonly scripts: ScriptRunner;
  private readonly idleBlockers: Redis[] = [];
  private readonly allClients = new Set<Redis>();
  /** Lease tokens handed out by this adapter, so callers of the seed's API need not carry them. */
  private readonly leases = new Map<string, string>();
  private readonly keyCache = new Map<string, QueueKeys>();
  /** Enqueues waiting for the end of the current turn, per queue (see `enqueue`). */
  private readonly enqueueBatches = new Map<string, PendingEnqueue[]>();
  private readonly log: (line: string) => void;
  private closed = false;
  /** Talking to a Redis Cluster: multi-key commands are split per slot. */
  readonly cluster: boolean;
  /** Worker processes announce themselves here; `listWorkers` reads it. */
  readonly workers: WorkerRegistry;
  /** Set at connect when `waitForFsync` is on. */
  private fsyncPlan: FsyncPlan | undefined;

  private constructor(private readonly options: RedisQueueAdapterOptions) {
    this.client = this.newClient('conveyor');
    this.cluster = isCluster(this.client);
    this.log = options.log ?? ((line) => console.warn(line));
    this.scripts = new ScriptRunner(this.client, this.log);
    this.workers = new WorkerRegistry(this.client, options.keyPrefix);
  }

  /**
   * Creates an adapter once Redis answers. A refused connection fails at once;
   * with `patient`, it keeps trying until `connection_timeout`.
   */
  static async connect(options: RedisQueueAdapterOptions, opts: { patient?: boolean } = {}): Promise<RedisQueueAdapter> {
    const adapter = new RedisQueueAdapter(options);
    try {
      await connectClient(adapter.client, options.connection, opts.patient ?? false);
      await adapter.scripts.load();
      if (options.waitForFsync) adapter.fsyncPlan = await checkFsync(adapter.client, adapter.cluster);
    } catch (err) {
      await adapter.close();
      throw err;
    }
    return adapter;
  }

  get keyPrefix(): string {
    return this.options.keyPrefix;
  }

  /** Whether the command connection is up right now. */
  get connected(): boolean {
    return this.client.status === 'ready';
  }

  /**
   * The main connection, for modules beside the adapter that keep their own keys (worker registry).
   * On a cluster it is an ioredis `Cluster` (see `cluster`): keep multi-key commands to one slot.
   */
  get redis(): Redis {
    return this.client;
  }

  private newClient(name: string, opts: { scripts?: boolean } = {}): Redis {
    const client = createRedisClient(this.options.connection, name);
    // A blocking connection queues a lease behind its wait (waitAndLease).
    if (opts.scripts) defineScripts(client);
    // Errors surface through the calls that hit them; without a listener ioredis would print them.
    client.on('error', () => undefined);
    this.allClients.add(client);
    return client;
  }

  private keys(queue: string): QueueKeys {
    let k = this.keyCache.get(queue);
    if (!k) {
      assertQueueName(queue);
      k = new QueueKeys(this.options.keyPrefix, queue);
      this.keyCache.set(queue, k);
    }
    return k;
  }

  private leaseKey(queue: string, id: string): string {
    return `${queue}\u0000${id}`;
  }

  private tokenFor(queue: string, id: string, token?: string): string {
    return token ?? this.leases.get(this.leaseKey(queue, id)) ?? '';
  }

  private ensureOpen(): void {
    if (this.closed) throw new ConveyorError(ErrorCode.Internal, 'the queue adapter is closed');
    if (this.client.status !== 'ready') throw unavailable(this.options.connection, undefined);
  }

  private mapError(err: unknown): unknown {
    if (err instanceof ConveyorError) return err;
    if (isAuthError(err)) return authError(this.options.connection, err);
    if (isConnectionError(err)) return unavailable(this.options.connection, err);
    return err;
  }

  /** Runs a Redis call with fail-fast and error mapping. */
  private async io<T>(fn: () => Promise<T>): Promise<T> {
    this.ensureOpen();
    try {
      return await fn();
    } catch (err) {
      throw this.mapError(err);
    }
  }

  private async script(q: QueueKeys, name: ScriptName, args: Array<string | number>): Promise<ScriptReply> {
    this.ensureOpen();
    const run = (): Promise<ScriptReply> =>
      this.scripts.run(name, q.list, [q.jobPrefix, this.options.eventsMaxLen, ...args]);
    try {
      return await run();
    } catch (err) {
      if (!/WRONGTYPE/.test(String((err as Error)?.message))) throw this.mapError(err);
      // A queue key holds the wrong type: set it aside (raw value kept) and carry on.
      await this.repairQueueKeys(q);
      try {
        return await run();
      } catch (again) {
        throw this.mapError(again);
      }
    }
  }

  /** Renames queue keys of the wrong Redis type to `<key>:malformed:<ms>` so the queue keeps moving. */
  async repairQueueKeys(queue: string | QueueKeys): Promise<string[]> {
    const q = typeof queue === 'string' ? this.keys(queue) : queue;
    const types = await this.io(async () => {
      const pipe = this.client.pipeline();
      for (const key of q.list) pipe.type(key);
      return (await pipe.exec()) ?? [];
    });
    const moved: string[] = [];
    for (const [i, type] of QUEUE_KEY_TYPES.entries()) {
      const actual = String(types[i]?.[1] ?? 'none');
      if (actual === 'none' || actual === QUEUE_KEY_REDIS_TYPE[type]) continue;
      const key = q.key(type);
      const aside = `${key}:malformed:${Date.now()}`;
      await this.io(() => this.client.rename(key, aside));
      moved.push(aside);
      this.log(
        `[conveyor] queue "${q.queue}": key ${key} held a ${actual}, expected a ${QUEUE_KEY_REDIS_TYPE[type]}; moved it to ${aside}`,
      );
    }
    if (moved.length > 0) {
      await this.io(() =>
        this.client.xadd(q.key('events'), 'MAXLEN', '~', this.options.eventsMaxLen, '*', 'e', 'malformed', 'why', `wrong key type: ${moved.join(', ')}`),
      );
    }
    return moved;
  }

  // ---------------------------------------------------------------- queues

  async createQueue(name: string, options: Partial<QueueOptions> = {}): Promise<QueueInfo> {
    const q = this.keys(name);
    const given = validate(partialQueueOptionsSchema, options, 'queue options');
    const d = this.options.defaults;
    const fields = (o: Partial<QueueOptions>): Record<string, string | number> => {
      const f: Record<string, string | number> = {};
      if (o.maxLength !== undefined) f['max_len'] = o.maxLength;
      if (o.maxRetries !== undefined) f['max_retries'] = o.maxRetries;
      if (o.leaseMs !== undefined) f['lease_ms'] = o.leaseMs;
      if (o.backoff) {
        f['backoff_type'] = o.backoff.type;
        f['backoff_delay'] = o.backoff.delayMs;
        f['backoff_max'] = o.backoff.maxDelayMs;
      }
      if (o.retention) {
        f['completed_count'] = o.retention.completed.count;
        f['completed_age_s'] = o.retention.completed.ageS;
        f['dead_count'] = o.retention.dead.count;
        f['dead_age_s'] = o.retention.dead.ageS;
      }
      return f;
    };
    await this.io(async () => {
      const tx = this.client.multi();
      for (const [k, v] of Object.entries({ ...fields(d), paused: '0' })) tx.hsetnx(q.key('meta'), k, v);
      tx.hsetnx(q.key('meta'), 'created', Date.now());
      const explicit = fields(given as Partial<QueueOptions>);
      if (Object.keys(explicit).length > 0) tx.hset(q.key('meta'), explicit);
      await tx.exec();
      await this.client.sadd(registryKey(this.options.keyPrefix), name);
    });
    return this.getQueueInfo(name);
  }

  async listQueues(): Promise<string[]> {
    const names = await this.io(() => this.client.smembers(registryKey(this.options.keyPrefix)));
    return names.sort();
  }

  async getQueueInfo(name: string): Promise<QueueInfo> {
    const q = this.keys(name);
    const [meta, counts] = await Promise.all([this.io(() => this.client.hgetall(q.key('meta'))), this.counts(name)]);
    if (!meta['max_len']) throw new QueueNotFoundError(name);
    const n = (k: string): number => Number(meta[k] ?? 0);
    return {
      name,
      paused: meta['paused'] === '1',
      createdAt: n('created'),
      counts,
      options: {
        maxLength: n('max_len'),
        maxRetries: n('max_retries'),
        leaseMs: n('lease_ms'),
        backoff: { type: meta['backoff_type'] === 'fixed' ? 'fixed' : 'exponential', delayMs: n('backoff_delay'), maxDelayMs: n('backoff_max') },
        retention: {
          completed: { count: n('completed_count'), ageS: n('completed_age_s') },
          dead: { count: n('dead_count'), ageS: n('dead_age_s') },
        },
      },
    };
  }

  async deleteQueue(name: string): Promise<void> {
    const q = this.keys(name);
    await this.io(async () => {
      // SCAN is per node: on a cluster, every master (the queue's keys all live on one, but which may change).
      for (const node of masterNodes(this.client)) {
        let cursor = '0';
        do {
          const [next, keys] = await node.scan(cursor, 'MATCH', q.pattern, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) await node.unlink(...keys);
        } while (cursor !== '0');
      }
      await this.client.srem(registryKey(this.options.keyPrefix), name);
    });
    for (const key of this.leases.keys()) if (key.startsWith(name + '\u0000')) this.leases.delete(key);
  }

  // --------------------------------------------------------------- enqueue

  private encodeEnqueue(item: QueueItemInput, opts: EnqueueOptions): string[] {
    // The hand checks take the common well-formed case; the schemas judge (and explain) the rest.
    const parsed = fastParseItem(item) ?? validate(itemInputSchema, item, 'queue item');
    const o = fastParseEnqueueOptions(opts) ?? validate(enqueueOptionsSchema, opts, 'enqueue options');
    const id = o.jobId ?? parsed.action?.id ?? '';
    if (id !== '' && GENERATED_ID.test(id)) {
      throw new ConveyorError(ErrorCode.ItemInvalid, `invalid job id "${id}": ids made only of digits are reserved for generated ids`, { id });
    }
    const m = parsed.message;
    // Its three parts joined by newlines (JSON.stringify never writes a raw one): enqueue-9 stores each in its own
    // hash field, so a small job's values stay under Redis' listpack limit (64 bytes by default) and its hash
    // takes about half the memory of one holding the whole message.
    const msg = `${JSON.stringify(m.source)}\n${JSON.stringify(m.destination)}\n${JSON.stringify(m.payload)}`;
    const bytes = Buffer.byteLength(msg);
    if (bytes > this.options.maxPayloadBytes) {
      throw new ConveyorError(
        ErrorCode.PayloadTooLarge,
        `message is ${bytes} bytes; the limit is ${this.options.maxPayloadBytes} (queue.max_payload_bytes)`,
        { bytes, limit: this.options.maxPayloadBytes },
      );
    }
    // Three values per job (see enqueue-9.lua): each argument costs this process and Redis, and most jobs have no options.
    const plain = id === '' && !o.priority && !o.delayMs && o.maxRetries === undefined && o.timeoutMs === undefined;
    const options = plain ? '' : `${o.priority ?? 0}|${o.delayMs ?? 0}|${o.maxRetries ?? ''}|${o.timeoutMs ?? ''}|${id}`;
    return [msg, agentOf(m.payload), options];
  }

  private async addJobs(queue: string, encoded: string[], waitMs: number): Promise<string[]> {
    const q = this.keys(queue);
    const count = encoded.length / ENQUEUE_FIELDS;
    const deadline = Date.now() + waitMs;
    for (let pause = 5; ; pause = Math.min(pause * 2, 200)) {
      const reply = asArray(await this.script(q, 'enqueue', [count, ...encoded]));
      if (reply[0] === -1) throw new QueueNotFoundError(queue);
      if (reply[0] !== -2) {
        if (this.fsyncPlan === 'waitaof') await confirmFsync(this.client, this.options.connection.connectTimeoutMs);
        return reply.map(str);
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new QueueFullError(queue, Number(reply[1]), Number(reply[2]));
      await sleep(Math.min(pause, remaining));
    }
  }

  /**
   * Enqueues one job. Calls made in the same turn of the event loop (many
   * producers in one process, `Promise.all` of enqueues) share script calls
   * of up to MAX_COALESCED jobs; each still gets its own id or its own error.
   */
  enqueue<P>(queue: string, item: QueueItemInput<P>, opts: EnqueueOptions = {}): Promise<string> {
    let encoded: string[];
    try {
      encoded = this.encodeEnqueue(item, opts);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      let batch = this.enqueueBatches.get(queue);
      if (!batch) {
        const fresh: PendingEnqueue[] = [];
        this.enqueueBatches.set(queue, (batch = fresh));
        queueMicrotask(() => void this.flushEnqueues(queue, fresh));
      }
      batch.push({ encoded, waitMs: opts.waitMs ?? 0, resolve, reject });
      if (batch.length >= MAX_COALESCED) this.enqueueBatches.delete(queue);
    });
  }

  private async flushEnqueues(queue: string, batch: PendingEnqueue[]): Promise<void> {
    if (this.enqueueBatches.get(queue) === batch) this.enqueueBatches.delete(queue);
    const one = async (p: PendingEnqueue): Promise<void> => {
      try {
        p.resolve((await this.addJobs(queue, p.encoded, p.waitMs))[0] as string);
      } catch (err) {
        p.reject(err);
      }
    };
    if (batch.length === 1) return one(batch[0] as PendingEnqueue);
    try {
      const ids = await this.addJobs(queue, batch.flatMap((p) => p.encoded), 0);
      batch.forEach((p, i) => p.resolve(ids[i] as string));
    } catch (err) {
      // All or nothing suits enqueueMany, not separate callers: near the cap, let each try on its own.
      if (err instanceof QueueFullError) await Promise.all(batch.map(one));
      else for (const p of batch) p.reject(err);
    }
  }

  async enqueueMany<P>(
    queue: string,
    items: Array<QueueItemInput<P> | { item: QueueItemInput<P>; opts?: EnqueueOptions }>,
  ): Promise<string[]> {
    if (items.length === 0) return [];
    const encoded: string[] = [];
    for (const entry of items) {
      const isWrapped = typeof entry === 'object' && entry !== null && 'item' in entry && !('message' in entry);
      const item = isWrapped ? (entry as { item: QueueItemInput<P> }).item : (entry as QueueItemInput<P>);
      const opts = isWrapped ? ((entry as { opts?: EnqueueOptions }).opts ?? {}) : {};
      encoded.push(...this.encodeEnqueue(item, opts));
    }
    return this.addJobs(queue, encoded, 0);
  }

  // --------------------------------------------------------------- dequeue

  async dequeue<P = unknown>(queue: string, opts: DequeueManyOptions = {}): Promise<LeasedItem<P> | null> {
    const [item] = await this.dequeueMany<P>(queue, 1, opts);
    return item ?? null;
  }

  async dequeueMany<P = unknown>(queue: string, n: number, opts: DequeueManyOptions = {}): Promise<LeasedItem<P>[]> {
    const deadline = Date.now() + (opts.blockMs ?? 0);
    for (;;) {
      let batch: LeaseBatch<P>;
      try {
        batch = await this.lease<P>(queue, n, opts.workerId);
      } catch (err) {
        // A blocking call rides out an outage until its deadline.
        if (!(isConnectionError(err) && Date.now() < deadline && !this.closed)) throw err;
        await waitForReady(this.client, deadline - Date.now());
        continue;
      }
      if (batch.items.length > 0) return batch.items;
      if (batch.quarantined > 0) continue;
      const remaining = deadline - Date.now();
      if (remaining <= 0 || this.closed) return [];
      await this.waitForJobs([queue], batch.nextTimerMs >= 0 ? Math.min(remaining, Math.max(batch.nextTimerMs, 1)) : remaining);
    }
  }

  /**
   * One non-blocking lease of up to n jobs. Also says when the queue's next
   * timer fires (a delayed job falls due or a lease expires), so a caller
   * that found nothing knows how long it may wait. With `start`, the attempts
   * are recorded as started by `workerId` in the same call.
   */
  async lease<P = unknown>(queue: string, n: number, workerId = '', opts: { start?: boolean } = {}): Promise<LeaseBatch<P>> {
    const q = this.keys(queue);
    return this.leaseBatch<P>(q, asArray(await this.script(q, 'dequeue', dequeueArgs(n, workerId, opts.start))));
  }

  private async leaseBatch<P>(q: QueueKeys, reply: ScriptReply[]): Promise<LeaseBatch<P>> {
    if (reply[0] === -1) throw new QueueNotFoundError(q.queue);
    const items = await this.decodeLeased<P>(q, reply);
    const leased = (reply.length - 3) / DEQUEUE_FIELDS;
    return { items, nextTimerMs: Number(reply[1]), paused: reply[0] === 1, more: reply[2] === 1, quarantined: leased - items.length };
  }

  /**
   * `waitForJobs` on one queue with `lease` queued right behind the wait, on
   * the same connection: Redis runs the lease the moment the wait ends (a job
   * came, or `waitMs` passed), so a job enqueued to an idle consumer reaches
   * it with the wake-up instead of a round trip later. Resolves to that lease,
   * empty when the wait was cut short. `signal` cuts it short by dropping the
   * connection, so Redis never runs the lease behind the wait.
   */
  async waitAndLease<P = unknown>(
    queue: string,
    n: number,
    workerId: string,
    waitMs: number,
    opts: { start?: boolean; signal?: AbortSignal } = {},
  ): Promise<LeaseBatch<P>> {
    const args = dequeueArgs(n, workerId, opts.start);
    const q = this.keys(queue);
    const none: LeaseBatch<P> = { items: [], nextTimerMs: -1, paused: false, more: false, quarantined: 0 };
    return this.withBlocker(waitMs, opts.signal, none, async (blocker) => {
      // Two commands back to back in one write, not a pipeline object: this runs once per job on an idle worker.
      const [waited, leased] = inOneWrite(blocker, () => [
        blocker.bzpopmin(q.key('marker'), Math.max(waitMs / 1000, MIN_BLOCK_S)),
        this.scripts.run('dequeue', q.list, [q.jobPrefix, this.options.eventsMaxLen, ...args], blocker),
      ] as const);
      const [w, l] = await Promise.allSettled([waited, leased]);
      if (w.status === 'rejected') {
        if (isConnectionError(w.reason)) throw w.reason;
        // A marker of the wrong type would end every wait at once: set it aside.
        if (/WRONGTYPE/.test(String((w.reason as Error)?.message))) await this.repairQueueKeys(q);
      }
      if (l.status === 'rejected') {
        if (isConnectionError(l.reason)) throw l.reason;
        // A queue key of the wrong type, say: the plain call repairs and retries.
        return this.lease<P>(queue, n, workerId, opts);
      }
      return this.leaseBatch<P>(q, asArray(l.value));
    });
  }

  private async decodeLeased<P>(q: QueueKeys, reply: ScriptReply[]): Promise<LeasedItem<P>[]> {
    const items: LeasedItem<P>[] = [];
    for (let i = 3; i + DEQUEUE_FIELDS <= reply.length; i += DEQUEUE_FIELDS) {
      const id = str(reply[i]);
      const raw = str(reply[i + 1]);
      // Something wrote past the enqueue check (another client, or the limit was lowered): never hand it to a worker.
      const parsed =
        raw.length > this.options.maxPayloadBytes && Buffer.byteLength(raw) > this.options.maxPayloadBytes
          ? { ok: false as const, reason: `message of ${Buffer.byteLength(raw)} bytes exceeds max_payload_bytes (${this.options.maxPayloadBytes})` }
          : parseMessage(raw);
      if (!parsed.ok) {
        await this.script(q, 'quarantine', [id, parsed.reason]);
        this.log(`[conveyor] queue "${q.queue}": job ${id} is malformed (${parsed.reason}); moved to dead, raw value kept`);
        continue;
      }
      const token = str(reply[i + 5]);
      this.leases.set(this.leaseKey(q.queue, id), token);
      const item: LeasedItem<P> = {
        action: { id },
        message: parsed.message as LeasedItem<P>['message'],
        lease: { token, deadline: Number(reply[i + 6]) },
        attempt: Number(reply[i + 2]),
        maxRetries: Number(reply[i + 3]),
      };
      const timeout = str(reply[i + 4]);
      if (timeout !== '') item.timeoutMs = Number(timeout);
      items.push(item);
    }
    return items;
  }

  /**
   * Waits until a job may be there: something was enqueued, retried or
   * resumed in one of the queues, or `waitMs` passed. Blocks on the queues'
   * markers on a connection of its own, so other calls are not held up.
   */
  async waitForJobs(queues: string[], waitMs: number, signal?: AbortSignal): Promise<void> {
    const markers = queues.map((name) => this.keys(name).key('marker'));
    // A cluster refuses a BZPOPMIN across slots: one call per slot's markers, in turns of a short slice.
    const groups = this.cluster ? groupBySlot(markers) : [markers];
    const deadline = Date.now() + waitMs;
    await this.withBlocker(waitMs, signal, undefined, async (blocker) => {
      if (groups.length === 1) {
        await blocker.bzpopmin(...markers, Math.max(waitMs / 1000, MIN_BLOCK_S));
        return;
      }
      for (let i = 0; !this.closed; i = (i + 1) % groups.length) {
        const remainingS = (deadline - Date.now()) / 1000;
        if (remainingS <= 0) return;
        const popped = await blocker.bzpopmin(...(groups[i] as string[]), Math.max(Math.min(remainingS, CLUSTER_BLOCK_SLICE_S), MIN_BLOCK_S));
        if (popped) return;
      }
    });
  }

  /**
   * Runs a blocking call on a connection of its own (kept for the next one).
   * Resolves to `cut` when the connection is not ready within `waitMs`, is
   * lost (after waiting up to `waitMs` for it to come back), or `signal` ends
   * the wait: that drops the connection, and with it whatever it had queued.
   */
  private async withBlocker<T>(waitMs: number, signal: AbortSignal | undefined, cut: T, call: (blocker: Redis) => Promise<T>): Promise<T> {
    if (signal?.aborted) return cut;
    const blocker = this.idleBlockers.pop() ?? this.newClient('conveyor:blocking', { scripts: true });
    let dropped = false;
    const drop = (): void => {
      dropped = true;
      blocker.disconnect();
    };
    signal?.addEventListener('abort', drop, { once: true });
    try {
      if (blocker.status !== 'ready') {
        if (blocker.status === 'wait') blocker.connect().catch(() => undefined);
        if (!(await waitForReady(blocker, waitMs, signal))) return cut;
      }
      return await call(blocker);
    } catch (err) {
      if (dropped) return cut;
      if (!isConnectionError(err)) throw this.mapError(err);
      await waitForReady(blocker, waitMs, signal);
      return cut;
    } finally {
      signal?.removeEventListener('abort', drop);
      if (this.closed || dropped) {
        blocker.disconnect();
        this.allClients.delete(blocker);
      } else {
        this.idleBlockers.push(blocker);
      }
    }
  }

  // ------------------------------------------------------------ processing

  private leaseCodeError(queue: string, id: string, code: number): ConveyorError {
    if (code === -3) return new JobNotFoundError(queue, id);
    return new LeaseLostError(queue, id, 'the lease expired, was re-leased, or belongs to another worker');
  }

  async startProcessing(queue: string, id: string, workerId: string, token?: string): Promise<void> {
    const [r] = await this.startMany(queue, workerId, [{ id, ...(token ? { token } : {}) }]);
    if (r && !r.ok) throw r.error;
  }

  /** Records the start of many attempts in one call; resolves to each attempt number. */
  async startMany(queue: string, workerId: string, refs: LeaseRef[]): Promise<BatchResult<number>[]> {
    if (refs.length === 0) return [];
    const args = refs.flatMap((r) => [r.id, this.tokenFor(queue, r.id, r.token), workerId]);
    const reply = asArray(await this.script(this.keys(queue), 'start', args));
    return refs.map((r, i) => {
      const v = Number(reply[i]);
      return v > 0 ? { id: r.id, ok: true, value: v } : { id: r.id, ok: false, error: this.leaseCodeError(queue, r.id, v) };
    });
  }

  /**
   * Stores progress and log lines of running jobs (batched); updates for jobs
   * whose lease is gone are dropped. Resolves to how many were applied.
   */
  async reportProgress(queue: string, updates: ProgressUpdate[]): Promise<number> {
    if (updates.length === 0) return 0;
    const args: Array<string | number> = [MAX_LOG_LINES];
    for (const u of updates) {
      args.push(u.id, this.tokenFor(queue, u.id, u.token), u.fraction ?? '', u.message ?? '', u.log ?? '');
    }
    return Number(await this.script(this.keys(queue), 'progress', args));
  }

  async extendLease(queue: string, id: string, token?: string): Promise<{ deadline: number; cancelRequested: boolean }> {
    const [result] = await this.extendLeases(queue, [{ id, ...(token ? { token } : {}) }]);
    if (!result || !result.ok) throw result?.error ?? new LeaseLostError(queue, id, 'unknown');
    return result.value;
  }

  /** Heartbeats many leases in one call. */
  async extendLeases(queue: string, refs: LeaseRef[]): Promise<BatchResult<{ deadline: number; cancelRequested: boolean }>[]> {
    if (refs.length === 0) return [];
    const args = refs.flatMap((r) => [r.id, this.tokenFor(queue, r.id, r.token)]);
    const reply = asArray(await this.script(this.keys(queue), 'extendLeases', args));
    return refs.map((r, i) => {
      const deadline = Number(reply[i * 2]);
      if (deadline < 0) {
        this.leases.delete(this.leaseKey(queue, r.id));
        return { id: r.id, ok: false, error: this.leaseCodeError(queue, r.id, deadline) };
      }
      return { id: r.id, ok: true, value: { deadline, cancelRequested: Number(reply[i * 2 + 1]) === 1 } };
    });
  }

  async completeProcessing(queue: string, id: string, result: unknown, token?: string): Promise<void> {
    const [r] = await this.completeMany(queue, [{ id, result, ...(token ? { token } : {}) }]);
    if (r && !r.ok) throw r.error;
  }

  /** Completes many jobs in one call; one job's lost lease does not fail the others. */
  async completeMany(queue: string, jobs: Array<LeaseRef & { result: unknown }>): Promise<BatchResult[]> {
    if (jobs.length === 0) return [];
    const args = jobs.flatMap((j) => [j.id, this.tokenFor(queue, j.id, j.token), encodeResult(j.result)]);
    const reply = asArray(await this.script(this.keys(queue), 'complete', args));
    return jobs.map((j, i) => {
      this.leases.delete(this.leaseKey(queue, j.id));
      const code = Number(reply[i]);
      return code === 1 ? { id: j.id, ok: true, value: true } : { id: j.id, ok: false, error: this.leaseCodeError(queue, j.id, code) };
    });
  }

  async failProcessing(queue: string, id: string, error: unknown, opts: FailOptions = {}): Promise<'delayed' | 'dead' | 'cancelled'> {
    const [r] = await this.failMany(queue, [{ id, error, ...opts }]);
    if (!r) throw new LeaseLostError(queue, id, 'unknown');
    if (!r.ok) throw r.error;
    return r.value === 'waiting' ? 'delayed' : r.value;
  }

  /** Fails many jobs in one call. Each resolves to where the job went. */
  async failMany(
    queue: string,
    jobs: Array<LeaseRef & FailOptions & { error: unknown }>,
  ): Promise<BatchResult<'delayed' | 'waiting' | 'dead' | 'cancelled'>[]> {
    if (jobs.length === 0) return [];
    const args = jobs.flatMap((j) => {
      const e = describeError(j.error);
      return [j.id, this.tokenFor(queue, j.id, j.token), e.message, e.stack, j.retryable === false ? 0 : 1, j.reason ?? 'failed'];
    });
    const reply = asArray(await this.script(this.keys(queue), 'fail', args));
    return jobs.map((j, i) => {
      this.leases.delete(this.leaseKey(queue, j.id));
      const v = reply[i];
      if (typeof v === 'number') return { id: j.id, ok: false, error: this.leaseCodeError(queue, j.id, v) };
      return { id: j.id, ok: true, value: str(v) as 'delayed' | 'waiting' | 'dead' | 'cancelled' };
    });
  }

  async releaseLease(queue: string, id: string, token?: string): Promise<void> {
    const [r] = await this.releaseMany(queue, [{ id, ...(token ? { token } : {}) }]);
    if (r && !r.ok) throw r.error;
  }

  /** Hands many leases back at once; the jobs wait again without spending an attempt. */
  async releaseMany(queue: string, refs: LeaseRef[]): Promise<BatchResult[]> {
    if (refs.length === 0) return [];
    const args = refs.flatMap((r) => [r.id, this.tokenFor(queue, r.id, r.token)]);
    const reply = asArray(await this.script(this.keys(queue), 'release', args));
    return refs.map((r, i) => {
      this.leases.delete(this.leaseKey(queue, r.id));
      const code = Number(reply[i]);
      return code === 1 ? { id: r.id, ok: true, value: true } : { id: r.id, ok: false, error: this.leaseCodeError(queue, r.id, code) };
    });
  }

  async recoverStalled(queue: string): Promise<{ retried: number; dead: number }> {
    const reply = asArray(await this.script(this.keys(queue), 'recoverStalled', [1000]));
    return { retried: Number(reply[0] ?? 0), dead: Number(reply[1] ?? 0) };
  }

  // --------------------------------------------------------------- control

  private async setPaused(queue: string, paused: boolean): Promise<void> {
    const reply = await this.script(this.keys(queue), 'setPaused', [paused ? '1' : '0']);
    if (reply === -1) throw new QueueNotFoundError(queue);
  }

  pause(queue: string): Promise<void> {
    return this.setPaused(queue, true);
  }

  resume(queue: string): Promise<void> {
    return this.setPaused(queue, false);
  }

  private async stateOf(queue: string, id: string): Promise<string> {
    return (await this.io(() => this.client.hget(this.keys(queue).job(id), 'state'))) ?? 'missing';
  }

  async cancel(queue: string, id: string): Promise<'cancelled' | 'cancel_requested'> {
    const reply = await this.script(this.keys(queue), 'cancel', [id]);
    if (reply === -3) throw new JobNotFoundError(queue, id);
    if (reply === -5) throw new InvalidStateError(queue, id, await this.stateOf(queue, id), 'only waiting, delayed or active jobs can be cancelled');
    return str(reply) as 'cancelled' | 'cancel_requested';
  }

  async retry(queue: string, id: string): Promise<void> {
    const reply = await this.script(this.keys(queue), 'retry', [id, '', 0]);
    if (reply === -3) throw new JobNotFoundError(queue, id);
    if (reply === -5) throw new InvalidStateError(queue, id, await this.stateOf(queue, id), 'only dead or cancelled jobs can be retried');
  }

  async retryAll(queue: string, state: 'dead' | 'cancelled'): Promise<number> {
    let total = 0;
    for (;;) {
      const moved = Number(await this.script(this.keys(queue), 'retry', ['', state, 500]));
      total += moved;
      if (moved < 500) return total;
    }
  }

  async remove(queue: string, id: string): Promise<void> {
    const reply = await this.script(this.keys(queue), 'remove', [id]);
    if (reply === -3) throw new JobNotFoundError(queue, id);
    if (reply === -5) throw new InvalidStateError(queue, id, 'active', 'cancel it first, then remove it');
    this.leases.delete(this.leaseKey(queue, id));
  }

  async drain(queue: string): Promise<number> {
    let total = 0;
    for (;;) {
      const removed = Number(await this.script(this.keys(queue), 'drain', [1000]));
      total += removed;
      if (removed < 1000) return total;
    }
  }

  // ----------------------------------------------------------------- reads

  async getJob<P = unknown>(queue: string, id: string): Promise<JobRecord<P> | null> {
    const q = this.keys(queue);
    const [hash, logs] = await this.io(async () => {
      const res = (await this.client.pipeline().hgetall(q.job(id)).lrange(q.logs(id), 0, -1).exec()) ?? [];
      const [hashErr, hashVal] = res[0] ?? [null, {}];
      if (hashErr) {
        // Not a hash: report it as malformed rather than failing the read.
        return [{ state: 'dead', why: 'malformed', err: `job key is not a hash: ${hashErr.message}` }, []] as const;
      }
      return [hashVal as Record<string, string>, (res[1]?.[1] as string[] | undefined) ?? []] as const;
    });
    return decodeJob(queue, id, { ...hash }, [...logs]) as JobRecord<P> | null;
  }

  private async getJobs<P>(queue: string, ids: string[]): Promise<JobRecord<P>[]> {
    if (ids.length === 0) return [];
    const q = this.keys(queue);
    const res = await this.io(async () => {
      const pipe = this.client.pipeline();
      for (const id of ids) pipe.hgetall(q.job(id));
      return (await pipe.exec()) ?? [];
    });
    const jobs: JobRecord<P>[] = [];
    ids.forEach((id, i) => {
      const [err, hash] = res[i] ?? [null, {}];
      const job = err ? null : decodeJob(queue, id, hash as Record<string, string>);
      if (job) jobs.push(job as JobRecord<P>);
    });
    return jobs;
  }

  async listJobs<P = unknown>(queue: string, state: JobState, opts: { cursor?: string; limit?: number } = {}): Promise<JobPage<P>> {
    if (!(JOB_STATES as readonly string[]).includes(state)) {
      throw new ConveyorError(ErrorCode.ItemInvalid, `unknown state "${state}"; one of ${JOB_STATES.join(', ')}`);
    }
    const q = this.keys(queue);
    const limit = Math.min(Math.max(opts.limit ?? 50, 1), 1000);
    const offset = Math.max(Number(opts.cursor ?? 0) || 0, 0);
    const key = q.key(state === 'waiting' ? 'wait' : state);
    const newestFirst = state === 'completed' || state === 'dead' || state === 'cancelled';
    const ids = await this.io(() =>
      newestFirst ? this.client.zrevrange(key, offset, offset + limit) : this.client.zrange(key, offset, offset + limit),
    );
    const page: JobPage<P> = { jobs: await this.getJobs<P>(queue, ids.slice(0, limit)) };
    if (ids.length > limit) page.cursor = String(offset + limit);
    return page;
  }

  async counts(queue: string): Promise<QueueCounts> {
    const q = this.keys(queue);
    const res = await this.io(async () => {
      const pipe = this.client.pipeline();
      for (const t of ['wait', 'delayed', 'active', 'completed', 'dead', 'cancelled'] as const) pipe.zcard(q.key(t));
      pipe.hget(q.key('meta'), 'paused');
      return (await pipe.exec()) ?? [];
    });
    const n = (i: number): number => (res[i]?.[0] ? 0 : Number(res[i]?.[1] ?? 0));
    const paused = res[6]?.[1] === '1';
    return {
      waiting: paused ? 0 : n(0),
      delayed: n(1),
      active: n(2),
      completed: n(3),
      dead: n(4),
      cancelled: n(5),
      paused: paused ? n(0) : 0,
    };
  }

  /** Case-insensitive substring search over id, agent, payload and error text; newest states first. */
  async search<P = unknown>(queue: string, text: string, opts: { limit?: number } = {}): Promise<JobRecord<P>[]> {
    const q = this.keys(queue);
    const needle = text.toLowerCase();
    const limit = opts.limit ?? 100;
    const found: string[] = [];
    const SCAN_PER_STATE = 10_000;
    for (const t of ['active', 'wait', 'delayed', 'dead', 'completed', 'cancelled'] as const) {
      const ids = await this.io(() => this.client.zrevrange(q.key(t), 0, SCAN_PER_STATE - 1));
      for (let i = 0; i < ids.length && found.length < limit; i += 500) {
        const chunk = ids.slice(i, i + 500);
        const res = await this.io(async () => {
          const pipe = this.client.pipeline();
          for (const id of chunk) pipe.hmget(q.job(id), 'agent', 'msg', 'src', 'dst', 'pl', 'err');
          return (await pipe.exec()) ?? [];
        });
        chunk.forEach((id, j) => {
          const fields = (res[j]?.[1] as Array<string | null> | undefined) ?? [];
          const haystack = [id, ...fields].filter(Boolean).join('\n').toLowerCase();
          if (found.length < limit && haystack.includes(needle)) found.push(id);
        });
      }
      if (found.length >= limit) break;
    }
    return this.getJobs<P>(queue, found);
  }

  /** Every worker process whose registry entry has not expired. */
  listWorkers(): Promise<WorkerInfo[]> {
    return this.io(() => this.workers.list());
  }

  // ---------------------------------------------------------------- events

  async *events(queues: string[], opts: EventsOptions = {}): AsyncIterableIterator<JobEvent[]> {
    const groups = this.cluster ? groupBySlot(queues, (name) => this.keys(name).key('events')) : [queues];
    if (groups.length <= 1) {
      yield* this.tailQueues(queues, opts);
      return;
    }
    // A cluster refuses an XREAD across slots: one tail (and connection) per slot, merged.
    const inner = new AbortController();
    const onAbort = (): void => inner.abort();
    if (opts.signal?.aborted) inner.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      yield* mergeIterators(
        groups.map((group) => this.tailQueues(group, { ...opts, signal: inner.signal })),
        () => inner.abort(),
      );
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      inner.abort();
    }
  }

  /** Tails the event streams of queues that one XREAD may read together. */
  private async *tailQueues(queues: string[], opts: EventsOptions): AsyncGenerator<JobEvent[]> {
    const streams = new Map(queues.map((name) => [this.keys(name).key('events'), name] as const));
    const client = this.newClient('conveyor:events');
    client.connect().catch(() => undefined);
    // Ends a blocked XREAD at once rather than at its next timeout.
    const onAbort = (): void => client.disconnect();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const fromIds = new Map<string, string>();
      for (const [key, name] of streams) {
        const wanted = typeof opts.fromId === 'string' ? opts.fromId : (opts.fromId?.[name] ?? '$');
        // '$' is pinned to a concrete id now, so a reconnect cannot skip what came meanwhile.
        fromIds.set(key, wanted === '$' ? await this.lastEventId(client, key, opts.signal) : wanted);
      }
      yield* tailStreams(client, { streams, fromIds, batch: opts.batch ?? 500, blockMs: 1000, signal: opts.signal });
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      this.allClients.delete(client);
      // Not twice: ioredis arms a 2 s fallback timer on each disconnect, and one armed after the socket closed is never cleared (it kept `conveyor run` alive 2 s).
      if (client.status !== 'end') client.disconnect();
    }
  }

  private async lastEventId(client: Redis, key: string, signal?: AbortSignal): Promise<string> {
    while (!signal?.aborted && !this.closed) {
      try {
        if (client.status !== 'ready') await waitForReady(client, 1000, signal);
        const last = await client.xrevrange(key, '+', '-', 'COUNT', 1);
        return last[0]?.[0] ?? '0-0';
      } catch {
        await waitForReady(client, 1000, signal);
      }
    }
    return '0-0';
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.allClients) {
      // quit lets replies in flight arrive; blocked and idle side connections just go.
      if (c === this.client && c.status === 'ready') await c.quit().catch(() => c.disconnect());
      else c.disconnect();
    }
    this.allClients.clear();
  }
}
