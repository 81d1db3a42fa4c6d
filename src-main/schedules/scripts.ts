import type { Redis } from 'ioredis';
import common from '../queue/lua/common.lua?raw';
import remove from './lua/scheduleRemove-2.lua?raw';
import save from './lua/scheduleSave-4.lua?raw';
import tick from './lua/scheduleTick-8.lua?raw';

/**
 * The schedule scripts (./lua), run with EVALSHA (ioredis reloads them after
 * NOSCRIPT). A schedule changes about once a tick, so they stay out of the
 * queue's function library, and beside it: their keys are the schedule's as
 * well as the queue's. The tick script starts from the queue's common.lua
 * (enqueue helpers, events, key checks) like the queue's own scripts.
 */
const DEFINITIONS = {
  cv_scheduleSave: { numberOfKeys: 4, lua: save },
  cv_scheduleRemove: { numberOfKeys: 2, lua: remove },
  cv_scheduleTick: { numberOfKeys: 8, lua: `${common}\nbind(ARGV)\n${tick}` },
} as const;

export type ScheduleScript = keyof typeof DEFINITIONS;
export type ScheduleReply = string | number | null | ScheduleReply[];
type ScriptFn = (...keysAndArgs: Array<string | number>) => Promise<ScheduleReply>;

const defined = new WeakSet<Redis>();

/** Runs a schedule script on `client`, defining the scripts on it the first time. */
export function runScheduleScript(
  client: Redis,
  name: ScheduleScript,
  keys: string[],
  args: Array<string | number>,
): Promise<ScheduleReply> {
  if (!defined.has(client)) {
    for (const [n, d] of Object.entries(DEFINITIONS)) client.defineCommand(n, d);
    defined.add(client);
  }
  return (client as unknown as Record<ScheduleScript, ScriptFn>)[name](...keys, ...args);
}
