/**
 * Electron app lifecycle: the control core wired to one hardened window over
 * IPC. The only main-process file that imports electron (the preload is the
 * other); everything it wires is a plain module tested without Electron
 * (transport/ipc, transport/window-options, transport/csp, control/control-core).
 *
 * - One instance: a second launch focuses the first window.
 * - config.yml: `--config PATH`, else $CONVEYOR_CONFIG, else <userData>/config.yml.
 * - The window: context isolation, sandbox, no Node, CSP (header and meta),
 *   navigation, new windows and webviews refused, every permission denied.
 * - Quit: the core closes (the local pool finishes gracefully) before the app exits.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, session, type MenuItemConstructorOptions, type WebContents } from 'electron';
import { configPathFromArgv } from './config/config-lookup';
import { ControlCore } from './control/control-core';
import { RENDERER_CSP_HEADER } from './transport/csp';
import { forwardEvents, registerIpcHandlers } from './transport/ipc';
import { isAppRendererUrl } from './transport/renderer-origin';
import { controlCenterWindowOptions } from './transport/window-options';
import { followCoreScheduler } from './schedules/core-scheduler';

const devRendererUrl = !app.isPackaged ? process.env['ELECTRON_RENDERER_URL'] : undefined;
const rendererUrl = devRendererUrl ?? pathToFileURL(join(__dirname, '../renderer/index.html')).href;

let mainWindow: BrowserWindow | undefined;
let core: ControlCore | undefined;
/** Fires due schedules while the app runs (see schedules/core-scheduler.ts). */
let schedules: { stop(): Promise<void> } | undefined;
let disposeIpc: (() => void) | undefined;
let quitting: 'no' | 'closing' | 'done' = 'no';

/** Our own arguments. Packaged: argv is [app, ...args]; from `electron out/main/index.js`: [electron, script, ...args]. */
function appArgs(): string[] {
  return process.argv.slice(app.isPackaged ? 1 : 2);
}

function configPath(): string {
  const args = appArgs();
  const explicit = configPathFromArgv(args) ?? process.env['CONVEYOR_CONFIG'];
  return explicit ? resolve(process.cwd(), explicit) : join(app.getPath('userData'), 'config.yml');
}

function harden(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppRendererUrl(url, rendererUrl)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppRendererUrl(url, rendererUrl)) event.preventDefault();
  });
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

function secureSession(): void {
  const ses = session.defaultSession;
  // No web permission (camera, notifications, geolocation, ...) is ever granted.
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  // The page's CSP as a header too (with frame-ancestors, which a meta tag cannot carry).
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [RENDERER_CSP_HEADER] } });
  });
}

function createWindow(surface: ControlCore): BrowserWindow {
  const win = new BrowserWindow(controlCenterWindowOptions(join(__dirname, '../preload/index.js')));
  const stopEvents = forwardEvents(surface, win.webContents);
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    stopEvents();
    if (mainWindow === win) mainWindow = undefined;
  });
  void win.loadURL(rendererUrl);
  return win;
}

function focusWindow(): void {
  if (!mainWindow) return;
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.focus();
}

function buildMenu(): Menu {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    { label: 'File', submenu: [{ role: 'quit' }] },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        { role: 'forceReload' },
        { role: 'toggleDevTools' },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    {
      role: 'help',
      submenu: [
        {
          label: 'About Conveyor',
          click: () => {
            void dialog.showMessageBox({
              type: 'info',
              title: 'About Conveyor',
              message: `Conveyor ${app.getVersion()}`,
              detail: `Electron ${process.versions.electron}, Node ${process.versions.node}\nconfig: ${core?.configFile ?? configPath()}`,
            });
          },
        },
      ],
    },
  ];
  return Menu.buildFromTemplate(template);
}

async function startApp(): Promise<void> {
  secureSession();
  Menu.setApplicationMenu(buildMenu());
  try {
    // `conveyor dev --no-worker` passes --no-worker: the window only watches, other workers do the work.
    core = await ControlCore.start({ configPath: configPath(), pool: !appArgs().includes('--no-worker') });
    schedules = followCoreScheduler(core, core.configFile, (line) => console.warn(line));
  } catch (err) {
    // An invalid config.yml (Redis being away is not an error: the window shows it).
    dialog.showErrorBox('Conveyor cannot start', err instanceof Error ? err.message : String(err));
    quitting = 'done';
    app.exit(1);
    return;
  }
  disposeIpc = registerIpcHandlers({
    ipcMain,
    surface: core,
    rendererUrl,
    onRefused: (channel, url) => console.warn(`conveyor: refused IPC ${channel} from ${url ?? 'a vanished frame'}`),
  });
  mainWindow = createWindow(core);
  app.on('activate', () => {
    if (core && BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow(core);
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', focusWindow);
  app.on('web-contents-created', (_event, contents) => harden(contents));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  // Close the core before exiting: the local pool hands its jobs back, Redis connections close.
  app.on('before-quit', (event) => {
    if (quitting === 'done') return;
    event.preventDefault();
    if (quitting === 'closing') return;
    quitting = 'closing';
    disposeIpc?.();
    const closed = (schedules?.stop() ?? Promise.resolve()).then(() => core?.close());
    void closed
      .catch((err: unknown) => console.error('conveyor: closing the control core failed:', err))
      .finally(() => {
        quitting = 'done';
        app.quit();
      });
  });
  void app.whenReady().then(startApp);
}
