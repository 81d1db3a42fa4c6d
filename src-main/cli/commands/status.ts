/** `conveyor status [queue]`: where Redis is, whether it answers, and each queue's counts and options. */
import type { Command } from 'commander';
import type { QueueInfo, QueueOptions } from '../../../src-shared/job';
import type { ConfigSource } from '../../config/config-lookup';
import { describeConfigSource, type ResolvedConfig } from '../context';
import type { CliWritable } from '../io';
import { formatFields, formatTable, printJson } from '../output';
import type { CommandDeps } from './command-context';
import { QUEUE_COLUMNS, queueInfos } from './queue';

export interface StatusReport {
  config: { path: string; exists: boolean; source: ConfigSource };
  redis: { target: string; source: string; connected: boolean; keyPrefix: string };
  queues: QueueInfo[];
}

export function statusReport(config: ResolvedConfig, connected: boolean, queues: QueueInfo[]): StatusReport {
  return {
    config: { path: config.loaded.path, exists: config.loaded.exists, source: config.location.source },
    // `display` never holds the password.
    redis: { target: config.options.connection.display, source: config.targetSource, connected, keyPrefix: config.options.keyPrefix },
    queues,
  };
}

export function describeOptions(o: QueueOptions): string {
  const backoff =
    o.backoff.type === 'fixed' ? `fixed ${o.backoff.delayMs}ms` : `exponential ${o.backoff.delayMs}-${o.backoff.maxDelayMs}ms`;
  const { completed, dead } = o.retention;
  return [
    `max length ${o.maxLength}`,
    `max retries ${o.maxRetries}`,
    `lease ${o.leaseMs}ms`,
    `backoff ${backoff}`,
    `keep completed ${completed.count}/${completed.ageS}s`,
    `keep dead ${dead.count}/${dead.ageS}s`,
  ].join(', ');
}

/** The queue table, then one options line per queue. */
export function printQueues(out: CliWritable, queues: QueueInfo[]): void {
  if (queues.length === 0) {
    out.write('no queues; create one with: conveyor queue create NAME\n');
    return;
  }
  out.write(formatTable(QUEUE_COLUMNS, queues));
  out.write('\n');
  for (const q of queues) out.write(`${q.name}: ${describeOptions(q.options)}\n`);
}

export function registerStatusCommand(program: Command, { io, context }: CommandDeps): void {
  program
    .command('status')
    .description('show the Redis target, whether it answers, and the status of each queue')
    .argument('[queue]', 'only this queue')
    .option('--json', 'print JSON')
    .action(async (queue: string | undefined, opts: { json?: boolean }, cmd: Command) => {
      const report = await context(cmd).withAdapter(async (adapter, config) =>
        statusReport(config, adapter.connected, await queueInfos(adapter, queue === undefined ? undefined : [queue])),
      );
      if (opts.json) return printJson(io.stdout, report);
      io.stdout.write(
        formatFields([
          [
            'config',
            `${report.config.path} (${describeConfigSource(report.config.source)}${report.config.exists ? '' : '; not found, using defaults'})`,
          ],
          ['redis', `${report.redis.target} (${report.redis.source})`],
          ['connection', report.redis.connected ? 'ok' : 'down'],
          ['key prefix', report.redis.keyPrefix],
        ]),
      );
      io.stdout.write('\n');
      printQueues(io.stdout, report.queues);
    });
}
