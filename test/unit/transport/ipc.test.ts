import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { COMMAND_NAMES, EVENT_NAMES, ipcChannel, type ConnectionStatus, type MetricsSnapshot } from '../../../src-shared/contract';
import { ConveyorError, ErrorCode, QueueFullError } from '../../../src-shared/errors';
import type { JobEvent } from '../../../src-shared/job';
import {
  forwardEvents,
  isTrustedSender,
  registerIpcHandlers,
  type IpcInvokeEventLike,
  type IpcMainLike,
  type IpcReply,
  type WebContentsLike,
} from '../../../src-main/transport/ipc';
import { FakeSurface } from './fake-surface';

const RENDERER = 'file:///opt/Conveyor/resources/app/out/renderer/index.html';

class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown>>();
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown>): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  invoke(channel: string, url: string | null, args?: unknown, parent: unknown = null): Promise<IpcReply> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`no handler for ${channel}`);
    return handler({ senderFrame: url === null ? null : { url, parent } }, args) as Promise<IpcReply>;
  }
}

class FakeWebContents implements WebContentsLike {
  readonly sent: Array<{ at: number; channel: string; payload: unknown }> = [];
  destroyed = false;
  private onDestroyed: Array<() => void> = [];
  send(channel: string, payload: unknown): void {
    if (this.destroyed) throw new Error('send on destroyed webContents');
    this.sent.push({ at: Date.now(), channel, payload });
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  once(_event: 'destroyed', listener: () => void): this {
    this.onDestroyed.push(listener);
    return this;
  }
  removeListener(_event: 'destroyed', listener: () => void): this {
    this.onDestroyed = this.onDestroyed.filter((l) => l !== listener);
    return this;
  }
  destroy(): void {
    this.destroyed = true;
    const listeners = this.onDestroyed;
    this.onDestroyed = [];
    for (const l of listeners) l();
  }
}

function jobEvent(n: number): JobEvent {
  return { id: `${n}-0`, queue: 'q', type: 'enqueued', jobId: `job-${n}`, ts: n };
}

function metrics(at: number): MetricsSnapshot {
  return { at, windowMs: 60_000, queues: [], agents: [] };
}

describe('IPC handler table', () => {
  let ipcMain: FakeIpcMain;
  let surface: FakeSurface;
  let dispose: () => void;

  beforeEach(() => {
    ipcMain = new FakeIpcMain();
    surface = new FakeSurface();
    dispose = registerIpcHandlers({ ipcMain, surface, rendererUrl: RENDERER });
  });

  it('registers exactly one handler per contract command', () => {
    expect([...ipcMain.handlers.keys()].sort()).toEqual(COMMAND_NAMES.map((c) => ipcChannel.command(c)).sort());
    expect(ipcMain.handlers.size).toBe(24);
  });

  it('passes a call from the renderer page to the surface and replies ok', async () => {
    surface.on('queues.pause', (args) => ({ name: (args as { queue: string }).queue, paused: true }));
    const reply = await ipcMain.invoke(ipcChannel.command('queues.pause'), `${RENDERER}#/queues`, { queue: 'mail' });
    expect(reply).toEqual({ ok: true, result: { name: 'mail', paused: true } });
    expect(surface.calls).toEqual([{ command: 'queues.pause', args: { queue: 'mail' } }]);
  });

  it('a command without arguments gets undefined', async () => {
    const reply = await ipcMain.invoke(ipcChannel.command('connection.status'), RENDERER);
    expect(reply).toEqual({ ok: true, result: { command: 'connection.status', args: undefined } });
  });

  it.each([
    ['a remote page', 'https://evil.example/index.html'],
    ['another local file', 'file:///etc/passwd'],
    ['a file beside the renderer', 'file:///opt/Conveyor/resources/app/out/renderer/other.html'],
    ['a dev-server-like origin', 'http://localhost:5173/'],
    ['an empty URL', ''],
  ])('refuses a call from %s with UNAUTHORIZED, without calling the surface', async (_what, url) => {
    const reply = await ipcMain.invoke(ipcChannel.command('queues.drain'), url, { queue: 'mail' });
    expect(reply.ok).toBe(false);
    expect(!reply.ok && reply.error.code).toBe(ErrorCode.Unauthorized);
    expect(surface.calls).toEqual([]);
  });

  it('refuses a sub-frame of the renderer page and a vanished frame', async () => {
    const fromSubFrame = await ipcMain.invoke(ipcChannel.command('queues.list'), RENDERER, undefined, { url: RENDERER });
    const fromNoFrame = await ipcMain.invoke(ipcChannel.command('queues.list'), null);
    expect(fromSubFrame).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    expect(fromNoFrame).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    expect(surface.calls).toEqual([]);
  });

  it('accepts any page of the dev server origin in development, nothing else', () => {
    const dev = 'http://localhost:5173';
    expect(isTrustedSender({ senderFrame: { url: 'http://localhost:5173/index.html', parent: null } }, dev)).toBe(true);
    expect(isTrustedSender({ senderFrame: { url: 'http://localhost:5174/', parent: null } }, dev)).toBe(false);
    expect(isTrustedSender({ senderFrame: { url: 'http://127.0.0.1:5173/', parent: null } }, dev)).toBe(false);
    expect(isTrustedSender({ senderFrame: { url: 'file:///index.html', parent: null } }, dev)).toBe(false);
  });

  it('turns every failure into an ErrorShape and never rejects', async () => {
    surface.on('jobs.enqueue', () => {
      throw new QueueFullError('mail', 10, 10);
    });
    surface.on('queues.list', () => {
      throw new TypeError('boom');
    });
    surface.on('workers.list', () => Promise.reject('a string'));
    const full = await ipcMain.invoke(ipcChannel.command('jobs.enqueue'), RENDERER, { queue: 'mail' });
    const internal = await ipcMain.invoke(ipcChannel.command('queues.list'), RENDERER);
    const odd = await ipcMain.invoke(ipcChannel.command('workers.list'), RENDERER);
    expect(full).toEqual({
      ok: false,
      error: { code: 'QUEUE_FULL', message: expect.stringContaining('full'), details: { queue: 'mail', depth: 10, limit: 10 } },
    });
    expect(internal).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'boom' } });
    expect(odd).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'a string' } });
  });

  it('passes INVALID_ARGS from the surface through as a shape', async () => {
    surface.on('jobs.get', () => {
      throw new ConveyorError(ErrorCode.InvalidArgs, 'id: required', { issues: [{ path: 'id' }] });
    });
    const reply = await ipcMain.invoke(ipcChannel.command('jobs.get'), RENDERER, { queue: 'q' });
    expect(reply).toEqual({ ok: false, error: { code: 'INVALID_ARGS', message: 'id: required', details: { issues: [{ path: 'id' }] } } });
  });

  it('the disposer removes every handler', () => {
    dispose();
    expect(ipcMain.handlers.size).toBe(0);
    dispose();
  });
});

