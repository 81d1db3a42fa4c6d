import type { Command } from 'commander';
import type { CliContext } from '../context';
import type { CliIo } from '../io';

/** What each command module gets: the IO and a way to build the context from a command's (global) options. */
export interface CommandDeps {
  io: CliIo;
  context: (command: Command) => CliContext;
}
