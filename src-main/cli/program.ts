/**
 * The `conveyor` command line as a commander program built around injected
 * IO, so tests run it in-process: `runCli(argv, io)` resolves to the exit code.
 */
import { Command, CommanderError } from 'commander';
import { registerControlCommands } from './commands/control';
import { registerDevCommand } from './commands/dev';
import { registerEnqueueCommand } from './commands/enqueue';
import { registerFlowCommands } from './commands/flow';
import { registerJobCommands } from './commands/job';
import { registerLimitCommands } from './commands/limit';
import { registerQueueCommands } from './commands/queue';
import { registerServeCommand } from './commands/serve';
import { registerStatusCommand } from './commands/status';
import { registerWorkerCommand } from './commands/worker';
import { registerWorkersCommand } from './commands/workers';
import { registerScheduleCommands } from './commands/schedule';
import type { CommandDeps } from './commands/command-context';
import { registerRunCommand } from './commands/run';
import { registerCompletionCommand } from './commands/completion';
import { CliContext, type GlobalOptions } from './context';
import { CliExit, EXIT_ERROR, EXIT_OK, EXIT_USAGE } from './exit';
import type { CliIo } from './io';
import { formatError, oneLine } from './output';
import { packageVersion } from './version';

export { EXIT_ERROR, EXIT_OK, EXIT_USAGE } from './exit';

const HELP_AFTER = `
Config: --config PATH, else $CONVEYOR_CONFIG, else ./config.yml, else the user config folder.
Redis: --redis-url, else $REDIS_URL, else config.yml's queue: section.`;

export function buildProgram(io: CliIo): Command {
  const program = new Command('conveyor');
  program
    .description('Conveyor: a Redis-backed queue of agent jobs')
    // Before any subcommand is added: subcommands copy these settings.
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
      outputError: (s, write) => write(`conveyor: ${oneLine(s.replace(/^error: /, ''))}\n`),
    })
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--config <path>', 'config file')
    .option('--redis-url <url>', 'Redis to use, overriding the config (redis:// or rediss://)')
    .option('--debug', 'on errors, print the stack too')
    .addHelpText('after', HELP_AFTER);

  const deps: CommandDeps = {
    io,
    context: (command) => new CliContext(io, command.optsWithGlobals<GlobalOptions>()),
  };
  registerQueueCommands(program, deps);
  registerEnqueueCommand(program, deps);
  registerStatusCommand(program, deps);
  registerJobCommands(program, deps);
  registerControlCommands(program, deps);
  registerWorkerCommand(program, deps);
  registerWorkersCommand(program, deps);
  registerServeCommand(program, deps);
  registerDevCommand(program, deps);
  registerRunCommand(program, deps);
  registerCompletionCommand(program, deps);
  registerScheduleCommands(program, deps);
  registerFlowCommands(program, deps);
  registerLimitCommands(program, deps);
  return program;
}

/** Runs one command line (without `node` and the script); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (err) {
    // Commander has printed its own message (usage errors) or the help/version text.
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    if (err instanceof CliExit) {
      if (err.message) io.stderr.write(`conveyor: ${err.message}\n`);
      return err.code;
    }
    const debug = program.opts<GlobalOptions>().debug === true || argv.includes('--debug');
    io.stderr.write(formatError(err, debug));
    return EXIT_ERROR;
  }
}
