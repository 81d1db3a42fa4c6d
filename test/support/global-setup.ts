/**
 * Vitest global setup: one private redis-server for the whole run, on a free
 * port, stopped at the end. Set CONVEYOR_TEST_REDIS_URL to use a Redis of
 * your own instead (e.g. `docker compose up -d redis` and
 * CONVEYOR_TEST_REDIS_URL=redis://127.0.0.1:6379).
 *
 * Tests read the URL with `testRedisUrl()` from ./redis (inject('redisUrl'),
 * or the CONVEYOR_TEST_REDIS_URL env var in child processes).
 */
import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';
import { RedisServerProcess } from '../../src-main/redis/redis-server-process';
import { REDIS_URL_ENV } from './env';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the Redis every test in this run shares (keys isolated by freshPrefix()). */
    redisUrl: string;
  }
}

async function assertReachable(url: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  let socketError: Error | undefined;
  client.on('error', (err: Error) => {
    socketError ??= err;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    const reason = (socketError ?? (err as Error)).message;
    throw new Error(`${REDIS_URL_ENV}=${url} is not reachable: ${reason}`, { cause: err });
  } finally {
    client.disconnect();
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env[REDIS_URL_ENV];
  if (external) {
    await assertReachable(external);
    project.provide('redisUrl', external);
    return async () => {};
  }

  const server = await RedisServerProcess.start({ port: 0 });
  // Test workers are forked after this runs, so they inherit the variable.
  process.env[REDIS_URL_ENV] = server.url;
  project.provide('redisUrl', server.url);
  return async () => {
    delete process.env[REDIS_URL_ENV];
    await server.stop();
  };
}
