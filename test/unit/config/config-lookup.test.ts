import { describe, expect, it } from 'vitest';
import { configPathFromArgv, findConfigFile, userConfigDir, userDataDir, type LookupOptions } from '../../../src-main/config/config-lookup';

/** A Linux user in /work with no config anywhere, unless overridden. */
const base = (over: Partial<LookupOptions> = {}): LookupOptions => ({
  env: {},
  cwd: '/work',
  platform: 'linux',
  homedir: '/home/ada',
  exists: () => false,
  ...over,
});

describe('findConfigFile: lookup order', () => {
  it('uses --config first, over everything else', () => {
    const found = findConfigFile(base({ explicitPath: '/etc/c.yml', env: { CONVEYOR_CONFIG: '/env.yml' }, exists: () => true }));
    expect(found).toEqual({ path: '/etc/c.yml', source: 'argument' });
  });

  it('resolves a relative --config against the working directory', () => {
    expect(findConfigFile(base({ explicitPath: 'conf/c.yml' })).path).toBe('/work/conf/c.yml');
  });

  it('returns the --config path even when it does not exist', () => {
    expect(findConfigFile(base({ explicitPath: '/nope.yml' }))).toEqual({ path: '/nope.yml', source: 'argument' });
  });

  it('uses CONVEYOR_CONFIG next, over ./config.yml', () => {
    const found = findConfigFile(base({ env: { CONVEYOR_CONFIG: '/env.yml' }, exists: () => true }));
    expect(found).toEqual({ path: '/env.yml', source: 'env' });
  });

  it('ignores an empty CONVEYOR_CONFIG', () => {
    expect(findConfigFile(base({ env: { CONVEYOR_CONFIG: '' } })).source).toBe('user');
  });

  it('uses ./config.yml next, if it exists', () => {
    const found = findConfigFile(base({ exists: (f) => f === '/work/config.yml' }));
    expect(found).toEqual({ path: '/work/config.yml', source: 'cwd' });
  });

  it('falls back to the user config folder, whether or not the file exists', () => {
    expect(findConfigFile(base())).toEqual({ path: '/home/ada/.config/conveyor/config.yml', source: 'user' });
  });
});

describe('userConfigDir', () => {
  it('uses $XDG_CONFIG_HOME on Linux', () => {
    expect(userConfigDir(base({ env: { XDG_CONFIG_HOME: '/xdg/config' } }))).toBe('/xdg/config/conveyor');
  });

  it('ignores a relative $XDG_CONFIG_HOME, as the XDG spec says', () => {
    expect(userConfigDir(base({ env: { XDG_CONFIG_HOME: 'rel' } }))).toBe('/home/ada/.config/conveyor');
  });

  it('uses Application Support on macOS', () => {
    expect(userConfigDir(base({ platform: 'darwin', homedir: '/Users/ada' }))).toBe('/Users/ada/Library/Application Support/Conveyor');
  });

  it('uses %APPDATA% on Windows', () => {
    const dir = userConfigDir(base({ platform: 'win32', homedir: 'C:\\Users\\ada', env: { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' } }));
    expect(dir).toBe('C:\\Users\\ada\\AppData\\Roaming\\Conveyor');
  });

  it('finds the Windows config file with Windows separators', () => {
    const found = findConfigFile(base({ platform: 'win32', cwd: 'C:\\work', homedir: 'C:\\Users\\ada', env: { APPDATA: 'D:\\Roaming' } }));
    expect(found).toEqual({ path: 'D:\\Roaming\\Conveyor\\config.yml', source: 'user' });
  });
});

describe('userDataDir', () => {
  it('uses $XDG_DATA_HOME on Linux', () => {
    expect(userDataDir(base({ env: { XDG_DATA_HOME: '/xdg/data' } }))).toBe('/xdg/data/conveyor');
  });

  it('defaults to ~/.local/share/conveyor on Linux', () => {
    expect(userDataDir(base())).toBe('/home/ada/.local/share/conveyor');
  });

  it('uses Application Support on macOS', () => {
    expect(userDataDir(base({ platform: 'darwin', homedir: '/Users/ada' }))).toBe('/Users/ada/Library/Application Support/Conveyor');
  });

  it('uses the machine-local %LOCALAPPDATA% on Windows', () => {
    expect(userDataDir(base({ platform: 'win32', homedir: 'C:\\Users\\ada', env: { LOCALAPPDATA: 'C:\\Local' } }))).toBe(
      'C:\\Local\\Conveyor',
    );
  });
});

describe('configPathFromArgv', () => {
  it('reads --config PATH', () => {
    expect(configPathFromArgv(['electron', '.', '--config', 'c.yml'])).toBe('c.yml');
  });

  it('reads --config=PATH', () => {
    expect(configPathFromArgv(['--config=c.yml'])).toBe('c.yml');
  });

  it('is undefined without --config', () => {
    expect(configPathFromArgv(['--verbose'])).toBeUndefined();
  });
});
