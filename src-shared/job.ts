/**
 * Queue items, job states, records and lifecycle events: the data model that
 * producers, workers, the control core and the renderer all speak.
 */

/** Where a message comes from or goes to (a producer, a worker, an agent). */
export interface Location {
  id: string;
  kind?: string;
}

/** Payload of an agent job. Other payloads are any JSON value. */
export interface AgentPayload {
  agent: string;
  input: unknown;
}

export interface Message<P = unknown> {
  source: Location;
  destination: Location;
  payload: P;
}

/** What a producer hands to `enqueue`. `action.id`, when given, is the job id. */
export interface QueueItemInput<P = unknown> {
  action?: { id?: string };
  message: Message<P>;
}

/** What the queue stores and hands back: `action.id` is always the job id. */
export interface QueueItem<P = unknown> {
  action: { id: string };
  message: Message<P>;
}

/** A dequeued item with the lease its holder must present. */
export interface LeasedItem<P = unknown> extends QueueItem<P> {
  lease: Lease;
  attempt: number;
  maxRetries: number;
  timeoutMs?: number;
  /** W3C traceparent of the enqueue's producer span, when one was recording (observability/tracing.ts). */
  traceparent?: string;
}

export interface Lease {
  token: string;
  /** Lease deadline, ms since epoch by the Redis server's clock. */
  deadline: number;
}

export const JOB_STATES = ['waiting', 'delayed', 'active', 'completed', 'dead', 'cancelled', 'waiting-children'] as const;
export type JobState = (typeof JOB_STATES)[number];

export const FINAL_STATES: readonly JobState[] = ['completed', 'dead', 'cancelled'];

export const JOB_EVENT_TYPES = [
  'enqueued',
  'leased',
  'started',
  'progress',
  'log',
  'completed',
  'failed',
  'retrying',
  'stalled',
  'dead',
  'cancelled',
  'cancel_requested',
  'removed',
  'paused',
  'resumed',
  'malformed',
  'drained',
  'promoted',
  // Flows: a parent starts waiting for its children; its children are done and it waits to run.
  'waiting_children',
  'children_done',
] as const;
export type JobEventType = (typeof JOB_EVENT_TYPES)[number];

/** How an attempt ended. */
export type AttemptOutcome =
  | 'completed'
  | 'failed'
  | 'stalled'
  | 'cancelled'
  | 'released'
  | 'crashed'
  | 'out_of_memory'
  | 'timeout'
  // Flows: the job gave its slot back to wait for the children it spawned (not counted against retries).
  | 'suspended';

/** Why a lease was handed back without spending an attempt (outcome `released`). */
export type ReleaseReason = 'shutdown' | 'prefetch_hold' | 'neighbour_killed' | 'outage' | 'rate_limited';
export const RELEASE_REASONS: readonly ReleaseReason[] = ['shutdown', 'prefetch_hold', 'neighbour_killed', 'outage', 'rate_limited'];

export interface Attempt {
  number: number;
  worker?: string;
  leasedAt?: number;
  startedAt?: number;
  /** Last lease extension. */
  heartbeatAt?: number;
  endedAt?: number;
  outcome?: AttemptOutcome;
  error?: string;
  stack?: string;
  /** Outcome `released`: why the lease was handed back. */
  releaseReason?: ReleaseReason;
}

export type BackoffType = 'fixed' | 'exponential';
export interface BackoffOptions {
  type: BackoffType;
  delayMs: number;
  maxDelayMs: number;
}

export interface RetentionRule {
  /** Keep at most this many jobs in the state. */
  count: number;
  /** Drop jobs older than this many seconds. */
  ageS: number;
}
export interface RetentionOptions {
  completed: RetentionRule;
  dead: RetentionRule;
}

export interface QueueOptions {
  maxLength: number;
  maxRetries: number;
  backoff: BackoffOptions;
  leaseMs: number;
  retention: RetentionOptions;
}

export interface QueueInfo {
  name: string;
  options: QueueOptions;
  paused: boolean;
  createdAt: number;
  counts: QueueCounts;
}

export interface QueueCounts {
  waiting: number;
  delayed: number;
  active: number;
  completed: number;
  dead: number;
  cancelled: number;
  /** Jobs that would be waiting but are held because the queue is paused. */
  paused: number;
  /** Flow parents waiting for their children to end (never leased). */
  'waiting-children': number;
}

/** Jobs queued to run: waiting, or held while the queue is paused. The one place that sum is made. */
export function queuedCount(counts: Pick<QueueCounts, 'waiting' | 'paused'>): number {
  return counts.waiting + counts.paused;
}

export interface EnqueueOptions {
  /** Higher runs first; integer in [-1e6, 1e6]. */
  priority?: number;
  delayMs?: number;
  /** Idempotency key: a second enqueue with this id adds nothing and returns it. */
  jobId?: string;
  maxRetries?: number;
  timeoutMs?: number;
  /** When the queue is full, wait up to this long for room instead of failing. */
  waitMs?: number;
  /**
   * The job's group (a tenant, a provider/model key): groups with waiting jobs
   * are served in turn, each under its own limits (`conveyor limit`).
   */
  group?: string;
}

export interface JobRecord<P = unknown> {
  id: string;
  queue: string;
  state: JobState;
  item: QueueItem<P> | null;
  /** The stored item text when it could not be parsed (state `dead`, reason `malformed`). */
  raw?: string;
  agent?: string;
  priority: number;
  createdAt: number;
  runAt?: number;
  finishedAt?: number;
  attempts: Attempt[];
  /** Attempts that count against `maxRetries + 1`: not those before a manual retry, nor handed-back ones. */
  countedAttempts: number;
  maxRetries: number;
  timeoutMs?: number;
  result?: unknown;
  error?: string;
  stack?: string;
  reason?: string;
  progress?: { fraction: number; message?: string };
  logs: LogLine[];
  cancelRequested: boolean;
}

/** A stored log line; lines stored before times were kept have neither `at` nor `attempt`. */
export interface LogLine {
  line: string;
  /** Epoch ms by the Redis clock when the line was stored. */
  at?: number;
  attempt?: number;
}

export interface JobEvent {
  /**
   * Orders events within a queue, and is where a reader resumes (`fromId`): the
   * Redis stream entry id, or `<entry id>#<k>` for the k-th job of an entry
   * that holds one event for many jobs (see src-main/queue/events.ts).
   */
  id: string;
  queue: string;
  type: JobEventType;
  jobId?: string;
  /** On `enqueued`: the agent the job asks for. */
  agent?: string;
  /** Server time in ms. */
  ts: number;
  attempt?: number;
  worker?: string;
  error?: string;
  reason?: string;
  delayMs?: number;
  fraction?: number;
  message?: string;
  /** How many jobs a bulk event (e.g. `drained`) covers. */
  count?: number;
  /** On `retrying` after a release: why the lease was handed back. */
  releaseReason?: ReleaseReason;
}

export interface JobPage<P = unknown> {
  jobs: JobRecord<P>[];
  /** Pass back to get the next page; absent on the last page. */
  cursor?: string;
}

export interface FailOptions {
  /** `false` dead-letters at once, skipping the retry policy. */
  retryable?: boolean;
  /** Why the attempt failed (`error`, `crashed`, `timeout`, …). */
  reason?: AttemptOutcome;
  /** The lease's token; without it, the token the adapter itself leased for the job (never a wildcard). */
  token?: string;
}
