import { ConveyorError, ErrorCode } from '../../src-shared/errors';
import { NAME_PATTERN, NAME_RULE } from '../../src-shared/names';

/**
 * Every Redis key Conveyor uses is named here. All keys of one queue share the
 * hash tag `{<queue>}`, so each Lua script touches a single Cluster slot.
 */

/** Every key of a queue; each script declares the ones it uses, in its own order (see lua/common.lua, scripts.ts). */
export const QUEUE_KEY_TYPES = [
  'meta',
  'wait',
  'delayed',
  'active',
  'completed',
  'dead',
  'cancelled',
  'marker',
  'events',
  // Flows (src-main/flows): parents waiting for their children, and the cross-slot outbox.
  'waitchildren',
  'outbox',
  // Limits and fair groups (issue #18, lua/limits.lua); each group's waiting set is `gw:<group>`.
  'limits',
  'lstate',
  'groups',
  'gblocked',
] as const;
export type QueueKeyType = (typeof QUEUE_KEY_TYPES)[number];

/** The Redis type each queue key must hold. */
export const QUEUE_KEY_REDIS_TYPE: Record<QueueKeyType, 'hash' | 'zset' | 'stream'> = {
  meta: 'hash',
  wait: 'zset',
  delayed: 'zset',
  active: 'zset',
  completed: 'zset',
  dead: 'zset',
  cancelled: 'zset',
  marker: 'zset',
  events: 'stream',
  // Flows (src-main/flows): parents waiting for their children, and the cross-slot outbox.
  waitchildren: 'zset',
  outbox: 'zset',
  // Limits and fair groups (issue #18).
  limits: 'hash',
  lstate: 'hash',
  groups: 'zset',
  gblocked: 'zset',
};

export function assertQueueName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new ConveyorError(ErrorCode.QueueNameInvalid, `invalid queue name ${JSON.stringify(name)}: use ${NAME_RULE}`, { queue: name });
  }
}

export class QueueKeys {
  /** Every queue key, in QUEUE_KEY_TYPES order. */
  readonly list: string[];
  readonly base: string;

  constructor(
    readonly prefix: string,
    readonly queue: string,
  ) {
    this.base = `${prefix}:{${queue}}:`;
    this.list = QUEUE_KEY_TYPES.map((t) => this.base + t);
  }

  key(type: QueueKeyType): string {
    return this.base + type;
  }

  /** Prefix of job hashes; scripts append the id. */
  get jobPrefix(): string {
    return this.base + 'job:';
  }

  job(id: string): string {
    return this.jobPrefix + id;
  }

  /** A group's waiting ids (limits.lua). */
  groupWait(group: string): string {
    return this.base + 'gw:' + group;
  }

  logs(id: string): string {
    return this.jobPrefix + id + ':logs';
  }

  /** Glob matching every key of the queue (queue names hold no glob characters). */
  get pattern(): string {
    return this.base + '*';
  }
}

/** Set of queue names; outside any queue's slot, so kept apart from the scripts. */
export function registryKey(prefix: string): string {
  return `${prefix}:queues`;
}

/**
 * Sorted set of worker ids, scored by their last heartbeat (ms). On a cluster
 * the worker keys share the hash tag `{registry}`, so a heartbeat's MULTI
 * stays in one slot; standalone keeps the untagged names.
 */
export function workersKey(prefix: string, cluster = false): string {
  return cluster ? `${prefix}:{registry}:workers` : `${prefix}:workers`;
}

/** One worker's registry entry (hash, expiring unless heartbeated). */
export function workerKey(prefix: string, id: string, cluster = false): string {
  return cluster ? `${prefix}:{registry}:worker:${id}` : `${prefix}:worker:${id}`;
}

/** CRC16/XMODEM, the checksum Redis Cluster slots are made of. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The Cluster slot of a key (honours `{hash tags}`), as `CLUSTER KEYSLOT` computes it. */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  return crc16(Buffer.from(key, 'utf8')) % 16384;
}
