/**
 * The life of a worker pool under `conveyor worker`:
 * start it, print the start line, log its events, and on `signal` stop it
 * gracefully. A fatal pool error (threads dying at start-up) stops it and is thrown.
 */
import { PoolError } from '../../pool/errors';
import type { PoolEvent, WorkerPool } from '../../pool/pool';
import { untilAborted } from '../abort';
import type { CliIo } from '../io';
import { oneLine, warn } from '../output';
import type { LogFormat } from '../../observability/logger';
import { PoolLog } from './pool-log';

export interface RunPoolOptions {
  /** No line per job: a summary every `summaryMs` (default 10 s), thread deaths and errors. */
  quiet: boolean;
  summaryMs?: number;
  /** For the start line: the Redis target (never with a password) and the key prefix. */
  target: string;
  keyPrefix: string;
  queues: string[];
  /** For the stopping line. */
  shutdownTimeoutMs: number;
  /** 'json': pino lines (observability/logger.ts). Default 'text'. */
  logFormat?: LogFormat;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `worker host:123:ab12cd started: redis redis://127.0.0.1:6379/0, key prefix conveyor, queues jobs, 2 threads × 8 jobs, agents echo, sleep`. */
export function startLine(pool: WorkerPool, opts: RunPoolOptions): string {
  const { threads, concurrency } = pool.size;
  const agents = pool.agents.agents.map((a) => a.name);
  return [
    `worker ${pool.workerId} started: redis ${opts.target}`,
    `key prefix ${opts.keyPrefix}`,
    `queues ${opts.queues.join(', ')}`,
    pool.workers === 'inline'
      ? `inline (main thread) × ${plural(concurrency, 'job')}`
      : `${plural(threads, 'thread')} × ${plural(concurrency, 'job')}`,
    `agents ${agents.length > 0 ? agents.join(', ') : 'none'}`,
  ].join(', ');
}

/** Runs `pool` until `signal` aborts; resolves once it has stopped. */
export async function runPool(pool: WorkerPool, io: CliIo, signal: AbortSignal, opts: RunPoolOptions): Promise<void> {
  const log = new PoolLog(io.stdout, io.stderr, {
    quiet: opts.quiet,
    ...(opts.summaryMs === undefined ? {} : { summaryMs: opts.summaryMs }),
    stats: () => pool.stats,
    ...(opts.logFormat === undefined ? {} : { format: opts.logFormat }),
  });
  let fail!: (err: PoolError) => void;
  const fatal = new Promise<PoolError>((resolve) => (fail = resolve));
  // Events of the start-up come after the start line, or not at all when the
  // start fails: its error says it all, once.
  let early: PoolEvent[] | undefined = [];
  // A PoolError ends the run and is printed once, as the command's error.
  const onEvent = (e: PoolEvent): void => {
    if (e.type === 'error' && e.error instanceof PoolError) fail(e.error);
    else if (early) early.push(e);
    else log.onEvent(e);
  };
  pool.on('event', onEvent);
  try {
    await pool.start();
    log.info(startLine(pool, opts));
    for (const e of pool.agents.errors) warn(io.stderr, `agent not loaded: ${e.path}: ${oneLine(e.error)}`);
    for (const e of early) log.onEvent(e);
    early = undefined;
    log.start();
    const failed = await Promise.race([untilAborted(signal).then(() => undefined), fatal]);
    if (failed) throw failed;
    const running = pool.stats.running;
    log.info(
      running === 0
        ? 'stopping'
        : `stopping: waiting up to ${opts.shutdownTimeoutMs} ms for ${plural(running, 'running job')}, then handing back what is unfinished (signal again to quit at once)`,
    );
    await pool.stop();
    const s = pool.stats;
    log.info(`stopped: ${s.processed} completed, ${s.failed} failed`);
  } finally {
    // Idempotent: a no-op after the stop above, a cleanup after an error.
    await pool.stop();
    log.close();
    pool.off('event', onEvent);
  }
}
