/** `conveyor queue create|ls`. */
import type { Command } from 'commander';
import { QueueNotFoundError } from '../../../src-shared/errors';
import type { QueueInfo, QueueOptions } from '../../../src-shared/job';
import type { QueuePort } from '../../queue/port';
import { queuedCount } from '../../../src-shared/job';
import { formatTable, printJson, type Column } from '../output';
import { integer } from '../parsers';
import type { CommandDeps } from './command-context';

export const QUEUE_COLUMNS: Column<QueueInfo>[] = [
  { header: 'NAME', value: (q) => q.name },
  { header: 'PAUSED', value: (q) => q.paused },
  { header: 'WAITING', value: (q) => queuedCount(q.counts) },
  { header: 'ACTIVE', value: (q) => q.counts.active },
  { header: 'DELAYED', value: (q) => q.counts.delayed },
  { header: 'COMPLETED', value: (q) => q.counts.completed },
  { header: 'DEAD', value: (q) => q.counts.dead },
  { header: 'CANCELLED', value: (q) => q.counts.cancelled },
];

/** Info on each named queue (all when none given); a name whose queue was deleted meanwhile is skipped. */
export async function queueInfos(adapter: QueuePort, names?: string[]): Promise<QueueInfo[]> {
  const infos = await Promise.all(
    (names ?? (await adapter.listQueues())).map((name) =>
      adapter.getQueueInfo(name).catch((err: unknown) => {
        if (names === undefined && err instanceof QueueNotFoundError) return undefined;
        throw err;
      }),
    ),
  );
  return infos.filter((q): q is QueueInfo => q !== undefined);
}

interface CreateOptions {
  maxLength?: number;
  maxRetries?: number;
}

export function registerQueueCommands(program: Command, { io, context }: CommandDeps): void {
  const queue = program.command('queue').description('create and list queues');

  queue
    .command('create')
    .description('create a queue (or update the given options of an existing one)')
    .argument('<name>', "queue name: 1-100 letters, digits, '.', '_' or '-'")
    .option('--max-length <n>', 'most jobs waiting or delayed at once (default: queue.max_length)', integer(1))
    .option('--max-retries <n>', 'retries after the first attempt (default: queue.max_retries)', integer(0))
    .action(async (name: string, opts: CreateOptions, cmd: Command) => {
      const given: Partial<QueueOptions> = {};
      if (opts.maxLength !== undefined) given.maxLength = opts.maxLength;
      if (opts.maxRetries !== undefined) given.maxRetries = opts.maxRetries;
      const info = await context(cmd).withAdapter((adapter) => adapter.createQueue(name, given));
      io.stdout.write(`queue ${info.name}: max length ${info.options.maxLength}, max retries ${info.options.maxRetries}\n`);
    });

  queue
    .command('ls')
    .alias('list')
    .description('list queues with their job counts')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const infos = await context(cmd).withAdapter((adapter) => queueInfos(adapter));
      if (opts.json) return printJson(io.stdout, infos);
      if (infos.length === 0) {
        io.stdout.write('no queues; create one with: conveyor queue create NAME\n');
        return;
      }
      io.stdout.write(formatTable(QUEUE_COLUMNS, infos));
    });
}
