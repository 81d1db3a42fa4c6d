/**
 * What an acknowledged enqueue has survived before its call resolves.
 *
 * `queue.wait_for_fsync`: Redis has fsynced it to its append-only file.
 * Redis >= 7.2 confirms that per call (WAITAOF); an older server fsyncs
 * before every reply when it runs `appendfsync always`, so there the setting
 * is checked once, at connect, instead.
 *
 * `queue.wait_for_replicas`: N replicas have it (WAIT after each enqueue
 * call), so a failover that promotes one of them keeps it; replication is
 * otherwise asynchronous and a failover loses the last writes.
 *
 * An enqueue that was sent but not confirmed (no reply, lost connection,
 * WAIT or WAITAOF short) may or may not be stored: its error says so, and
 * that enqueueing it again with the same jobId is safe.
 */
import type { Cluster, Redis } from 'ioredis';
import { ConfigError, RedisUnavailableError } from '../../src-shared/errors';
import { isFateUnknown } from './redis-client';

/** How an enqueue waits for its fsync. */
export type FsyncPlan =
  /** WAITAOF after each enqueue script call. */
  | 'waitaof'
  /** The server fsyncs before replying (`appendfsync always`): nothing to wait for. */
  | 'server_fsyncs';

/** What a server says of its persistence; `appendfsync` is undefined when CONFIG GET is refused. */
export interface ServerPersistence {
  version: string;
  aofEnabled: boolean;
  appendfsync: string | undefined;
}

const PATH = 'queue.wait_for_fsync';

function hasWaitAof(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 7 || (major === 7 && minor >= 2);
}

/** Picks how to wait for fsyncs on these servers (every master of a cluster), or says why it cannot. */
export function planFsync(servers: ServerPersistence[], cluster: boolean): FsyncPlan {
  const off = servers.find((s) => !s.aofEnabled);
  if (off) throw new ConfigError([{ path: PATH, message: `needs appendonly yes, and Redis ${off.version} has it off` }]);
  // WAITAOF waits for this connection's writes on one server; a cluster client cannot aim it at a key's node.
  if (!cluster && servers.every((s) => hasWaitAof(s.version))) return 'waitaof';
  for (const s of servers) {
    if (s.appendfsync === 'always') continue;
    const why = cluster ? 'on a Redis Cluster' : `Redis ${s.version} has no WAITAOF (7.2+)`;
    const found =
      s.appendfsync === undefined
        ? 'CONFIG GET appendfsync was refused to this user (allow +config|get to let Conveyor check)'
        : `it runs appendfsync ${s.appendfsync}`;
    throw new ConfigError([{ path: PATH, message: `${why}, so the server must run appendfsync always; ${found}` }]);
  }
  return 'server_fsyncs';
}

function infoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(\\S*)`, 'm').exec(info)?.[1];
}

async function readPersistence(client: Redis): Promise<ServerPersistence> {
  let server: string;
  let persistence: string;
  try {
    server = await client.info('server');
    persistence = await client.info('persistence');
  } catch (err) {
    throw new ConfigError([{ path: PATH, message: `cannot check the server's persistence: INFO failed (${(err as Error).message})` }]);
  }
  let appendfsync: string | undefined;
  try {
    appendfsync = ((await client.config('GET', 'appendfsync')) as string[])[1];
  } catch (err) {
    if (!/NOPERM/i.test((err as Error).message)) throw err;
  }
  return { version: infoField(server, 'redis_version') ?? '?', aofEnabled: infoField(persistence, 'aof_enabled') === '1', appendfsync };
}

/** Checks the connected server(s) at connect time. */
export async function checkFsync(client: Redis | Cluster, cluster: boolean): Promise<FsyncPlan> {
  const nodes = cluster ? (client as Cluster).nodes('master') : [client as Redis];
  return planFsync(await Promise.all(nodes.map(readPersistence)), cluster);
}

