import type { Redis } from 'ioredis';
import { LeaseLostError } from '../../src-shared/errors';
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
  ReleaseReason,
} from '../../src-shared/job';
import type { WorkerInfo } from '../../src-shared/worker';
import { type BatchResult, Acknowledgements, type LeaseRef, type ProgressUpdate, type ReleaseRef } from './acknowledgements';
import { Limits } from '../limits/limits';
import { Admin } from './admin';
import { planDurability } from './durability';
import { EnqueueCoalescer } from './enqueue-coalescer';
import { EventTail } from './event-tail';
import type { LeaseBatch } from './lease-decoding';
import { type DequeueManyOptions, Leasing } from './leasing';
import type { EventsOptions, QueuePort } from './port';
import { QueueContext, type RedisQueueAdapterOptions } from './queue-context';
import { Reads } from './reads';
import { connectClient } from './redis-client';
import { WorkerRegistry } from './worker-registry';
import { FlowEngine } from '../flows/flow-engine';
import { type HistoryOptions, type MetricsHistory, readMetricsHistory } from '../observability/history';

export type { BatchResult, LeaseRef, ProgressUpdate, ReleaseRef } from './acknowledgements';
export type { LeaseBatch } from './lease-decoding';
export type { DequeueManyOptions } from './leasing';
export type { RedisQueueAdapterOptions } from './queue-context';
export { MAX_COALESCED } from './enqueue-coalescer';

/**
 * The queue port on Redis, as a thin facade over its parts: connections and
 * blocking waits (connections.ts), enqueue coalescing (enqueue-coalescer.ts),
 * leasing and lease decoding (leasing.ts, lease-decoding.ts), acknowledgements
 * (acknowledgements.ts), reads and search (reads.ts), events (event-tail.ts),
 * key repair (key-repair.ts) and the operator's verbs (admin.ts). Every state
 * change is one Lua script that also appends the lifecycle event. Commands
 * fail fast with RedisUnavailableError while Redis is down; blocking dequeues
 * and event iterators wait out an outage and resume.
 */
export class RedisQueueAdapter implements QueuePort {
  private readonly ctx: QueueContext;
  private readonly enqueuer: EnqueueCoalescer;
  private readonly leasing: Leasing;
  private readonly acks: Acknowledgements;
  private readonly reads: Reads;
  private readonly admin: Admin;
  private readonly tail: EventTail;
  /** Flows: trees of jobs across queues (src-main/flows, README "Flows"). */
  readonly flows: FlowEngine;
  /** Worker processes announce themselves here; `listWorkers` reads it. */
  readonly workers: WorkerRegistry;
  /** Rate, concurrency and points limits of each queue and its groups (issue #18). */
  readonly limits: Limits;

  private constructor(options: RedisQueueAdapterOptions) {
    this.ctx = new QueueContext(options);
    this.enqueuer = new EnqueueCoalescer(this.ctx);
    this.leasing = new Leasing(this.ctx);
    this.acks = new Acknowledgements(this.ctx);
    this.reads = new Reads(this.ctx);
    this.admin = new Admin(this.ctx, this.reads);
    this.tail = new EventTail(this.ctx);
    this.flows = new FlowEngine(this.ctx, this.enqueuer);
    this.limits = new Limits(this.ctx);
    this.workers = new WorkerRegistry(this.ctx.conn.client, options.keyPrefix, this.ctx.log, (err) => this.ctx.conn.mapError(err));
  }

  /**
   * Creates an adapter once Redis answers. A refused connection fails at once;
   * with `patient`, it keeps trying until `connection_timeout`.
   */
  static async connect(options: RedisQueueAdapterOptions, opts: { patient?: boolean } = {}): Promise<RedisQueueAdapter> {
    const adapter = new RedisQueueAdapter(options);
    const { ctx } = adapter;
    try {
      await connectClient(ctx.conn.client, options.connection, opts.patient ?? false);
      await ctx.runner.load();
      adapter.enqueuer.durability = await planDurability(
        ctx.conn.client,
        ctx.conn.cluster,
        {
          waitForFsync: options.waitForFsync === true,
          fsyncTimeoutMs: options.connection.connectTimeoutMs,
          replicas: options.waitForReplicas?.count ?? 0,
          replicaTimeoutMs: options.waitForReplicas?.timeoutMs ?? 0,
        },
        ctx.log,
      );
    } catch (err) {
      await adapter.close();
      throw err;
    }
    return adapter;
  }

  get keyPrefix(): string {
    return this.ctx.options.keyPrefix;
  }

