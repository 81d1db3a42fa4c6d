/**
 * `conveyor dev`, the `make dev` and `npm start` entry: makes Redis reachable,
 * reports which one and the queues' status, then opens the control center
 * (whose core runs the local worker pool unless --no-worker):
 *   - the desktop app, when an Electron binary and a display are available;
 *     `dev` ends when it quits, and stops it on SIGINT/SIGTERM;
 *   - else (or with --web, or when the app dies at start-up) web mode in this
 *     process, as `conveyor serve` runs it: the URL is printed, then a line per
 *     job state change, until SIGINT/SIGTERM.
 * A private redis-server that `dev` started stops with it.
 */
import { Option, type Command } from 'commander';
import { ConveyorError, ErrorCode } from '../../../src-shared/errors';
import { defaultStaticDir, serveControlCenter } from '../../transport/serve';
import { untilAborted } from '../abort';
import { describeConfigSource, type ResolvedConfig } from '../context';
import { ControlCenterLog } from '../dev/control-center-log';
import { describeExit, DesktopApp, desktopMainScript } from '../dev/desktop-app';
import { chooseLaunchMode, type LaunchMode } from '../dev/launch-mode';
import { provisionRedis, type ProvisionedRedis } from '../dev/redis-provisioner';
import type { CliIo } from '../io';
import { formatFields, oneLine } from '../output';
import { integer } from '../parsers';
import { withPortOption } from '../port-error';
import { poolSettings } from '../worker/pool-settings';
import type { CommandDeps } from './command-context';
import { queueInfos } from './queue';
import { DEFAULT_SERVE_PORT } from './serve';
import { printQueues } from './status';
import { followCoreScheduler } from '../../schedules/core-scheduler';

interface Options {
  once?: boolean;
  docker: boolean;
  worker: boolean;
  web?: boolean;
  port: number;
  electron?: string;
}

/** A desktop app that fails sooner than this after its launch is taken as unable to start: web mode instead. */
const EARLY_EXIT_MS = 5000;

interface ControlCenterRun {
  io: CliIo;
  config: ResolvedConfig;
  /** The core's environment: REDIS_URL names the Redis `dev` found when the config alone does not. */
  env: NodeJS.ProcessEnv;
  /** false: --no-worker; an object: the pool's thread entry. */
  pool: false | { threadEntry: string };
  signal: AbortSignal;
}

function messageOf(err: unknown): string {
  return oneLine(err instanceof Error ? err.message : String(err));
}

/** Runs the desktop app to its end; returns why web mode must stand in when it could not start. */
async function runDesktop(run: ControlCenterRun, electron: string): Promise<string | undefined> {
  const { io, signal } = run;
  io.stdout.write(`\nopening the desktop app (${electron}); quit it or press Ctrl+C to stop\n`);
  let app: DesktopApp;
  try {
    app = await DesktopApp.start({
      electron,
      args: ['--config', run.config.location.path, ...(run.pool ? [] : ['--no-worker'])],
      env: run.env,
      cwd: io.cwd,
      stdout: io.stdout,
      stderr: io.stderr,
    });
  } catch (err) {
    return `the desktop app could not be started (${messageOf(err)})`;
  }
  const stop = (): void => {
    io.stdout.write('stopping the desktop app\n');
    app.stop();
  };
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
  const exit = await app.exited;
  signal.removeEventListener('abort', stop);
  if (signal.aborted) return undefined;
  if (exit.code === 0) {
    io.stdout.write('the desktop app has quit\n');
    return undefined;
  }
  const why = `${describeExit(exit)}${exit.lastError ? `: ${oneLine(exit.lastError)}` : ''}`;
  if (exit.ms < EARLY_EXIT_MS) return `the desktop app quit at start-up (${why})`;
  throw new ConveyorError(ErrorCode.Internal, `the desktop app quit with ${why}`, { code: exit.code, signal: exit.signal });
}

