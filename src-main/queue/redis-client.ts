import { Cluster, Redis, type ClusterOptions, type Command, type RedisOptions } from 'ioredis';
import { ConveyorError, ErrorCode, RedisUnavailableError } from '../../src-shared/errors';
import type { RedisConnectionSettings } from '../config/connection-settings';

/**
 * TCP keep-alive idle time. Node (libuv >= 1.46) then probes every second, ten
 * times: it sets TCP_KEEPINTVL 1 and TCP_KEEPCNT 10 itself, and Node offers no
 * way to change them. So an idle connection to a vanished peer is dropped
 * after about 15 s rather than the system default of 2 h 11 min. Keep-alive
 * never fires while a reply is awaited (data in flight); the command deadline
 * covers that case (TCP_USER_TIMEOUT would, but Node cannot set it either).
 */
export const KEEPALIVE_MS = 5_000;

/**
 * ioredis clients set up to fail fast: no offline queue, so a command sent
 * while Redis is down rejects at once instead of hanging; a deadline on every
 * command, so a silent Redis (a partition, a stopped process) fails calls
 * within `command_timeout_ms` and gets its connection replaced; reconnection
 * goes on in the background so long-lived loops resume by themselves.
 */
export function createRedisClient(settings: RedisConnectionSettings, name = 'conveyor'): Redis {
  if (settings.cluster) return createClusterClient(settings, name);
  const options: RedisOptions = {
    host: settings.host,
    port: settings.port,
    db: settings.db,
    connectionName: name,
    // One attempt's TCP (and TLS) handshake; connectClient bounds the whole wait by connection_timeout.
    connectTimeout: Math.min(settings.connectTimeoutMs, settings.commandTimeoutMs),
    keepAlive: KEEPALIVE_MS,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    enableReadyCheck: true,
    retryStrategy: retryDelay,
    // A primary demoted by a failover refuses writes: find the new one (the refused call fails, and may be retried).
    reconnectOnError: (err) => (/^READONLY/.test(err.message) ? 1 : false),
  };
  if (settings.username !== undefined) options.username = settings.username;
  if (settings.password !== undefined) options.password = settings.password;
  if (settings.tls) options.tls = { ...settings.tls };
  if (settings.sentinels) {
    options.sentinels = settings.sentinels.nodes;
    options.name = settings.sentinels.name;
    options.sentinelCommandTimeout = settings.commandTimeoutMs;
    options.sentinelRetryStrategy = retryDelay;
    // Subscribes to +switch-master, so a failover is followed at once rather than at the next failed call.
    options.failoverDetector = true;
    options.enableTLSForSentinelMode = settings.tls !== undefined;
  }
  const client = new Redis(options);
  withDeadlines(client, settings);
  return client;
}

/** Keep trying forever, at most every second: outages end, and loops wait for them. */
function retryDelay(times: number): number {
  return Math.min(50 * 2 ** Math.min(times, 5), 1000);
}

/**
 * With `settings.cluster`: an ioredis Cluster client with the same fail-fast
 * behaviour. It is typed as `Redis` so the adapter has one client type; the
 * command API is the same, and the few places where a cluster differs
 * (multi-key commands across slots, SCAN, blocking reads) check `isCluster`.
 */
function createClusterClient(settings: RedisConnectionSettings, name: string): Redis {
  const redisOptions: RedisOptions = {
    connectionName: name,
    connectTimeout: Math.min(settings.connectTimeoutMs, settings.commandTimeoutMs),
    keepAlive: KEEPALIVE_MS,
    maxRetriesPerRequest: 0,
  };
  if (settings.username !== undefined) redisOptions.username = settings.username;
  if (settings.password !== undefined) redisOptions.password = settings.password;
  if (settings.tls) redisOptions.tls = { ...settings.tls };
  const options: ClusterOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    enableReadyCheck: true,
    clusterRetryStrategy: retryDelay,
    redisOptions,
  };
  const cluster = new Cluster(settings.cluster ?? [], options);
  // The cluster sends each command through the connection of the node that owns its slot: the deadlines live there.
  cluster.on('+node', (node: Redis) => withDeadlines(node, settings));
  return cluster as unknown as Redis;
}

