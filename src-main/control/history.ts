/**
 * The control center's `metrics.history` (observability #21): throughput and
 * wait/run percentiles from the history the scripts keep in Redis, so it
 * covers every process's work and survives restarts.
 */
import type { CommandArgs, CommandResult } from '../../src-shared/contract';
import type { RedisQueueAdapter } from '../queue/redis-queue-adapter';

export function historyHandlers(ctx: { adapter(): RedisQueueAdapter }): {
  'metrics.history': (args: CommandArgs<'metrics.history'>) => Promise<CommandResult<'metrics.history'>>;
} {
  return {
    'metrics.history': ({ queue, range, agent }) =>
      ctx.adapter().metricsHistory(queue, { range, ...(agent === undefined ? {} : { agent }) }),
  };
}
