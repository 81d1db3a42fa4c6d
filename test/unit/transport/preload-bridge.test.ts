import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES, EVENT_NAMES, ipcChannel } from '../../../src-shared/contract';
import { createBridge, type IpcRendererLike } from '../../../src-main/preload/bridge';

function fakeIpcRenderer() {
  const invoked: Array<{ channel: string; args: unknown[] }> = [];
  const listeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
  const ipc: IpcRendererLike = {
    invoke: async (channel, ...args) => {
      invoked.push({ channel, args });
      return { ok: true, result: channel };
    },
    on: (channel, l) => {
      const set = listeners.get(channel) ?? new Set();
      listeners.set(channel, set);
      set.add(l);
    },
    removeListener: (channel, l) => listeners.get(channel)?.delete(l),
  };
  const emit = (channel: string, payload: unknown): void => listeners.get(channel)?.forEach((l) => l({ sender: 'secret' }, payload));
  return { ipc, invoked, listeners, emit };
}

describe('preload bridge', () => {
  it('has one function per command, a subscribe per event, and nothing else', () => {
    const bridge = createBridge(fakeIpcRenderer().ipc) as unknown as Record<string, unknown>;
    expect(Object.keys(bridge).sort()).toEqual([...COMMAND_NAMES, 'subscribe'].sort());
    for (const c of COMMAND_NAMES) expect(typeof bridge[c]).toBe('function');
    expect(Object.keys(bridge['subscribe'] as object).sort()).toEqual([...EVENT_NAMES].sort());
    expect(Object.isFrozen(bridge)).toBe(true);
    expect(Object.isFrozen(bridge['subscribe'])).toBe(true);
  });

  it('invokes the command channel with the one argument', async () => {
    const { ipc, invoked } = fakeIpcRenderer();
    const bridge = createBridge(ipc);
    await expect(bridge['queues.pause']({ queue: 'q' })).resolves.toEqual({ ok: true, result: ipcChannel.command('queues.pause') });
    expect(invoked).toEqual([{ channel: 'conveyor:cmd:queues.pause', args: [{ queue: 'q' }] }]);
  });

  it('subscribe hands over the payload only, and unsubscribes once', () => {
    const { ipc, listeners, emit } = fakeIpcRenderer();
    const bridge = createBridge(ipc);
    const seen: unknown[][] = [];
    const off = bridge.subscribe['jobs.events']((...args: unknown[]) => seen.push(args));
    emit(ipcChannel.event('jobs.events'), [{ id: '1' }]);
    off();
    off();
    emit(ipcChannel.event('jobs.events'), [{ id: '2' }]);
    expect(seen).toEqual([[[{ id: '1' }]]]);
    expect(listeners.get(ipcChannel.event('jobs.events'))?.size).toBe(0);
  });

  it('subscribe refuses a handler that is not a function', () => {
    const bridge = createBridge(fakeIpcRenderer().ipc);
    expect(() => (bridge.subscribe['pool.changed'] as (h: unknown) => void)('nope')).toThrow(TypeError);
  });
});
