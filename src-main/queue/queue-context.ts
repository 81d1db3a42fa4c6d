import type { QueueOptions } from '../../src-shared/job';
import type { RedisConnectionSettings } from '../config/connection-settings';
import { Connections, isWrongType } from './connections';
import { KeyRepair } from './key-repair';
import { QueueKeys, assertQueueName } from './keys';
import { LeaseTokens } from './lease-tokens';
import { type ScriptName, type ScriptReply, ScriptRunner, WRONG_TYPE_REPLY, scriptKeys } from './scripts';

export interface RedisQueueAdapterOptions {
  connection: RedisConnectionSettings;
  keyPrefix: string;
  /** Options of queues created without them (from config.yml's `queue:` section). */
  defaults: QueueOptions;
  eventsMaxLen: number;
  maxPayloadBytes: number;
  /** `queue.wait_for_fsync`: an enqueue resolves only once Redis has fsynced it (see durability.ts). */
  waitForFsync?: boolean;
  /** `queue.wait_for_replicas`: an enqueue resolves only once `count` replicas have it (WAIT; see durability.ts). */
  waitForReplicas?: { count: number; timeoutMs: number };
  /** Where quarantine and repair notices go. */
  log?: (line: string) => void;
}

/**
 * What every part of the adapter shares: its options, connections, the
 * scripts, the lease tokens it handed out, key names, and running a script
 * so that a key of the wrong type is set aside and the call made again.
 */
export class QueueContext {
  readonly conn: Connections;
  readonly runner: ScriptRunner;
  readonly tokens = new LeaseTokens();
  readonly repair: KeyRepair;
  readonly log: (line: string) => void;
  private readonly keyCache = new Map<string, QueueKeys>();
  /** Flows: called when a script wrote outbox entries in `queue`'s slot, to apply them now (src-main/flows). */
  flowOutbox?: (queue: string) => void;

  constructor(readonly options: RedisQueueAdapterOptions) {
    this.conn = new Connections(options.connection);
    this.log = options.log ?? ((line) => console.warn(line));
    this.runner = new ScriptRunner(this.conn.client, this.log);
    this.repair = new KeyRepair(this);
  }

  /** Every queue this adapter has used (flows sweep their outboxes). */
  knownQueues(): string[] {
    return [...this.keyCache.keys()];
  }

  keys(queue: string): QueueKeys {
    let k = this.keyCache.get(queue);
    if (!k) {
      assertQueueName(queue);
      k = new QueueKeys(this.options.keyPrefix, queue);
      this.keyCache.set(queue, k);
    }
    return k;
  }

  /** A script's arguments after its own keys: the job prefix and events cap come first (common.lua). */
  scriptArgs(q: QueueKeys, args: Array<string | number>): Array<string | number> {
    return [q.jobPrefix, this.options.eventsMaxLen, ...args];
  }

  /**
   * Runs a script. A script refuses, before its first write, to run on a key
   * of the wrong type: that key is set aside (key-repair.ts) and the call
   * made again, until it runs or a repair twice in a row finds nothing to
   * move (once may mean another process moved it first).
   */
  async script(q: QueueKeys, name: ScriptName, args: Array<string | number>): Promise<ScriptReply> {
    this.conn.ensureOpen();
    const keys = scriptKeys(name, q);
    const argv = this.scriptArgs(q, args);
    for (let idle = 0; ;) {
      try {
        return await this.runner.run(name, keys, argv);
      } catch (err) {
        if (!isWrongType(err) || idle > 1) throw this.conn.mapError(err);
        const key = WRONG_TYPE_REPLY.exec(String((err as Error).message))?.[1];
        const moved = key ? await this.repair.repairKey(q, key) : (await this.repair.repairQueueKeys(q)).length > 0;
        idle = moved ? 0 : idle + 1;
      }
    }
  }

  /** A read of a queue's keys; one of the wrong type is set aside and the read made again. */
  async read<T>(q: QueueKeys, fn: () => Promise<T>): Promise<T> {
    try {
      return await this.conn.io(fn);
    } catch (err) {
      if (!isWrongType((err as { cause?: unknown }).cause ?? err)) throw err;
      if ((await this.repair.repairQueueKeys(q)).length === 0) throw err;
      return this.conn.io(fn);
    }
  }
}
