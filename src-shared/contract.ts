import { HISTORY_RANGES, type MetricsHistory } from './metrics-history';
import type { LimitsView } from './limits-schema';
import { z } from 'zod';
import type { AgentInfo, AgentLoadError } from './agent';
import type { ConveyorConfig } from './config-schema';
import type { ConfigIssue, ErrorShape } from './errors';
import type { JobEvent, JobPage, JobRecord, JobState, QueueCounts, QueueItemInput, QueueOptions } from './job';
import { JOB_STATES } from './job';
import { NAME_PATTERN, NAME_RULE } from './names';
import { COMMAND_NAME_LIST, EVENT_NAME_LIST, ipcChannel } from './contract-names';
import { itemInputSchema } from './item-schema';
import { enqueueOptionsSchema, partialQueueOptionsSchema } from './queue-options-schema';
import type { WorkerInfo } from './worker';
import { CATCH_UP_POLICIES, type ScheduleInfo } from './schedule';

/**
 * The one contract between the control core and every front end (Electron IPC,
 * the local web transport, the renderer). Two shapes cross the boundary and
 * only two: `call(command, args) → result` and `listen(event, handler)`.
 * Each command maps to its argument and result types here, with a schema that
 * validates the arguments where they enter the main process.
 */

// ------------------------------------------------------------------ shapes

export interface QueueSummary {
  name: string;
  paused: boolean;
  counts: QueueCounts;
  options: QueueOptions;
  /** waiting + delayed */
  depth: number;
  /** depth ≥ maxLength: enqueue would be refused. */
  full: boolean;
}

export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

export interface ConnectionStatus {
  state: ConnectionState;
  /** Where Redis is, never with a password. */
  target: string;
  /** Why it is not connected. */
  error?: string;
  /** When the state last changed (ms). */
  since: number;
}

export interface Histogram {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Upper bounds (ms) and counts, for charts. */
  buckets: Array<{ le: number; count: number }>;
}

export interface RatePoint {
  /** Second (ms since epoch, floored to the second). */
  t: number;
  completed: number;
  failed: number;
}

export interface QueueMetrics {
  queue: string;
  completedPerSec: number;
  failedPerSec: number;
  depth: number;
  cap: number;
  /** Enqueued → started. */
  waitMs: Histogram;
  /** Started → finished. */
  runMs: Histogram;
  /** One point per second over the window. */
  series: RatePoint[];
}

export interface AgentMetrics {
  agent: string;
  completedPerSec: number;
  failedPerSec: number;
  runMs: Histogram;
}

export interface MetricsSnapshot {
  at: number;
  windowMs: number;
  queues: QueueMetrics[];
  agents: AgentMetrics[];
}

export interface PoolStatus {
  /** Whether this process runs a local pool. */
  running: boolean;
  workerId?: string;
  queues: string[];
  threads: number;
  concurrency: number;
  processed: number;
  failed: number;
  active: number;
}

export interface AgentsList {
  agents: AgentInfo[];
  errors: AgentLoadError[];
}

export interface ConfigView {
  /** The file it was read from (it may not exist yet). */
  path: string;
  /** The YAML as on disk, secrets masked. */
  text: string;
  /** Parsed and defaulted, secrets masked. */
  config: ConveyorConfig;
  warnings: string[];
}

export type ConfigValidation = { ok: true; warnings: string[] } | { ok: false; issues: ConfigIssue[] };

export interface ConfigSaved {
  path: string;
  warnings: string[];
  /** What applying the change did, for people: "reconnected to redis://…", "pool resized to 2×8". */
  applied: string[];
}

/** Shown instead of a secret; a save that sends it back keeps the stored value. */
export const SECRET_MASK = '••••••••';

// ---------------------------------------------------------------- commands

const queueName = z.string().regex(NAME_PATTERN, `use ${NAME_RULE}`);
const jobRef = z.strictObject({ queue: queueName, id: z.string().min(1).max(256) });
const jobRefs = z.strictObject({ queue: queueName, ids: z.array(z.string().min(1).max(256)).max(10_000) });
const jobState = z.enum(JOB_STATES);
const configPatch = z.record(z.string(), z.unknown());
/**
 * The item schema checks at run time that a payload is JSON; its static type is
 * the domain's `QueueItemInput` (payload `unknown`), so callers holding typed
 * payloads need no JSON-typed copy of them.
 */
const itemInput = itemInputSchema as unknown as z.ZodType<QueueItemInput>;

