/**
 * The Electron IPC transport: the contract's commands as `ipcMain.handle`
 * channels, and its events pushed to each window. A plain Node module: Electron's
 * `ipcMain` and a window's `webContents` come in through the small interfaces
 * below, so the handler table is unit-tested without Electron.
 *
 * - One handler per command (`ipcChannel.command(name)`), nothing else.
 * - Every call checks `event.senderFrame`: only the app's own renderer page,
 *   as a top-level frame, may call; anything else gets UNAUTHORIZED.
 * - A handler never throws across IPC: it resolves `{ ok: true, result }` or
 *   `{ ok: false, error: ErrorShape }` (the preload's `IpcBridge` shape).
 * - Events go to each window on `ipcChannel.event(name)`, coalesced to at most
 *   20 sends a second per window (see EventCoalescer).
 */
import { COMMAND_NAME_LIST, EVENT_NAME_LIST, ipcChannel } from '../../src-shared/contract-names';
import { ErrorCode, toErrorShape, type ErrorShape } from '../../src-shared/errors';
import type { ControlSurface } from '../control/surface';
import { EventCoalescer, type CoalescerOptions } from './event-coalescer';
import { isAppRendererUrl } from './renderer-origin';

/** What a handler reads of Electron's `IpcMainInvokeEvent`. */
export interface IpcInvokeEventLike {
  /** The frame that sent the message; null once it navigated away or was destroyed. */
  readonly senderFrame: { readonly url: string; readonly parent?: unknown } | null | undefined;
}

/** What this module uses of Electron's `ipcMain`. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

/** What this module uses of a window's `webContents`. */
export interface WebContentsLike {
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): unknown;
  removeListener(event: 'destroyed', listener: () => void): unknown;
}

export type IpcReply = { ok: true; result: unknown } | { ok: false; error: ErrorShape };

export interface IpcHandlerOptions {
  ipcMain: IpcMainLike;
  surface: ControlSurface;
  /** The renderer page: `file://…/renderer/index.html`, or the dev server URL in development. */
  rendererUrl: string;
  /** Told about each refused call (for a log line). */
  onRefused?: (channel: string, senderUrl: string | undefined) => void;
}

const unauthorized: ErrorShape = {
  code: ErrorCode.Unauthorized,
  message: 'refused: IPC calls are accepted only from the Conveyor renderer page',
};

/** Whether an invoke came from the app's own page, as a top-level frame. */
export function isTrustedSender(event: IpcInvokeEventLike, rendererUrl: string): boolean {
  const frame = event.senderFrame;
  if (!frame) return false;
  if (frame.parent) return false;
  return isAppRendererUrl(frame.url, rendererUrl);
}

/** Register one `ipcMain.handle` per contract command. Returns a disposer that removes them. */
export function registerIpcHandlers(options: IpcHandlerOptions): () => void {
  const { ipcMain, surface, rendererUrl, onRefused } = options;
  const channels: string[] = [];
  for (const command of COMMAND_NAME_LIST) {
    const channel = ipcChannel.command(command);
    ipcMain.handle(channel, async (event, args): Promise<IpcReply> => {
      if (!isTrustedSender(event, rendererUrl)) {
        onRefused?.(channel, event.senderFrame?.url);
        return { ok: false, error: unauthorized };
      }
      try {
        return { ok: true, result: await surface.callUntrusted(command, args) };
      } catch (err) {
        return { ok: false, error: toErrorShape(err) };
      }
    });
    channels.push(channel);
  }
  let disposed = false;
  return () => {
    if (disposed) return;
    disposed = true;
    for (const channel of channels) ipcMain.removeHandler(channel);
  };
}

/**
 * Push every contract event to one window, coalesced. Stops by itself when the
 * window's contents are destroyed; the returned disposer stops it earlier.
 */
export function forwardEvents(surface: ControlSurface, contents: WebContentsLike, options: CoalescerOptions = {}): () => void {
  const coalescer = new EventCoalescer((event, payload) => {
    if (!contents.isDestroyed()) contents.send(ipcChannel.event(event), payload);
  }, options);
  const unsubscribes = EVENT_NAME_LIST.map((event) => surface.subscribe(event, (payload) => coalescer.push(event, payload)));
  let disposed = false;
  const dispose = (): void => {
    if (disposed) return;
    disposed = true;
    contents.removeListener('destroyed', dispose);
    for (const unsubscribe of unsubscribes) unsubscribe();
    coalescer.dispose();
  };
  contents.once('destroyed', dispose);
  return dispose;
}