// ------------------------------------------------------------ deadlines

/** Commands Redis may hold before replying (ioredis's list, plus WAIT and WAITAOF). */
const BLOCKING = new Set(['blpop', 'brpop', 'brpoplpush', 'blmove', 'bzpopmin', 'bzpopmax', 'bzmpop', 'blmpop', 'xread', 'xreadgroup']);

/** How long Redis may hold `command`'s reply on purpose, in ms: its block time; Infinity when it may block forever. */
function holdMs(command: Command): number {
  const name = command.name.toLowerCase();
  const ms = (arg: unknown): number => (Number(arg) > 0 ? Number(arg) : Infinity);
  if (name === 'wait') return ms(command.args[1]);
  if (name === 'waitaof') return ms(command.args[2]);
  if (!BLOCKING.has(name)) return 0;
  const block = command.extractBlockingTimeout();
  // null: XREAD without BLOCK; undefined: an argument it could not read (then Redis refuses the command anyway).
  if (block === null || block === undefined) return 0;
  return block === 0 ? Infinity : block;
}

/** Marks a command that already has its deadline. */
const TRACKED = Symbol('conveyor.deadline');

interface Pending {
  name: string;
  deadline: number;
  settled: boolean;
  /** Set when its deadline passed: the error it fails with once ioredis has seen the socket close. */
  missed?: RedisUnavailableError;
  reject: (err: Error) => void;
}

/**
 * Puts a deadline on every command `client` sends: `commandTimeoutMs` after
 * it is sent, plus the time Redis may hold it on purpose (a BZPOPMIN's
 * timeout, WAIT's), and never before the deadline of a command sent before it
 * on the same connection (Redis answers in order: a lease queued behind a
 * blocking wait is answered after it). A missed deadline fails the command
 * with RedisUnavailableError and destroys the socket: ioredis then fails the
 * other commands in flight and reconnects. A command whose connection went
 * away after it was sent fails with RedisUnavailableError too, marked
 * `fateUnknown` (Redis may or may not have run it).
 *
 * One timer per client, armed for the oldest pending command only: replies
 * come in order, so if that one is on time nothing behind it is overdue yet.
 */
function withDeadlines(client: Redis, settings: RedisConnectionSettings): void {
  const pending: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  const timeoutMs = settings.commandTimeoutMs;

  const drain = (): void => {
    while (pending[0]?.settled) pending.shift();
  };
  const arm = (): void => {
    const head = pending[0];
    if (timer !== undefined || head === undefined || head.deadline === Infinity || head.missed) return;
    timer = setTimeout(check, Math.max(0, head.deadline - Date.now()));
    timer.unref();
  };
  const check = (): void => {
    timer = undefined;
    drain();
    const head = pending[0];
    if (head && head.deadline <= Date.now() && !head.missed) {
      const missed = unavailable(
        settings,
        undefined,
        `no reply to ${head.name.toUpperCase()} within ${timeoutMs} ms (queue.command_timeout_ms); reconnecting`,
        {
          fateUnknown: true,
          timeoutMs,
        },
      );
      head.missed = missed;
      // Not client.disconnect(): that ends the socket politely and waits for a peer that does not answer.
      // ioredis sees the close, marks the client down and fails what was in flight, this command with `missed`:
      // so the caller that hears of the fault finds the client already reconnecting.
      if (client.stream && !client.stream.destroyed) client.stream.destroy();
      else client.disconnect(true);
      // Should the close never reach ioredis, the command fails anyway.
      setTimeout(() => {
        head.reject(missed);
        arm();
      }, 100).unref();
      return;
    }
    arm();
  };

  const send = client.sendCommand.bind(client);
  client.sendCommand = (command: Command & { [TRACKED]?: true }, stream?: Parameters<Redis['sendCommand']>[1]): unknown => {
    // ioredis sends a command again after a reconnect or from its offline queue: it keeps its first deadline.
    if (command[TRACKED]) return send(command, stream);
    command[TRACKED] = true;
    const last = pending[pending.length - 1];
    const entry: Pending = {
      name: command.name,
      deadline: Math.max(Date.now() + timeoutMs + holdMs(command), last && !last.settled ? last.deadline : 0),
      settled: false,
      reject: () => undefined,
    };
    let sent = false;
    const resolve = command.resolve;
    const reject = command.reject;
    const settle = (): void => {
      entry.settled = true;
      drain();
    };
    command.resolve = (value: unknown): void => {
      settle();
      resolve(value);
    };
    command.reject = (err: Error): void => {
      settle();
      // Refused before it was written (not connected): it did not run. Lost after: nobody knows.
      if (entry.missed) reject(entry.missed);
      else reject(sent && !(err instanceof RedisUnavailableError) && isConnectionError(err) ? lostReply(settings, command, err) : err);
    };
    entry.reject = command.reject;
    pending.push(entry);
    try {
      return send(command, stream);
    } finally {
      sent = true;
      arm();
    }
  };
}

