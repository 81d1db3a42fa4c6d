import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { ConveyorError, ErrorCode, RedisUnavailableError } from '../../src-shared/errors';
import type { RedisConnectionSettings } from '../config/connection-settings';

/**
 * ioredis clients set up to fail fast: no offline queue, so a command sent
 * while Redis is down rejects at once instead of hanging; reconnection goes on
 * in the background so long-lived loops resume by themselves.
 */
export function createRedisClient(settings: RedisConnectionSettings, name = 'conveyor'): Redis {
  if (settings.cluster) return createClusterClient(settings, name);
  const options: RedisOptions = {
    host: settings.host,
    port: settings.port,
    db: settings.db,
    connectionName: name,
    connectTimeout: settings.connectTimeoutMs,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    enableReadyCheck: true,
    retryStrategy: retryDelay,
  };
  if (settings.username !== undefined) options.username = settings.username;
  if (settings.password !== undefined) options.password = settings.password;
  if (settings.tls) options.tls = { ...settings.tls };
  return new Redis(options);
}

/** Keep trying forever, at most every 2 s: outages end, and loops wait for them. */
function retryDelay(times: number): number {
  return Math.min(50 * 2 ** Math.min(times, 6), 2000);
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
    connectTimeout: settings.connectTimeoutMs,
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
  return new Cluster(settings.cluster ?? [], options) as unknown as Redis;
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
const CERTIFICATE = /CERT|certificate|EPROTO|wrong version number|SSL routines/i;

function errorCode(err: unknown): string {
  return String((err as { code?: unknown } | undefined)?.code ?? '');
}

/** Errors that retrying will not fix: nothing listens, or TLS on one side only / an untrusted certificate. */
function isDefinitive(err: unknown, settings: RedisConnectionSettings): boolean {
  const text = `${errorCode(err)} ${messageOf(err)}`;
  return REFUSED.test(text) || CERTIFICATE.test(text) || (!settings.tls && /ECONNRESET/.test(text));
}

/** What went wrong, in words a person can act on. */
function explain(err: unknown, settings: RedisConnectionSettings, timedOut: boolean): string {
  const text = `${errorCode(err)} ${messageOf(err)}`;
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
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function isAuthError(err: unknown): boolean {
  return /WRONGPASS|NOAUTH|NOPERM|invalid username-password|AUTH failed/i.test(messageOf(err));
}

const CONNECTION_ERROR =
  /Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|connect ETIMEDOUT|MaxRetriesPerRequest|Reached the max retries|LOADING/;

export function isConnectionError(err: unknown): boolean {
  if (err instanceof RedisUnavailableError) return true;
  return CONNECTION_ERROR.test(messageOf(err));
}

export function unavailable(settings: RedisConnectionSettings, cause: unknown, why?: string): RedisUnavailableError {
  const detail = why ?? (cause ? messageOf(cause) : 'not connected');
  return new RedisUnavailableError(`Redis at ${settings.display} is unavailable: ${detail}`, { target: settings.display }, { cause });
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
