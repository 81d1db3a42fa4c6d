/** The control core's schedule commands (`schedules.*`), over the same store the CLI uses. */
import { ScheduleStore } from '../schedules/store';
import type { HandlerContext, HandlerTable } from './handler-table';

type ScheduleCommand = Extract<keyof HandlerTable, `schedules.${string}`>;

export function scheduleHandlers(ctx: Pick<HandlerContext, 'adapter'>): Pick<HandlerTable, ScheduleCommand> {
  const store = (): ScheduleStore => new ScheduleStore(ctx.adapter());
  return {
    'schedules.list': () => store().list(),
    'schedules.upsert': (input) => store().upsert(input),
    'schedules.remove': async ({ queue, id }) => ({ removed: await store().remove(queue, id) }),
    'schedules.pause': ({ queue, id }) => store().pause(queue, id),
    'schedules.resume': ({ queue, id }) => store().resume(queue, id),
    'schedules.runNow': async ({ queue, id }) => ({ id: await store().runNow(queue, id) }),
  };
}
