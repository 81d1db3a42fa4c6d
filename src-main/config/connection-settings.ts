/**
 * From the `queue:` config plus the environment to the concrete settings a
 * Redis client needs: one place that decides precedence (REDIS_URL, then
 * redis_url, then host/port/db), finds the password, and reads TLS files.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  describeValue,
  LITERAL_PASSWORD_WARNING,
  redactUrl,
  tryParseRedisUrl,
  URL_PASSWORD_WARNING,
  type QueueConfig,
  type RedisUrlParts,
  type TlsFileConfig,
} from '../../src-shared/config-schema';
import { ConfigError, ConveyorError, ErrorCode } from '../../src-shared/errors';

export interface RedisTlsSettings {
  /** File contents (PEM), read from the paths in config. */
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
  rejectUnauthorized?: boolean;
}

export interface RedisConnectionSettings {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  /** Present when TLS is on; `tls: true` gives `{}`. */
  tls?: RedisTlsSettings;
  /** Seed nodes of a Redis Cluster: the client is then a Cluster client (host/port/db unused). See `withCluster`. */
  cluster?: Array<{ host: string; port: number }>;
  /**
   * Where Redis Sentinel finds the primary: the client asks these sentinels
   * for the master `name` and follows a failover (host/port unused).
   */
  sentinels?: { nodes: Array<{ host: string; port: number }>; name: string };
  /** `connection_timeout` seconds * 1000. */
  connectTimeoutMs: number;
  /** `command_timeout_ms`: a command unanswered this long (plus its block time) fails, and the connection is replaced. */
  commandTimeoutMs: number;
  /** Human-readable target for logs, never containing the password, e.g. "redis://localhost:6379/0". */
  display: string;
}

export interface ConnectionOptions {
  /** Relative TLS file paths are resolved against this (the config file's folder); default: cwd. */
  baseDir?: string;
}

/** Parse a redis:// or rediss:// URL, or throw a ConfigError naming where it came from (a config key or option, or an env var). */
export function parseRedisUrl(url: string, origin: { path: string } | { env: string }): RedisUrlParts {
  const parsed = tryParseRedisUrl(url);
  if (parsed.ok) return parsed.parts;
  const message = `expected ${parsed.expected}, got ${describeValue(redactUrl(url))}`;
  throw new ConfigError([
    'path' in origin ? { path: origin.path, message } : { path: '', message: `environment variable ${origin.env}: ${message}` },
  ]);
}

function readTlsFiles(tls: boolean | TlsFileConfig, baseDir: string): RedisTlsSettings {
  if (typeof tls !== 'object') return {};
  const read = (key: 'ca' | 'cert' | 'key', file: string): string => {
    const abs = path.resolve(baseDir, file);
    try {
      return readFileSync(abs, 'utf8');
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new ConveyorError(
        ErrorCode.ConfigIo,
        `queue.tls.${key}: cannot read ${JSON.stringify(abs)}: ${reason}`,
        {
          path: abs,
          key: `queue.tls.${key}`,
        },
        { cause: err },
      );
    }
  };
  const out: RedisTlsSettings = {};
  if (tls.ca !== undefined) out.ca = read('ca', tls.ca);
  if (tls.cert !== undefined) out.cert = read('cert', tls.cert);
  if (tls.key !== undefined) out.key = read('key', tls.key);
  if (tls.servername !== undefined) out.servername = tls.servername;
  if (tls.reject_unauthorized !== undefined) out.rejectUnauthorized = tls.reject_unauthorized;
  return out;
}

function readPasswordEnv(name: string, env: NodeJS.ProcessEnv): string {
  const value = env[name];
  if (!value) {
    throw new ConfigError([{ path: 'queue.redis_password_env', message: `environment variable ${name} is not set or empty` }]);
  }
  return value;
}

function displayOf(s: Omit<RedisConnectionSettings, 'display'>): string {
  const hostPort = (h: string, p: number): string => `${h.includes(':') ? `[${h}]` : h}:${p}`;
  const user = s.username ? `${encodeURIComponent(s.username)}@` : '';
  if (s.cluster) return `${s.tls ? 'rediss' : 'redis'}-cluster://${user}${s.cluster.map((n) => hostPort(n.host, n.port)).join(',')}`;
  if (s.sentinels) {
    return `${s.tls ? 'rediss' : 'redis'}-sentinel://${user}${s.sentinels.nodes.map((n) => hostPort(n.host, n.port)).join(',')}/${s.sentinels.name}/${s.db}`;
  }
  return `${s.tls ? 'rediss' : 'redis'}://${user}${hostPort(s.host, s.port)}/${s.db}`;
}

/** A Redis Cluster seed node: `"host:port"` (IPv6 in brackets) or `{host, port}`. */
export type RedisClusterNode = string | { host: string; port: number };

