import { ConfigError } from '../../src-shared/errors';
import type { ConveyorConfig, ScheduleConfig } from '../../src-shared/config-schema';
import type { ScheduleInput } from '../../src-shared/schedule';
import type { RedisQueueAdapter } from '../queue/redis-queue-adapter';
import { type Scheduler, startScheduler } from './scheduler';
import { ScheduleStore } from './store';
import { ScheduleInvalidError, validateSchedule } from './validate';

/** A config.yml entry as the library's input. */
export function scheduleInputFromConfig(e: ScheduleConfig): ScheduleInput {
  const input: ScheduleInput = { id: e.id, queue: e.queue, agent: e.agent, input: e.input ?? null };
  if (e.cron !== undefined) input.cron = e.cron;
  if (e.tz !== undefined) input.tz = e.tz;
  if (e.every !== undefined) input.every = e.every;
  if (e.start !== undefined) input.start = e.start;
  if (e.end !== undefined) input.end = e.end;
  if (e.catch_up !== undefined) input.catchUp = e.catch_up;
  if (e.catch_up_limit !== undefined) input.catchUpLimit = e.catch_up_limit;
  if (e.paused !== undefined) input.paused = e.paused;
  if (e.priority !== undefined) input.priority = e.priority;
  if (e.max_retries !== undefined) input.maxRetries = e.max_retries;
  if (e.timeout_ms !== undefined) input.timeoutMs = e.timeout_ms;
  return input;
}

/**
 * Upserts config.yml's `schedules:` (declarative: applying it again, from any
 * number of processes, changes nothing and adds no job). Schedules not in the
 * file are left alone: the CLI and the control center add them too. A bad
 * entry throws a ConfigError naming `schedules[i].<field>`, before any is stored.
 */
export async function applyConfigSchedules(adapter: RedisQueueAdapter, entries: ScheduleConfig[] = [], source?: string): Promise<void> {
  const store = new ScheduleStore(adapter);
  const inputs = entries.map(scheduleInputFromConfig);
  inputs.forEach((input, i) => {
    try {
      validateSchedule(input);
    } catch (err) {
      if (err instanceof ScheduleInvalidError)
        throw new ConfigError(
          [{ path: `schedules[${i}].${configField(err.field)}`, message: err.message.replace(/^invalid schedule: [^:]+: /, '') }],
          source,
        );
      throw err;
    }
  });
  for (const input of inputs) await store.upsert(input);
}

function configField(field: string): string {
  return (
    ({ catchUp: 'catch_up', catchUpLimit: 'catch_up_limit', maxRetries: 'max_retries', timeoutMs: 'timeout_ms' } as Record<string, string>)[
      field
    ] ?? field
  );
}

/** What `conveyor worker` and the control core run: config.yml's schedules applied, then a scheduler. */
export async function startConfiguredScheduler(
  adapter: RedisQueueAdapter,
  config: Pick<ConveyorConfig, 'schedules'>,
  log: (line: string) => void,
  source?: string,
): Promise<Scheduler> {
  try {
    await applyConfigSchedules(adapter, config.schedules, source);
  } catch (err) {
    // The worker still runs its jobs and the schedules already stored; the error says what to fix.
    log(`conveyor: config.yml schedules not applied: ${err instanceof Error ? err.message : String(err)}`);
  }
  return startScheduler(adapter, { log });
}
