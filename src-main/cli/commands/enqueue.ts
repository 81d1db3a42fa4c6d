/** `conveyor enqueue <queue> <agent> [input|-]`: prints the job id, nothing else. */
import type { Command } from 'commander';
import { ConveyorError, ErrorCode } from '../../../src-shared/errors';
import { agentItem } from '../../../src-shared/item-schema';
import type { EnqueueOptions } from '../../../src-shared/job';
import { readAll } from '../io';
import { integer, parseInput } from '../parsers';
import type { CommandDeps } from './command-context';

interface Options {
  priority?: number;
  delay?: number;
  id?: string;
  wait?: number;
}

export function registerEnqueueCommand(program: Command, { io, context }: CommandDeps): void {
  program
    .command('enqueue')
    .description('add an agent job {agent, input} to a queue and print its id')
    .argument('<queue>', 'queue name')
    .argument('<agent>', 'agent that runs the job')
    .argument('[input]', 'job input: JSON if it parses, else the text itself; "-" reads stdin (default: null)')
    .option('--priority <n>', 'higher runs first, -1000000 to 1000000', integer(-1_000_000, 1_000_000))
    .option('--delay <ms>', 'run no sooner than this many milliseconds from now', integer(0))
    .option('--id <key>', 'job id and idempotency key: enqueueing the same id again adds nothing')
    .option('--wait <ms>', 'when the queue is full, wait up to this long for room instead of failing', integer(0))
    .action(async (queue: string, agent: string, inputArg: string | undefined, opts: Options, cmd: Command) => {
      const input = await readInput(inputArg, io.stdin);
      const enqueueOpts: EnqueueOptions = {};
      if (opts.priority !== undefined) enqueueOpts.priority = opts.priority;
      if (opts.delay !== undefined) enqueueOpts.delayMs = opts.delay;
      if (opts.id !== undefined) enqueueOpts.jobId = opts.id;
      if (opts.wait !== undefined) enqueueOpts.waitMs = opts.wait;
      const id = await context(cmd).withAdapter((adapter) => adapter.enqueue(queue, agentItem(agent, input), enqueueOpts));
      io.stdout.write(`${id}\n`);
    });
}

async function readInput(arg: string | undefined, stdin: AsyncIterable<string | Buffer> | undefined): Promise<unknown> {
  if (arg === undefined) return null;
  if (arg !== '-') return parseInput(arg);
  if (!stdin) throw new ConveyorError(ErrorCode.ItemInvalid, 'input "-" reads stdin, but there is no stdin');
  return parseInput(await readAll(stdin), true);
}
