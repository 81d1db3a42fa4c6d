/**
 * The local web transport: the built renderer over HTTP and the contract over
 * a WebSocket at `/ws`, so the control center runs in any browser.
 *
 * Security model (a local server that can drive the queue):
 * - Bound to 127.0.0.1 unless told otherwise.
 * - An access token (32 random bytes, hex) guards everything:
 *   - HTTP: `?token=<token>` or the cookie `conveyor_token_<port>` (HttpOnly,
 *     SameSite=Strict), which a request with a valid `?token=` sets, so the
 *     page's own assets and reloads need no token in their URL. No token → 401,
 *     a wrong one → 403.
 *   - WebSocket: `?token=<token>` on `/ws`, or the subprotocols
 *     `['conveyor', 'conveyor-token.<token>']` (the server answers `conveyor`).
 *     The cookie is NOT accepted here: every connection carries the token.
 * - The Host header must name this server (a loopback name when bound to
 *   loopback), which defeats DNS rebinding; a WebSocket's Origin, when sent
 *   (browsers always send it), must be this server's own origin, else 403.
 *   Non-browser clients send no Origin and are let in on the token alone.
 * - Static files come only from `staticDir`: `..` segments (raw or encoded)
 *   are refused, paths are checked to stay inside it, symlinks included.
 *   Paths without a file extension fall back to index.html (client routing).
 * - Every response carries the page's CSP (plus frame-ancestors 'none'),
 *   nosniff and no-referrer (the token is in the page URL).
 * - WebSocket frames: JSON text only, at most `maxFrameBytes`; a malformed
 *   call with a usable id gets an error result, anything else malformed
 *   closes the connection with a reason (1003/1007/1008/1009). Events go only
 *   to subscribed channels, coalesced to at most 20 sends a second.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { extname, resolve, sep } from 'node:path';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { isEventName, type EventName, type ServerFrame } from '../../src-shared/contract';
import { ConveyorError, ErrorCode, toErrorShape, type ErrorShape } from '../../src-shared/errors';
import type { ControlSurface } from '../control/surface';
import { RENDERER_CSP_HEADER } from './csp';
import { EventCoalescer } from './event-coalescer';

export interface WebServerOptions {
  surface: ControlSurface;
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind. Default 127.0.0.1 (loopback only). */
  host?: string;
  /** The built renderer (out/renderer), with index.html. */
  staticDir: string;
  /** Access token; default 32 random bytes as hex. */
  token?: string;
  /** Largest WebSocket message accepted (bytes). Default 16 MiB. */
  maxFrameBytes?: number;
  /** Minimum time between two event sends on one connection. Default 50 ms (20 a second). */
  eventIntervalMs?: number;
  /** Calls one connection may have running at once. Default 256. */
  maxCallsInFlight?: number;
  /** Prometheus exposition for GET /metrics, behind the same token as everything (a scraper passes `?token=`). */
  metrics?: () => Promise<{ contentType: string; body: string }>;
}

export interface WebServer {
  /** Open this in a browser: `http://host:port/?token=…`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly token: string;
  /** Stop listening, close every connection. */
  close(): Promise<void>;
}

/** Subprotocol the server selects when a client sends its token that way. */
export const WS_PROTOCOL = 'conveyor';
/** Prefix of the subprotocol that carries the token: `conveyor-token.<token>`. */
export const WS_TOKEN_PROTOCOL_PREFIX = 'conveyor-token.';
export const WS_PATH = '/ws';

const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;
const DEFAULT_MAX_CALLS_IN_FLIGHT = 256;
/** Events wait while a connection has this much unsent data. */
const SEND_HIGH_WATER_BYTES = 4 * 1024 * 1024;
const HEARTBEAT_MS = 30_000;

const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': RENDERER_CSP_HEADER,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export function mimeType(file: string): string {
  return MIME_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function isWildcardHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1');
  return h === '0.0.0.0' || h === '::';
}

