import { describe, expect, it, vi } from 'vitest';
import type { IpcBridge } from '../../../src-shared/contract';
import { ApiError, createIpcApi, pageToken, pageWebSocketUrl } from '../../../src-renderer/src/api/client';

function fakeBridge(reply: (command: string, args: unknown) => unknown) {
  const handlers = new Map<string, Set<(p: unknown) => void>>();
  const bridge = new Proxy(
    {},
    {
      get(_t, name: string) {
        if (name === 'subscribe') {
          return new Proxy(
            {},
            {
              get: (_s, event: string) => (handler: (p: unknown) => void) => {
                const set = handlers.get(event) ?? new Set();
                handlers.set(event, set);
                set.add(handler);
                return () => set.delete(handler);
              },
            },
          );
        }
        return async (args: unknown) => reply(name, args);
      },
    },
  ) as IpcBridge;
  return { bridge, emit: (event: string, payload: unknown) => handlers.get(event)?.forEach((h) => h(payload)), handlers };
}

describe('IPC API', () => {
  it('resolves ok replies and rejects error replies as ApiError', async () => {
    const { bridge } = fakeBridge((command, args) =>
      command === 'queues.pause'
        ? { ok: false, error: { code: 'QUEUE_NOT_FOUND', message: 'queue "x" does not exist', details: { queue: 'x' } } }
        : { ok: true, result: { command, args } },
    );
    const api = createIpcApi(bridge);
    await expect(api.call('queues.list')).resolves.toEqual({ command: 'queues.list', args: undefined });
    const err = await api.call('queues.pause', { queue: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'QUEUE_NOT_FOUND', message: 'queue "x" does not exist', details: { queue: 'x' } });
  });

  it('listens through bridge.subscribe and unsubscribes', () => {
    const { bridge, emit, handlers } = fakeBridge(() => ({ ok: true, result: null }));
    const api = createIpcApi(bridge);
    const seen: unknown[] = [];
    const off = api.listen('connection.changed', (s) => seen.push(s.state));
    emit('connection.changed', { state: 'connected' });
    off();
    emit('connection.changed', { state: 'disconnected' });
    expect(seen).toEqual(['connected']);
    expect(handlers.get('connection.changed')?.size).toBe(0);
  });

  it('a throwing listener does not break delivery', () => {
    vi.useFakeTimers();
    try {
      const { bridge, emit } = fakeBridge(() => ({ ok: true, result: null }));
      const api = createIpcApi(bridge);
      const seen: string[] = [];
      api.listen('pool.changed', () => {
        throw new Error('listener bug');
      });
      api.listen('pool.changed', () => seen.push('second'));
      emit('pool.changed', {});
      expect(seen).toEqual(['second']);
      expect(() => vi.runAllTimers()).toThrow('listener bug');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('page token', () => {
  function page(href: string, stored?: string) {
    const storage = new Map<string, string>(stored ? [['conveyor.token', stored]] : []);
    const replaced: string[] = [];
    return {
      page: {
        location: { href, host: new URL(href).host, protocol: new URL(href).protocol },
        sessionStorage: { getItem: (k: string) => storage.get(k) ?? null, setItem: (k: string, v: string) => void storage.set(k, v) },
        history: { state: null, replaceState: (_s: unknown, _u: string, url: string) => void replaced.push(url) },
      },
      storage,
      replaced,
    };
  }

  it('comes from the URL, is kept in sessionStorage and taken out of the address bar', () => {
    const p = page('http://127.0.0.1:4280/jobs?token=abc123&view=1#x');
    expect(pageToken(p.page)).toBe('abc123');
    expect(p.storage.get('conveyor.token')).toBe('abc123');
    expect(p.replaced).toEqual(['/jobs?view=1#x']);
  });

  it('comes from sessionStorage after a reload', () => {
    expect(pageToken(page('http://127.0.0.1:4280/', 'stored').page)).toBe('stored');
    expect(pageToken(page('http://127.0.0.1:4280/').page)).toBeUndefined();
  });

  it('makes the ws URL of the page host', () => {
    expect(pageWebSocketUrl('a b', page('http://127.0.0.1:4280/x').page)).toBe('ws://127.0.0.1:4280/ws?token=a%20b');
    expect(pageWebSocketUrl('t', page('https://conveyor.local/').page)).toBe('wss://conveyor.local/ws?token=t');
  });
});