/** An agent name filter (the job's `agent`). */
const agentFilter = z.string().min(1).max(256);

/** Argument schemas; the handler table validates every call with them, and `Commands` takes its argument types from them. */
export const commandArgs = {
  'connection.status': z.void(),
  'queues.list': z.void(),
  'queues.create': z.strictObject({ name: queueName, options: partialQueueOptionsSchema.optional() }),
  'queues.pause': z.strictObject({ queue: queueName }),
  'queues.resume': z.strictObject({ queue: queueName }),
  'queues.drain': z.strictObject({ queue: queueName }),
  'jobs.enqueue': z.strictObject({ queue: queueName, item: itemInput, options: enqueueOptionsSchema.optional() }),
  'jobs.enqueueMany': z.strictObject({
    queue: queueName,
    items: z
      .array(z.strictObject({ item: itemInput, options: enqueueOptionsSchema.optional() }))
      .min(1)
      .max(10_000),
  }),
  'jobs.list': z.strictObject({
    queue: queueName,
    state: jobState,
    /** Only jobs of this agent; the page may then hold fewer than `limit` jobs and still have a cursor (bounded work per call). */
    agent: agentFilter.optional(),
    cursor: z.string().max(32).optional(),
    limit: z.number().int().min(1).max(1000).optional(),
  }),
  'jobs.get': jobRef,
  'jobs.search': z.strictObject({
    queue: queueName,
    text: z.string().min(1).max(500),
    agent: agentFilter.optional(),
    limit: z.number().int().min(1).max(1000).optional(),
  }),
  'jobs.retry': jobRefs,
  'jobs.retryAll': z.strictObject({ queue: queueName, state: z.enum(['dead', 'cancelled']) }),
  'jobs.cancel': jobRefs,
  'jobs.remove': jobRefs,
  /** The ids a filter selects (state, and agent if given), a bounded slice per call: count them first, then act on exactly those. */
  'jobs.ids': z.strictObject({ queue: queueName, state: jobState, agent: agentFilter.optional(), cursor: z.string().max(32).optional() }),
  'jobs.getMany': z.strictObject({ queue: queueName, ids: z.array(z.string().min(1).max(256)).max(500) }),
  'jobs.promote': jobRef,
  'workers.list': z.void(),
  'pool.status': z.void(),
  'pool.resize': z.strictObject({
    threads: z.number().int().min(1).max(256).optional(),
    concurrency: z.number().int().min(1).max(1000).optional(),
  }),
  'config.get': z.void(),
  'config.validate': z.strictObject({ text: z.string().max(1_000_000) }),
  'config.save': z.union([z.strictObject({ text: z.string().max(1_000_000) }), z.strictObject({ patch: configPatch })]),
  'agents.list': z.void(),
  'metrics.snapshot': z.void(),
  // Schedules (src-shared/schedule.ts; the handlers check cron, zone and interval, naming the field).
  'schedules.list': z.void(),
  'schedules.upsert': z.strictObject({
    queue: queueName,
    id: queueName,
    agent: queueName,
    input: z.json().optional(),
    cron: z.string().max(200).optional(),
    tz: z.string().max(100).optional(),
    every: z.union([z.number().int(), z.string().max(50)]).optional(),
    start: z.union([z.number().int(), z.string().max(50)]).optional(),
    end: z.union([z.number().int(), z.string().max(50)]).optional(),
    catchUp: z.enum(CATCH_UP_POLICIES).optional(),
    catchUpLimit: z.number().int().min(1).max(1000).optional(),
    paused: z.boolean().optional(),
    priority: z.number().int().min(-1_000_000).max(1_000_000).optional(),
    maxRetries: z.number().int().min(0).optional(),
    timeoutMs: z.number().int().min(1).optional(),
  }),
  'schedules.remove': z.strictObject({ queue: queueName, id: queueName }),
  'schedules.pause': z.strictObject({ queue: queueName, id: queueName }),
  'schedules.resume': z.strictObject({ queue: queueName, id: queueName }),
  'schedules.runNow': z.strictObject({ queue: queueName, id: queueName }),
  // Flows (#19): the flow tree under a job, with its parent named.
  'flows.tree': jobRef,
  /** Flow parents of a queue: every job waiting for its children, then parents among the first jobs of each other state (bounded per call, with a cursor). */
  'flows.list': z.strictObject({
    queue: queueName,
    cursor: z.string().max(32).optional(),
    limit: z.number().int().min(1).max(200).optional(),
  }),
  // Observability (#21): the stored metrics history.
  'metrics.history': z.strictObject({
    queue: z.union([queueName, z.literal('all')]),
    range: z.enum(HISTORY_RANGES),
    agent: z.string().max(100).optional(),
  }),
  // Limits (issue #18): the spec itself is checked by the limits module, so its error names the field.
  'limits.list': z.strictObject({ queue: queueName }),
  'limits.set': z.strictObject({ queue: queueName, group: z.string().min(1).max(128).optional(), spec: z.record(z.string(), z.unknown()) }),
  'limits.remove': z.strictObject({ queue: queueName, group: z.string().min(1).max(128).optional() }),
} as const;