function lostReply(settings: RedisConnectionSettings, command: Command, cause: Error): RedisUnavailableError {
  return unavailable(settings, cause, `the connection was lost before Redis replied to ${command.name.toUpperCase()} (${cause.message})`, {
    fateUnknown: true,
  });
}

/** Whether a client made by `createRedisClient` talks to a Redis Cluster. */
export function isCluster(client: Redis): boolean {
  return (client as unknown) instanceof Cluster;
}

/**
 * Sends the commands `send` issues as one socket write (a standalone client's
 * socket is corked meanwhile). A write costs this thread about 30 µs on a VM,
 * as it wakes Redis; commands that always go together need only one.
 */
export function inOneWrite<T>(client: Redis, send: () => T): T {
  const stream = isCluster(client) ? undefined : client.stream;
  stream?.cork();
  try {
    return send();
  } finally {
    stream?.uncork();
  }
}

/** The cluster's master nodes (for commands that are per node, like SCAN); the client itself when standalone. */
export function masterNodes(client: Redis): Redis[] {
  return isCluster(client) ? (client as unknown as Cluster).nodes('master') : [client];
}

const REFUSED = /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN/;
/** What ioredis's parser says when the first byte of a reply is not RESP: something other than Redis answered. */
const NOT_RESP = /Protocol error/;
const CERTIFICATE = /CERT|certificate|EPROTO|wrong version number|SSL routines/i;

function errorCode(err: unknown): string {
  return String((err as { code?: unknown } | undefined)?.code ?? '');
}

/** Errors that retrying will not fix: nothing listens, or TLS on one side only / an untrusted certificate. */
function isDefinitive(err: unknown, settings: RedisConnectionSettings): boolean {
  const text = `${errorCode(err)} ${messageOf(err)}`;
  return REFUSED.test(text) || CERTIFICATE.test(text) || NOT_RESP.test(text) || (!settings.tls && /ECONNRESET/.test(text));
}

function hostPort(settings: RedisConnectionSettings): string {
  if (settings.cluster || settings.sentinels) return settings.display;
  return `${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${settings.port}`;
}

/** What went wrong, in words a person can act on. */
function explain(err: unknown, settings: RedisConnectionSettings, timedOut: boolean): string {
  const text = `${errorCode(err)} ${messageOf(err)}`;
  if (NOT_RESP.test(text)) return `no Redis at ${hostPort(settings)} (it answered something else)`;
  if (CERTIFICATE.test(text)) {
    return settings.tls
      ? `TLS failed: ${messageOf(err)} (does the server speak TLS, and does queue.tls.ca hold the CA that signed its certificate?)`
      : `TLS error: ${messageOf(err)}`;
  }
  if (!settings.tls && /ECONNRESET/.test(text)) {
    return `the server reset the connection during the handshake: it may require TLS (set queue.tls, or use a rediss:// URL)`;
  }
  if (timedOut) {
    const hint = settings.tls ? '; if the server does not speak TLS, turn queue.tls off' : '';
    return `no answer within ${settings.connectTimeoutMs / 1000}s${err ? ` (${messageOf(err)})` : ''}${hint}`;
  }
  return messageOf(err);
}

