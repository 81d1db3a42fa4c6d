/**
 * Which control center `conveyor dev` opens: the desktop app when an Electron
 * binary and a display are available, else web mode (`conveyor serve` in
 * process), with the reason in one line. Every input is injectable, so tests
 * can play any machine.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

export type LaunchMode = { mode: 'desktop'; electron: string } | { mode: 'web'; reason: string };

export interface LaunchModeOptions {
  /** `--web`: web mode whatever is available. */
  web?: boolean;
  /** This Electron binary instead of the electron package's (the hidden `--electron`, for tests). */
  electron?: string;
  env: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** What `require('electron')` gives in plain Node: the binary's path; it throws when the package has none. */
  resolveElectron?: () => unknown;
  exists?: (file: string) => boolean;
}

/** `require('electron')` from plain Node, as the electron npm package answers it. */
export function requireElectronPackage(): unknown {
  return createRequire(__filename)('electron');
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}

/** The Electron binary to launch, or why there is none. */
export function findElectron(options: LaunchModeOptions): { binary: string } | { missing: string } {
  const exists = options.exists ?? existsSync;
  if (options.electron !== undefined) {
    return exists(options.electron) ? { binary: options.electron } : { missing: `${options.electron} does not exist` };
  }
  let resolved: unknown;
  try {
    resolved = (options.resolveElectron ?? requireElectronPackage)();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && /'electron'/.test(firstLine(err))) {
      return { missing: 'the electron package is not installed' };
    }
    // The package throws when its install script wrote no path.txt: the download was skipped or failed.
    return {
      missing: `the electron package has no binary: ELECTRON_SKIP_BINARY_DOWNLOAD or a failed download; \`node node_modules/electron/install.js\` fetches it`,
    };
  }
  if (typeof resolved !== 'string') return { missing: "require('electron') gave no path" };
  return exists(resolved) ? { binary: resolved } : { missing: `${resolved} does not exist` };
}

/** Linux and the BSDs need an X or Wayland server; macOS and Windows always have a desktop. */
export function hasDisplay(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): boolean {
  if (platform === 'darwin' || platform === 'win32') return true;
  return Boolean(env['DISPLAY'] || env['WAYLAND_DISPLAY']);
}

export function chooseLaunchMode(options: LaunchModeOptions): LaunchMode {
  if (options.web) return { mode: 'web', reason: '--web' };
  const found = findElectron(options);
  const reasons: string[] = [];
  if ('missing' in found) reasons.push(`no Electron binary (${found.missing})`);
  if (!hasDisplay(options.env, options.platform)) reasons.push('no display (neither DISPLAY nor WAYLAND_DISPLAY is set)');
  if ('binary' in found && reasons.length === 0) return { mode: 'desktop', electron: found.binary };
  return { mode: 'web', reason: reasons.join('; ') };
}
