/**
 * Which config.yml to use, and where Conveyor keeps its own data. Pure apart
 * from one existence check, with every input injectable so tests can play any
 * platform.
 */
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Which rule picked the file, in priority order. */
export type ConfigSource = 'argument' | 'env' | 'cwd' | 'user';

export interface ConfigLocation {
  /** Absolute path. May not exist: the `user` location is also where a first save goes. */
  path: string;
  source: ConfigSource;
}

export interface LookupOptions {
  /** The `--config PATH` value, if given. */
  explicitPath?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  platform?: NodeJS.Platform;
  homedir?: string;
  /** Injected for tests. */
  exists?: (file: string) => boolean;
}

const CONFIG_FILE = 'config.yml';

/** The `--config PATH` / `--config=PATH` value from an argv, for entry points without a CLI parser (Electron). */
export function configPathFromArgv(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--config') return argv[i + 1];
    if (arg?.startsWith('--config=')) return arg.slice('--config='.length);
  }
  return undefined;
}

/**
 * `--config PATH`, then `$CONVEYOR_CONFIG`, then `./config.yml` if it exists,
 * then the per-user config folder. The first two are returned even when the
 * file is missing: the caller asked for that file (load it with `required`).
 */
export function findConfigFile(options: LookupOptions = {}): ConfigLocation {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const exists = options.exists ?? existsSync;
  const p = pathFor(options.platform ?? process.platform);

  if (options.explicitPath) return { path: p.resolve(cwd, options.explicitPath), source: 'argument' };
  const fromEnv = env.CONVEYOR_CONFIG;
  if (fromEnv) return { path: p.resolve(cwd, fromEnv), source: 'env' };
  const local = p.resolve(cwd, CONFIG_FILE);
  if (exists(local)) return { path: local, source: 'cwd' };
  return { path: p.join(userConfigDir(options), CONFIG_FILE), source: 'user' };
}

/** `$XDG_CONFIG_HOME/conveyor` or `~/.config/conveyor`; `~/Library/Application Support/Conveyor`; `%APPDATA%\Conveyor`. */
export function userConfigDir(options: Omit<LookupOptions, 'explicitPath' | 'cwd' | 'exists'> = {}): string {
  const { env, platform, home, p } = context(options);
  if (platform === 'darwin') return p.join(home, 'Library', 'Application Support', 'Conveyor');
  if (platform === 'win32') return p.join(env.APPDATA || p.join(home, 'AppData', 'Roaming'), 'Conveyor');
  return p.join(xdg(env.XDG_CONFIG_HOME, p) ?? p.join(home, '.config'), 'conveyor');
}

/**
 * Conveyor's own data (e.g. a private redis-server's files):
 * `$XDG_DATA_HOME/conveyor` or `~/.local/share/conveyor`; on macOS the same
 * Application Support folder as the config; on Windows `%LOCALAPPDATA%`, not
 * the roaming `%APPDATA%`, so a Redis dump is not copied around with the profile.
 */
export function userDataDir(options: Omit<LookupOptions, 'explicitPath' | 'cwd' | 'exists'> = {}): string {
  const { env, platform, home, p } = context(options);
  if (platform === 'darwin') return p.join(home, 'Library', 'Application Support', 'Conveyor');
  if (platform === 'win32') return p.join(env.LOCALAPPDATA || p.join(home, 'AppData', 'Local'), 'Conveyor');
  return p.join(xdg(env.XDG_DATA_HOME, p) ?? p.join(home, '.local', 'share'), 'conveyor');
}

function context(options: Omit<LookupOptions, 'explicitPath' | 'cwd' | 'exists'>) {
  const platform = options.platform ?? process.platform;
  return {
    env: options.env ?? process.env,
    platform,
    home: options.homedir ?? os.homedir(),
    p: pathFor(platform),
  };
}

/** Windows paths must be joined the Windows way even when a test runs on Linux. */
function pathFor(platform: NodeJS.Platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix;
}

/** The XDG spec says relative values are invalid and must be ignored. */
function xdg(value: string | undefined, p: path.PlatformPath): string | undefined {
  return value && p.isAbsolute(value) ? value : undefined;
}
