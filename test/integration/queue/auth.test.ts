import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src-shared/errors';
import { RedisQueueAdapter } from '../../../src-main/queue/redis-queue-adapter';
import { RedisServerProcess } from '../../../src-main/redis/redis-server-process';
import { testAdapterOptions } from '../../support/queue';

let server: RedisServerProcess;

beforeAll(async () => {
  server = await RedisServerProcess.start({ port: 0 });
  const admin = new Redis(server.url);
  await admin.config('SET', 'requirepass', 's3cret');
  admin.disconnect();
});

afterAll(async () => {
  await server.stop();
});

const url = (auth: string) => `redis://${auth}127.0.0.1:${server.port}`;

describe('Redis AUTH', () => {
  it('a wrong password fails at once with REDIS_AUTH, never printing the password', async () => {
    const started = Date.now();
    const err = await RedisQueueAdapter.connect(testAdapterOptions('x', url(':wrong@'), { connection_timeout: 10 })).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: ErrorCode.RedisAuth });
    expect(String((err as Error).message)).not.toContain('wrong');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a missing password fails with REDIS_AUTH', async () => {
    await expect(RedisQueueAdapter.connect(testAdapterOptions('x', url(''), { connection_timeout: 10 }))).rejects.toMatchObject({
      code: ErrorCode.RedisAuth,
    });
  });

  it('the right password connects', async () => {
    const adapter = await RedisQueueAdapter.connect(testAdapterOptions('auth', url(':s3cret@')));
    try {
      expect(await adapter.listQueues()).toEqual([]);
    } finally {
      await adapter.close();
    }
  });
});
