/**
 * The contract suite through the Electron IPC path without Electron: the
 * renderer's IPC client (createIpcApi) over the preload's real bridge
 * (createBridge), over an in-memory ipcRenderer/ipcMain pair that copies
 * every message by structured clone as Electron does, to the main process's
 * real handler table and event forwarding (registerIpcHandlers, forwardEvents).
 */
import { createIpcApi } from '../../../src-renderer/src/api/client';
import { createBridge, type IpcRendererLike } from '../../../src-main/preload/bridge';
import {
  forwardEvents,
  registerIpcHandlers,
  type IpcInvokeEventLike,
  type IpcMainLike,
  type WebContentsLike,
} from '../../../src-main/transport/ipc';
import { defineContractSuite } from '../../support/contract-suite';

const RENDERER_URL = 'file:///app/out/renderer/index.html';

type MainHandler = (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown>;
type RendererListener = (event: unknown, ...args: unknown[]) => void;

/** One window's IPC: ipcMain, the window's webContents and its ipcRenderer, all in memory. */
function inMemoryIpc() {
  const handlers = new Map<string, MainHandler>();
  const listeners = new Map<string, Set<RendererListener>>();
  const destroyedListeners = new Set<() => void>();
  let destroyed = false;

  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => {
      handlers.set(channel, listener);
    },
    removeHandler: (channel) => {
      handlers.delete(channel);
    },
  };
  const webContents: WebContentsLike = {
    send: (channel, ...args) => {
      const copies = structuredClone(args);
      setImmediate(() => {
        for (const l of [...(listeners.get(channel) ?? [])]) l({ sender: 'ipc-event' }, ...copies);
      });
    },
    isDestroyed: () => destroyed,
    once: (_event, listener) => destroyedListeners.add(listener),
    removeListener: (_event, listener) => destroyedListeners.delete(listener),
  };
  const ipcRenderer: IpcRendererLike = {
    invoke: async (channel, ...args) => {
      const handler = handlers.get(channel);
      if (!handler) throw new Error(`Error invoking remote method '${channel}': No handler registered`);
      const reply = await handler({ senderFrame: { url: RENDERER_URL, parent: null } }, ...structuredClone(args));
      return structuredClone(reply);
    },
    on: (channel, listener) => {
      const set = listeners.get(channel) ?? new Set();
      listeners.set(channel, set);
      set.add(listener);
    },
    removeListener: (channel, listener) => listeners.get(channel)?.delete(listener),
  };
  const destroy = (): void => {
    destroyed = true;
    for (const l of [...destroyedListeners]) l();
  };
  return { ipcMain, webContents, ipcRenderer, destroy };
}

defineContractSuite('electron ipc', async (core) => {
  const ipc = inMemoryIpc();
  const disposeHandlers = registerIpcHandlers({ ipcMain: ipc.ipcMain, surface: core, rendererUrl: RENDERER_URL });
  forwardEvents(core, ipc.webContents);
  const api = createIpcApi(createBridge(ipc.ipcRenderer));
  return {
    api,
    close: async () => {
      ipc.destroy();
      disposeHandlers();
    },
  };
});
