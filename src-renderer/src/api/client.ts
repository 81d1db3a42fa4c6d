/**
 * The renderer's one door to the control core: `connectApi()` returns the
 * contract's `ConveyorApi` (`call(command, args)`, `listen(event, handler)`),
 * over the preload's IPC bridge inside Electron, or over the web transport's
 * WebSocket in a plain browser. Errors reject as `ApiError`.
 *
 * Only DOM-free types are used here (the WebSocket and page globals are read
 * through small structural types), so Node tests can drive the WebSocket
 * client with the `ws` package: `createWebSocketApi(url, WebSocket)`.
 */
import type { ClientFrame, CommandName, ConveyorApi, EventName, Events, IpcBridge } from '../../../src-shared/contract';
import type { ErrorShape } from '../../../src-shared/errors';

// ------------------------------------------------------------------ errors

/** Code of the error a call gets when the connection dropped before its answer. */
export const DISCONNECTED = 'DISCONNECTED';

/** Code of the error a call gets when no answer came within `callTimeoutMs` (it may or may not have run). */
export const CALL_TIMEOUT = 'CALL_TIMEOUT';

/** A failed call: the server's ErrorShape (`code` is an ErrorCode), or DISCONNECTED / CALL_TIMEOUT / UNAUTHORIZED from the client. */
export class ApiError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.details = details;
  }

  static from(shape: ErrorShape): ApiError {
    return new ApiError(shape.code, shape.message, shape.details);
  }
}

function errorFromUnknown(value: unknown): ApiError {
  if (typeof value === 'object' && value !== null) {
    const v = value as { code?: unknown; message?: unknown; details?: unknown };
    if (typeof v.code === 'string' && typeof v.message === 'string') {
      const details = typeof v.details === 'object' && v.details !== null ? (v.details as Record<string, unknown>) : undefined;
      return new ApiError(v.code, v.message, details);
    }
  }
  return new ApiError('INTERNAL', `malformed error from the server: ${String(value)}`);
}

type AnyHandler = (payload: unknown) => void;
type CallFn = ConveyorApi['call'];

/** Run a listener; one that throws must not stop the others. */
function deliver(handler: AnyHandler, payload: unknown): void {
  try {
    handler(payload);
  } catch (err) {
    setTimeout(() => {
      throw err;
    }, 0);
  }
}

// ----------------------------------------------------------------- IPC

/** The contract over the preload's `window.conveyor` bridge. */
export function createIpcApi(bridge: IpcBridge): ConveyorApi {
  const commands = bridge as unknown as Record<string, (args: unknown) => Promise<{ ok: boolean; result?: unknown; error?: unknown }>>;
  const call = async (command: string, args?: unknown): Promise<unknown> => {
    const fn = commands[command];
    if (typeof fn !== 'function') throw new ApiError('UNKNOWN_COMMAND', `unknown command "${command}"`);
    const reply = await fn(args);
    if (reply.ok) return reply.result;
    throw errorFromUnknown(reply.error);
  };
  return {
    call: call as CallFn,
    listen<E extends EventName>(event: E, handler: (payload: Events[E]) => void): () => void {
      const subscribe = bridge.subscribe[event] as unknown as (h: AnyHandler) => () => void;
      return subscribe((payload) => deliver(handler as AnyHandler, payload));
    },
  };
}

// ------------------------------------------------------------ WebSocket

type Listener<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** The part of the WebSocket API used here: the browser's WebSocket and the `ws` package both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: Listener<unknown> | null;
  onmessage: Listener<{ data: unknown }> | null;
  onclose: Listener<{ code: number; reason: string }> | null;
  onerror: Listener<unknown> | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export type WebSocketApiStatus = 'connecting' | 'open' | 'closed';

export interface WebSocketApiOptions {
  /** Subprotocols to offer, e.g. ['conveyor', 'conveyor-token.<hex>'] to send the token in a header instead of the URL. */
  protocols?: string[];
  /** First reconnect delay (doubles per failed attempt, with jitter). Default 250 ms. */
  reconnectDelayMs?: number;
  /** Longest reconnect delay. Default 5 s. */
  maxReconnectDelayMs?: number;
  /**
   * How long a call waits for its answer, queued while (re)connecting included, before it rejects
   * with CALL_TIMEOUT: a connection that goes silent without closing must not leave the UI waiting
   * for ever. Default 60 s (the server bounds its own Redis calls well within it).
   */
  callTimeoutMs?: number;
}