describe('events to a window', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('subscribes to every event channel and sends on ipcChannel.event', async () => {
    const surface = new FakeSurface();
    const contents = new FakeWebContents();
    forwardEvents(surface, contents);
    for (const e of EVENT_NAMES) expect(surface.subscriberCount(e)).toBe(1);
    const status: ConnectionStatus = { state: 'connected', target: 'redis://127.0.0.1:6379', since: 1 };
    surface.emit('connection.changed', status);
    await vi.advanceTimersByTimeAsync(10);
    expect(contents.sent).toEqual([{ at: expect.any(Number), channel: ipcChannel.event('connection.changed'), payload: status }]);
  });

  it('coalesces a flood to at most 20 sends a second, concatenating job events and keeping the latest metrics', async () => {
    const surface = new FakeSurface();
    const contents = new FakeWebContents();
    forwardEvents(surface, contents);
    const start = Date.now();
    // 2000 job event batches and 200 metrics snapshots over one second.
    for (let ms = 0; ms < 1000; ms++) {
      surface.emit('jobs.events', [jobEvent(2 * ms), jobEvent(2 * ms + 1)]);
      if (ms % 5 === 0) surface.emit('metrics.tick', metrics(ms));
      await vi.advanceTimersByTimeAsync(1);
    }
    await vi.advanceTimersByTimeAsync(500);

    const inFirstSecond = contents.sent.filter((s) => s.at < start + 1000);
    expect(inFirstSecond.length).toBeLessThanOrEqual(20);
    // No two sends closer than 50 ms: at most 20 in any one-second window.
    for (let i = 1; i < contents.sent.length; i++) {
      expect(contents.sent[i]!.at - contents.sent[i - 1]!.at).toBeGreaterThanOrEqual(50);
    }
    const jobs = contents.sent.filter((s) => s.channel === ipcChannel.event('jobs.events')).flatMap((s) => s.payload as JobEvent[]);
    expect(jobs).toHaveLength(2000);
    expect(jobs.map((e) => e.ts)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    const ticks = contents.sent.filter((s) => s.channel === ipcChannel.event('metrics.tick')).map((s) => (s.payload as MetricsSnapshot).at);
    expect(ticks.length).toBeGreaterThan(0);
    expect(ticks.length).toBeLessThan(200);
    expect(ticks.at(-1)).toBe(995);
    expect(ticks).toEqual([...ticks].sort((a, b) => a - b));
  });

  it('stops and unsubscribes when the window goes away, or on dispose', async () => {
    const surface = new FakeSurface();
    const a = new FakeWebContents();
    const b = new FakeWebContents();
    forwardEvents(surface, a);
    const disposeB = forwardEvents(surface, b);
    expect(surface.subscriberCount('jobs.events')).toBe(2);

    surface.emit('jobs.events', [jobEvent(1)]);
    a.destroy();
    await vi.advanceTimersByTimeAsync(100);
    expect(a.sent).toEqual([]);
    expect(b.sent).toHaveLength(1);
    expect(surface.subscriberCount('jobs.events')).toBe(1);

    disposeB();
    surface.emit('jobs.events', [jobEvent(2)]);
    await vi.advanceTimersByTimeAsync(100);
    expect(b.sent).toHaveLength(1);
    for (const e of EVENT_NAMES) expect(surface.subscriberCount(e)).toBe(0);
  });

  it('each window has its own budget', async () => {
    const surface = new FakeSurface();
    const a = new FakeWebContents();
    const b = new FakeWebContents();
    forwardEvents(surface, a);
    forwardEvents(surface, b);
    for (let ms = 0; ms < 1000; ms += 10) {
      surface.emit('jobs.events', [jobEvent(ms)]);
      await vi.advanceTimersByTimeAsync(10);
    }
    await vi.advanceTimersByTimeAsync(100);
    expect(a.sent.length).toBeGreaterThanOrEqual(19);
    expect(a.sent.length).toBeLessThanOrEqual(21);
    expect(b.sent.map((s) => s.payload)).toEqual(a.sent.map((s) => s.payload));
  });
});
