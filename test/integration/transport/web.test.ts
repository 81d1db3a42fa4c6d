/**
 * The web transport end to end over real sockets, with a fake control surface:
 * token, Origin and Host checks, loopback binding, static files, the
 * WebSocket framing, events, and the renderer's WebSocket client.
 */
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer, connect, type Server } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { JobEvent } from '../../../src-shared/job';
import { ConveyorError, JobNotFoundError } from '../../../src-shared/errors';
import { startWebServer, type WebServer } from '../../../src-main/transport/web';
import { ApiError, CALL_TIMEOUT, createWebSocketApi, DISCONNECTED, type WebSocketApi } from '../../../src-renderer/src/api/client';
import { FakeSurface } from '../../unit/transport/fake-surface';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(server: WebServer, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, path, method, headers: { Host: `127.0.0.1:${server.port}`, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** A WebSocket handshake: 'open' with the selected protocol, or the HTTP status it was refused with. */
function handshake(
  url: string,
  options: { protocols?: string[]; origin?: string; host?: string } = {},
): Promise<{ opened: true; protocol: string } | { opened: false; status: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options.protocols ?? [], {
      ...(options.origin ? { origin: options.origin } : {}),
      ...(options.host ? { headers: { Host: options.host } } : {}),
    });
    ws.on('open', () => {
      resolve({ opened: true, protocol: ws.protocol });
      ws.close();
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve({ opened: false, status: res.statusCode ?? 0 });
      res.resume();
      ws.terminate();
    });
    ws.on('error', (err) => reject(err));
  });
}

/** A raw client: collects every frame; resolves `closed` with the close code and reason. */
function rawClient(server: WebServer) {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
  const frames: Array<Record<string, unknown>> = [];
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as Record<string, unknown>));
  ws.on('error', () => {});
  return { ws, frames, opened, closed };
}

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const jobEvent = (n: number): JobEvent => ({ id: `${n}-0`, queue: 'q', type: 'completed', jobId: `j${n}`, ts: n });