/** `"host:port"` or `{host, port}` to `{host, port}`; a bad string is a ConfigError at `queue.redis_cluster.<index>`. */
export function parseClusterNode(node: RedisClusterNode, index = 0, key = 'queue.redis_cluster'): { host: string; port: number } {
  if (typeof node !== 'string') return { host: node.host, port: node.port };
  const m = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(node);
  const port = Number(m?.[3]);
  if (!m || !(port >= 1 && port <= 65535)) {
    throw new ConfigError([{ path: `${key}.${index}`, message: `expected "host:port" with a port 1-65535, got ${describeValue(node)}` }]);
  }
  return { host: (m[1] ?? m[2]) as string, port };
}

/**
 * Precedence:
 * - env `REDIS_URL` replaces the config's whole target: host, port, db and
 *   credentials (only the URL's own). Its scheme alone decides TLS; with
 *   rediss:// the config's `tls` files still apply.
 * - else `queue.redis_url` replaces host, port and db; TLS is on for rediss://
 *   or any `tls` other than false.
 * - password: `redis_password_env` (must be set), then the URL's password,
 *   then literal `redis_password` (the last two warned about).
 */
export function resolveConnectionSettings(
  queue: QueueConfig,
  env: NodeJS.ProcessEnv = process.env,
  options: ConnectionOptions = {},
): { settings: RedisConnectionSettings; warnings: string[] } {
  const warnings: string[] = [];
  const baseDir = options.baseDir ?? process.cwd();
  const base = {
    connectTimeoutMs: Math.round(queue.connection_timeout * 1000),
    commandTimeoutMs: queue.command_timeout_ms,
  };

  let resolved: Omit<RedisConnectionSettings, 'display'>;
  const envUrl = env.REDIS_URL;
  if (envUrl) {
    const { tls, ...target } = parseRedisUrl(envUrl, { env: 'REDIS_URL' });
    resolved = { ...base, ...target };
    if (tls) resolved.tls = readTlsFiles(queue.tls, baseDir);
  } else {
    const fromUrl = queue.redis_url === undefined ? undefined : parseRedisUrl(queue.redis_url, { path: 'queue.redis_url' });
    resolved = {
      ...base,
      host: fromUrl?.host ?? queue.redis_host,
      port: fromUrl?.port ?? queue.redis_port,
      db: fromUrl?.db ?? queue.redis_db,
    };
    const username = fromUrl?.username ?? queue.redis_username;
    if (username !== undefined) resolved.username = username;
    if (queue.redis_password_env !== undefined) {
      resolved.password = readPasswordEnv(queue.redis_password_env, env);
    } else if (fromUrl?.password !== undefined) {
      resolved.password = fromUrl.password;
      warnings.push(URL_PASSWORD_WARNING);
    } else if (queue.redis_password !== undefined) {
      resolved.password = queue.redis_password;
      warnings.push(LITERAL_PASSWORD_WARNING);
    }
    if (fromUrl?.tls || queue.tls !== false) resolved.tls = readTlsFiles(queue.tls, baseDir);
  }
  const settings = { ...resolved, display: displayOf(resolved) };
  // REDIS_URL overrides the whole connection, a cluster included (one rule for every target).
  if (!envUrl && queue.redis_cluster !== undefined) return { settings: withCluster(settings, queue.redis_cluster), warnings };
  if (!envUrl && queue.redis_sentinels !== undefined) {
    if (queue.sentinel_master === undefined) {
      throw new ConfigError([
        {
          path: 'queue.sentinel_master',
          message: 'expected the master name the sentinels monitor (required with redis_sentinels), got nothing',
        },
      ]);
    }
    return { settings: withSentinels(settings, queue.redis_sentinels, queue.sentinel_master), warnings };
  }
  return { settings, warnings };
}

/**
 * The same credentials, db and TLS, for the primary that these Redis
 * Sentinels name `name`: the client asks them where it is, and again after a
 * failover. The sentinels themselves are reached without TLS or password.
 */
export function withSentinels(settings: RedisConnectionSettings, nodes: RedisClusterNode[], name: string): RedisConnectionSettings {
  if (nodes.length === 0) throw new ConfigError([{ path: 'queue.redis_sentinels', message: 'expected a list of at least one sentinel' }]);
  const { display: _display, ...rest } = settings;
  const resolved: Omit<RedisConnectionSettings, 'display'> = {
    ...rest,
    sentinels: { nodes: nodes.map((n, i) => parseClusterNode(n, i, 'queue.redis_sentinels')), name },
  };
  return { ...resolved, display: displayOf(resolved) };
}

/**
 * The same credentials and TLS, aimed at a Redis Cluster through its seed
 * nodes: the adapter then uses ioredis's Cluster client.
 */
export function withCluster(settings: RedisConnectionSettings, nodes: RedisClusterNode[]): RedisConnectionSettings {
  if (nodes.length === 0) throw new ConfigError([{ path: 'queue.redis_cluster', message: 'expected a list of at least one seed node' }]);
  const { display: _display, ...rest } = settings;
  const resolved: Omit<RedisConnectionSettings, 'display'> = { ...rest, cluster: nodes.map((n, i) => parseClusterNode(n, i)), db: 0 };
  return { ...resolved, display: displayOf(resolved) };
}
