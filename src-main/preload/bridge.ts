/**
 * The object the preload exposes as `window.conveyor` (the contract's
 * `IpcBridge`), built over an `ipcRenderer`-like object so tests can wire it
 * to the main-process handlers without Electron. One function per command
 * (`ipcRenderer.invoke` on its channel) and `subscribe[event](handler) →
 * unsubscribe` per event channel; handlers get the payload only, never the
 * IPC event (it holds `sender`). Imports nothing at runtime but the zod-free
 * name lists: it is bundled into the sandboxed preload.
 */
import type { IpcBridge } from '../../src-shared/contract';
import { COMMAND_NAME_LIST, EVENT_NAME_LIST, ipcChannel } from '../../src-shared/contract-names';

/** What the bridge uses of Electron's `ipcRenderer`. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

type Handler = (payload: unknown) => void;

export function createBridge(ipcRenderer: IpcRendererLike): IpcBridge {
  const commands: Record<string, (args: unknown) => Promise<unknown>> = {};
  for (const command of COMMAND_NAME_LIST) {
    const channel = ipcChannel.command(command);
    commands[command] = (args: unknown) => ipcRenderer.invoke(channel, args);
  }

  const subscribe: Record<string, (handler: Handler) => () => void> = {};
  for (const event of EVENT_NAME_LIST) {
    const channel = ipcChannel.event(event);
    subscribe[event] = (handler: Handler) => {
      if (typeof handler !== 'function') throw new TypeError(`conveyor.subscribe['${event}'] needs a function`);
      const listener = (_event: unknown, payload: unknown): void => handler(payload);
      ipcRenderer.on(channel, listener);
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        ipcRenderer.removeListener(channel, listener);
      };
    };
  }

  return Object.freeze({ ...commands, subscribe: Object.freeze(subscribe) }) as unknown as IpcBridge;
}
