/**
 * The one table from contract commands to handlers. Its type makes every
 * command in `Commands` need a handler; `CommandDispatcher` is where
 * untrusted calls enter: the name is checked, the arguments validated against
 * the contract's schema, and only then is the handler run.
 */
import type { z } from 'zod';
import {
  commandArgs,
  isCommandName,
  type AgentsList,
  type BulkResult,
  type CommandArgs,
  type CommandName,
  type CommandResult,
  type ConfigSaved,
  type ConfigValidation,
  type ConfigView,
  type ConnectionStatus,
  type MetricsSnapshot,
  type PoolStatus,
  type QueueSummary,
} from '../../src-shared/contract';
import type { ConfigPatch } from '../../src-shared/config-schema';
import { ConveyorError, ErrorCode, toErrorShape } from '../../src-shared/errors';
import { queuedCount, type JobRecord, type QueueInfo } from '../../src-shared/job';
import { isConnectionError } from '../queue/redis-client';
import { historyHandlers } from './history';
import { limitsHandlers } from './limits';
import type { RedisQueueAdapter } from '../queue/redis-queue-adapter';
import { agentOf, collectIds, listByAgent } from './job-filter';
import { scheduleHandlers } from './schedules';
import { flowHandlers } from './flows';

export type Handler<C extends CommandName> = (args: CommandArgs<C>) => Promise<CommandResult<C>>;

/** Every command, and only commands, with its handler. */
export type HandlerTable = { [C in CommandName]: Handler<C> };

/** What the handlers need from the core. */
export interface HandlerContext {
  /** The connected adapter; throws REDIS_UNAVAILABLE while there is none. */
  adapter(): RedisQueueAdapter;
  connection(): ConnectionStatus;
  /** A queue was created here: the event tail should follow it before the call returns. */
  queueCreated(name: string): Promise<void>;
  poolStatus(): PoolStatus;
  poolResize(size: { threads?: number; concurrency?: number }): PoolStatus;
  configView(): Promise<ConfigView>;
  configValidate(text: string): Promise<ConfigValidation>;
  configSave(change: { text: string } | { patch: ConfigPatch }): Promise<ConfigSaved>;
  agents(): Promise<AgentsList>;
  metrics(): MetricsSnapshot;
}

export function queueSummary(info: QueueInfo): QueueSummary {
  const depth = queuedCount(info.counts) + info.counts.delayed;
  return { name: info.name, paused: info.paused, counts: info.counts, options: info.options, depth, full: depth >= info.options.maxLength };
}

/** Bulk calls run this many at a time (ioredis pipelines them). */
const BULK_PARALLEL = 32;

/**
 * Runs `op` for every id; each id's outcome is reported on its own. Redis
 * going away fails the whole call: the ids not reached would all fail alike.
 */