function hostForUrl(host: string): string {
  if (isWildcardHost(host)) return '127.0.0.1';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** The token check: constant time, whatever the lengths. */
function tokenMatches(expected: Buffer, given: string): boolean {
  return timingSafeEqual(expected, digest(given));
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * A request path to a file under `root`, or why not. `rawPath` is the URL's
 * path as sent (still percent-encoded).
 */
function staticPathFor(root: string, rawPath: string): { file: string } | { status: 400 | 403 } {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { status: 400 };
  }
  if (decoded.includes('\0')) return { status: 400 };
  const segments = decoded.split(/[/\\]+/).filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) return { status: 403 };
  const file = resolve(root, ...segments);
  if (file !== root && !file.startsWith(root + sep)) return { status: 403 };
  return { file };
}

class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Start the web transport. Rejects with a ConveyorError naming the port when
 * it is taken (EADDRINUSE) or not allowed (EACCES).
 */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const { surface } = options;
  const host = options.host ?? '127.0.0.1';
  const requestedPort = options.port ?? 0;
  const token = options.token ?? randomBytes(32).toString('hex');
  // It travels in a URL, a cookie and a subprotocol name: keep to characters all three take as they are.
  if (!/^[A-Za-z0-9._~-]{16,256}$/.test(token)) {
    throw new TypeError('startWebServer: token must be 16-256 characters of A-Z a-z 0-9 . _ ~ -');
  }
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
    throw new TypeError(`startWebServer: port must be an integer 0-65535, got ${String(options.port)}`);
  }
  const expected = digest(token);
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const maxCallsInFlight = options.maxCallsInFlight ?? DEFAULT_MAX_CALLS_IN_FLIGHT;
  const staticRoot = await realpath(resolve(options.staticDir)).catch((err: NodeJS.ErrnoException) => {
    throw new ConveyorError(
      ErrorCode.Internal,
      `the control center's files are missing at ${options.staticDir} (${err.code ?? err.message}): run \`npm run build\` first`,
      { staticDir: options.staticDir },
    );
  });
  const indexFile = resolve(staticRoot, 'index.html');

  let port = requestedPort;
  let cookieName = '';
  const loopback = isLoopbackHost(host);
  /** Host header values that name this server. */
  const hostAllowed = (value: string | undefined): boolean => {
    if (!value) return false;
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(value.trim());
    if (!m) return false;
    const name = m[1] ?? '';
    if (Number(m[2] ?? 80) !== port) return false;
    return loopback ? isLoopbackHost(name) : true;
  };
  const originAllowed = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    return origin === `http://${req.headers.host ?? ''}`;
  };

  /** Throws HttpRefusal unless the request carries the token (query) or the cookie. */
  const authorize = (req: IncomingMessage, url: URL, allowCookie: boolean): { fromQuery: boolean } => {
    if (!hostAllowed(req.headers.host)) throw new HttpRefusal(403, 'forbidden: this server answers only to its own address');
    const fromQuery = url.searchParams.get('token');
    if (fromQuery !== null) {
      if (!tokenMatches(expected, fromQuery)) throw new HttpRefusal(403, 'forbidden: wrong access token');
      return { fromQuery: true };
    }
    if (allowCookie) {
      const fromCookie = readCookie(req.headers.cookie, cookieName);
      if (fromCookie !== undefined) {
        if (!tokenMatches(expected, fromCookie)) throw new HttpRefusal(403, 'forbidden: wrong access token');
        return { fromQuery: false };
      }
    }
    throw new HttpRefusal(401, 'unauthorized: open the URL that `conveyor serve` printed (it ends in ?token=…)');
  };

  const sendText = (res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void => {
    res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extra });
    res.end(res.req.method === 'HEAD' ? undefined : `${text}\n`);
  };

  const serveFile = async (res: ServerResponse, file: string, headers: Record<string, string>): Promise<void> => {
    if (file === indexFile) {
      // The build's asset URLs are relative (./assets/…, for Electron's file://); a <base>
      // keeps them right when index.html answers a nested client route such as /jobs/42.
      const html = (await readFile(file, 'utf8')).replace(/<head(\s[^>]*)?>/i, (tag) => `${tag}<base href="/">`);
      const body = Buffer.from(html);
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        ...headers,
        'Content-Type': mimeType(file),
        'Content-Length': String(body.length),
        'Cache-Control': 'no-store',
      });
      res.end(res.req.method === 'HEAD' ? undefined : body);
      return;
    }
    const info = await stat(file);
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      ...headers,
      'Content-Type': mimeType(file),
      'Content-Length': String(info.size),
      'Cache-Control': 'no-cache',
    });
    if (res.req.method === 'HEAD') {
      res.end();
      return;
    }
    await new Promise<void>((done) => {
      const stream = createReadStream(file);
      stream.once('error', () => {
        res.destroy();
        done();
      });
      stream.once('end', done);
      res.once('close', () => {
        stream.destroy();
        done();
      });
      stream.pipe(res);
    });
  };

  /** The file a path names, if it is a regular file inside the root (symlinks resolved). */
  const existingFile = async (file: string): Promise<string | undefined> => {
    try {
      const real = await realpath(file);
      if (real !== staticRoot && !real.startsWith(staticRoot + sep)) return undefined;
      return (await stat(real)).isFile() ? real : undefined;
    } catch {
      return undefined;
    }
  };

  const handleRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const rawUrl = req.url ?? '/';
    const url = new URL(rawUrl.startsWith('/') ? rawUrl : '/', 'http://conveyor.invalid');
    try {
      const auth = authorize(req, url, true);
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendText(res, 405, 'method not allowed', { Allow: 'GET, HEAD' });
        return;
      }
      const rawPath = rawUrl.split(/[?#]/, 1)[0] ?? '/';
      if (rawPath === '/metrics' && options.metrics) {
        const m = await options
          .metrics()
          .catch((err: unknown) => new HttpRefusal(503, `metrics unavailable: ${err instanceof Error ? err.message : String(err)}`));
        if (m instanceof HttpRefusal) throw m;
        sendText(res, 200, m.body.replace(/\n$/, ''), { 'Content-Type': m.contentType });
        return;
      }
      if (rawPath === WS_PATH) {
        sendText(res, 426, 'this path is the WebSocket endpoint', { Upgrade: 'websocket' });
        return;
      }
      const target = staticPathFor(staticRoot, rawPath);
      if ('status' in target) {
        sendText(res, target.status, target.status === 400 ? 'bad request path' : 'forbidden path');
        return;
      }
      let file = await existingFile(target.file === staticRoot ? indexFile : target.file);
      // Browsers ask for /favicon.ico whatever the page links; the icon is an SVG.
      if (!file && rawPath === '/favicon.ico') file = await existingFile(resolve(staticRoot, 'favicon.svg'));
      if (!file && extname(target.file) === '') file = await existingFile(indexFile); // client-side routes
      if (!file) {
        sendText(res, 404, 'not found');
        return;
      }
      const headers: Record<string, string> = {};
      if (auth.fromQuery) {
        headers['Set-Cookie'] = `${cookieName}=${url.searchParams.get('token') ?? ''}; Path=/; HttpOnly; SameSite=Strict`;
      }
      await serveFile(res, file, headers);
    } catch (err) {
      if (err instanceof HttpRefusal) sendText(res, err.status, err.message);
      else if (!res.headersSent) sendText(res, 500, 'internal error');
      else res.destroy();
    }
  };

  // ------------------------------------------------------------ WebSocket

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: maxFrameBytes,
    perMessageDeflate: false,
    clientTracking: true,
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });

  const refuseUpgrade = (socket: Duplex, status: number, message: string): void => {
    const body = `${message}\n`;
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
        'Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  };

  const handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    const rawUrl = req.url ?? '/';
    const url = new URL(rawUrl.startsWith('/') ? rawUrl : '/', 'http://conveyor.invalid');
    if (url.pathname !== WS_PATH) {
      refuseUpgrade(socket, 404, 'not found: the WebSocket endpoint is /ws');
      return;
    }
    if (!originAllowed(req)) {
      refuseUpgrade(socket, 403, 'forbidden: cross-origin WebSocket refused');
      return;
    }
    // The token may also come as a subprotocol, for clients that keep it out of URLs.
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim());
    const protocolToken = offered.find((p) => p.startsWith(WS_TOKEN_PROTOCOL_PREFIX))?.slice(WS_TOKEN_PROTOCOL_PREFIX.length);
    if (protocolToken !== undefined && !url.searchParams.has('token')) url.searchParams.set('token', protocolToken);
    try {
      authorize(req, url, false);
    } catch (err) {
      const refusal = err as HttpRefusal;
      refuseUpgrade(socket, refusal.status, refusal.message);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => acceptConnection(ws));
  };

  const connections = new Set<() => void>();

  const acceptConnection = (ws: WebSocket): void => {
    const subscriptions = new Map<EventName, () => void>();
    let callsInFlight = 0;
    let alive = true;

    const send = (frame: ServerFrame): void => {
      if (ws.readyState !== WebSocket.OPEN) return;
      let text: string;
      try {
        text = JSON.stringify(frame);
      } catch (err) {
        if (frame.kind !== 'result') return;
        text = JSON.stringify({ kind: 'result', id: frame.id, ok: false, error: toErrorShape(err) } satisfies ServerFrame);
      }
      ws.send(text, (err) => {
        if (err) ws.terminate();
      });
    };

    const coalescer = new EventCoalescer((event, payload) => send({ kind: 'event', event, payload }), {
      intervalMs: options.eventIntervalMs,
      ready: () => ws.bufferedAmount < SEND_HIGH_WATER_BYTES,
    });

    const reply = (id: number, outcome: { result: unknown } | { error: ErrorShape }): void => {
      if ('error' in outcome) send({ kind: 'result', id, ok: false, error: outcome.error });
      else send({ kind: 'result', id, ok: true, result: outcome.result });
    };

    const refuse = (code: number, reason: string): void => {
      // Close reasons are at most 123 bytes.
      ws.close(code, Buffer.from(reason).subarray(0, 120).toString());
    };

    const onCall = (frame: Record<string, unknown>): void => {
      const id = frame['id'];
      if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) {
        refuse(1008, 'malformed call frame: "id" must be a non-negative integer');
        return;
      }
      const command = frame['command'];
      if (typeof command !== 'string') {
        reply(id, { error: { code: ErrorCode.InvalidArgs, message: 'malformed call frame: "command" must be a string' } });
        return;
      }
      if (callsInFlight >= maxCallsInFlight) {
        reply(id, {
          error: { code: ErrorCode.Internal, message: `too many calls in flight on this connection (limit ${maxCallsInFlight})` },
        });
        return;
      }
      callsInFlight += 1;
      let pending: Promise<unknown>;
      try {
        pending = surface.callUntrusted(command, frame['args']);
      } catch (err) {
        pending = Promise.reject(err);
      }
      pending
        .then(
          (result) => reply(id, { result }),
          (err: unknown) => reply(id, { error: toErrorShape(err) }),
        )
        .finally(() => {
          callsInFlight -= 1;
        });
    };

    const onSubscription = (kind: 'subscribe' | 'unsubscribe', event: unknown): void => {
      if (!isEventName(event)) {
        refuse(1008, `malformed ${kind} frame: unknown event ${JSON.stringify(String(event)).slice(0, 60)}`);
        return;
      }
      if (kind === 'subscribe') {
        if (subscriptions.has(event)) return;
        subscriptions.set(
          event,
          surface.subscribe(event, (payload) => coalescer.push(event, payload)),
        );
      } else {
        subscriptions.get(event)?.();
        subscriptions.delete(event);
        coalescer.discard(event);
      }
    };

    const onMessage = (data: RawData, isBinary: boolean): void => {
      if (isBinary) {
        refuse(1003, 'binary frames are not supported: send JSON text');
        return;
      }
      let frame: unknown;
      try {
        frame = JSON.parse(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : data.toString());
      } catch {
        refuse(1007, 'malformed frame: not JSON');
        return;
      }
      if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
        refuse(1008, 'malformed frame: expected an object with "kind"');
        return;
      }
      const f = frame as Record<string, unknown>;
      switch (f['kind']) {
        case 'call':
          onCall(f);
          return;
        case 'subscribe':
        case 'unsubscribe':
          onSubscription(f['kind'], f['event']);
          return;
        default:
          refuse(1008, 'malformed frame: "kind" must be call, subscribe or unsubscribe');
      }
    };

    const heartbeat = setInterval(() => {
      if (!alive) {
        ws.terminate();
        return;
      }
      alive = false;
      ws.ping();
    }, HEARTBEAT_MS);
    heartbeat.unref();

    const cleanup = (): void => {
      clearInterval(heartbeat);
      for (const unsubscribe of subscriptions.values()) unsubscribe();
      subscriptions.clear();
      coalescer.dispose();
      connections.delete(shutdown);
    };
    const shutdown = (): void => {
      cleanup();
      ws.close(1001, 'server shutting down');
    };
    connections.add(shutdown);

    ws.on('pong', () => {
      alive = true;
    });
    ws.on('message', (data, isBinary) => {
      // Frames still arriving after we closed (a refused frame, shutdown) are not acted on.
      if (ws.readyState !== WebSocket.OPEN) return;
      try {
        onMessage(data, isBinary);
      } catch (err) {
        refuse(1011, `internal error: ${(err as Error).message}`);
      }
    });
    ws.on('close', cleanup);
    // Errors (oversized frame → 1009, bad UTF-8 → 1007) close the socket; 'close' cleans up.
    ws.on('error', () => {});
  };

  // --------------------------------------------------------------- server

  const server = createServer((req, res) => {
    void handleRequest(req, res);
  });
  server.on('upgrade', handleUpgrade);
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolveListen, rejectListen) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') {
        rejectListen(
          new ConveyorError(
            ErrorCode.Internal,
            `port ${requestedPort} on ${host} is already in use: stop what uses it, or choose another port (0 picks a free one)`,
            { port: requestedPort, host, reason: 'EADDRINUSE' },
            { cause: err },
          ),
        );
      } else if (err.code === 'EACCES') {
        rejectListen(
          new ConveyorError(
            ErrorCode.Internal,
            `not allowed to listen on port ${requestedPort} on ${host}: choose a port above 1023`,
            {
              port: requestedPort,
              host,
              reason: 'EACCES',
            },
            { cause: err },
          ),
        );
      } else {
        rejectListen(
          new ConveyorError(
            ErrorCode.Internal,
            `cannot listen on ${host}:${requestedPort}: ${err.message}`,
            { port: requestedPort, host },
            { cause: err },
          ),
        );
      }
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolveListen();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port: requestedPort, host, exclusive: true });
  });

  port = (server.address() as AddressInfo).port;
  cookieName = `conveyor_token_${port}`;
  const url = `http://${hostForUrl(host)}:${port}/?token=${token}`;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      for (const shutdown of [...connections]) shutdown();
      const stopped = new Promise<void>((done) => server.close(() => done()));
      // Give close frames a moment, then cut what is left.
      const grace = setTimeout(() => {
        for (const client of wss.clients) client.terminate();
        server.closeAllConnections();
      }, 500);
      grace.unref();
      server.closeIdleConnections();
      await new Promise<void>((done) => wss.close(() => done()));
      await stopped;
      clearTimeout(grace);
    })();
    return closing;
  };

  return { url, host, port, token, close };
}
