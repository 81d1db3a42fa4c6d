/**
 * `conveyor dev`, the `make dev` entry: makes Redis reachable, reports which
 * one and the queues' status, then follows the queues until SIGINT/SIGTERM.
 * (Later: also the worker pool and the desktop app.)
 */
import type { Command } from 'commander';
import { describeConfigSource } from '../context';
import { provisionRedis, type ProvisionedRedis } from '../dev/redis-provisioner';
import { QueueMonitor } from '../dev/queue-monitor';
import { formatFields } from '../output';
import type { CommandDeps } from './command-context';
import { queueInfos } from './queue';
import { printQueues } from './status';

interface Options {
  once?: boolean;
  docker: boolean;
}

export function registerDevCommand(program: Command, { io, context }: CommandDeps): void {
  program
    .command('dev')
    .description('make Redis reachable (configured, Docker, or a private redis-server), report status, then follow the queues')
    .option('--once', 'print the report and exit')
    .option('--no-docker', 'do not try docker compose when the configured Redis does not answer')
    .action(async (opts: Options, cmd: Command) => {
      const ctx = context(cmd);
      const stopping = new AbortController();
      const unsubscribe = opts.once ? () => undefined : (io.onShutdown?.(() => stopping.abort()) ?? (() => undefined));
      let redis: ProvisionedRedis | undefined;
      try {
        const config = await ctx.config();
        redis = await provisionRedis(ctx, {
          docker: opts.docker,
          log: (line) => io.stderr.write(`conveyor: ${line}\n`),
          signal: stopping.signal,
        });
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
        await new QueueMonitor(redis.adapter, io.stdout).run(stopping.signal);
        io.stdout.write(redis.origin === 'private' ? 'stopping; shutting the private redis-server down\n' : 'stopping\n');
      } finally {
        unsubscribe();
        await redis?.adapter.close();
        await redis?.stop();
      }
    });
}
