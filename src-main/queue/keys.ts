import { ConveyorError, ErrorCode } from '../../src-shared/errors';
import { NAME_PATTERN, NAME_RULE } from '../../src-shared/names';

/**
 * Every Redis key Conveyor uses is named here. All keys of one queue share the
 * hash tag `{<queue>}`, so each Lua script touches a single Cluster slot.
 */

/** Order matters: it is the KEYS order every script expects (see lua/common.lua). */
export const QUEUE_KEY_TYPES = ['meta', 'wait', 'delayed', 'active', 'completed', 'dead', 'cancelled', 'marker', 'events'] as const;
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
};


export function assertQueueName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new ConveyorError(
      ErrorCode.QueueNameInvalid,
      `invalid queue name ${JSON.stringify(name)}: use ${NAME_RULE}`,
      { queue: name },
    );
  }
}

export class QueueKeys {
  /** The nine queue keys in script order. */
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

/** Sorted set of worker ids, scored by their last heartbeat (ms). */
export function workersKey(prefix: string): string {
  return `${prefix}:workers`;
}

/** One worker's registry entry (hash, expiring unless heartbeated). */
export function workerKey(prefix: string, id: string): string {
  return `${prefix}:worker:${id}`;
}