export interface WebSocketApi extends ConveyorApi {
  readonly status: WebSocketApiStatus;
  /** Told each time the connection opens, drops (and retries) or is closed. */
  onStatus(handler: (status: WebSocketApiStatus) => void): () => void;
  /** Close for good: no reconnect; waiting calls reject with DISCONNECTED. */
  close(): void;
}

interface Pending {
  id: number;
  resolve: (value: unknown) => void;
  reject: (err: ApiError) => void;
  frame: string;
}

const OPEN = 1;

/**
 * The contract over the web transport's WebSocket (`/ws`): request ids,
 * calls made while (re)connecting wait and go out on open, subscriptions are
 * renewed after every reconnect. A call already sent when the connection
 * drops rejects with DISCONNECTED (it may or may not have run).
 */
export function createWebSocketApi(url: string, WebSocketImpl: WebSocketConstructor, options: WebSocketApiOptions = {}): WebSocketApi {
  const baseDelay = options.reconnectDelayMs ?? 250;
  const maxDelay = options.maxReconnectDelayMs ?? 5000;
  const callTimeoutMs = options.callTimeoutMs ?? 60_000;
  const listeners = new Map<EventName, Set<AnyHandler>>();
  const statusHandlers = new Set<(status: WebSocketApiStatus) => void>();
  const inflight = new Map<number, Pending>();
  let queued: Pending[] = [];
  let socket: WebSocketLike | undefined;
  let open = false;
  let closed = false;
  let status: WebSocketApiStatus = 'connecting';
  let attempt = 0;
  let nextId = 1;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  const setStatus = (next: WebSocketApiStatus): void => {
    if (status === next) return;
    status = next;
    for (const h of [...statusHandlers]) deliver(h as AnyHandler, next);
  };

  const sendRaw = (data: string): boolean => {
    if (!socket || !open || socket.readyState !== OPEN) return false;
    try {
      socket.send(data);
      return true;
    } catch {
      return false;
    }
  };

  const sendFrame = (frame: ClientFrame): boolean => sendRaw(JSON.stringify(frame));

  const dispatchCall = (pending: Pending): void => {
    inflight.set(pending.id, pending);
    if (!sendRaw(pending.frame)) {
      inflight.delete(pending.id);
      queued.push(pending);
    }
  };

  const onMessage = (data: unknown): void => {
    if (typeof data !== 'string') return;
    let frame: unknown;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (typeof frame !== 'object' || frame === null) return;
    const f = frame as {
      kind?: unknown;
      id?: unknown;
      ok?: unknown;
      result?: unknown;
      error?: unknown;
      event?: unknown;
      payload?: unknown;
    };
    if (f.kind === 'result' && typeof f.id === 'number') {
      const pending = inflight.get(f.id);
      if (!pending) return;
      inflight.delete(f.id);
      if (f.ok === true) pending.resolve(f.result);
      else pending.reject(errorFromUnknown(f.error));
    } else if (f.kind === 'event' && typeof f.event === 'string') {
      const handlers = listeners.get(f.event as EventName);
      if (!handlers) return;
      for (const h of [...handlers]) deliver(h, f.payload);
    }
  };

  const scheduleReconnect = (): void => {
    if (closed || retryTimer !== undefined) return;
    const delay = Math.min(maxDelay, baseDelay * 2 ** attempt) * (0.5 + Math.random() / 2);
    attempt += 1;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      connect();
    }, delay);
  };

  const connect = (): void => {
    if (closed) return;
    setStatus('connecting');
    let ws: WebSocketLike;
    try {
      ws = new WebSocketImpl(url, options.protocols);
    } catch {
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.onopen = () => {
      if (socket !== ws) return;
      open = true;
      attempt = 0;
      for (const event of listeners.keys()) sendFrame({ kind: 'subscribe', event });
      const waiting = queued;
      queued = [];
      for (const pending of waiting) dispatchCall(pending);
      setStatus('open');
    };
    ws.onmessage = (ev) => {
      if (socket === ws) onMessage(ev.data);
    };
    ws.onerror = () => {
      // A close event follows; reconnecting happens there.
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = undefined;
      open = false;
      const lost = [...inflight.values()];
      inflight.clear();
      for (const pending of lost) {
        pending.reject(new ApiError(DISCONNECTED, 'the connection to the Conveyor server dropped before the answer came'));
      }
      if (closed) {
        setStatus('closed');
      } else {
        setStatus('connecting');
        scheduleReconnect();
      }
    };
  };

  const call = (command: CommandName, args?: unknown): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (closed) {
        reject(new ApiError(DISCONNECTED, 'the Conveyor connection is closed'));
        return;
      }
      const id = nextId++;
      const frame: ClientFrame = args === undefined ? { kind: 'call', id, command } : { kind: 'call', id, command, args };
      let text: string;
      try {
        text = JSON.stringify(frame);
      } catch (err) {
        reject(new ApiError('INVALID_ARGS', `arguments of ${command} are not JSON: ${(err as Error).message}`));
        return;
      }
      const timer = setTimeout(() => {
        inflight.delete(id);
        queued = queued.filter((p) => p.id !== id);
        reject(new ApiError(CALL_TIMEOUT, `no answer to ${command} within ${callTimeoutMs} ms; it may or may not have run`));
      }, callTimeoutMs);
      const settle =
        <T>(fn: (value: T) => void) =>
        (value: T): void => {
          clearTimeout(timer);
          fn(value);
        };
      const pending: Pending = { id, resolve: settle(resolve), reject: settle(reject), frame: text };
      if (open) dispatchCall(pending);
      else queued.push(pending);
    });

  const api: WebSocketApi = {
    get status() {
      return status;
    },
    call: call as CallFn,
    listen<E extends EventName>(event: E, handler: (payload: Events[E]) => void): () => void {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
        sendFrame({ kind: 'subscribe', event });
      }
      const h = handler as AnyHandler;
      set.add(h);
      return () => {
        const current = listeners.get(event);
        if (!current?.delete(h) || current.size > 0) return;
        listeners.delete(event);
        sendFrame({ kind: 'unsubscribe', event });
      };
    },
    onStatus(handler) {
      statusHandlers.add(handler);
      return () => statusHandlers.delete(handler);
    },
    close() {
      if (closed) return;
      closed = true;
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      retryTimer = undefined;
      const waiting = queued;
      queued = [];
      for (const pending of waiting) pending.reject(new ApiError(DISCONNECTED, 'the Conveyor connection is closed'));
      if (socket) {
        try {
          socket.close(1000, 'client closed');
        } catch {
          // already closing
        }
      } else {
        setStatus('closed');
      }
    },
  };

  connect();
  return api;
}

