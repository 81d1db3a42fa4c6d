/**
 * Sandboxed preload: the renderer's only door into the app. It exposes one
 * object, `window.conveyor` (the contract's `IpcBridge`, built in ./bridge):
 * one function per command and one `subscribe[event](handler) → unsubscribe`
 * per event channel. It never exposes `ipcRenderer`, nor IPC event objects.
 *
 * Builds to one CommonJS file (a sandboxed preload can require only electron
 * and a few built-ins): import types and the plain name lists only, never
 * src-shared/contract.ts at runtime (it carries the zod schemas).
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './bridge';

contextBridge.exposeInMainWorld('conveyor', createBridge(ipcRenderer));
