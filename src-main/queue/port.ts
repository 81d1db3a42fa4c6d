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

export interface DequeueOptions {
  /** Block up to this long for a job when the queue is empty (0: return at once). */
  blockMs?: number;
}

export interface EventsOptions {
  /** Resume after this event or stream id ('$' for only the events after this call, '0' for all). Per queue, or one for all. */
  fromId?: string | Record<string, string>;
  signal?: AbortSignal;
  /** Max stream entries per read (an entry may hold the events of many jobs). */
  batch?: number;
}

/**
 * The queue port: what producers, workers and the control core may ask of a
 * queue. `RedisQueueAdapter` implements it; nothing above it knows about Redis.
 *
 * The worker verbs are fenced by the lease's token: `token` when given, else
 * the token this port itself leased for the job. Without one (never leased
 * here, already acknowledged, or seen lost) they are refused with LEASE_LOST;
 * a token is never a wildcard. The operator verbs (cancel, retry, promote,
 * remove, drain, pause, resume) need none.
 */
export interface QueuePort {
  createQueue(name: string, options?: Partial<QueueOptions>): Promise<QueueInfo>;
  listQueues(): Promise<string[]>;
  getQueueInfo(name: string): Promise<QueueInfo>;
  deleteQueue(name: string): Promise<void>;

  enqueue<P>(queue: string, item: QueueItemInput<P>, opts?: EnqueueOptions): Promise<string>;
  enqueueMany<P>(queue: string, items: Array<QueueItemInput<P> | { item: QueueItemInput<P>; opts?: EnqueueOptions }>): Promise<string[]>;

  dequeue<P = unknown>(queue: string, opts?: DequeueOptions): Promise<LeasedItem<P> | null>;
  dequeueMany<P = unknown>(queue: string, n: number, opts?: DequeueOptions): Promise<LeasedItem<P>[]>;

  startProcessing(queue: string, id: string, workerId: string, token?: string): Promise<void>;
  /** Extends the lease; resolves to whether a cancel was requested for the job. */
  extendLease(queue: string, id: string, token?: string): Promise<{ deadline: number; cancelRequested: boolean }>;
  completeProcessing(queue: string, id: string, result: unknown, token?: string): Promise<void>;
  /** Resolves to the job's next state: `delayed` (retry scheduled) or `dead`. */
  failProcessing(queue: string, id: string, error: unknown, opts?: FailOptions): Promise<'delayed' | 'dead' | 'cancelled'>;
  /** Hands a lease back without spending an attempt (graceful shutdown). */
  releaseLease(queue: string, id: string, token?: string, reason?: ReleaseReason): Promise<void>;
  recoverStalled(queue: string): Promise<{ retried: number; dead: number }>;

  pause(queue: string): Promise<void>;
  resume(queue: string): Promise<void>;
  cancel(queue: string, id: string): Promise<'cancelled' | 'cancel_requested'>;
  retry(queue: string, id: string): Promise<void>;
  /** Moves a delayed job to waiting now. */
  promote(queue: string, id: string): Promise<void>;
  retryAll(queue: string, state: 'dead' | 'cancelled'): Promise<number>;
  remove(queue: string, id: string): Promise<void>;
  drain(queue: string): Promise<number>;

  getJob<P = unknown>(queue: string, id: string): Promise<JobRecord<P> | null>;
  listJobs<P = unknown>(queue: string, state: JobState, opts?: { cursor?: string; limit?: number }): Promise<JobPage<P>>;
  counts(queue: string): Promise<QueueCounts>;
  search<P = unknown>(queue: string, text: string, opts?: { limit?: number }): Promise<JobRecord<P>[]>;

  events(queues: string[], opts?: EventsOptions): AsyncIterableIterator<JobEvent[]>;
  listWorkers(): Promise<WorkerInfo[]>;

  close(): Promise<void>;
}
