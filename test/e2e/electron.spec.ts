/**
 * The desktop app: the built main process (out/main/index.js) in Electron,
 * driven by Playwright. Needs the Electron binary, which installs skip with
 * ELECTRON_SKIP_BINARY_DOWNLOAD=1 (as on CI), and a display on Linux.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';

const root = resolve(__dirname, '../..');

/** The Electron binary, if it was downloaded at install time. */
function electronBinary(): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const binary = require('electron') as unknown;
    return typeof binary === 'string' && existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

const binary = electronBinary();
const noDisplay = process.platform === 'linux' && !process.env['DISPLAY'] && !process.env['WAYLAND_DISPLAY'];

test.skip(!binary, 'Electron binary not installed (ELECTRON_SKIP_BINARY_DOWNLOAD)');
test.skip(!!binary && noDisplay, 'no display for Electron (run under xvfb-run)');

test('the desktop window opens hardened, with only the contract bridge', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'conveyor-electron-'));
  const config = join(dir, 'config.yml');
  // Nothing listens there: the window must still open and say so.
  await writeFile(config, 'queue:\n  redis_url: redis://127.0.0.1:1\n');
  const app = await electron.launch({
    args: [join(root, 'out/main/index.js'), `--config=${config}`, `--user-data-dir=${join(dir, 'user-data')}`],
    executablePath: binary,
    cwd: root,
  });
  try {
    const win = await app.firstWindow();
    await expect(win).toHaveTitle('Conveyor');
    const exposed = await win.evaluate(() => {
      const w = globalThis as unknown as Record<string, unknown>;
      const bridge = w['conveyor'] as Record<string, unknown> | undefined;
      return {
        require: typeof w['require'],
        process: typeof w['process'],
        bridgeKeys: bridge ? Object.keys(bridge).sort() : [],
        ipcRenderer: bridge ? 'ipcRenderer' in bridge : false,
      };
    });
    expect(exposed.require).toBe('undefined');
    expect(exposed.process).toBe('undefined');
    expect(exposed.ipcRenderer).toBe(false);
    expect(exposed.bridgeKeys).toContain('connection.status');
    expect(exposed.bridgeKeys).toContain('subscribe');
    const status = await win.evaluate(async () => {
      const bridge = (globalThis as unknown as { conveyor: { 'connection.status': (a?: unknown) => Promise<unknown> } }).conveyor;
      return bridge['connection.status']();
    });
    expect(status).toMatchObject({ ok: true, result: { state: expect.stringMatching(/connecting|disconnected/) } });
    // Navigation away from the app page is refused.
    await win.evaluate(() => {
      (globalThis as unknown as { location: { href: string } }).location.href = 'https://example.com/';
    });
    await win.waitForTimeout(300);
    expect(win.url()).toMatch(/^file:.*\/renderer\/index\.html/);
  } finally {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  }
});
