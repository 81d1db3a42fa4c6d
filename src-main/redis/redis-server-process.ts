/**
 * A private `redis-server` child process: spawned on a chosen or free port,
 * bound to 127.0.0.1, ready once it answers PING. Used by the test harness
 * (one server per test run, or one per test that crashes/restarts Redis) and
 * by `conveyor dev`. Plain Node: nothing here imports electron.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RedisUnavailableError } from '../../src-shared/errors';

export const REDIS_SERVER_INSTALL_HINT =
  'install it (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) or run docker compose up -d redis';

export type AppendFsync = 'always' | 'everysec' | 'no';

export interface RedisServerOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind; default 127.0.0.1. */
  bind?: string;
  /** Data directory (created if missing). Default: a fresh temp dir, removed by `stop()`. */
  dir?: string;
  /** Turn on the append-only file. Default false. */
  appendonly?: boolean;
  /** AOF fsync policy when `appendonly` is on. Redis default: everysec. */
  appendfsync?: AppendFsync;
  /** RDB snapshot rule, e.g. "900 1". Default "" (no snapshots). */
  save?: string;
  /** Further `--option value` arguments, passed as given after ours. */
  extraArgs?: readonly string[];
  /** Path or name of the binary. Default `redis-server` from PATH. */
  binary?: string;
  /** How long to wait for the first PONG. Default 10 s. */
  startTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL. Default 5 s. */
  stopTimeoutMs?: number;
  /** Each line redis-server writes to stdout/stderr. */
  onLog?: (line: string) => void;
}

/** redis-server is not installed (or not at the given path). */
export class RedisServerNotFoundError extends RedisUnavailableError {
  constructor(binary: string, options?: { cause?: unknown }) {
    super(`redis-server not found: ${REDIS_SERVER_INSTALL_HINT}`, { reason: 'binary-missing', binary }, options);
  }
}

const LOG_LINES_KEPT = 40;
const PING_INTERVAL_MS = 50;
const PING_TIMEOUT_MS = 1_000;
/** Attempts when the port was picked for us and another process takes it first. */
const FREE_PORT_ATTEMPTS = 3;

/** Children still running, killed if this process exits without stopping them. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackChild(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

/** A TCP port that was free on `host` a moment ago. */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close((err) => (err ? reject(err) : resolvePort(port)));
    });
  });
}

/** One inline PING; resolves true on +PONG, false on anything else (refused, LOADING, timeout). */
export async function pingRedis(host: string, port: number, timeoutMs = PING_TIMEOUT_MS): Promise<boolean> {
  const reply = await rawCommand(host, port, 'PING', timeoutMs);
  return reply === 'PONG';
}

/**
 * Send one inline command and return a simple-string or bulk-string reply
 * (undefined on an error reply, a refused connection or a timeout).
 */
async function rawCommand(host: string, port: number, command: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((done) => {
    const socket = createConnection({ host, port });
    let buf = Buffer.alloc(0);
    const finish = (value: string | undefined): void => {
      socket.destroy();
      done(value);
    };
    socket.setTimeout(timeoutMs, () => finish(undefined));
    socket.once('error', () => finish(undefined));
    socket.once('close', () => finish(undefined));
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const eol = buf.indexOf('\r\n');
      if (eol < 0) return;
      const head = buf.subarray(0, eol).toString('latin1');
      if (head.startsWith('+')) return finish(head.slice(1));
      if (!head.startsWith('$')) return finish(undefined);
      const len = Number(head.slice(1));
      if (len < 0) return finish(undefined);
      if (buf.length >= eol + 2 + len) finish(buf.subarray(eol + 2, eol + 2 + len).toString('utf8'));
    });
  });
}

