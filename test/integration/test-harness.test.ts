import { describe, expect, inject } from 'vitest';
import { REDIS_URL_ENV } from '../support/env';
import { cleanupPrefix, freshPrefix, newRedisClient, redisTest as test, testRedisUrl } from '../support/redis';

describe('test harness', () => {
  test('the run-wide Redis is provided to tests and to child processes', async ({ redis }) => {
    expect(testRedisUrl()).toBe(inject('redisUrl'));
    expect(process.env[REDIS_URL_ENV]).toBe(inject('redisUrl'));
    expect(await redis.ping()).toBe('PONG');
  });

  test('prefixes are unique, and cleanup deletes exactly their keys', async ({ redis }) => {
    const a = freshPrefix();
    const b = freshPrefix();
    expect(a).toMatch(/^cvt:[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
    await redis.mset(`${a}:x`, '1', `${a}:y`, '2', `${b}:x`, '3');
    expect(await cleanupPrefix(a)).toBe(2);
    expect(await redis.exists(`${a}:x`, `${a}:y`, `${b}:x`)).toBe(1);
    await cleanupPrefix(b);
  });

  test('newRedisClient() connects to the same Redis', async () => {
    const c = newRedisClient();
    try {
      expect(await c.ping()).toBe('PONG');
    } finally {
      await c.quit();
    }
  });
});