/** A command's argument type, from its schema (written once, above). */
export type ArgsOf<C extends keyof typeof commandArgs> = z.infer<(typeof commandArgs)[C]>;

/** Per-job outcome of a bulk command. */
export interface BulkResult {
  ok: string[];
  failed: Array<{ id: string; error: ErrorShape }>;
}

/** A slice of the ids a filter selects; `cursor` absent once all are collected. */
export interface IdSlice {
  ids: string[];
  cursor?: string;
  /** Jobs looked at for this slice (more than `ids` when an agent filter skips some). */
  scanned: number;
}

/** Each command's argument and result types. */
export interface Commands {
  'connection.status': { args: ArgsOf<'connection.status'>; result: ConnectionStatus };
  'queues.list': { args: ArgsOf<'queues.list'>; result: QueueSummary[] };
  'queues.create': { args: ArgsOf<'queues.create'>; result: QueueSummary };
  'queues.pause': { args: ArgsOf<'queues.pause'>; result: QueueSummary };
  'queues.resume': { args: ArgsOf<'queues.resume'>; result: QueueSummary };
  'queues.drain': { args: ArgsOf<'queues.drain'>; result: { removed: number } };
  'jobs.enqueue': { args: ArgsOf<'jobs.enqueue'>; result: { id: string } };
  'jobs.enqueueMany': { args: ArgsOf<'jobs.enqueueMany'>; result: { ids: string[] } };
  'jobs.list': { args: ArgsOf<'jobs.list'>; result: JobPage };
  'jobs.get': { args: ArgsOf<'jobs.get'>; result: JobRecord | null };
  'jobs.search': { args: ArgsOf<'jobs.search'>; result: JobRecord[] };
  'jobs.retry': { args: ArgsOf<'jobs.retry'>; result: BulkResult };
  'jobs.retryAll': { args: ArgsOf<'jobs.retryAll'>; result: { moved: number } };
  'jobs.cancel': { args: ArgsOf<'jobs.cancel'>; result: BulkResult };
  'jobs.remove': { args: ArgsOf<'jobs.remove'>; result: BulkResult };
  'jobs.ids': { args: ArgsOf<'jobs.ids'>; result: IdSlice };
  'jobs.getMany': { args: ArgsOf<'jobs.getMany'>; result: JobRecord[] };
  'jobs.promote': { args: ArgsOf<'jobs.promote'>; result: void };
  'workers.list': { args: ArgsOf<'workers.list'>; result: WorkerInfo[] };
  'pool.status': { args: ArgsOf<'pool.status'>; result: PoolStatus };
  'pool.resize': { args: ArgsOf<'pool.resize'>; result: PoolStatus };
  'config.get': { args: ArgsOf<'config.get'>; result: ConfigView };
  'config.validate': { args: ArgsOf<'config.validate'>; result: ConfigValidation };
  'config.save': { args: ArgsOf<'config.save'>; result: ConfigSaved };
  'agents.list': { args: ArgsOf<'agents.list'>; result: AgentsList };
  'metrics.snapshot': { args: ArgsOf<'metrics.snapshot'>; result: MetricsSnapshot };
  'schedules.list': { args: ArgsOf<'schedules.list'>; result: ScheduleInfo[] };
  'schedules.upsert': { args: ArgsOf<'schedules.upsert'>; result: ScheduleInfo };
  'schedules.remove': { args: ArgsOf<'schedules.remove'>; result: { removed: boolean } };
  'schedules.pause': { args: ArgsOf<'schedules.pause'>; result: ScheduleInfo };
  'schedules.resume': { args: ArgsOf<'schedules.resume'>; result: ScheduleInfo };
  'schedules.runNow': { args: ArgsOf<'schedules.runNow'>; result: { id: string } };
  // Flows (#19)
  'flows.tree': { args: ArgsOf<'flows.tree'>; result: FlowTreeView };
  'flows.list': { args: ArgsOf<'flows.list'>; result: FlowPage };
  // Observability (#21).
  'metrics.history': { args: ArgsOf<'metrics.history'>; result: MetricsHistory };
  // Limits (issue #18).
  'limits.list': { args: ArgsOf<'limits.list'>; result: LimitsView };
  'limits.set': { args: ArgsOf<'limits.set'>; result: LimitsView };
  'limits.remove': { args: ArgsOf<'limits.remove'>; result: LimitsView };
}

