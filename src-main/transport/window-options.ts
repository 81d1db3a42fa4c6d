/**
 * The control center window's options, hardened per Electron's security
 * checklist. A plain module (electron types only), so a Node test checks the
 * hardening without Electron.
 */
import type { BrowserWindowConstructorOptions } from 'electron';

export function controlCenterWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    // Shown on 'ready-to-show': no blank flash while the page loads.
    show: false,
    title: 'Conveyor',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      experimentalFeatures: false,
    },
  };
}
