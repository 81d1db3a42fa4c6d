/**
 * `conveyor dev`, the `make dev` entry: makes Redis reachable, reports which
 * one and the queues' status, then runs a worker pool on `workers.queues`
 * (unless --no-worker) and follows the queues until SIGINT/SIGTERM.
 * (Later: also the desktop app.)
 */
import type { Command } from 'commander';
import { WorkerPool } from '../../pool/pool';
import { describeConfigSource } from '../context';
import { provisionRedis, type ProvisionedRedis } from '../dev/redis-provisioner';
import { QueueMonitor } from '../dev/queue-monitor';
import { formatFields } from '../output';
import { poolSettings, type PoolSettings } from '../worker/pool-settings';
import { runPool } from '../worker/run-pool';
import type { CommandDeps } from './command-context';
import { queueInfos } from './queue';
import { printQueues } from './status';

interface Options {
  once?: boolean;
  docker: boolean;
  worker: boolean;
}

export function registerDevCommand(program: Command, { io, context }: CommandDeps): void {
  program
    .command('dev')
    .description('make Redis reachable (configured, Docker, or a private redis-server), report status, then run a worker and follow the queues')
    .option('--once', 'print the report and exit')
    .option('--no-docker', 'do not try docker compose when the configured Redis does not answer')
    .option('--no-worker', 'only follow the queues; run no worker pool')
    .action(async (opts: Options, cmd: Command) => {
      const ctx = context(cmd);
      const stopping = new AbortController();
      const unsubscribe = opts.once ? () => undefined : (io.onShutdown?.(() => stopping.abort()) ?? (() => undefined));
      let redis: ProvisionedRedis | undefined;
      try {
        const config = await ctx.config();
        // Before Redis is provisioned, so a missing build fails at once.
        const worker: PoolSettings | undefined = opts.worker && !opts.once ? poolSettings(config, {}, io) : undefined;
        redis = await provisionRedis(ctx, {
          docker: opts.docker,
          log: (line) => io.stderr.write(`conveyor: ${line}\n`),
          signal: stopping.signal,
        });
        // The worker's queues show in the report and are followed from the start.
        for (const q of worker?.queues ?? []) await redis.adapter.createQueue(q);
        const queues = await queueInfos(redis.adapter);
        io.stdout.write(
          formatFields([
            ['config', `${config.loaded.path} (${describeConfigSource(config.location.source)}${config.loaded.exists ? '' : '; not found, using defaults'})`],
            ['redis', redis.display],
            ['via', redis.how],
            ['connection', redis.adapter.connected ? 'ok' : 'down'],
            ['key prefix', config.options.keyPrefix],
            ['REDIS_URL', redis.url === undefined ? undefined : `${redis.url} (how other processes reach this Redis)`],
          ]),
        );
        io.stdout.write('\n');
        printQueues(io.stdout, queues);
        if (opts.once || stopping.signal.aborted) return;
        io.stdout.write('\nfollowing the queues; Ctrl+C to stop\n');
        const adapter = redis.adapter;
        const running = [new QueueMonitor(adapter, io.stdout).run(stopping.signal)];
        if (worker) {
          const pool = new WorkerPool({ adapter, ...worker });
          const options = { quiet: false, target: redis.display, keyPrefix: config.options.keyPrefix, queues: worker.queues, shutdownTimeoutMs: worker.shutdownTimeoutMs };
          running.push(
            runPool(pool, adapter, io, stopping.signal, options).catch((err: unknown) => {
              // A pool that cannot run ends `dev` with its error.
              stopping.abort();
              throw err;
            }),
          );
        }
        // Both end before the adapter closes; the first error is the command's.
        const ended = await Promise.allSettled(running);
        const failed = ended.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
        io.stdout.write(redis.origin === 'private' ? 'stopping; shutting the private redis-server down\n' : 'stopping\n');
      } finally {
        unsubscribe();
        await redis?.adapter.close();
        await redis?.stop();
      }
    });
}