// ----------------------------------------------------------------- page

const TOKEN_KEY = 'conveyor.token';

interface PageGlobals {
  conveyor?: IpcBridge;
  WebSocket?: WebSocketConstructor;
  location?: { href: string; host: string; protocol: string };
  sessionStorage?: { getItem(key: string): string | null; setItem(key: string, value: string): void };
  history?: { state: unknown; replaceState(state: unknown, unused: string, url: string): void };
}

/**
 * The access token of the web mode: `?token=` of the page URL (then kept in
 * sessionStorage and taken out of the address bar), else sessionStorage
 * (after a reload in the same tab).
 */
export function pageToken(page: PageGlobals = globalThis as PageGlobals): string | undefined {
  const href = page.location?.href;
  if (href) {
    const url = new URL(href);
    const token = url.searchParams.get('token');
    if (token) {
      try {
        page.sessionStorage?.setItem(TOKEN_KEY, token);
        url.searchParams.delete('token');
        page.history?.replaceState(page.history.state, '', url.pathname + url.search + url.hash);
      } catch {
        // storage disabled: keep the token in the URL
      }
      return token;
    }
  }
  try {
    return page.sessionStorage?.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/** `ws(s)://<host>/ws?token=…` for the page this runs in. */
export function pageWebSocketUrl(token: string, page: PageGlobals = globalThis as PageGlobals): string {
  const location = page.location;
  if (!location) throw new ApiError('INTERNAL', 'no page location: not running in a browser');
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/ws?token=${encodeURIComponent(token)}`;
}

let shared: ConveyorApi | undefined;

/**
 * The app's API, created once: the IPC bridge inside Electron, else the web
 * transport's WebSocket. Throws ApiError UNAUTHORIZED in a browser page that
 * has no access token.
 */
export function connectApi(): ConveyorApi {
  if (shared) return shared;
  const page = globalThis as PageGlobals;
  if (page.conveyor) {
    shared = createIpcApi(page.conveyor);
    return shared;
  }
  const token = pageToken(page);
  if (!token) {
    throw new ApiError('UNAUTHORIZED', 'no access token: open the URL that `conveyor serve` printed (it ends in ?token=…)');
  }
  if (!page.WebSocket) throw new ApiError('INTERNAL', 'this browser has no WebSocket');
  shared = createWebSocketApi(pageWebSocketUrl(token, page), page.WebSocket);
  return shared;
}
