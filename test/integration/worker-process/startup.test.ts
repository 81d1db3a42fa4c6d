import { describe, expect } from 'vitest';
import { findFreePort, RedisServerProcess } from '../../../src-main/redis/redis-server-process';
import { workerProcessTest as test } from './worker-process-fixture';

describe('a worker process started before Redis', () => {
  test('says it is waiting, and starts once Redis answers', async ({ spawnWorker }) => {
    const port = await findFreePort();
    const worker = await spawnWorker(['jobs', '--create'], { redisUrl: `redis://127.0.0.1:${port}` });
    await worker.waitFor(new RegExp(` waiting for Redis at redis://127\\.0\\.0\\.1:${port}/0 \\(up to 5 s\\)`), 5000);
    const server = await RedisServerProcess.start({ port });
    try {
      await worker.ready;
      worker.child.kill('SIGTERM');
      expect((await worker.exited).code).toBe(0);
    } finally {
      await server.stop();
    }
  });
});