export async function bulk(ids: readonly string[], op: (id: string) => Promise<unknown>): Promise<BulkResult> {
  const outcomes: Array<{ ok: true } | { ok: false; error: unknown }> = new Array(ids.length);
  let next = 0;
  let fatal: unknown;
  const worker = async (): Promise<void> => {
    while (next < ids.length && fatal === undefined) {
      const i = next++;
      try {
        await op(ids[i] as string);
        outcomes[i] = { ok: true };
      } catch (err) {
        if (isConnectionError(err)) fatal ??= err;
        outcomes[i] = { ok: false, error: err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(BULK_PARALLEL, ids.length) }, worker));
  if (fatal !== undefined) throw fatal;
  const result: BulkResult = { ok: [], failed: [] };
  ids.forEach((id, i) => {
    const o = outcomes[i];
    if (o?.ok) result.ok.push(id);
    else result.failed.push({ id, error: toErrorShape(o?.error) });
  });
  return result;
}

export function createHandlerTable(ctx: HandlerContext): HandlerTable {
  const summary = async (name: string): Promise<QueueSummary> => queueSummary(await ctx.adapter().getQueueInfo(name));
  return {
    'connection.status': async () => ctx.connection(),

    'queues.list': async () => {
      const adapter = ctx.adapter();
      const names = await adapter.listQueues();
      const infos = await Promise.all(
        names.map((n) =>
          adapter.getQueueInfo(n).catch((err: unknown) => {
            // Listed but gone (deleted meanwhile): leave it out.
            if (err instanceof ConveyorError && err.code === ErrorCode.QueueNotFound) return undefined;
            throw err;
          }),
        ),
      );
      return infos.filter((i): i is QueueInfo => i !== undefined).map(queueSummary);
    },
    'queues.create': async ({ name, options }) => {
      const info = await ctx.adapter().createQueue(name, options);
      await ctx.queueCreated(name);
      return queueSummary(info);
    },
    'queues.pause': async ({ queue }) => {
      await ctx.adapter().pause(queue);
      return summary(queue);
    },
    'queues.resume': async ({ queue }) => {
      await ctx.adapter().resume(queue);
      return summary(queue);
    },
    'queues.drain': async ({ queue }) => ({ removed: await ctx.adapter().drain(queue) }),

    'jobs.enqueue': async ({ queue, item, options }) => ({ id: await ctx.adapter().enqueue(queue, item, options ?? {}) }),
    'jobs.enqueueMany': async ({ queue, items }) => ({
      ids: await ctx.adapter().enqueueMany(
        queue,
        items.map(({ item, options }) => ({ item, opts: options ?? {} })),
      ),
    }),
    'jobs.list': async ({ queue, state, agent, cursor, limit }) => {
      const from = cursor === undefined ? {} : { cursor };
      if (agent === undefined) return ctx.adapter().listJobs(queue, state, { ...from, ...(limit === undefined ? {} : { limit }) });
      const { jobs, cursor: next } = await listByAgent(ctx.adapter(), queue, state, agent, { ...from, limit: limit ?? 50 });
      return next === undefined ? { jobs } : { jobs, cursor: next };
    },
    'jobs.get': async ({ queue, id }) => ctx.adapter().getJob(queue, id),
    'jobs.search': async ({ queue, text, agent, limit }) => {
      if (agent === undefined) return ctx.adapter().search(queue, text, limit === undefined ? {} : { limit });
      // The adapter's search is bounded on its own: ask for its most, keep the agent's.
      const found = await ctx.adapter().search(queue, text, { limit: 1000 });
      return found.filter((j) => agentOf(j) === agent).slice(0, limit ?? 100);
    },
    'jobs.retry': async ({ queue, ids }) => {
      const adapter = ctx.adapter();
      return bulk(ids, (id) => adapter.retry(queue, id));
    },
    'jobs.retryAll': async ({ queue, state }) => ({ moved: await ctx.adapter().retryAll(queue, state) }),
    'jobs.cancel': async ({ queue, ids }) => {
      const adapter = ctx.adapter();
      return bulk(ids, (id) => adapter.cancel(queue, id));
    },
    'jobs.remove': async ({ queue, ids }) => {
      const adapter = ctx.adapter();
      return bulk(ids, (id) => adapter.remove(queue, id));
    },
    'jobs.ids': async ({ queue, state, agent, cursor }) =>
      collectIds(ctx.adapter(), queue, state, { ...(agent === undefined ? {} : { agent }), ...(cursor === undefined ? {} : { cursor }) }),
    'jobs.getMany': async ({ queue, ids }) => {
      const adapter = ctx.adapter();
      const records = await Promise.all(ids.map((id) => adapter.getJob(queue, id)));
      return records.filter((r): r is JobRecord => r !== null);
    },
    'jobs.promote': async ({ queue, id }) => ctx.adapter().promote(queue, id),

    'workers.list': async () => ctx.adapter().listWorkers(),
    'pool.status': async () => ctx.poolStatus(),
    'pool.resize': async (size) => ctx.poolResize(size),

    'config.get': () => ctx.configView(),
    'config.validate': ({ text }) => ctx.configValidate(text),
    'config.save': (change) => ctx.configSave(change),

    'agents.list': () => ctx.agents(),
    'metrics.snapshot': async () => ctx.metrics(),
    ...scheduleHandlers(ctx),
    ...flowHandlers(ctx),
    ...historyHandlers(ctx),
    ...limitsHandlers(ctx),
  };
}

/** The zod issues of a failed parse as `{path, message}`, paths dotted (`items.0.item`). */
function issuesOf(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

export class CommandDispatcher {
  constructor(private readonly table: HandlerTable) {}

  /** A typed call; the arguments are still validated (they may come from anywhere at run time). */
  call<C extends CommandName>(command: C, args: CommandArgs<C>): Promise<CommandResult<C>> {
    return this.callUntrusted(command, args) as Promise<CommandResult<C>>;
  }

  /** Unknown name → UNKNOWN_COMMAND; arguments not matching the contract → INVALID_ARGS with the issues. */
  async callUntrusted(command: string, args: unknown): Promise<unknown> {
    if (!isCommandName(command)) {
      throw new ConveyorError(ErrorCode.UnknownCommand, `unknown command ${JSON.stringify(String(command).slice(0, 100))}`, {
        command: String(command).slice(0, 100),
      });
    }
    // JSON transports cannot send `undefined`; a command without arguments may get null.
    const parsed = commandArgs[command].safeParse(args === null ? undefined : args);
    if (!parsed.success) {
      const issues = issuesOf(parsed.error);
      const summary = issues
        .slice(0, 5)
        .map((i) => (i.path ? `${i.path}: ${i.message}` : i.message))
        .join('; ');
      throw new ConveyorError(ErrorCode.InvalidArgs, `invalid arguments for "${command}": ${summary}`, { command, issues });
    }
    const handler = this.table[command] as (args: unknown) => Promise<unknown>;
    return handler(parsed.data);
  }
}