/** Serves the control center in this process until the signal, printing its URL and its events. */
async function runWeb(run: ControlCenterRun, reason: string, port: number): Promise<void> {
  const { io } = run;
  io.stdout.write(`\nweb mode: ${reason}\n`);
  const server = await serveControlCenter({
    configPath: run.config.location.path,
    pool: run.pool,
    port,
    env: run.env,
    log: (line) => io.stderr.write(`${new Date().toISOString()} ${line}\n`),
  }).catch((err: unknown) => {
    throw withPortOption(err);
  });
  const log = new ControlCenterLog(io.stdout);
  const schedules = followCoreScheduler(server.core, run.config.location.path, (line) => io.stderr.write(`${line}\n`));
  try {
    io.stdout.write(`\n    Conveyor control center: ${server.url}\n\nopen it in a browser; Ctrl+C to stop\n`);
    const pool = run.pool ? await server.core.call('pool.status', undefined) : undefined;
    log.follow(server.core, { connection: server.core.connection, ...(pool ? { pool } : {}) });
    await untilAborted(run.signal);
    io.stdout.write(`${new Date().toISOString()} stopping\n`);
  } finally {
    log.close();
    await schedules.stop();
    await server.close();
  }
}

export function registerDevCommand(program: Command, { io, context }: CommandDeps): void {
  program
    .command('dev')
    .description(
      'make Redis reachable (configured, Docker, or a private redis-server), report status, then open the control center: the desktop app, or web mode where there is no Electron binary or no display',
    )
    .option('--once', 'print the report and exit')
    .option('--no-docker', 'do not try docker compose when the configured Redis does not answer')
    .option('--no-worker', 'run no local worker pool')
    .option('--web', 'serve the control center to a browser even where the desktop app could open')
    .option('--port <n>', `web mode's TCP port, 0 for any free one (default ${DEFAULT_SERVE_PORT})`, integer(0, 65535), DEFAULT_SERVE_PORT)
    // For tests: this Electron binary instead of the electron package's.
    .addOption(new Option('--electron <path>').hideHelp())
    .action(async (opts: Options, cmd: Command) => {
      const ctx = context(cmd);
      const stopping = new AbortController();
      const unsubscribe = opts.once ? () => undefined : (io.onShutdown?.(() => stopping.abort()) ?? (() => undefined));
      let redis: ProvisionedRedis | undefined;
      let launch: LaunchMode | undefined;
      try {
        const config = await ctx.config();
        // Before Redis is provisioned, so a missing build fails at once.
        const pool = opts.worker && !opts.once ? { threadEntry: poolSettings(config, {}, io).threadEntry } : false;
        if (!opts.once) {
          launch = chooseLaunchMode({ web: opts.web === true, electron: opts.electron, env: io.env });
          if (launch.mode === 'desktop') desktopMainScript();
          else defaultStaticDir();
        }
        redis = await provisionRedis(ctx, {
          docker: opts.docker,
          log: (line) => io.stderr.write(`conveyor: ${line}\n`),
          signal: stopping.signal,
        });
        // The pool's queues show in the report from the start.
        if (pool) for (const q of config.loaded.config.workers.queues) await redis.adapter.createQueue(q);
        const queues = await queueInfos(redis.adapter);
        io.stdout.write(
          formatFields([
            [
              'config',
              `${config.loaded.path} (${describeConfigSource(config.location.source)}${config.loaded.exists ? '' : '; not found, using defaults'})`,
            ],
            ['redis', redis.display],
            ['via', redis.how],
            ['connection', redis.adapter.connected ? 'ok' : 'down'],
            ['key prefix', config.options.keyPrefix],
            ['REDIS_URL', redis.url === undefined ? undefined : `${redis.url} (how other processes reach this Redis)`],
          ]),
        );
        io.stdout.write('\n');
        printQueues(io.stdout, queues);
        if (!launch || stopping.signal.aborted) return;
        // The control center makes connections of its own.
        await redis.adapter.close();
        const run: ControlCenterRun = {
          io,
          config,
          env: redis.url === undefined ? ctx.env : { ...ctx.env, REDIS_URL: redis.url },
          pool,
          signal: stopping.signal,
        };
        const webReason = launch.mode === 'web' ? launch.reason : await runDesktop(run, launch.electron);
        if (webReason !== undefined && !stopping.signal.aborted) await runWeb(run, webReason, opts.port);
      } finally {
        unsubscribe();
        await redis?.adapter.close();
        if (launch && redis?.origin === 'private') io.stdout.write('shutting the private redis-server down\n');
        await redis?.stop();
      }
    });
}
