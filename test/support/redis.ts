/**
 * Redis helpers for tests. Every test file shares the run's Redis (see
 * global-setup.ts), so every test works under its own key prefix and deletes
 * it afterwards; nothing may FLUSHDB/FLUSHALL.
 *
 *   import { redisTest as test } from '../support/redis';
 *   test('enqueues', async ({ redis, prefix }) => { ... });
 *
 * or by hand: testRedisUrl(), freshPrefix(), newRedisClient(), deleteKeysWithPrefix().
 */
import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { inject, test } from 'vitest';
import { REDIS_URL_ENV } from './env';

/** URL of the run's Redis: provided by the global setup, or CONVEYOR_TEST_REDIS_URL. */
export function testRedisUrl(): string {
  let url: string | undefined;
  try {
    url = inject('redisUrl');
  } catch {
    // inject() only works inside a vitest worker; fall back to the env var.
  }
  url ||= process.env[REDIS_URL_ENV];
  if (!url) {
    throw new Error(`no test Redis: run through vitest (its global setup starts one) or set ${REDIS_URL_ENV}`);
  }
  return url;
}

/**
 * A key prefix no other test uses: `cvt:<12 hex>` (or `<label>:<12 hex>`).
 * Fixed-length random part, so `<prefix>*` never matches another test's keys.
 */
export function freshPrefix(label = 'cvt'): string {
  return `${label}:${randomBytes(6).toString('hex')}`;
}

/** A new ioredis client on the test Redis; the caller quits it (or use `redisTest`). */
export function newRedisClient(options: RedisOptions = {}): Redis {
  return new Redis(testRedisUrl(), { maxRetriesPerRequest: 3, ...options });
}

const globChars = /[*?[\]\\]/g;

/** Delete every key starting with `prefix` (SCAN + UNLINK, never KEYS). Returns how many were deleted. */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  const match = `${prefix.replace(globChars, '\\$&')}*`;
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** Open a client, delete `<prefix>*`, close it. */
export async function cleanupPrefix(prefix: string): Promise<number> {
  const redis = newRedisClient();
  try {
    return await deleteKeysWithPrefix(redis, prefix);
  } finally {
    await redis.quit();
  }
}

export interface RedisFixtures {
  /** The run's Redis URL. */
  redisUrl: string;
  /** A fresh key prefix; its keys are deleted after the test. */
  prefix: string;
  /** An ioredis client, quit after the test. */
  redis: Redis;
}

/** `test` with Redis fixtures; each is created only if the test asks for it. */
export const redisTest = test.extend<RedisFixtures>({
  // eslint-disable-next-line no-empty-pattern
  redisUrl: async ({}, use) => {
    await use(testRedisUrl());
  },
  // eslint-disable-next-line no-empty-pattern
  prefix: async ({}, use) => {
    const prefix = freshPrefix();
    await use(prefix);
    await cleanupPrefix(prefix);
  },
  redis: async ({ redisUrl }, use) => {
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
    await use(redis);
    await redis.quit().catch(() => redis.disconnect());
  },
});
