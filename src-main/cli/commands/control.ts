/** `conveyor retry|cancel|remove <queue> <id>` and `conveyor pause|resume <queue>`. */
import type { Command } from 'commander';
import type { CommandDeps } from './command-context';

export function registerControlCommands(program: Command, { io, context }: CommandDeps): void {
  const say = (line: string): void => void io.stdout.write(`${line}\n`);

  program
    .command('retry')
    .description('run a dead or cancelled job again')
    .argument('<queue>', 'queue name')
    .argument('<id>', 'job id')
    .action(async (queue: string, id: string, _opts: unknown, cmd: Command) => {
      await context(cmd).withAdapter((adapter) => adapter.retry(queue, id));
      say(`job ${id}: waiting again`);
    });

  program
    .command('cancel')
    .description('cancel a waiting or delayed job; ask the worker to stop an active one')
    .argument('<queue>', 'queue name')
    .argument('<id>', 'job id')
    .action(async (queue: string, id: string, _opts: unknown, cmd: Command) => {
      const outcome = await context(cmd).withAdapter((adapter) => adapter.cancel(queue, id));
      say(outcome === 'cancelled' ? `job ${id}: cancelled` : `job ${id}: cancel requested; its worker stops it`);
    });

  program
    .command('remove')
    .description('delete a job that is not active')
    .argument('<queue>', 'queue name')
    .argument('<id>', 'job id')
    .action(async (queue: string, id: string, _opts: unknown, cmd: Command) => {
      await context(cmd).withAdapter((adapter) => adapter.remove(queue, id));
      say(`job ${id}: removed`);
    });

  program
    .command('pause')
    .description('stop handing out jobs of a queue (enqueueing still works)')
    .argument('<queue>', 'queue name')
    .action(async (queue: string, _opts: unknown, cmd: Command) => {
      await context(cmd).withAdapter((adapter) => adapter.pause(queue));
      say(`queue ${queue}: paused`);
    });

  program
    .command('resume')
    .description('hand out jobs of a paused queue again')
    .argument('<queue>', 'queue name')
    .action(async (queue: string, _opts: unknown, cmd: Command) => {
      await context(cmd).withAdapter((adapter) => adapter.resume(queue));
      say(`queue ${queue}: resumed`);
    });
}
