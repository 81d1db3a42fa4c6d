/**
 * `conveyor serve`: the control center in any browser. Serves the built UI
 * and the contract over a WebSocket on 127.0.0.1 (a token in the printed URL
 * is required), with a local worker pool unless `--no-worker`, until
 * SIGINT/SIGTERM.
 */
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { serveControlCenter } from '../../transport/serve';
import { untilAborted } from '../abort';
import { integer } from '../parsers';
import { withPortOption } from '../port-error';
import type { CommandDeps } from './command-context';
import { followCoreScheduler } from '../../schedules/core-scheduler';

export const DEFAULT_SERVE_PORT = 7420;

interface Options {
  port: number;
  host: string;
  worker: boolean;
  threadEntry?: string;
}

export function registerServeCommand(program: Command, { io, context }: CommandDeps): void {
  program
    .command('serve')
    .description('serve the control center to a browser (bound to 127.0.0.1, token in the URL), with a local worker pool')
    .option('--port <n>', `TCP port, 0 for any free one (default ${DEFAULT_SERVE_PORT})`, integer(0, 65535), DEFAULT_SERVE_PORT)
    .option('--host <host>', 'interface to bind; anything but loopback exposes Redis control to that network', '127.0.0.1')
    .option('--no-worker', 'do not run a local worker pool')
    // For tests: a thread entry that loads TypeScript agents. Also $CONVEYOR_THREAD_ENTRY.
    .addOption(new Option('--thread-entry <path>').hideHelp())
    .action(async (opts: Options, cmd: Command) => {
      const ctx = context(cmd);
      const stopping = new AbortController();
      const unsubscribe = io.onShutdown?.(() => stopping.abort()) ?? (() => undefined);
      try {
        const { location } = await ctx.config();
        const given = opts.threadEntry ?? io.env['CONVEYOR_THREAD_ENTRY'];
        const threadEntry = given === undefined ? undefined : resolve(io.cwd, given);
        const server = await serveControlCenter({
          configPath: location.path,
          pool: opts.worker ? (threadEntry ? { threadEntry } : true) : false,
          port: opts.port,
          host: opts.host,
          env: ctx.env,
          log: (line) => io.stderr.write(`${new Date().toISOString()} ${line}\n`),
        }).catch((err: unknown) => {
          throw withPortOption(err);
        });
        const schedules = followCoreScheduler(server.core, location.path, (line) => io.stderr.write(`${line}\n`));
        io.stdout.write(`Conveyor control center: ${server.url}\n`);
        io.stdout.write(`config: ${location.path}; Redis: ${server.core.connection.target} (${server.core.connection.state})\n`);
        await untilAborted(stopping.signal);
        io.stdout.write(`${new Date().toISOString()} stopping\n`);
        await schedules.stop();
        await server.close();
      } finally {
        unsubscribe();
      }
    });
}
