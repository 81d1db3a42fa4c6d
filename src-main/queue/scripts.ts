import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import commonSource from './lua/common.lua?raw';
import limits from './lua/limits.lua?raw';
import metrics from './lua/metrics.lua?raw';
import cancel from './lua/cancel-4.lua?raw';
import charge from './lua/charge-2.lua?raw';
import complete from './lua/complete-4.lua?raw';
import dequeue from './lua/dequeue-7.lua?raw';
import drain from './lua/drain-3.lua?raw';
import enqueue from './lua/enqueue-5.lua?raw';
import enqueueOne from './lua/enqueueOne-5.lua?raw';
import extendLeases from './lua/extendLeases-2.lua?raw';
import fail from './lua/fail-8.lua?raw';
import flows from './lua/flows.lua?raw';
import enqueueFlowNode from './lua/enqueueFlowNode-6.lua?raw';
import flowApply from './lua/flowApply-7.lua?raw';
import flowSuspend from './lua/flowSuspend-5.lua?raw';
import flowTrim from './lua/flowTrim-3.lua?raw';
import promote from './lua/promote-5.lua?raw';
import progress from './lua/progress-1.lua?raw';
import quarantine from './lua/quarantine-7.lua?raw';
import recoverStalled from './lua/recoverStalled-7.lua?raw';
import release from './lua/release-5.lua?raw';
import remove from './lua/remove-6.lua?raw';
import retry from './lua/retry-6.lua?raw';
import setLimits from './lua/setLimits-6.lua?raw';
import setPaused from './lua/setPaused-3.lua?raw';
import start from './lua/start-2.lua?raw';
import { QUEUE_KEY_REDIS_TYPE, QUEUE_KEY_TYPES, type QueueKeyType, type QueueKeys } from './keys';
import { isConnectionError, masterNodes } from './redis-client';

/** The shared pieces, with the metrics history's helpers included where common.lua says. */
const common = commonSource.replace('--#include metrics.lua', metrics);

/**
 * The Lua scripts, one per state change, each starting from the shared pieces
 * of `common.lua`. Each declares in its header the queue keys it uses
 * (`KEYS[i] <type>`), and is given exactly those; its file name says how many.
 */
const SOURCES = {
  cancel,
  charge,
  complete,
  dequeue,
  drain,
  enqueue,
  enqueueOne,
  enqueueFlowNode,
  extendLeases,
  fail,
  flowApply,
  flowSuspend,
  flowTrim,
  progress,
  promote,
  quarantine,
  recoverStalled,
  release,
  remove,
  retry,
  setLimits,
  setPaused,
  start,
} as const;

/** The shared pieces: common.lua, flows.lua and limits.lua (issue #18), which fill in what common.lua declares for them. */
const SHARED = `${common}\n${flows}\n${limits}`;

export type ScriptName = keyof typeof SOURCES;

/** The `KEYS[i] <type>` lines of a script's header, in order. */
export function declaredKeys(source: string): QueueKeyType[] {
  const header = source.slice(0, source.indexOf(']]'));
  const keys: QueueKeyType[] = [];
  for (const m of header.matchAll(/KEYS\[(\d+)\] (\w+)/g)) {
    const type = m[2] as QueueKeyType;
    if (Number(m[1]) !== keys.length + 1 || !QUEUE_KEY_TYPES.includes(type)) throw new Error(`bad KEYS declaration: ${m[0]}`);
    keys.push(type);
  }
  return keys;
}

/** The queue keys each script is given, as its header declares them. */
export const SCRIPT_KEYS = Object.fromEntries(Object.entries(SOURCES).map(([name, body]) => [name, declaredKeys(body)])) as Record<
  ScriptName,
  QueueKeyType[]
>;

/** A script's keys for one queue, in its KEYS order. */
export function scriptKeys(name: ScriptName, q: QueueKeys): string[] {
  let byScript = KEYS_MADE.get(q);
  if (!byScript) KEYS_MADE.set(q, (byScript = {}));
  return (byScript[name] ??= SCRIPT_KEYS[name].map((type) => q.key(type)));
}

/** Each queue's script keys, made once (a queue's QueueKeys lives as long as the adapter uses it): every call needs them. */
const KEYS_MADE = new WeakMap<QueueKeys, Partial<Record<ScriptName, string[]>>>();

/**
 * The keys a script's own commands meet before its first write, from its
 * header line `Typed before the first write: meta, wait`: a typed read
 * (HMGET, ZCARD, ...) of a key of the wrong type fails and so does the
 * script, having written nothing, and the adapter finds the key and sets it
 * aside (QueueContext.script); a first write made with redis.pcall answers
 * CONVEYOR_WRONGTYPE itself. Without the line: none.
 */
export function selfCheckedKeys(source: string): QueueKeyType[] {
  const header = source.slice(0, source.indexOf(']]'));
  const line = /Typed before the first write: ([\w, ]+)/.exec(header)?.[1];
  if (!line) return [];
  const declared = declaredKeys(source);
  const keys = line.split(',').map((k) => k.trim() as QueueKeyType);
  for (const k of keys) if (!declared.includes(k)) throw new Error(`bad "Typed before the first write" entry: ${k}`);
  return keys;
}

/** An O(1) read of each key type, which fails with WRONGTYPE on a key of another type (and returns no table to Lua). */
const PROBE: Record<'hash' | 'zset' | 'stream', string> = { hash: 'HLEN', zset: 'ZCARD', stream: 'XLEN' };

/**
 * Every call starts by binding its job prefix and probing, with a typed O(1)
 * read, the keys its header does not say its own commands meet before its
 * first write (common.lua): a key of the wrong type fails the call there,
 * before any write. A probe costs Redis about half a TYPE (no reply table,
 * no comparison in Lua); bench/README.md has the figures.
 */
