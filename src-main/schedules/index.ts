/**
 * Schedules: cron or interval, exactly one job per tick however many
 * processes run a scheduler.
 *
 *   import { connectQueue } from 'conveyor/queue';
 *   import { ScheduleStore, startScheduler } from 'conveyor/schedules';
 *   const adapter = await connectQueue();
 *   await new ScheduleStore(adapter).upsert({ queue: 'agents', id: 'digest', cron: '0 9 * * 1-5', tz: 'Europe/Berlin', agent: 'summarizer' });
 *   const scheduler = startScheduler(adapter);
 */
export { ScheduleStore } from './store';
export { startScheduler, type Scheduler, type SchedulerOptions } from './scheduler';
export { ScheduleInvalidError, ScheduleNotFoundError, validateSchedule, parseDuration } from './validate';
export { Timing, planTicks, type TickPlan } from './timing';
export { applyConfigSchedules } from './config-apply';
export * from '../../src-shared/schedule';
