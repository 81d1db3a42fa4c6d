import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect } from 'vitest';
import { ErrorCode } from '../../../src-shared/errors';
import { agentItem } from '../../../src-shared/item-schema';
import { ControlCore } from '../../../src-main/control/control-core';
import { findFreePort } from '../../../src-main/redis/redis-server-process';
import { collect, controlTest, DEFAULT_CONFIG_TEXT, QUEUE, rejection, until } from '../../support/contract-suite';
import { cleanupPrefix, freshPrefix, testRedisUrl } from '../../support/redis';

const test = controlTest();

describe('control core: applying a saved config', () => {
  test('a new key_prefix reconnects, says so, and the event tail follows the new prefix', async ({ open }) => {
    const { api, prefix } = await open();
    await api.call('queues.create', { name: 'old' });
    const next = freshPrefix();
    try {
      const states = collect(api, 'connection.changed');
      const saved = await api.call('config.save', { patch: { queue: { key_prefix: next } } });
      expect(saved.applied).toEqual([expect.stringMatching(new RegExp(`^reconnected to redis://.* with key prefix "${next}"$`))]);
      expect(states.items.map((s) => s.state)).toEqual(['connecting', 'connected']);
      expect(await api.call('queues.list')).toEqual([]);
      const events = collect(api, 'jobs.events');
      await api.call('queues.create', { name: 'new' });
      const { id } = await api.call('jobs.enqueue', { queue: 'new', item: agentItem('echo', 1) });
      await until(() => events.items.flat().some((e) => e.jobId === id), 5000, 'event under the new prefix');
      expect(prefix).not.toBe(next);
    } finally {
      await cleanupPrefix(next);
    }
  });

  test('changing workers.queues restarts the local pool on the new queues', async ({ open }) => {
    const { api } = await open({ pool: true });
    const saved = await api.call('config.save', { patch: { workers: { queues: [QUEUE, 'more'] } } });
    expect(saved.applied).toEqual(['local pool restarted (workers.queues changed)']);
    expect(await api.call('pool.status')).toMatchObject({ running: true, queues: [QUEUE, 'more'] });
    const { id } = await api.call('jobs.enqueue', { queue: 'more', item: agentItem('echo', 'x') });
    await until(
      async () => (await api.call('jobs.get', { queue: 'more', id }))?.state === 'completed',
      10_000,
      'job on the new queue done',
    );
  });

  test('a save that changes only queue defaults keeps the local pool running, and new queues get the defaults', async ({ open }) => {
    const { api } = await open({ pool: true });
    const poolEvents = collect(api, 'pool.changed');
    const saved = await api.call('config.save', { patch: { queue: { max_retries: 7 } } });
    expect(saved.applied).toEqual(['new queue defaults in effect; the local pool keeps running']);
    expect(poolEvents.items.filter((p) => !p.running)).toEqual([]);
    expect((await api.call('queues.create', { name: 'fresh' })).options.maxRetries).toBe(7);
    const { id } = await api.call('jobs.enqueue', { queue: QUEUE, item: agentItem('echo', 'still running') });
    await until(
      async () => (await api.call('jobs.get', { queue: QUEUE, id }))?.state === 'completed',
      10_000,
      'the pool still works its queue',
    );
  });

  test('a save that changes nothing the running core uses applies nothing', async ({ open }) => {
    const { api } = await open({ pool: true });
    const saved = await api.call('config.save', { patch: { workers: { job_timeout_ms: 300_000 } } });
    expect(saved.applied).toEqual([]);
  });
});

describe('control core: lifecycle', () => {
  test('an invalid config.yml fails start with CONFIG_INVALID', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'conveyor-control-'));
    try {
      const file = path.join(dir, 'config.yml');
      await fs.writeFile(file, 'workers:\n  concurrency: lots\n');
      const err = await rejection(ControlCore.start({ configPath: file, env: { REDIS_URL: testRedisUrl() }, log: () => undefined }));
      expect(err).toMatchObject({ code: ErrorCode.ConfigInvalid });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  test('a missing config.yml means defaults, and the first save creates it', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'conveyor-control-'));
    const prefix = freshPrefix();
    const core = await ControlCore.start({
      configPath: path.join(dir, 'config.yml'),
      env: { REDIS_URL: testRedisUrl() },
      log: () => undefined,
    });
    try {
      expect((await core.call('config.get', undefined)).text).toBe('');
      await core.call('config.save', { patch: { queue: { key_prefix: prefix } } });
      expect(await fs.readFile(path.join(dir, 'config.yml'), 'utf8')).toContain(`key_prefix: ${prefix}`);
    } finally {
      await core.close();
      await cleanupPrefix(prefix);
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  test('a core started while Redis is unreachable starts disconnected and commands fail fast with REDIS_UNAVAILABLE', async ({ open }) => {
    const port = await findFreePort();
    const { api } = await open({ core: { env: { REDIS_URL: `redis://127.0.0.1:${port}` } } });
    expect(await api.call('connection.status')).toMatchObject({
      state: 'disconnected',
      target: `redis://127.0.0.1:${port}/0`,
      error: expect.any(String),
    });
    const started = Date.now();
    const err = await rejection(api.call('queues.list'));
    expect(err.code).toBe(ErrorCode.RedisUnavailable);
    expect(Date.now() - started).toBeLessThan(500);
    // What needs no Redis still works.
    expect((await api.call('config.get')).text).toContain('key_prefix');
  });

  test('close stops the core: the connection reads disconnected and a second close is harmless', async ({ open }) => {
    const { core } = await open({ pool: true, config: DEFAULT_CONFIG_TEXT });
    await core.close();
    await core.close();
    expect(core.connection).toMatchObject({ state: 'disconnected' });
    expect(core.adapter).toBeUndefined();
  });
});
