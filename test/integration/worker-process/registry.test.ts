import { hostname } from 'node:os';
import { describe, expect } from 'vitest';
import { eventually } from '../../support/pool';
import { workerProcessTest as test } from './worker-process-fixture';

describe('the worker registry', () => {
  test('lists a running worker process with its pid, host, queues and size', async ({ adapter, spawnWorker }) => {
    const worker = await spawnWorker(['alpha', 'beta', '--create', '--threads', '2', '--concurrency', '3']);
    const id = await worker.ready;
    await eventually(async () => (await adapter.listWorkers()).some((w) => w.id === id), 5000, 'registered');
    const entry = (await adapter.listWorkers()).find((w) => w.id === id);
    expect(entry).toMatchObject({
      id,
      pid: worker.pid,
      host: hostname(),
      queues: ['alpha', 'beta'],
      threads: 2,
      concurrency: 3,
      running: [],
    });
    expect(id).toBe(`${hostname()}:${worker.pid}:${id.split(':').at(-1)}`);
  });
});
