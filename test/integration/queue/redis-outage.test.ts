import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, RedisUnavailableError } from '../../../src-shared/errors';
import type { JobEvent } from '../../../src-shared/job';
import { RedisQueueAdapter } from '../../../src-main/queue/redis-queue-adapter';
import { RedisServerProcess, findFreePort } from '../../../src-main/redis/redis-server-process';
import { freshPrefix } from '../../support/redis';
import { item, testAdapterOptions } from '../../support/queue';

// These tests stop and restart Redis, so they get a private server of their own (AOF on, like production).
let server: RedisServerProcess;
const adapters: RedisQueueAdapter[] = [];

async function open(prefix: string, url = server.url, timeoutS = 2): Promise<RedisQueueAdapter> {
  const a = await RedisQueueAdapter.connect(testAdapterOptions(prefix, url, { connection_timeout: timeoutS }));
  adapters.push(a);
  return a;
}

async function until(check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  server = await RedisServerProcess.start({ port: 0, appendonly: true, appendfsync: 'always' });
});

afterAll(async () => {
  await Promise.all(adapters.map((a) => a.close()));
  await server.stop();
});

describe('Redis unreachable', () => {
  it('connect to a port where nothing listens fails at once with RedisUnavailableError naming the target', async () => {
    const port = await findFreePort();
    const started = Date.now();
    const err = await RedisQueueAdapter.connect(testAdapterOptions('x', `redis://127.0.0.1:${port}`, { connection_timeout: 30 })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RedisUnavailableError);
    expect(err).toMatchObject({ code: ErrorCode.RedisUnavailable });
    expect(String((err as Error).message)).toContain(`127.0.0.1:${port}`);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('a patient connect keeps trying for connection_timeout, then fails', async () => {
    const port = await findFreePort();
    const started = Date.now();
    const options = testAdapterOptions('x', `redis://127.0.0.1:${port}`, { connection_timeout: 1 });
    await expect(RedisQueueAdapter.connect(options, { patient: true })).rejects.toBeInstanceOf(RedisUnavailableError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('a patient connect succeeds when Redis comes up within connection_timeout', async () => {
    const port = await findFreePort();
    const connecting = RedisQueueAdapter.connect(
      testAdapterOptions(freshPrefix(), `redis://127.0.0.1:${port}`, { connection_timeout: 10 }),
      { patient: true },
    );
    const late = await RedisServerProcess.start({ port });
    try {
      const adapter = await connecting;
      adapters.push(adapter);
      expect(await adapter.listQueues()).toEqual([]);
    } finally {
      await late.stop();
    }
  });

  it('a server that accepts but never answers fails after connection_timeout', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as AddressInfo;
    const started = Date.now();
    try {
      await expect(
        RedisQueueAdapter.connect(testAdapterOptions('x', `redis://127.0.0.1:${port}`, { connection_timeout: 1 })),
      ).rejects.toBeInstanceOf(RedisUnavailableError);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    } finally {
      silent.close();
    }
  });
});

describe('Redis restarted', () => {
  it('a blocking dequeue rides out the restart and gets the job enqueued after it', async () => {
    const prefix = freshPrefix();
    const consumer = await open(prefix);
    await consumer.createQueue('q');
    const pending = consumer.dequeue('q', { blockMs: 15_000 });
    await new Promise((r) => setTimeout(r, 200));
    await server.restart();
    const producer = await open(prefix);
    const id = await producer.enqueue('q', item('echo', 'after restart'));
    const got = await pending;
    expect(got?.action.id).toBe(id);
  });

  it('acknowledged enqueues survive a SIGKILL of Redis (AOF, fsync always)', async () => {
    const adapter = await open(freshPrefix());
    await adapter.createQueue('q');
    const ids = await adapter.enqueueMany(
      'q',
      Array.from({ length: 50 }, (_, i) => item('echo', i)),
    );
    await server.kill();
    await server.restart();
    await until(() => adapter.connected);
    expect((await adapter.counts('q')).waiting).toBe(50);
    expect((await adapter.getJob('q', ids[49]!))?.state).toBe('waiting');
  });

  it('the event iterator resumes after a restart with nothing skipped or repeated', async () => {
    const adapter = await open(freshPrefix());
    await adapter.createQueue('q');
    const controller = new AbortController();
    const seen: JobEvent[] = [];
    const reading = (async () => {
      for await (const batch of adapter.events(['q'], { signal: controller.signal })) seen.push(...batch);
    })();
    await new Promise((r) => setTimeout(r, 100));
    const before = await adapter.enqueue('q', item('echo', 'before'));
    await until(() => seen.length >= 1);
    await server.restart();
    await until(() => adapter.connected);
    const after = await adapter.enqueue('q', item('echo', 'after'));
    await until(() => seen.length >= 2);
    await new Promise((r) => setTimeout(r, 200));
    controller.abort();
    await reading;
    expect(seen.map((e) => e.jobId)).toEqual([before, after]);
  });
});