let dir: string;
let staticDir: string;
const SECRET = 'top secret outside the static dir';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'conveyor-web-'));
  staticDir = join(dir, 'renderer');
  await mkdir(join(staticDir, 'assets'), { recursive: true });
  await writeFile(
    join(staticDir, 'index.html'),
    '<!doctype html><html><head><meta charset="utf-8"><script type="module" src="./assets/app.js"></script></head><body>app page</body></html>',
  );
  await writeFile(join(staticDir, 'assets', 'app.js'), 'console.log("app")');
  await writeFile(join(staticDir, 'assets', 'app.css'), 'body{}');
  await writeFile(join(staticDir, 'assets', 'logo.svg'), '<svg/>');
  await writeFile(join(dir, 'secret.txt'), SECRET);
  await symlink(join(dir, 'secret.txt'), join(staticDir, 'assets', 'link.txt'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const servers: WebServer[] = [];
const clients: WebSocketApi[] = [];
async function start(surface = new FakeSurface(), extra: Partial<Parameters<typeof startWebServer>[0]> = {}): Promise<WebServer> {
  const server = await startWebServer({ surface, staticDir, ...extra });
  servers.push(server);
  return server;
}
function client(server: WebServer): WebSocketApi {
  const api = createWebSocketApi(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, WebSocket, {
    reconnectDelayMs: 20,
    maxReconnectDelayMs: 100,
  });
  clients.push(api);
  return api;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('startup', () => {
  it('binds to 127.0.0.1 on a free port by default, with a 32-byte hex token in the URL', async () => {
    const server = await start();
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    expect(server.token).toMatch(/^[0-9a-f]{64}$/);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    // Not reachable on another interface of this machine, if it has one.
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    if (external) {
      const refused = await new Promise<boolean>((resolve) => {
        const s = connect({ host: external, port: server.port });
        s.once('connect', () => {
          s.destroy();
          resolve(false);
        });
        s.once('error', () => resolve(true));
      });
      expect(refused).toBe(true);
    }
  });

  it('a busy port fails with a ConveyorError naming the port', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const err = await startWebServer({ surface: new FakeSurface(), staticDir, port }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConveyorError);
      expect((err as ConveyorError).message).toContain(`port ${port}`);
      expect((err as ConveyorError).message).toContain('already in use');
      expect((err as ConveyorError).details).toMatchObject({ port, reason: 'EADDRINUSE' });
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('refuses a token that could not travel in a URL, cookie and subprotocol', async () => {
    await expect(startWebServer({ surface: new FakeSurface(), staticDir, token: 'short' })).rejects.toThrow(TypeError);
    await expect(startWebServer({ surface: new FakeSurface(), staticDir, token: 'has;semicolon-and-more' })).rejects.toThrow(TypeError);
    const server = await start(new FakeSurface(), { token: 'my-own-token_0123456789' });
    expect(server.url).toMatch(/\?token=my-own-token_0123456789$/);
  });

  it('close() ends open connections and unsubscribes them', async () => {
    const surface = new FakeSurface();
    const server = await startWebServer({ surface, staticDir });
    const raw = rawClient(server);
    await raw.opened;
    raw.ws.send(JSON.stringify({ kind: 'subscribe', event: 'pool.changed' }));
    await until(() => surface.subscriberCount('pool.changed') === 1);
    await server.close();
    expect((await raw.closed).code).toBe(1001);
    expect(surface.subscriberCount('pool.changed')).toBe(0);
  });

  it('a missing static dir fails clearly', async () => {
    await expect(startWebServer({ surface: new FakeSurface(), staticDir: join(dir, 'nope') })).rejects.toThrow(/npm run build/);
  });
});

describe('HTTP', () => {
  it('refuses the page without a token (401) or with a wrong one (403)', async () => {
    const server = await start();
    const none = await get(server, '/');
    const wrong = await get(server, '/?token=0000000000000000');
    const wrongCookie = await get(server, '/assets/app.js', { Cookie: `conveyor_token_${server.port}=nope` });
    expect(none.status).toBe(401);
    expect(wrong.status).toBe(403);
    expect(wrongCookie.status).toBe(403);
    for (const r of [none, wrong, wrongCookie]) expect(r.body).not.toContain('app page');
  });

  it('serves the page with the token, sets the cookie, and the cookie then serves assets with the right types', async () => {
    const server = await start();
    const page = await get(server, `/?token=${server.token}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('app page');
    expect(page.body).toContain('<base href="/">');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    const cookie = String(page.headers['set-cookie']);
    expect(cookie).toContain(`conveyor_token_${server.port}=${server.token}`);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');

    const Cookie = `other=1; conveyor_token_${server.port}=${server.token}`;
    const js = await get(server, '/assets/app.js', { Cookie });
    const css = await get(server, '/assets/app.css', { Cookie });
    const svg = await get(server, '/assets/logo.svg', { Cookie });
    expect([js.status, css.status, svg.status]).toEqual([200, 200, 200]);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body).toBe('console.log("app")');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(svg.headers['content-type']).toBe('image/svg+xml');
    const head = await get(server, '/assets/app.js', { Cookie }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String('console.log("app")'.length));
    expect(head.body).toBe('');
  });

  it('falls back to index.html for client routes, 404s missing files, 405s other methods', async () => {
    const server = await start();
    const q = `?token=${server.token}`;
    const route = await get(server, `/queues/mail/jobs${q}`);
    expect(route.status).toBe(200);
    expect(route.body).toContain('app page');
    expect((await get(server, `/assets/missing.js${q}`)).status).toBe(404);
    expect((await get(server, `/${q}`, {}, 'POST')).status).toBe(405);
    expect((await get(server, `/ws${q}`)).status).toBe(426);
  });

  it.each([
    '/../secret.txt',
    '/../../../../etc/passwd',
    '/%2e%2e/secret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/assets/%2E%2E/%2E%2E/secret.txt',
    '/..%5csecret.txt',
    '/assets/..\\..\\secret.txt',
    '/assets/%00.js',
    '/%E0%A4%A',
  ])('refuses traversal %s', async (path) => {
    const server = await start();
    const sep = path.includes('?') ? '&' : '?';
    const reply = await get(server, `${path}${sep}token=${server.token}`);
    expect([400, 403]).toContain(reply.status);
    expect(reply.body).not.toContain(SECRET);
    expect(reply.body).not.toContain('root:');
  });

  it('does not follow a symlink out of the static dir', async () => {
    const server = await start();
    const reply = await get(server, `/assets/link.txt?token=${server.token}`);
    expect(reply.status).toBe(404);
    expect(reply.body).not.toContain(SECRET);
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const server = await start();
    const reply = await get(server, `/?token=${server.token}`, { Host: `evil.example:${server.port}` });
    expect(reply.status).toBe(403);
    const localhost = await get(server, `/?token=${server.token}`, { Host: `localhost:${server.port}` });
    expect(localhost.status).toBe(200);
  });
});

describe('WebSocket handshake', () => {
  it('needs the token: none → 401, wrong → 403, in the query or as a subprotocol → open', async () => {
    const server = await start();
    const base = `ws://127.0.0.1:${server.port}/ws`;
    expect(await handshake(base)).toEqual({ opened: false, status: 401 });
    expect(await handshake(`${base}?token=${'0'.repeat(64)}`)).toEqual({ opened: false, status: 403 });
    expect(await handshake(base, { protocols: ['conveyor', 'conveyor-token.wrong-token-0123456789'] })).toEqual({
      opened: false,
      status: 403,
    });
    expect(await handshake(`${base}?token=${server.token}`)).toEqual({ opened: true, protocol: '' });
    expect(await handshake(base, { protocols: ['conveyor', `conveyor-token.${server.token}`] })).toEqual({
      opened: true,
      protocol: 'conveyor',
    });
  });

  it('the page cookie alone does not open a WebSocket', async () => {
    const server = await start();
    const result = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, {
        headers: { Cookie: `conveyor_token_${server.port}=${server.token}` },
      });
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on('open', () => resolve(101));
      ws.on('error', () => {});
    });
    expect(result).toBe(401);
  });

  it('refuses another Origin with 403, accepts its own', async () => {
    const server = await start();
    const url = `ws://127.0.0.1:${server.port}/ws?token=${server.token}`;
    expect(await handshake(url, { origin: 'https://evil.example' })).toEqual({ opened: false, status: 403 });
    expect(await handshake(url, { origin: `http://127.0.0.1:${server.port + 1}` })).toEqual({ opened: false, status: 403 });
    expect(await handshake(url, { origin: 'null' })).toEqual({ opened: false, status: 403 });
    expect(await handshake(url, { origin: `http://127.0.0.1:${server.port}` })).toEqual({ opened: true, protocol: '' });
  });

  it('refuses a foreign Host and other paths', async () => {
    const server = await start();
    expect(await handshake(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, { host: `evil.example:${server.port}` })).toEqual({
      opened: false,
      status: 403,
    });
    expect(await handshake(`ws://127.0.0.1:${server.port}/other?token=${server.token}`)).toEqual({ opened: false, status: 404 });
  });
});

describe('contract over the WebSocket', () => {
  it('round-trips calls, and errors reject as ApiError with code and details', async () => {
    const surface = new FakeSurface()
      .on('queues.pause', (args) => ({ name: (args as { queue: string }).queue, paused: true }))
      .on('jobs.get', () => {
        throw new JobNotFoundError('mail', '42');
      });
    const server = await start(surface);
    const api = client(server);
    await expect(api.call('queues.pause', { queue: 'mail' })).resolves.toEqual({ name: 'mail', paused: true });
    await expect(api.call('connection.status')).resolves.toEqual({ command: 'connection.status', args: undefined });
    const err = await api.call('jobs.get', { queue: 'mail', id: '42' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({
      code: 'JOB_NOT_FOUND',
      message: 'job "42" not found in queue "mail"',
      details: { queue: 'mail', id: '42' },
    });
    const unknown = await (api.call as (c: string) => Promise<unknown>)('nope.nothing').catch((e: unknown) => e);
    expect(unknown).toMatchObject({ code: 'UNKNOWN_COMMAND' });
    expect(surface.calls.map((c) => c.command)).toEqual(['queues.pause', 'connection.status', 'jobs.get', 'nope.nothing']);
  });

  it('answers many concurrent calls by id', async () => {
    const surface = new FakeSurface().on('jobs.get', async (args) => {
      const { id } = args as { id: string };
      await new Promise((r) => setTimeout(r, Number(id) % 7));
      return { id };
    });
    const server = await start(surface);
    const api = client(server);
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => api.call('jobs.get', { queue: 'q', id: String(i) })));
    expect(results).toEqual(Array.from({ length: 100 }, (_, i) => ({ id: String(i) })));
  });

  it('pushes events only for subscribed channels, and stops after unsubscribe', async () => {
    const surface = new FakeSurface();
    const server = await start(surface);
    const api = client(server);
    const jobs: JobEvent[] = [];
    const off = api.listen('jobs.events', (batch) => jobs.push(...batch));
    await api.call('connection.status'); // the subscribe frame went before this call
    expect(surface.subscriberCount('jobs.events')).toBe(1);
    expect(surface.subscriberCount('metrics.tick')).toBe(0);
    surface.emit('metrics.tick', { at: 1, windowMs: 1, queues: [], agents: [] });
    surface.emit('jobs.events', [jobEvent(1), jobEvent(2)]);
    await until(() => jobs.length === 2);
    off();
    await api.call('connection.status');
    expect(surface.subscriberCount('jobs.events')).toBe(0);
    surface.emit('jobs.events', [jobEvent(3)]);
    await new Promise((r) => setTimeout(r, 100));
    expect(jobs.map((e) => e.ts)).toEqual([1, 2]);
  });

  it('coalesces events to at most 20 sends a second per connection, losing no job event', async () => {
    const surface = new FakeSurface();
    const server = await start(surface);
    const raw = rawClient(server);
    await raw.opened;
    raw.ws.send(JSON.stringify({ kind: 'subscribe', event: 'jobs.events' }));
    raw.ws.send(JSON.stringify({ kind: 'subscribe', event: 'metrics.tick' }));
    await until(() => surface.subscriberCount('metrics.tick') === 1);
    const start0 = Date.now();
    let n = 0;
    while (Date.now() - start0 < 500) {
      surface.emit('jobs.events', [jobEvent(n++)]);
      surface.emit('metrics.tick', { at: n, windowMs: 1, queues: [], agents: [] });
      await new Promise((r) => setTimeout(r, 1));
    }
    await new Promise((r) => setTimeout(r, 300));
    const events = raw.frames.filter((f) => f['kind'] === 'event');
    // 800 ms at one send per 50 ms, plus the first send at once.
    expect(events.length).toBeLessThanOrEqual(17);
    const jobs = events.filter((f) => f['event'] === 'jobs.events').flatMap((f) => f['payload'] as JobEvent[]);
    expect(jobs.map((e) => e.ts)).toEqual(Array.from({ length: n }, (_, i) => i));
    const ticks = events.filter((f) => f['event'] === 'metrics.tick');
    expect((ticks.at(-1)?.['payload'] as { at: number }).at).toBe(n);
    raw.ws.close();
  });

  it('reconnects and resubscribes after the server comes back; calls in flight reject with DISCONNECTED', async () => {
    const surface = new FakeSurface();
    let release: () => void = () => {};
    surface.on('queues.drain', () => new Promise((r) => (release = () => r({ removed: 0 }))));
    const first = await startWebServer({ surface, staticDir });
    const api = createWebSocketApi(`ws://127.0.0.1:${first.port}/ws?token=${first.token}`, WebSocket, {
      reconnectDelayMs: 20,
      maxReconnectDelayMs: 100,
    });
    clients.push(api);
    const seen: string[] = [];
    api.listen('connection.changed', (s) => seen.push(s.state));
    await api.call('connection.status');
    const inFlight = api.call('queues.drain', { queue: 'q' }).catch((e: unknown) => e);
    await until(() => surface.calls.some((c) => c.command === 'queues.drain'));
    await first.close();
    release();
    expect(await inFlight).toMatchObject({ code: DISCONNECTED });
    expect(surface.subscriberCount('connection.changed')).toBe(0);

    const second = await start(surface, { port: first.port, token: first.token });
    await expect(api.call('connection.status')).resolves.toBeTruthy();
    expect(api.status).toBe('open');
    expect(surface.subscriberCount('connection.changed')).toBe(1);
    surface.emit('connection.changed', { state: 'connected', target: 'redis://x', since: 1 });
    await until(() => seen.length === 1);
    expect(second.port).toBe(first.port);
  });

  it('a call with no answer within callTimeoutMs rejects with CALL_TIMEOUT; the connection serves the next call', async () => {
    const surface = new FakeSurface();
    surface.on('queues.drain', () => new Promise(() => undefined));
    const server = await start(surface);
    const api = createWebSocketApi(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, WebSocket, { callTimeoutMs: 300 });
    clients.push(api);
    const started = Date.now();
    await expect(api.call('queues.drain', { queue: 'q' })).rejects.toMatchObject({ code: CALL_TIMEOUT });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    await expect(api.call('queues.list')).resolves.toEqual({ command: 'queues.list', args: undefined });
  });

  it('a call made while disconnected waits for the connection', async () => {
    const surface = new FakeSurface();
    const server = await start(surface);
    const api = client(server);
    const early = api.call('queues.list');
    expect(api.status).toBe('connecting');
    await expect(early).resolves.toEqual({ command: 'queues.list', args: undefined });
  });

  it('close() rejects waiting calls and stops reconnecting', async () => {
    const server = await start();
    const api = client(server);
    await api.call('connection.status');
    api.close();
    await until(() => api.status === 'closed');
    await expect(api.call('connection.status')).rejects.toMatchObject({ code: DISCONNECTED });
  });
});

describe('malformed frames', () => {
  it.each([
    ['not JSON', 'this is {not json', 1007],
    ['a JSON array', '[1,2]', 1008],
    ['an unknown kind', '{"kind":"explode"}', 1008],
    ['a call without a usable id', '{"kind":"call","id":"7","command":"queues.list"}', 1008],
    ['a subscribe to an unknown event', '{"kind":"subscribe","event":"secrets.dump"}', 1008],
  ])('%s closes the connection with a reason', async (_what, text, code) => {
    const server = await start();
    const raw = rawClient(server);
    await raw.opened;
    raw.ws.send(text);
    const closed = await raw.closed;
    expect(closed.code).toBe(code);
    expect(closed.reason).toMatch(/malformed|not JSON/);
  });

  it('binary frames close with 1003, oversized frames with 1009', async () => {
    const server = await start(new FakeSurface(), { maxFrameBytes: 1024 });
    const a = rawClient(server);
    await a.opened;
    a.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect((await a.closed).code).toBe(1003);
    const b = rawClient(server);
    await b.opened;
    b.ws.send(JSON.stringify({ kind: 'call', id: 1, command: 'config.validate', args: { text: 'x'.repeat(4096) } }));
    expect((await b.closed).code).toBe(1009);
  });

  it('a call frame with a bad command gets an error result; the server keeps serving', async () => {
    const surface = new FakeSurface();
    const server = await start(surface);
    const raw = rawClient(server);
    await raw.opened;
    raw.ws.send(JSON.stringify({ kind: 'call', id: 5, command: 42 }));
    raw.ws.send(JSON.stringify({ kind: 'call', id: 6, command: 'queues.list' }));
    await until(() => raw.frames.length === 2);
    expect(raw.frames).toEqual([
      { kind: 'result', id: 5, ok: false, error: { code: 'INVALID_ARGS', message: expect.stringContaining('command') } },
      { kind: 'result', id: 6, ok: true, result: { command: 'queues.list', args: undefined } },
    ]);
    // After all the abuse above, a fresh client still works.
    const api = client(server);
    await expect(api.call('pool.status')).resolves.toBeTruthy();
    raw.ws.close();
  });

  it('a result that is not JSON-serialisable becomes an error result', async () => {
    const surface = new FakeSurface().on('pool.status', () => ({ big: 10n }));
    const server = await start(surface);
    const api = client(server);
    await expect(api.call('pool.status')).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