/** Waits until this connection's writes so far are fsynced on the server itself. */
export async function confirmFsync(client: Redis, timeoutMs: number): Promise<void> {
  const [local] = (await client.call('WAITAOF', '1', '0', String(timeoutMs))) as [number, number];
  if (local < 1) {
    throw new RedisUnavailableError(
      `Redis did not fsync the enqueue within ${timeoutMs} ms (queue.wait_for_fsync): the job may be stored but is not acknowledged; ${RETRY_SAME_ID}`,
      { timeoutMs, fateUnknown: true },
    );
  }
}

const RETRY_SAME_ID =
  'enqueue it again with the same jobId (an id that exists is never added twice; without a jobId a retry may add the job twice)';

/** How an enqueue call is confirmed before it resolves; see the module comment. */
export interface DurabilityPlan {
  fsync: FsyncPlan | undefined;
  /** WAITAOF's timeout. */
  fsyncTimeoutMs: number;
  /** Replicas WAIT asks for; 0: none. */
  replicas: number;
  replicaTimeoutMs: number;
}

export interface DurabilityOptions {
  waitForFsync: boolean;
  fsyncTimeoutMs: number;
  replicas: number;
  replicaTimeoutMs: number;
}

/** Checks the server(s) at connect: undefined when an enqueue needs no confirmation. */
export async function planDurability(
  client: Redis | Cluster,
  cluster: boolean,
  options: DurabilityOptions,
  log: (line: string) => void,
): Promise<DurabilityPlan | undefined> {
  if (!options.waitForFsync && options.replicas === 0) return undefined;
  if (options.replicas > 0) {
    // WAIT counts the replicas of the connection's own server; a cluster client cannot aim it at a key's primary.
    if (cluster)
      throw new ConfigError([
        {
          path: 'queue.wait_for_replicas',
          message: 'not available on a Redis Cluster (WAIT cannot follow a key to its node); set it to 0',
        },
      ]);
    const connected = await connectedReplicas(client as Redis);
    if (connected !== undefined && connected < options.replicas) {
      log(
        `[conveyor] queue.wait_for_replicas is ${options.replicas} but the primary has ${connected} connected; enqueues fail until enough replicas catch up`,
      );
    }
  }
  return {
    fsync: options.waitForFsync ? await checkFsync(client, cluster) : undefined,
    fsyncTimeoutMs: options.fsyncTimeoutMs,
    replicas: options.replicas,
    replicaTimeoutMs: options.replicaTimeoutMs,
  };
}

async function connectedReplicas(client: Redis): Promise<number | undefined> {
  const count = infoField(await client.info('replication'), 'connected_slaves');
  return count === undefined ? undefined : Number(count);
}

/** After an enqueue call on `client`: waits for what the plan asks (fsync, replicas), or throws saying the job's fate is unknown. */
export async function confirmEnqueue(client: Redis, plan: DurabilityPlan): Promise<void> {
  if (plan.fsync === 'waitaof') await confirmFsync(client, plan.fsyncTimeoutMs);
  if (plan.replicas === 0) return;
  const acked = Number(await client.call('WAIT', String(plan.replicas), String(plan.replicaTimeoutMs)));
  if (acked < plan.replicas) {
    throw new RedisUnavailableError(
      `only ${acked} of ${plan.replicas} replicas confirmed the enqueue within ${plan.replicaTimeoutMs} ms (queue.wait_for_replicas): the job is stored on the primary but a failover may lose it, so it is not acknowledged; ${RETRY_SAME_ID}`,
      { replicas: plan.replicas, acked, timeoutMs: plan.replicaTimeoutMs, fateUnknown: true },
    );
  }
}

/**
 * An enqueue's error as its caller should see it: one that was sent and not
 * answered says that the job may or may not be stored, and how to retry.
 */
export function enqueueError(err: unknown): unknown {
  if (!isFateUnknown(err) || /same jobId/.test((err as Error).message)) return err;
  const e = err as RedisUnavailableError;
  return new RedisUnavailableError(`${e.message}; the enqueue may or may not have been stored: ${RETRY_SAME_ID}`, e.details, { cause: e });
}
