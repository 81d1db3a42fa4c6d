/**
 * How `conveyor dev` makes Redis reachable, in order:
 *   1. the configured target, if it answers;
 *   2. `docker compose up -d redis`, if the target is this machine, a Docker
 *      engine runs and the current folder has a compose file;
 *   3. a private redis-server (AOF on, data under the user data folder), on
 *      the configured port when the target is this machine and the port is
 *      free (so the default config reaches it), else on a free port.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { ConveyorError, RedisUnavailableError } from '../../../src-shared/errors';
import { userDataDir } from '../../config/config-lookup';
import type { RedisQueueAdapter, RedisQueueAdapterOptions } from '../../queue/redis-queue-adapter';
import { RedisServerProcess } from '../../redis/redis-server-process';
import type { CliContext } from '../context';
import { isLocalHost } from '../local-host';

export type RedisOrigin = 'configured' | 'docker' | 'private';

export interface ProvisionedRedis {
  adapter: RedisQueueAdapter;
  origin: RedisOrigin;
  /** The target, never with a password. */
  display: string;
  /** How it was obtained, for people. */
  how: string;
  /** Set when other processes must be told where Redis is (a private server on another port): pass on as REDIS_URL. */
  url?: string;
  /** Stops what `dev` started (the private redis-server); a no-op otherwise. */
  stop: () => Promise<void>;
}

export interface ProvisionOptions {
  /** Try Docker (step 2). */
  docker: boolean;
  /** Progress notes ("starting redis-server ..."). */
  log: (line: string) => void;
  signal?: AbortSignal;
}

/** A first connect attempt gives up after this long, however long `connection_timeout` is. */
const QUICK_CONNECT_MS = 2000;
const DOCKER_INFO_TIMEOUT_MS = 10_000;
const DOCKER_UP_TIMEOUT_MS = 300_000;
const POLL_MS = 500;
const COMPOSE_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const noop = async (): Promise<void> => undefined;

function withTimeout(options: RedisQueueAdapterOptions, ms: number): RedisQueueAdapterOptions {
  return { ...options, connection: { ...options.connection, connectTimeoutMs: Math.min(options.connection.connectTimeoutMs, ms) } };
}

function messageOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}

/** Connect, or undefined when Redis is unavailable (any other error, e.g. bad credentials, is thrown). */
async function tryConnect(ctx: CliContext, options: RedisQueueAdapterOptions): Promise<{ adapter?: RedisQueueAdapter; error?: unknown }> {
  try {
    return { adapter: await ctx.connect(options) };
  } catch (err) {
    if (err instanceof RedisUnavailableError) return { error: err };
    throw err;
  }
}

function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; timeoutMs: number; signal?: AbortSignal },
): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: opts.cwd, timeout: opts.timeoutMs, signal: opts.signal, windowsHide: true }, (err, stdout, stderr) => {
      resolve({ ok: err === null, output: `${stderr}\n${stdout}`.trim() || (err ? err.message : '') });
    });
  });
}

function lastLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .pop() ?? ''
  );
}

/** Whether nothing listens on 127.0.0.1:port right now. */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export function findComposeFile(dir: string): string | undefined {
  return COMPOSE_FILES.map((f) => path.join(dir, f)).find((f) => existsSync(f));
}

