/** `conveyor enqueue <queue> <agent> [input|-]`: prints the job id, nothing else. */
import type { Command } from 'commander';
import type { CommandDeps } from './command-context';
import { readJobInput, submitArguments, submitJob, type SubmitOptions } from './submit';

export function registerEnqueueCommand(program: Command, { io, context }: CommandDeps): void {
  submitArguments(program.command('enqueue').description('add an agent job {agent, input} to a queue and print its id')).action(
    async (queue: string, agent: string, inputArg: string | undefined, opts: SubmitOptions, cmd: Command) => {
      const ctx = context(cmd);
      const input = await readJobInput(ctx, io, inputArg, opts);
      const id = await ctx.withAdapter((adapter) => submitJob(ctx, adapter, { queue, agent, input }, opts));
      io.stdout.write(`${id}\n`);
    },
  );
}