/** A job's flow tree (src-main/flows/flow-types.ts FlowTree), as the control center shows it. */
export interface FlowTreeView {
  queue: string;
  id: string;
  state?: JobState;
  parent?: { queue: string; id: string };
  outcome?: 'pending' | 'completed' | 'dead' | 'cancelled' | 'removed';
  policy?: 'fail' | 'ignore' | 'continue' | 'remove';
  children: FlowTreeView[];
}

/** How a flow child ended, as its parent recorded it (`pending` until it does). */
export type FlowChildOutcome = NonNullable<FlowTreeView['outcome']>;

/** A flow parent as the Jobs view lists it: its own state, and its children counted by how each ended. */
export interface FlowSummary {
  queue: string;
  id: string;
  state: JobState;
  createdAt: number;
  /** Set when this parent is itself a child of another flow job. */
  parent?: { queue: string; id: string };
  /** How many children it has (across any queues). */
  children: number;
  outcomes: Record<FlowChildOutcome, number>;
}

/** A page of `flows.list`; `cursor` absent once every place a parent is looked for has been looked at. */
export interface FlowPage {
  flows: FlowSummary[];
  cursor?: string;
  /** Jobs looked at for this page. */
  scanned: number;
}

export type CommandName = keyof Commands;
export type CommandArgs<C extends CommandName> = Commands[C]['args'];
export type CommandResult<C extends CommandName> = Commands[C]['result'];

/** Every command name (a plain list in contract-names.ts, so the preload can use it without zod). */
export const COMMAND_NAMES: CommandName[] = [...COMMAND_NAME_LIST];

export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(commandArgs, name);
}

// ------------------------------------------------------------------ events

/** Event channels and what each carries. Job events come in batches. */
export interface Events {
  'jobs.events': JobEvent[];
  'metrics.tick': MetricsSnapshot;
  'connection.changed': ConnectionStatus;
  'pool.changed': PoolStatus;
}

export type EventName = keyof Events;
export const EVENT_NAMES: EventName[] = [...EVENT_NAME_LIST];

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && (EVENT_NAMES as string[]).includes(name);
}

/** What a front end holds: the two shapes, typed by the maps above. */
export interface ConveyorApi {
  call<C extends CommandName>(command: C, ...args: CommandArgs<C> extends void ? [] : [CommandArgs<C>]): Promise<CommandResult<C>>;
  listen<E extends EventName>(event: E, handler: (payload: Events[E]) => void): () => void;
}

// ------------------------------------------------------ web socket framing

/** Client → server frames of the web transport. */
export type ClientFrame =
  | { kind: 'call'; id: number; command: string; args?: unknown }
  | { kind: 'subscribe'; event: string }
  | { kind: 'unsubscribe'; event: string };

/** Server → client frames of the web transport. */
export type ServerFrame =
  | { kind: 'result'; id: number; ok: true; result: unknown }
  | { kind: 'result'; id: number; ok: false; error: ErrorShape }
  | { kind: 'event'; event: EventName; payload: unknown };

/** The preload's bridge: one function per command and one subscribe per event (see src-main/preload). */
export type IpcBridge = {
  [C in CommandName]: (args: CommandArgs<C>) => Promise<{ ok: true; result: CommandResult<C> } | { ok: false; error: ErrorShape }>;
} & {
  subscribe: { [E in EventName]: (handler: (payload: Events[E]) => void) => () => void };
};

/** IPC channel names: one per command, one per event (defined in contract-names.ts). */
export { ipcChannel };

// The zod-free name lists must name exactly the commands and events above.
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const commandListsMatch: SameKeys<(typeof COMMAND_NAME_LIST)[number], CommandName> & SameKeys<keyof typeof commandArgs, CommandName> = true;
const eventListsMatch: SameKeys<(typeof EVENT_NAME_LIST)[number], EventName> = true;
void commandListsMatch;
void eventListsMatch;
