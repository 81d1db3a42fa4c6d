/**
 * `queue.wait_for_fsync`: an enqueue resolves only once Redis has fsynced
 * it to its append-only file. Redis >= 7.2 confirms that per call (WAITAOF);
 * an older server fsyncs before every reply when it runs `appendfsync
 * always`, so there the setting is checked once, at connect, instead.
 */
import type { Cluster, Redis } from 'ioredis';
import { ConfigError, RedisUnavailableError } from '../../src-shared/errors';

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
      `Redis did not fsync the enqueue within ${timeoutMs} ms (queue.wait_for_fsync): the job may be stored but is not acknowledged; enqueue it again with the same jobId`,
      { timeoutMs },
    );
  }
}
