/**
 * Web mode in one call: a control core (with a local worker pool unless told
 * otherwise) behind the web transport. `conveyor serve` calls this; so does
 * the e2e test's launcher. Plain Node: nothing here imports electron.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConveyorError, ErrorCode } from '../../src-shared/errors';
import { ControlCore, type ControlCoreOptions } from '../control/control-core';
import { startWebServer, type WebServer } from './web';
import { coreMetrics } from '../observability/core-metrics';

export interface ServeOptions {
  /** config.yml to load and save (a missing file means defaults). */
  configPath: string;
  /** Run a local worker pool from config.yml's `workers:` (default true); an object also overrides pool settings. */
  pool?: ControlCoreOptions['pool'];
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind. Default 127.0.0.1. */
  host?: string;
  /** Access token; default 32 random bytes as hex. */
  token?: string;
  /** The built renderer. Default: out/renderer beside the built main files. */
  staticDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Background notices of the core. */
  log?: (line: string) => void;
  /** Further control core options (timings, for tests). */
  core?: Omit<ControlCoreOptions, 'configPath' | 'pool' | 'env' | 'log'>;
}

export interface ControlCenterServer extends WebServer {
  readonly core: ControlCore;
}

/** out/renderer, wherever this module was bundled to (out/main, out/main/chunks) or run from (src-main/transport). */
export function defaultStaticDir(): string {
  const candidates = [
    join(__dirname, '..', 'renderer'),
    join(__dirname, '..', '..', 'renderer'),
    resolve(__dirname, '..', '..', 'out', 'renderer'),
  ];
  const found = candidates.find((dir) => existsSync(join(dir, 'index.html')));
  if (!found) {
    throw new ConveyorError(ErrorCode.Internal, 'the control center is not built (no out/renderer/index.html): run `npm run build` first', {
      looked: candidates,
    });
  }
  return found;
}

/**
 * Start a control core and serve it. The core is started first (an invalid
 * config.yml throws its ConfigError; an unreachable Redis does not: the page
 * shows it); if the web server cannot start (busy port), the core is closed
 * again and the error is rethrown. `close()` stops both.
 */
export async function serveControlCenter(options: ServeOptions): Promise<ControlCenterServer> {
  const staticDir = options.staticDir ?? defaultStaticDir();
  const core = await ControlCore.start({
    ...options.core,
    configPath: options.configPath,
    pool: options.pool ?? true,
    ...(options.env ? { env: options.env } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  let web: WebServer;
  try {
    web = await startWebServer({
      surface: core,
      staticDir,
      ...(options.port === undefined ? {} : { port: options.port }),
      ...(options.host === undefined ? {} : { host: options.host }),
      ...(options.token === undefined ? {} : { token: options.token }),
      metrics: coreMetrics(core),
    });
  } catch (err) {
    await core.close().catch(() => undefined);
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    url: web.url,
    host: web.host,
    port: web.port,
    token: web.token,
    core,
    close: () => {
      closing ??= (async () => {
        try {
          await web.close();
        } finally {
          await core.close();
        }
      })();
      return closing;
    },
  };
}
