import type {
  CommandArgs,
  CommandName,
  CommandResult,
  ConnectionStatus,
  ConveyorApi,
  EventName,
  Events,
  PoolStatus,
  QueueSummary,
} from '../../../src-shared/contract';
import type { JobEvent, JobRecord, JobState } from '../../../src-shared/job';

type Handler<C extends CommandName> = (args: CommandArgs<C>) => CommandResult<C> | Promise<CommandResult<C>>;

/**
 * A ConveyorApi for store tests: commands answered by per-test handlers
 * (unhandled ones never settle, like a slow server), events pushed with `emit`.
 */
export class FakeApi implements ConveyorApi {
  readonly calls: Array<{ command: CommandName; args: unknown }> = [];
  private readonly handlers = new Map<CommandName, (args: unknown) => unknown>();
  private readonly listeners = new Map<EventName, Set<(payload: never) => void>>();

  on<C extends CommandName>(command: C, handler: Handler<C>): this {
    this.handlers.set(command, handler as (args: unknown) => unknown);
    return this;
  }

  call<C extends CommandName>(command: C, ...args: CommandArgs<C> extends void ? [] : [CommandArgs<C>]): Promise<CommandResult<C>> {
    this.calls.push({ command, args: args[0] });
    const handler = this.handlers.get(command);
    if (!handler) return new Promise(() => undefined);
    try {
      return Promise.resolve(handler(args[0]) as CommandResult<C>);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  listen<E extends EventName>(event: E, handler: (payload: Events[E]) => void): () => void {
    const set = this.listeners.get(event) ?? new Set();
    this.listeners.set(event, set);
    set.add(handler as (payload: never) => void);
    return () => set.delete(handler as (payload: never) => void);
  }

  emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const h of this.listeners.get(event) ?? []) (h as (p: Events[E]) => void)(payload);
  }

  listenerCount(event: EventName): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  callsOf(command: CommandName): unknown[] {
    return this.calls.filter((c) => c.command === command).map((c) => c.args);
  }
}

let eventSeq = 0;
export function ev(queue: string, type: JobEvent['type'], jobId?: string, extra: Partial<JobEvent> = {}): JobEvent {
  eventSeq += 1;
  const e: JobEvent = { id: `${1000 + eventSeq}-0`, queue, type, ts: 1_700_000_000_000 + eventSeq, ...extra };
  if (jobId !== undefined) e.jobId = jobId;
  return e;
}

export function record(queue: string, id: string, state: JobState, extra: Partial<JobRecord> = {}): JobRecord {
  return {
    id,
    queue,
    state,
    item: {
      action: { id },
      message: { source: { id: 'p' }, destination: { id: 'w' }, payload: { agent: 'echo', input: `input of ${id}` } },
    },
    agent: 'echo',
    priority: 0,
    createdAt: 1_700_000_000_000,
    attempts: [],
    countedAttempts: 0,
    maxRetries: 3,
    logs: [],
    cancelRequested: false,
    ...extra,
  };
}

/** Lets pending promise callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/** A queue with nothing in it. */
export const emptyQueue = (name: string): QueueSummary =>
  ({
    name,
    paused: false,
    depth: 0,
    full: false,
    counts: { waiting: 0, delayed: 0, active: 0, completed: 0, dead: 0, cancelled: 0, paused: 0 },
  }) as QueueSummary;
export const STOPPED_POOL: PoolStatus = { running: false, queues: [], threads: 0, concurrency: 0, processed: 0, failed: 0, active: 0 };
export const CONNECTED: ConnectionStatus = { state: 'connected', target: 'redis://x', since: 1 };

/** A FakeApi answering what a bound store reads at start: connected, queues `q` and `r`, no workers, no pool, no agents. */
export function shellApi(): FakeApi {
  return new FakeApi()
    .on('connection.status', () => CONNECTED)
    .on('queues.list', () => [emptyQueue('q'), emptyQueue('r')])
    .on('workers.list', () => [])
    .on('pool.status', () => STOPPED_POOL)
    .on('agents.list', () => ({ agents: [], errors: [] }));
}
