/**
 * `conveyor worker [queue...]`: a headless worker process. Runs a WorkerPool
 * on the configured Redis until SIGINT/SIGTERM, then stops gracefully (a
 * second signal exits at once; see main.ts).
 */
import { Option, type Command } from 'commander';
import { ConveyorError, ErrorCode } from '../../../src-shared/errors';
import { until } from '../../pool/pool-context';
import { WorkerPool } from '../../pool/pool';
import { POOL_WORKERS, type PoolWorkers } from '../../pool/pool-options';
import { applyLimitsConfig } from '../../limits/apply-config';
import type { RedisQueueAdapter, RedisQueueAdapterOptions } from '../../queue/redis-queue-adapter';
import { untilAborted } from '../abort';
import type { CliContext } from '../context';
import { integer } from '../parsers';
import { poolSettings } from '../worker/pool-settings';
import { runPool } from '../worker/run-pool';
import { serveMetrics } from '../worker/metrics';
import { jsonLogger, LOG_FORMATS, type LogFormat } from '../../observability/logger';
import type { CommandDeps } from './command-context';
import { startConfiguredScheduler } from '../../schedules/config-apply';

interface Options {
  workers?: PoolWorkers;
  threads?: number;
  concurrency?: number;
  quiet?: boolean;
  threadEntry?: string;
  create?: boolean;
  metricsPort?: number;
  metricsHost?: string;
  logFormat?: LogFormat;
}

/** Say why nothing happens yet when Redis takes longer than this to answer. */
const WAITING_NOTE_MS = 1000;
/**
 * After the pool stopped, how long closing the connections may take: Redis
 * silent, a polite QUIT would wait for ever. With the pool's STOP_MARGIN_MS
 * this bounds a graceful stop to shutdown_timeout_ms + 3 s.
 */
const CLOSE_MS = 1000;

/**
 * Queues named on the command line must exist (a typo would otherwise
 * create a queue and idle on it), unless --create says to make them.
 */
async function checkQueuesExist(adapter: RedisQueueAdapter, named: string[]): Promise<void> {
  if (named.length === 0) return;
  const existing = await adapter.listQueues();
  const missing = named.filter((q) => !existing.includes(q));
  if (missing.length === 0) return;
  const list = (names: string[]): string => names.map((q) => `"${q}"`).join(', ');
  const what = missing.length === 1 ? `queue ${list(missing)} does not exist` : `queues ${list(missing)} do not exist`;
  const there = existing.length > 0 ? `existing queues: ${[...existing].sort().join(', ')}` : 'there are no queues yet';
  throw new ConveyorError(ErrorCode.QueueNotFound, `${what} (${there}); pass --create to create ${missing.length === 1 ? 'it' : 'them'}`, {
    queues: missing.join(','),
  });
}

/**
 * Connects, retrying while nothing listens yet (a worker may start before
 * Redis), up to `connection_timeout`. Undefined when `signal` aborts first.
 */
async function connectPatiently(
  ctx: CliContext,
  options: RedisQueueAdapterOptions,
  signal: AbortSignal,
): Promise<RedisQueueAdapter | undefined> {
  const connecting = ctx.connect(options, { patient: true });
  const c = options.connection;
  const note = setTimeout(() => {
    ctx.io.stderr.write(`${new Date().toISOString()} waiting for Redis at ${c.display} (up to ${c.connectTimeoutMs / 1000} s)\n`);
  }, WAITING_NOTE_MS);
  try {
    const adapter = await Promise.race([connecting, untilAborted(signal).then(() => undefined)]);
    // Stopped first: close the connection should it still come.
    if (!adapter)
      connecting.then(
        (a) => a.close(),
        () => undefined,
      );
    return adapter;
  } finally {
    clearTimeout(note);
  }
}

export function registerWorkerCommand(program: Command, { io, context }: CommandDeps): void {
  program
    .command('worker')
    .description('run agent jobs from the queues (threads × jobs per thread) until SIGINT/SIGTERM, then stop gracefully')
    .argument('[queue...]', 'queues to take jobs from (default: workers.queues)')
    .addOption(
      new Option(
        '--workers <mode>',
        'where agents run: threads (isolated worker threads) or inline (on the main thread, for I/O-bound agents; --threads is ignored) (default: workers.workers)',
      ).choices(POOL_WORKERS),
    )
    .option('--threads <n>', 'worker threads, 0 for one per CPU core (default: workers.threads)', integer(0, 1024))
    .option('--concurrency <n>', 'jobs at once per thread, 1-1000 (default: workers.concurrency)', integer(1, 1000))
    .option('--quiet', 'no line per job: a summary every 10 s, and errors')
    .option('--create', 'create the queues named that do not exist yet (else the worker refuses them)')
    .option('--metrics-port <n>', 'serve Prometheus metrics at http://<metrics-host>:<n>/metrics (0: any free port)', integer(0, 65535))
    .addOption(
      new Option('--log-format <format>', 'job and worker lines as text (default) or JSON objects (pino), one a line').choices(LOG_FORMATS),
    )
    .option('--metrics-host <host>', 'address the metrics server listens on (default 127.0.0.1; it has no auth)')
    // For tests: a thread entry that loads TypeScript agents. Also $CONVEYOR_THREAD_ENTRY.
    .addOption(new Option('--thread-entry <path>').hideHelp())
    .action(async (queues: string[], opts: Options, cmd: Command) => {
      const ctx = context(cmd);
      const stopping = new AbortController();
      const unsubscribe = io.onShutdown?.(() => stopping.abort()) ?? (() => undefined);
      try {
        const config = await ctx.config();
        const settings = poolSettings(
          config,
          {
            queues,
            ...(opts.workers === undefined ? {} : { workers: opts.workers }),
            ...(opts.threads === undefined ? {} : { threads: opts.threads }),
            ...(opts.concurrency === undefined ? {} : { concurrency: opts.concurrency }),
            ...(opts.threadEntry === undefined ? {} : { threadEntry: opts.threadEntry }),
          },
          io,
        );
        const adapter = await connectPatiently(ctx, config.options, stopping.signal);
        if (!adapter) {
          io.stdout.write(`${new Date().toISOString()} stopped before Redis answered\n`);
          return;
        }
        const scheduler = await startConfiguredScheduler(
          adapter,
          config.loaded.config,
          (line) => io.stderr.write(`${line}\n`),
          config.loaded.path,
        );
        try {
          if (opts.create !== true) await checkQueuesExist(adapter, [...new Set(queues)]);
          for (const note of await applyLimitsConfig(adapter.limits, config.loaded.config.limits, await adapter.listQueues()))
            io.stderr.write(`${note}\n`);
          const pool = new WorkerPool({ adapter, ...settings });
          const json = opts.logFormat === 'json' ? jsonLogger(io.stdout) : undefined;
          const say = (line: string): void => void (json ? json.info(line) : io.stdout.write(`${new Date().toISOString()} ${line}\n`));
          const metrics = await serveMetrics(adapter, pool, settings.queues, opts, say, config.loaded.config.metrics);
          try {
            await runPool(pool, io, stopping.signal, {
              quiet: opts.quiet === true,
              target: config.options.connection.display,
              keyPrefix: config.options.keyPrefix,
              queues: settings.queues,
              shutdownTimeoutMs: settings.shutdownTimeoutMs,
              ...(opts.logFormat === undefined ? {} : { logFormat: opts.logFormat }),
            });
          } finally {
            await metrics.close();
          }
        } finally {
          await scheduler.stop();
          await until(Date.now() + CLOSE_MS, adapter.close());
        }
      } finally {
        unsubscribe();
      }
    });
}
