import { describe, expect } from 'vitest';
import { workerProcessTest as test } from './worker-process-fixture';

describe('a worker process on a queue that does not exist', () => {
  test('refuses it with one line naming the missing queue and the existing ones, exit 1, creating nothing', async ({
    adapter,
    queue,
    spawnWorker,
  }) => {
    await adapter.createQueue('emails');
    const worker = await spawnWorker(['jbos']);
    expect((await worker.exited).code).toBe(1);
    const lines = worker.output().trimEnd().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`queue "jbos" does not exist \\(existing queues: emails, ${queue}\\); pass --create to create it$`)),
    ]);
    expect(await adapter.listQueues()).not.toContain('jbos');
  });

  test('with --create, creates it and runs', async ({ adapter, spawnWorker }) => {
    const worker = await spawnWorker(['fresh', '--create']);
    await worker.ready;
    expect(await adapter.listQueues()).toContain('fresh');
    worker.child.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
  });
});
