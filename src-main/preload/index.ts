/**
 * Sandboxed preload: the renderer's only door into the app. It exposes one
 * small typed object, `window.conveyor`, and never `ipcRenderer` itself.
 * Commands and event subscriptions from the shared contract are added here.
 */
import { contextBridge } from 'electron';

/** What `window.conveyor` offers. Keep in step with src-renderer/src/env.d.ts. */
export interface ConveyorApi {
  /** The app version, e.g. "0.1.0". */
  version(): string;
}

const VERSION_ARG = '--conveyor-version=';
const appVersion = process.argv.find((a) => a.startsWith(VERSION_ARG))?.slice(VERSION_ARG.length) ?? 'unknown';

const api: ConveyorApi = {
  version: () => appVersion,
};

contextBridge.exposeInMainWorld('conveyor', api);