/**
 * Connects and waits until ready, or throws a typed error naming the target.
 * A refused connection fails at once unless `patient` (then only
 * `connection_timeout` ends the wait): a CLI should not sit out 30 s when
 * nothing listens, while a long-running worker may wait for Redis to come up.
 */
export async function connectClient(client: Redis, settings: RedisConnectionSettings, patient = false): Promise<void> {
  if (client.status === 'ready') return;
  const timeoutMs = settings.connectTimeoutMs;
  let lastError: unknown;
  const onError = (err: unknown): void => {
    lastError = err;
  };
  client.on('error', onError);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(unavailable(settings, lastError, explain(lastError, settings, true)));
      }, timeoutMs);
      const onReady = (): void => {
        cleanup();
        resolve();
      };
      const onAuthFailure = (err: unknown): void => {
        if (isAuthError(err)) {
          cleanup();
          reject(authError(settings, err));
        } else if (!patient && isDefinitive(err, settings)) {
          cleanup();
          reject(unavailable(settings, err, explain(err, settings, false)));
        }
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        client.off('ready', onReady);
        client.off('error', onAuthFailure);
      };
      client.on('ready', onReady);
      client.on('error', onAuthFailure);
      if (client.status === 'wait') client.connect().catch(() => undefined);
    });
  } finally {
    client.off('error', onError);
  }
  await checkDatabase(client, settings);
}

/**
 * ioredis selects the configured database at connect but only reports a
 * refusal as an 'error' event, and then runs every command in database 0.
 * Selecting again here turns that into a failed connect with the server's words.
 */
async function checkDatabase(client: Redis, settings: RedisConnectionSettings): Promise<void> {
  if (settings.cluster || settings.db === 0) return;
  try {
    await client.select(settings.db);
  } catch (err) {
    if (isConnectionError(err)) throw unavailable(settings, err);
    throw new ConveyorError(
      ErrorCode.ConfigInvalid,
      `Redis at ${settings.display} refused database ${settings.db}: ${messageOf(err)}`,
      { target: settings.display, db: settings.db },
      { cause: err },
    );
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function isAuthError(err: unknown): boolean {
  return /WRONGPASS|NOAUTH|NOPERM|invalid username-password|AUTH failed/i.test(messageOf(err));
}

const CONNECTION_ERROR =
  /Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|connect ETIMEDOUT|MaxRetriesPerRequest|Reached the max retries|LOADING|^READONLY|All sentinels are unreachable/;

export function isConnectionError(err: unknown): boolean {
  if (err instanceof RedisUnavailableError) return true;
  return CONNECTION_ERROR.test(messageOf(err));
}

/**
 * `details.fateUnknown`: the command was sent and no reply came (a missed
 * deadline, a connection lost in flight), so Redis may or may not have run it.
 */
export function unavailable(
  settings: RedisConnectionSettings,
  cause: unknown,
  why?: string,
  details: Record<string, unknown> = {},
): RedisUnavailableError {
  const detail = why ?? (cause ? messageOf(cause) : 'not connected');
  return new RedisUnavailableError(
    `Redis at ${settings.display} is unavailable: ${detail}`,
    { target: settings.display, ...details },
    { cause },
  );
}

/** Whether `err` says a command was sent but its outcome is unknown (see `unavailable`). */
export function isFateUnknown(err: unknown): boolean {
  return err instanceof RedisUnavailableError && err.details?.['fateUnknown'] === true;
}

export function authError(settings: RedisConnectionSettings, cause: unknown): ConveyorError {
  return new ConveyorError(
    ErrorCode.RedisAuth,
    `Redis at ${settings.display} refused the credentials: ${messageOf(cause)}`,
    { target: settings.display },
    { cause },
  );
}

/** Resolves once the client is ready again, or false after `timeoutMs`. */
export function waitForReady(client: Redis, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      client.off('ready', onReady);
      signal?.removeEventListener('abort', onAbort);
      resolve(ok);
    };
    const onReady = (): void => done(true);
    const onAbort = (): void => done(false);
    const timer = setTimeout(() => done(false), Math.max(0, timeoutMs));
    client.on('ready', onReady);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