/** The pid of the redis-server answering on host:port, once it is ready to serve. */
async function servingPid(host: string, port: number): Promise<number | undefined> {
  const info = await rawCommand(host, port, 'INFO server', PING_TIMEOUT_MS);
  const match = info === undefined ? null : /^process_id:(\d+)/m.exec(info);
  // INFO answers while the AOF is still loading; PING does not.
  if (!match || (await rawCommand(host, port, 'PING', PING_TIMEOUT_MS)) !== 'PONG') return undefined;
  return Number(match[1]);
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((done) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      done(false);
    }, timeoutMs);
    const onExit = (): void => {
      clearTimeout(timer);
      done(true);
    };
    child.once('exit', onExit);
  });
}

interface Resolved {
  bind: string;
  appendonly: boolean;
  appendfsync: AppendFsync | undefined;
  save: string;
  extraArgs: readonly string[];
  binary: string;
  startTimeoutMs: number;
  stopTimeoutMs: number;
  onLog: ((line: string) => void) | undefined;
}

/**
 * A running (or stopped) private redis-server. Create with
 * `RedisServerProcess.start()`; always `stop()` it, even after `kill()`.
 */
export class RedisServerProcess {
  readonly dir: string;
  readonly host: string;
  private readonly opts: Resolved;
  private readonly ownsDir: boolean;
  private child: ChildProcess | undefined;
  private currentPort: number;
  private readonly log: string[] = [];

  private constructor(opts: Resolved, dir: string, ownsDir: boolean, port: number) {
    this.opts = opts;
    this.dir = dir;
    this.ownsDir = ownsDir;
    this.host = opts.bind;
    this.currentPort = port;
  }

