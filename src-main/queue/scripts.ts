import type { ChainableCommander, Redis } from 'ioredis';
import common from './lua/common.lua?raw';
import cancel from './lua/cancel-9.lua?raw';
import complete from './lua/complete-9.lua?raw';
import dequeue from './lua/dequeue-9.lua?raw';
import drain from './lua/drain-9.lua?raw';
import enqueue from './lua/enqueue-9.lua?raw';
import extendLeases from './lua/extendLeases-9.lua?raw';
import fail from './lua/fail-9.lua?raw';
import progress from './lua/progress-9.lua?raw';
import quarantine from './lua/quarantine-9.lua?raw';
import recoverStalled from './lua/recoverStalled-9.lua?raw';
import release from './lua/release-9.lua?raw';
import remove from './lua/remove-9.lua?raw';
import retry from './lua/retry-9.lua?raw';
import setPaused from './lua/setPaused-9.lua?raw';
import start from './lua/start-9.lua?raw';

/**
 * The Lua scripts, one per state change. Each gets `common.lua` prepended and
 * the nine queue keys (see keys.ts); ioredis sends them by SHA and reloads
 * them when Redis answers NOSCRIPT (after a restart).
 */
const SOURCES = {
  cancel,
  complete,
  dequeue,
  drain,
  enqueue,
  extendLeases,
  fail,
  progress,
  quarantine,
  recoverStalled,
  release,
  remove,
  retry,
  setPaused,
  start,
} as const;

export type ScriptName = keyof typeof SOURCES;
export const NUM_QUEUE_KEYS = 9;

/** What a script may answer: Redis turns Lua tables into arrays, numbers into integers. */
export type ScriptReply = string | number | null | ScriptReply[];

type ScriptFn = (...keysAndArgs: Array<string | number>) => Promise<ScriptReply>;
type ScriptClient = Record<`cv_${ScriptName}`, ScriptFn>;

export function defineScripts(client: Redis): void {
  for (const [name, body] of Object.entries(SOURCES)) {
    client.defineCommand(`cv_${name}`, { numberOfKeys: NUM_QUEUE_KEYS, lua: `${common}\n${body}` });
  }
}

/** Runs a script; `keys` are the queue's keys, `args` follow the job prefix and events cap. */
export function runScript(
  client: Redis,
  name: ScriptName,
  keys: string[],
  args: Array<string | number>,
): Promise<ScriptReply> {
  return (client as unknown as ScriptClient)[`cv_${name}`](...keys, ...args);
}

/** Queues a script call on a pipeline (replies come back from `exec`). */
export function queueScript(
  pipeline: ChainableCommander,
  name: ScriptName,
  keys: string[],
  args: Array<string | number>,
): void {
  (pipeline as unknown as ScriptClient)[`cv_${name}`](...keys, ...args);
}
