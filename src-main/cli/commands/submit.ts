/**
 * What `enqueue` and `run` share: the job options, reading the input (with
 * its JSON warning), and the warning for an agent no live worker of the
 * queue advertises.
 */
import type { Command } from 'commander';
import { ConveyorError, ErrorCode } from '../../../src-shared/errors';
import { agentItem } from '../../../src-shared/item-schema';
import type { EnqueueOptions } from '../../../src-shared/job';
import type { QueuePort } from '../../queue/port';
import type { CliContext } from '../context';
import { readAll, type CliIo } from '../io';
import { integer, parseInput } from '../parsers';

export interface SubmitOptions {
  priority?: number;
  delay?: number;
  id?: string;
  wait?: number;
  text?: boolean;
}

/** The arguments and options of a job submission, on `command`. */
export function submitArguments(command: Command): Command {
  return command
    .argument('<queue>', 'queue name')
    .argument('<agent>', 'agent that runs the job')
    .argument('[input]', 'job input: JSON if it parses, else the text itself; "-" reads stdin (default: null)')
    .option('--text', 'the input is text, even if it looks like JSON')
    .option('--priority <n>', 'higher runs first, -1000000 to 1000000', integer(-1_000_000, 1_000_000))
    .option('--delay <ms>', 'run no sooner than this many milliseconds from now', integer(0))
    .option('--id <key>', 'job id and idempotency key: enqueueing the same id again adds nothing')
    .option('--wait <ms>', 'when the queue is full, wait up to this long for room instead of failing', integer(0));
}

/** The job input of `[input]`: stdin for "-", null when absent; a JSON-looking typo is warned about. */
export async function readJobInput(ctx: CliContext, io: CliIo, arg: string | undefined, opts: SubmitOptions): Promise<unknown> {
  if (arg === undefined) return null;
  let text = arg;
  if (arg === '-') {
    if (!io.stdin) throw new ConveyorError(ErrorCode.ItemInvalid, 'input "-" reads stdin, but there is no stdin');
    text = await readAll(io.stdin);
  }
  const parsed = parseInput(text, { fromStdin: arg === '-', asText: opts.text === true });
  if (parsed.warning) ctx.warnOnce(parsed.warning);
  return parsed.value;
}

/**
 * Why `agent` may never run on `queue`: live workers of the queue advertise
 * their agents, and none has it. Undefined when one has it, or when no live
 * worker says (none running, or all from before workers advertised agents).
 */
export async function unknownAgentWarning(adapter: QueuePort, queue: string, agent: string): Promise<string | undefined> {
  const workers = (await adapter.listWorkers()).filter((w) => w.queues.includes(queue) && w.agents !== undefined && w.agents.length > 0);
  if (workers.length === 0) return undefined;
  const known = [...new Set(workers.flatMap((w) => w.agents ?? []))].sort();
  if (known.includes(agent)) return undefined;
  const n = workers.length;
  return `no live worker of queue "${queue}" advertises agent "${agent}" (${n === 1 ? 'its live worker advertises' : `its ${n} live workers advertise`} ${known.join(', ')}); enqueued anyway, for a worker that may start later`;
}

/** Enqueues the job {agent, input}, then warns when no live worker knows the agent; resolves to its id. */
export async function submitJob(
  ctx: CliContext,
  adapter: QueuePort,
  job: { queue: string; agent: string; input: unknown },
  opts: SubmitOptions,
): Promise<string> {
  const enqueueOpts: EnqueueOptions = {};
  if (opts.priority !== undefined) enqueueOpts.priority = opts.priority;
  if (opts.delay !== undefined) enqueueOpts.delayMs = opts.delay;
  if (opts.id !== undefined) enqueueOpts.jobId = opts.id;
  if (opts.wait !== undefined) enqueueOpts.waitMs = opts.wait;
  const id = await adapter.enqueue(job.queue, agentItem(job.agent, job.input), enqueueOpts);
  // After the enqueue, so a missing queue is reported as that, not as a worker question.
  const warning = await unknownAgentWarning(adapter, job.queue, job.agent).catch(() => undefined);
  if (warning) ctx.warnOnce(warning);
  return id;
}
