import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { ConnectionState } from '../../../src-shared/contract';
import { ErrorCode } from '../../../src-shared/errors';
import { agentItem } from '../../../src-shared/item-schema';
import type { JobEvent } from '../../../src-shared/job';
import { findFreePort, RedisServerProcess } from '../../../src-main/redis/redis-server-process';
import { collect, controlTest, QUEUE, rejection, until } from '../../support/contract-suite';

// These tests stop and restart Redis, so they get a private server of their own (AOF on, like production).
let server: RedisServerProcess;
const test = controlTest();

beforeAll(async () => {
  server = await RedisServerProcess.start({ port: 0, appendonly: true, appendfsync: 'always' });
});

afterAll(async () => {
  await server.stop();
});

/** A core on the private server, quick to retry. */
const onServer = () => ({ env: { REDIS_URL: server.url }, reconnectDelayMs: { min: 100, max: 300 } });

describe('control core across a Redis restart', () => {
  test('connection.changed goes disconnected, then connected again', async ({ open }) => {
    const { api } = await open({ core: onServer() });
    const changes = collect(api, 'connection.changed');
    await server.restart();
    await until(() => changes.items.some((s) => s.state === 'connected'), 10_000, 'connected again');
    const states: ConnectionState[] = changes.items.map((s) => s.state).filter((s, i, all) => s !== all[i - 1]);
    expect(states).toEqual(['disconnected', 'connected']);
    expect(changes.items.find((s) => s.state === 'disconnected')?.error).toBeTruthy();
  });

  test('while Redis is down commands fail fast with REDIS_UNAVAILABLE; once it is back they work again', async ({ open }) => {
    const { api } = await open({ core: onServer() });
    await api.call('queues.create', { name: 'q1' });
    await server.halt();
    try {
      await until(async () => (await api.call('connection.status')).state === 'disconnected', 5000, 'disconnected');
      const started = Date.now();
      expect(await rejection(api.call('queues.list'))).toMatchObject({ code: ErrorCode.RedisUnavailable });
      expect(Date.now() - started).toBeLessThan(500);
    } finally {
      await server.restart();
    }
    await until(async () => (await api.call('connection.status')).state === 'connected', 10_000, 'connected');
    expect((await api.call('queues.list')).map((q) => q.name)).toEqual(['q1']);
  });

  test('the event tail resumes: a job enqueued after the restart is seen through its whole lifecycle, nothing repeated', async ({
    open,
  }) => {
    const { api } = await open({ pool: true, core: onServer() });
    const events = collect(api, 'jobs.events');
    const before = await api.call('jobs.enqueue', { queue: QUEUE, item: agentItem('echo', 'before') });
    const types = (id: string): string[] =>
      events.items
        .flat()
        .filter((e: JobEvent) => e.jobId === id)
        .map((e) => e.type);
    await until(() => types(before.id).includes('completed'), 10_000, 'first job done');
    await server.restart();
    await until(async () => (await api.call('connection.status')).state === 'connected', 10_000, 'connected');
    const after = await api.call('jobs.enqueue', { queue: QUEUE, item: agentItem('echo', 'after') });
    await until(() => types(after.id).includes('completed'), 10_000, 'second job done');
    expect(types(after.id)).toEqual(['enqueued', 'started', 'completed']);
    expect(types(before.id)).toEqual(['enqueued', 'started', 'completed']);
    const ids = events.items.flat().map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('a core started before Redis connects once Redis comes up', async ({ open }) => {
    const port = await findFreePort();
    const { api } = await open({ core: { env: { REDIS_URL: `redis://127.0.0.1:${port}` }, reconnectDelayMs: { min: 100, max: 300 } } });
    expect((await api.call('connection.status')).state).toBe('disconnected');
    const late = await RedisServerProcess.start({ port });
    try {
      await until(async () => (await api.call('connection.status')).state === 'connected', 10_000, 'connected');
      await api.call('queues.create', { name: 'late' });
      expect((await api.call('queues.list')).map((q) => q.name)).toEqual(['late']);
    } finally {
      await late.stop();
    }
  });
});