  /** Talking to a Redis Cluster: multi-key commands are split per slot. */
  get cluster(): boolean {
    return this.ctx.conn.cluster;
  }

  /** The events stream cap (`queue.events_max_len`), for scripts kept beside the adapter (schedules). */
  get eventsMaxLen(): number {
    return this.ctx.options.eventsMaxLen;
  }

  /** Whether the command connection is up right now. */
  get connected(): boolean {
    return this.ctx.conn.client.status === 'ready';
  }

  /**
   * The main connection, for modules beside the adapter that keep their own keys (worker registry).
   * On a cluster it is an ioredis `Cluster` (see `cluster`): keep multi-key commands to one slot.
   */
  get redis(): Redis {
    return this.ctx.conn.client;
  }

  /** Renames queue keys of the wrong Redis type to `<key>:malformed:<ms>` so the queue keeps moving. */
  repairQueueKeys(queue: string): Promise<string[]> {
    return this.ctx.repair.repairQueueKeys(this.ctx.keys(queue));
  }

  /** The token this adapter holds for a job's lease; refused (LEASE_LOST) when it holds none. */
  private heldToken(queue: string, id: string, token?: string): string {
    const held = token ?? this.ctx.tokens.get(queue, id);
    if (held === undefined || held === '')
      throw new LeaseLostError(queue, id, 'this adapter holds no lease on it (never leased here, already acknowledged, or lost)');
    return held;
  }

  // ---------------------------------------------------------------- queues

  createQueue(name: string, options: Partial<QueueOptions> = {}): Promise<QueueInfo> {
    return this.admin.createQueue(name, options);
  }

  listQueues(): Promise<string[]> {
    return this.admin.listQueues();
  }

  getQueueInfo(name: string): Promise<QueueInfo> {
    return this.admin.getQueueInfo(name);
  }

  deleteQueue(name: string): Promise<void> {
    return this.admin.deleteQueue(name);
  }

  // --------------------------------------------------------------- enqueue

  enqueue<P>(queue: string, item: QueueItemInput<P>, opts: EnqueueOptions = {}): Promise<string> {
    return this.enqueuer.enqueue(queue, item, opts);
  }

  enqueueMany<P>(queue: string, items: Array<QueueItemInput<P> | { item: QueueItemInput<P>; opts?: EnqueueOptions }>): Promise<string[]> {
    return this.enqueuer.enqueueMany(queue, items);
  }

  // --------------------------------------------------------------- leasing

  async dequeue<P = unknown>(queue: string, opts: DequeueManyOptions = {}): Promise<LeasedItem<P> | null> {
    const [item] = await this.leasing.dequeueMany<P>(queue, 1, opts);
    return item ?? null;
  }

  dequeueMany<P = unknown>(queue: string, n: number, opts: DequeueManyOptions = {}): Promise<LeasedItem<P>[]> {
    return this.leasing.dequeueMany<P>(queue, n, opts);
  }

  lease<P = unknown>(queue: string, n: number, workerId = '', opts: { start?: boolean } = {}): Promise<LeaseBatch<P>> {
    return this.leasing.lease<P>(queue, n, workerId, opts);
  }

  waitAndLease<P = unknown>(
    queue: string,
    n: number,
    workerId: string,
    waitMs: number,
    opts: { start?: boolean; signal?: AbortSignal } = {},
  ): Promise<LeaseBatch<P>> {
    return this.leasing.waitAndLease<P>(queue, n, workerId, waitMs, opts);
  }

  waitForJobs(queues: string[], waitMs: number, signal?: AbortSignal): Promise<void> {
    return this.leasing.waitForJobs(queues, waitMs, signal);
  }

  // ------------------------------------------------------- acknowledgements
  // The single-job verbs without a token act for the lease this adapter holds (see heldToken).

  async startProcessing(queue: string, id: string, workerId: string, token?: string): Promise<void> {
    const [r] = await this.acks.startMany(queue, workerId, [{ id, token: this.heldToken(queue, id, token) }]);
    if (r && !r.ok) throw r.error;
  }

  startMany(queue: string, workerId: string, refs: LeaseRef[]): Promise<BatchResult<number>[]> {
    return this.acks.startMany(queue, workerId, refs);
  }

  async extendLease(queue: string, id: string, token?: string): Promise<{ deadline: number; cancelRequested: boolean }> {
    const [r] = await this.acks.extendLeases(queue, [{ id, token: this.heldToken(queue, id, token) }]);
    if (!r || !r.ok) throw r?.error ?? new LeaseLostError(queue, id, 'unknown');
    return r.value;
  }