export function prologue(source: string): string {
  const self = selfCheckedKeys(source);
  const probes = declaredKeys(source)
    .map((type, i) => (self.includes(type) ? '' : `redis.call('${PROBE[QUEUE_KEY_REDIS_TYPE[type]]}', KEYS[${i + 1}])`))
    .filter((probe) => probe !== '');
  return ['bind(ARGV)', ...probes].join('\n');
}

/** Each script's body behind its prologue. */
const BODIES = Object.fromEntries(Object.entries(SOURCES).map(([name, body]) => [name, `${prologue(body)}\n${body}`])) as Record<
  ScriptName,
  string
>;

/** The error reply a script gives, before any write, when one of its keys holds another type. */
export const WRONG_TYPE_REPLY = /CONVEYOR_WRONGTYPE (\S+)/;

/** What a script may answer: Redis turns Lua tables into arrays, numbers into integers. */
export type ScriptReply = string | number | null | ScriptReply[];

type ScriptFn = (...keysAndArgs: Array<string | number>) => Promise<ScriptReply>;
type ScriptClient = Record<`cv_${ScriptName}`, ScriptFn>;

/**
 * Named after its code, so Conveyor versions sharing a server each load their
 * own library and never replace one another's.
 */
export const LIBRARY_NAME = `conveyor_${createHash('sha1').update(SHARED).update(JSON.stringify(BODIES)).digest('hex').slice(0, 12)}`;

/** Each script's function name, made once: every call sends it. */
const FUNCTION_NAMES = Object.fromEntries(Object.keys(SOURCES).map((name) => [name, `${LIBRARY_NAME}_${name}`])) as Record<
  ScriptName,
  string
>;
const functionName = (name: ScriptName): string => FUNCTION_NAMES[name];

/** Every script as a function of one library: the shared pieces run once, when Redis loads it. */
const LIBRARY_SOURCE = [
  `#!lua name=${LIBRARY_NAME}`,
  SHARED,
  ...Object.entries(BODIES).map(
    ([name, body]) => `redis.register_function('${functionName(name as ScriptName)}', function(KEYS, ARGV)\n${body}\nend)`,
  ),
].join('\n');

/**
 * Answers of FUNCTION LOAD from a server that has no functions, will not let
 * this user load them, or is out of memory (scripts may still free some).
 */
const NO_FUNCTIONS = /unknown command|unknown subcommand|NOPERM|no permissions|^OOM/i;

/**
 * Gives a client the scripts as EVALSHA commands (`cv_<name>`), for servers
 * without functions.
 */
export function defineScripts(client: Redis): void {
  for (const [name, body] of Object.entries(BODIES)) {
    client.defineCommand(`cv_${name}`, { numberOfKeys: SCRIPT_KEYS[name as ScriptName].length, lua: `${SHARED}\n${body}` });
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs the scripts on one client. Where the server has functions (Redis 7+),
 * they are the functions of one library, loaded once per server (on every
 * master of a cluster): a call runs its own function only, where EVALSHA
 * first sets up all the shared pieces again (bench/README.md, "Figures
 * behind design choices", has what that costs). A server without
 * functions, or that refuses FUNCTION LOAD to this user, runs each script
 * with EVALSHA, the shared pieces prepended; ioredis reloads those by itself
 * after NOSCRIPT.
 */
export class ScriptRunner {
  private mode: 'function' | 'eval' = 'eval';
  private loading: Promise<void> | undefined;

  constructor(
    private readonly client: Redis,
    private readonly log: (line: string) => void,
  ) {
    defineScripts(client);
  }

  /** Whether calls go to the loaded library (else EVALSHA). */
  private get usesFunctions(): boolean {
    return this.mode === 'function';
  }

  /**
   * Loads the library on every master, unless the server has no functions:
   * then it logs why and keeps to EVALSHA. Rejects on connection errors
   * and on anything else Redis refuses (the library itself being wrong).
   */
  load(): Promise<void> {
    this.loading ??= this.loadLibrary().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async loadLibrary(): Promise<void> {
    try {
      await Promise.all(
        masterNodes(this.client).map((node) =>
          node.function('LOAD', LIBRARY_SOURCE).catch((err: unknown) => {
            // Loaded before (by another process or before a reconnect): the same name is the same code.
            if (!/already exists/i.test(messageOf(err))) throw err;
          }),
        ),
      );
      this.mode = 'function';
    } catch (err) {
      if (isConnectionError(err) || !NO_FUNCTIONS.test(messageOf(err))) throw err;
      this.log(`conveyor: Redis refused FUNCTION LOAD (${messageOf(err)}); running the queue's scripts with EVALSHA instead`);
      this.mode = 'eval';
    }
  }

  /**
   * Runs a script; `keys` are its keys (`scriptKeys`), `args` follow the job prefix
   * and events cap. `client` may be another connection to the same server
   * (given `defineScripts`), to queue the call behind one of its own.
   */
  async run(name: ScriptName, keys: string[], args: Array<string | number>, client = this.client): Promise<ScriptReply> {
    if (this.mode === 'eval') return (client as unknown as ScriptClient)[`cv_${name}`](...keys, ...args);
    try {
      return (await client.fcall(functionName(name), keys.length, ...keys, ...args)) as ScriptReply;
    } catch (err) {
      if (!/function not found/i.test(messageOf(err))) throw err;
      // The server lost its functions (a restart without persistence, FUNCTION FLUSH, a new cluster master): load them again.
      await this.load();
      if (!this.usesFunctions) return this.run(name, keys, args, client);
      return (await client.fcall(functionName(name), keys.length, ...keys, ...args)) as ScriptReply;
    }
  }
}
