/** Which control center `conveyor dev` opens, on any machine: inputs injected, no Redis. */
import { describe, expect, it } from 'vitest';
import { chooseLaunchMode, findElectron, hasDisplay, type LaunchModeOptions } from '../../../src-main/cli/dev/launch-mode';

const BINARY = '/app/node_modules/electron/dist/electron';
const installed = { resolveElectron: () => BINARY, exists: (f: string) => f === BINARY };

function choose(options: Partial<LaunchModeOptions>): ReturnType<typeof chooseLaunchMode> {
  return chooseLaunchMode({ env: {}, platform: 'linux', ...installed, ...options });
}

describe('chooseLaunchMode', () => {
  it('opens the desktop app with a binary and a display (X or Wayland)', () => {
    expect(choose({ env: { DISPLAY: ':0' } })).toEqual({ mode: 'desktop', electron: BINARY });
    expect(choose({ env: { WAYLAND_DISPLAY: 'wayland-0' } })).toEqual({ mode: 'desktop', electron: BINARY });
  });

  it('macOS and Windows always have a display', () => {
    expect(choose({ platform: 'darwin' })).toEqual({ mode: 'desktop', electron: BINARY });
    expect(choose({ platform: 'win32' })).toEqual({ mode: 'desktop', electron: BINARY });
    expect(hasDisplay({}, 'linux')).toBe(false);
    expect(hasDisplay({ DISPLAY: '' }, 'freebsd')).toBe(false);
  });

  it('Linux without DISPLAY or WAYLAND_DISPLAY: web mode, "no display"', () => {
    expect(choose({ env: {} })).toEqual({ mode: 'web', reason: 'no display (neither DISPLAY nor WAYLAND_DISPLAY is set)' });
  });

  it('--web wins over everything', () => {
    expect(choose({ env: { DISPLAY: ':0' }, web: true })).toEqual({ mode: 'web', reason: '--web' });
  });

  it('the electron package without its binary (it throws): web mode, naming the fix', () => {
    const mode = choose({
      env: { DISPLAY: ':0' },
      resolveElectron: () => {
        throw new Error('Electron failed to install correctly, please delete node_modules/electron and try installing again');
      },
    });
    expect(mode).toEqual({
      mode: 'web',
      reason: expect.stringMatching(/^no Electron binary \(the electron package has no binary: .*node node_modules\/electron\/install\.js/),
    });
  });

  it('a path that does not exist, a missing package, and both reasons at once', () => {
    expect(choose({ env: { DISPLAY: ':0' }, exists: () => false })).toEqual({
      mode: 'web',
      reason: `no Electron binary (${BINARY} does not exist)`,
    });
    const notInstalled = (): never => {
      throw Object.assign(new Error("Cannot find module 'electron'"), { code: 'MODULE_NOT_FOUND' });
    };
    expect(findElectron({ env: {}, resolveElectron: notInstalled })).toEqual({ missing: 'the electron package is not installed' });
    expect(choose({ resolveElectron: notInstalled })).toEqual({
      mode: 'web',
      reason: 'no Electron binary (the electron package is not installed); no display (neither DISPLAY nor WAYLAND_DISPLAY is set)',
    });
  });

  it('an explicit binary (--electron) is used as given, if it exists', () => {
    expect(choose({ env: { DISPLAY: ':0' }, electron: '/opt/e', exists: (f) => f === '/opt/e' })).toEqual({
      mode: 'desktop',
      electron: '/opt/e',
    });
    expect(choose({ env: { DISPLAY: ':0' }, electron: '/opt/none' })).toEqual({
      mode: 'web',
      reason: 'no Electron binary (/opt/none does not exist)',
    });
  });

  it('the real resolver (the electron package) answers on this machine: a binary or why not', () => {
    const found = findElectron({ env: {} });
    expect('binary' in found ? found.binary : found.missing).toMatch(/\S/);
  });
});