async function viaDocker(
  ctx: CliContext,
  options: RedisQueueAdapterOptions,
  opts: ProvisionOptions,
): Promise<{ adapter?: RedisQueueAdapter; skipped: string }> {
  const compose = findComposeFile(ctx.io.cwd);
  if (!compose) return { skipped: `no compose file in ${ctx.io.cwd}` };
  const info = await run('docker', ['info'], { timeoutMs: DOCKER_INFO_TIMEOUT_MS, ...(opts.signal ? { signal: opts.signal } : {}) });
  if (!info.ok) return { skipped: 'no Docker engine running' };
  opts.log(`starting Redis: docker compose -f ${compose} up -d redis`);
  const up = await run('docker', ['compose', '-f', compose, 'up', '-d', 'redis'], {
    cwd: path.dirname(compose),
    timeoutMs: DOCKER_UP_TIMEOUT_MS,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (!up.ok) return { skipped: `docker compose up -d redis failed: ${lastLine(up.output)}` };
  // The container is up before Redis in it answers (and before it has loaded its AOF).
  const deadline = Date.now() + Math.max(options.connection.connectTimeoutMs, 10_000);
  let last: unknown;
  while (Date.now() < deadline && !opts.signal?.aborted) {
    const attempt = await tryConnect(ctx, withTimeout(options, QUICK_CONNECT_MS));
    if (attempt.adapter) return { adapter: attempt.adapter, skipped: '' };
    last = attempt.error;
    await sleep(POLL_MS);
  }
  return { skipped: `the docker compose service "redis" did not answer at ${options.connection.display}: ${messageOf(last)}` };
}

async function viaPrivateServer(
  ctx: CliContext,
  options: RedisQueueAdapterOptions,
  opts: ProvisionOptions,
): Promise<{ adapter: RedisQueueAdapter; server: RedisServerProcess; url: string; dir: string }> {
  const c = options.connection;
  const samePort = isLocalHost(c.host) && (await isPortFree(c.port));
  const dir = path.join(userDataDir({ env: ctx.io.env }), 'redis');
  opts.log(`starting a private redis-server (data in ${dir})`);
  const server = await RedisServerProcess.start({ port: samePort ? c.port : 0, dir, appendonly: true }).catch((err: unknown) => {
    // Taken between the check and the start: any free port will do.
    if (samePort && err instanceof ConveyorError && err.details?.['reason'] === 'port-in-use') {
      return RedisServerProcess.start({ port: 0, dir, appendonly: true });
    }
    throw err;
  });
  const url = `${server.url}/${c.db}`;
  try {
    const adapter = await ctx.connect(await ctx.optionsFor(url));
    return { adapter, server, url, dir };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

export async function provisionRedis(ctx: CliContext, opts: ProvisionOptions): Promise<ProvisionedRedis> {
  const config = await ctx.config();
  const options = config.options;
  const display = options.connection.display;

  const first = await tryConnect(ctx, withTimeout(options, QUICK_CONNECT_MS));
  if (first.adapter) {
    return { adapter: first.adapter, origin: 'configured', display, how: `configured (${config.targetSource})`, stop: noop };
  }
  const why = messageOf(first.error).replace(/^Redis at \S+ is unavailable: /, '');
  opts.log(`Redis at ${display} does not answer (${why})`);

  const local = isLocalHost(options.connection.host);
  let dockerNote: string;
  if (!opts.docker) dockerNote = 'Docker not tried (--no-docker)';
  else if (!local) dockerNote = `Docker not tried: ${options.connection.host} is not this machine`;
  else {
    const docker = await viaDocker(ctx, options, opts);
    if (docker.adapter) {
      return { adapter: docker.adapter, origin: 'docker', display, how: 'docker compose service "redis"', stop: noop };
    }
    dockerNote = docker.skipped;
  }
  if (opts.signal?.aborted) throw new RedisUnavailableError('interrupted while looking for Redis');
  opts.log(dockerNote);

  try {
    const started = await viaPrivateServer(ctx, options, opts);
    const { server } = started;
    const privateDisplay = (await ctx.optionsFor(started.url)).connection.display;
    return {
      adapter: started.adapter,
      origin: 'private',
      display: privateDisplay,
      how: `private redis-server, pid ${server.pid ?? '?'}, append-only file in ${started.dir}`,
      ...(server.port === options.connection.port && local ? {} : { url: started.url }),
      stop: () => server.stop(),
    };
  } catch (err) {
    throw new RedisUnavailableError(
      `Redis at ${display} does not answer (${why}); ${dockerNote}; and a private redis-server could not start: ${messageOf(err)}`,
      { target: display },
      { cause: err },
    );
  }
}