  extendLeases(queue: string, refs: LeaseRef[]): Promise<BatchResult<{ deadline: number; cancelRequested: boolean }>[]> {
    return this.acks.extendLeases(queue, refs);
  }

  async completeProcessing(queue: string, id: string, result: unknown, token?: string): Promise<void> {
    const [r] = await this.acks.completeMany(queue, [{ id, token: this.heldToken(queue, id, token), result }]);
    if (r && !r.ok) throw r.error;
  }

  completeMany(queue: string, jobs: Array<LeaseRef & { result: unknown }>): Promise<BatchResult[]> {
    return this.acks.completeMany(queue, jobs);
  }

  async failProcessing(queue: string, id: string, error: unknown, opts: FailOptions = {}): Promise<'delayed' | 'dead' | 'cancelled'> {
    const [r] = await this.acks.failMany(queue, [{ ...opts, id, token: this.heldToken(queue, id, opts.token), error }]);
    if (!r) throw new LeaseLostError(queue, id, 'unknown');
    if (!r.ok) throw r.error;
    return r.value === 'waiting' ? 'delayed' : r.value;
  }

  failMany(
    queue: string,
    jobs: Array<LeaseRef & Omit<FailOptions, 'token'> & { error: unknown }>,
  ): Promise<BatchResult<'delayed' | 'waiting' | 'dead' | 'cancelled'>[]> {
    return this.acks.failMany(queue, jobs);
  }

  async releaseLease(queue: string, id: string, token?: string, reason: ReleaseReason = 'shutdown'): Promise<void> {
    const [r] = await this.acks.releaseMany(queue, [{ id, token: this.heldToken(queue, id, token), reason }]);
    if (r && !r.ok) throw r.error;
  }

  releaseMany(queue: string, refs: ReleaseRef[]): Promise<BatchResult[]> {
    return this.acks.releaseMany(queue, refs);
  }

  reportProgress(queue: string, updates: ProgressUpdate[]): Promise<number> {
    return this.acks.reportProgress(queue, updates);
  }

  // ---------------------------------------------------------- operator verbs

  recoverStalled(queue: string): Promise<{ retried: number; dead: number }> {
    return this.admin.recoverStalled(queue);
  }

  pause(queue: string): Promise<void> {
    return this.admin.pause(queue);
  }

  resume(queue: string): Promise<void> {
    return this.admin.resume(queue);
  }

  cancel(queue: string, id: string): Promise<'cancelled' | 'cancel_requested'> {
    return this.admin.cancel(queue, id);
  }

  retry(queue: string, id: string): Promise<void> {
    return this.admin.retry(queue, id);
  }

  retryAll(queue: string, state: 'dead' | 'cancelled'): Promise<number> {
    return this.admin.retryAll(queue, state);
  }

  /** Moves a delayed job to waiting now (INVALID_STATE if it is not delayed). */
  promote(queue: string, id: string): Promise<void> {
    return this.admin.promote(queue, id);
  }

  remove(queue: string, id: string): Promise<void> {
    return this.admin.remove(queue, id);
  }

  drain(queue: string): Promise<number> {
    return this.admin.drain(queue);
  }

  // ----------------------------------------------------------------- reads

  getJob<P = unknown>(queue: string, id: string): Promise<JobRecord<P> | null> {
    return this.reads.getJob<P>(queue, id);
  }

  listJobs<P = unknown>(queue: string, state: JobState, opts: { cursor?: string; limit?: number } = {}): Promise<JobPage<P>> {
    return this.reads.listJobs<P>(queue, state, opts);
  }

  counts(queue: string): Promise<QueueCounts> {
    return this.reads.counts(queue);
  }

  search<P = unknown>(queue: string, text: string, opts: { limit?: number } = {}): Promise<JobRecord<P>[]> {
    return this.reads.search<P>(queue, text, opts);
  }

  /** Every worker process whose registry entry has not expired. */
  listWorkers(): Promise<WorkerInfo[]> {
    return this.ctx.conn.io(() => this.workers.list());
  }

  /** Throughput and wait/run percentiles from the stored metrics history (observability/history.ts). */
  metricsHistory(queue: string | 'all', opts: HistoryOptions = {}): Promise<MetricsHistory> {
    return this.ctx.conn.io(() => readMetricsHistory(this, queue, opts));
  }

  // ---------------------------------------------------------------- events

  events(queues: string[], opts: EventsOptions = {}): AsyncIterableIterator<JobEvent[]> {
    return this.tail.events(queues, opts);
  }

  close(): Promise<void> {
    this.flows.close();
    return this.ctx.conn.close();
  }
}