  /** Spawn redis-server and resolve once it answers PING. */
  static async start(options: RedisServerOptions = {}): Promise<RedisServerProcess> {
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      throw new TypeError(`port must be an integer in 0..65535, got ${String(options.port)}`);
    }
    const opts: Resolved = {
      bind: options.bind ?? '127.0.0.1',
      appendonly: options.appendonly ?? false,
      appendfsync: options.appendfsync,
      save: options.save ?? '',
      extraArgs: options.extraArgs ?? [],
      binary: options.binary ?? 'redis-server',
      startTimeoutMs: options.startTimeoutMs ?? 10_000,
      stopTimeoutMs: options.stopTimeoutMs ?? 5_000,
      onLog: options.onLog,
    };
    let dir: string;
    let ownsDir = false;
    if (options.dir === undefined) {
      dir = await mkdtemp(join(tmpdir(), 'conveyor-redis-'));
      ownsDir = true;
    } else {
      dir = resolve(options.dir);
      await mkdir(dir, { recursive: true });
    }
    const server = new RedisServerProcess(opts, dir, ownsDir, port);
    try {
      await server.launch(port === 0);
    } catch (err) {
      if (ownsDir) await rm(dir, { recursive: true, force: true });
      throw err;
    }
    return server;
  }

  get port(): number {
    return this.currentPort;
  }

  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `redis://${host}:${this.currentPort}`;
  }

  /** Pid of the running server; undefined once it has exited. */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    const c = this.child;
    return c !== undefined && c.exitCode === null && c.signalCode === null;
  }

  /** The last lines redis-server logged, for error messages. */
  recentLog(): string {
    return this.log.join('\n');
  }

  /** SIGTERM (Redis flushes the AOF), SIGKILL after `stopTimeoutMs`; removes a temp data dir. Idempotent. */
  async stop(): Promise<void> {
    await this.terminate();
    if (this.ownsDir) await rm(this.dir, { recursive: true, force: true });
  }

  /** SIGTERM, like an operator stopping it; unlike `stop()` the data dir stays, so `restart()` brings the data back. */
  async halt(): Promise<void> {
    await this.terminate();
  }

  /** SIGKILL, like a crash: nothing is flushed. The data dir stays, so `restart()` recovers from it. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    child.kill('SIGKILL');
    await waitForExit(child, this.opts.stopTimeoutMs);
  }

  /** Stop (if running) and start again on the same port and data dir. */
  async restart(): Promise<void> {
    await this.terminate();
    await this.launch(false);
  }

  private async terminate(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    child.kill('SIGTERM');
    if (!(await waitForExit(child, this.opts.stopTimeoutMs))) {
      child.kill('SIGKILL');
      await waitForExit(child, this.opts.stopTimeoutMs);
    }
  }

  private args(port: number): string[] {
    const o = this.opts;
    const args = [
      '--port',
      String(port),
      '--bind',
      o.bind,
      '--dir',
      this.dir,
      '--save',
      o.save,
      '--appendonly',
      o.appendonly ? 'yes' : 'no',
      '--daemonize',
      'no',
      '--logfile',
      '',
    ];
    if (o.appendfsync !== undefined) args.push('--appendfsync', o.appendfsync);
    args.push(...o.extraArgs);
    return args;
  }

  /** Spawn and wait for PONG; when `pickPort`, choose a free port and retry if it was taken meanwhile. */
  private async launch(pickPort: boolean): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (pickPort) this.currentPort = await findFreePort(this.host);
      try {
        await this.spawnAndWait();
        return;
      } catch (err) {
        const portTaken = err instanceof RedisUnavailableError && err.details?.['reason'] === 'port-in-use';
        if (!(pickPort && portTaken && attempt < FREE_PORT_ATTEMPTS)) throw err;
      }
    }
  }

  private async spawnAndWait(): Promise<void> {
    const port = this.currentPort;
    this.log.length = 0;
    const child = spawn(this.opts.binary, this.args(port), {
      cwd: this.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const onChunk = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        this.log.push(line);
        if (this.log.length > LOG_LINES_KEPT) this.log.shift();
        this.opts.onLog?.(line);
      }
    };
    child.stdout?.on('data', onChunk);
    child.stderr?.on('data', onChunk);

    // Settles if the process fails to spawn or exits before it is ready.
    let failure: Error | undefined;
    const failed = new Promise<void>((resolveFailed) => {
      child.once('error', (err: NodeJS.ErrnoException) => {
        failure =
          err.code === 'ENOENT'
            ? new RedisServerNotFoundError(this.opts.binary, { cause: err })
            : new RedisUnavailableError(
                `could not start ${this.opts.binary}: ${err.message}`,
                { reason: 'spawn-failed', binary: this.opts.binary },
                { cause: err },
              );
        resolveFailed();
      });
      child.once('exit', (code, signal) => {
        // Let the stdout/stderr streams drain so the log explains the exit.
        setImmediate(() => {
          if (failure) return resolveFailed();
          const log = this.recentLog();
          const portInUse = /address already in use/i.test(log);
          failure = new RedisUnavailableError(
            portInUse
              ? `redis-server could not bind ${this.host}:${port}: address already in use`
              : `redis-server exited during start-up (${signal ?? `code ${String(code)}`})${log ? `:\n${log}` : ''}`,
            { reason: portInUse ? 'port-in-use' : 'exited', port, dir: this.dir, code, signal, log },
          );
          resolveFailed();
        });
      });
    });
    if (child.pid !== undefined) trackChild(child);

    const deadline = Date.now() + this.opts.startTimeoutMs;
    let ready = false;
    while (!failure && Date.now() < deadline) {
      // Compare pids: on a contended port another server may answer for ours.
      const pid = await Promise.race([servingPid(this.host, port), failed.then(() => undefined)]);
      ready = pid !== undefined && pid === child.pid;
      if (ready || failure) break;
      await Promise.race([delay(PING_INTERVAL_MS), failed]);
    }
    if (ready && this.running) return;
    if (failure) throw failure;
    child.kill('SIGKILL');
    await waitForExit(child, this.opts.stopTimeoutMs);
    throw new RedisUnavailableError(
      `redis-server on ${this.host}:${port} did not answer PING within ${this.opts.startTimeoutMs} ms${this.log.length ? `:\n${this.recentLog()}` : ''}`,
      { reason: 'start-timeout', port, dir: this.dir, log: this.recentLog() },
    );
  }
}
