import type { Redis } from 'ioredis';
import common from '../queue/lua/common.lua?raw';
import remove from '../queue/lua/scheduleRemove-2.lua?raw';
import save from '../queue/lua/scheduleSave-4.lua?raw';
import tick from '../queue/lua/scheduleTick-12.lua?raw';
import { NUM_QUEUE_KEYS } from '../queue/scripts';

/**
 * The schedule scripts, run with EVALSHA (ioredis reloads them after
 * NOSCRIPT). A schedule changes about once a tick, so they stay out of the
 * queue's function library; the tick script starts from common.lua's shared
 * pieces (enqueue helpers, events) like the queue's own scripts.
 */
const DEFINITIONS = {
  cv_scheduleSave: { numberOfKeys: 4, lua: save },
  cv_scheduleRemove: { numberOfKeys: 2, lua: remove },
  cv_scheduleTick: { numberOfKeys: NUM_QUEUE_KEYS + 3, lua: `${common}\nbind(KEYS, ARGV)\n${tick}` },
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
