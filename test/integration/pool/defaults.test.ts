import { availableParallelism } from 'node:os';
import { describe, expect } from 'vitest';
import { DEFAULT_CONFIG } from '../../../src-shared/config-schema';
import { WorkerPool } from '../../../src-main/pool/pool';
import { waitForState } from '../../support/pool';
import { item, queueTest as test } from '../../support/queue';

describe('WorkerPool defaults', () => {
  test('new WorkerPool({ adapter, queues }) runs with the config.yml defaults of workers:', async ({ adapter, queue }) => {
    const pool = new WorkerPool({ adapter, queues: [queue] });
    try {
      await pool.start();
      const w = DEFAULT_CONFIG.workers;
      expect(pool.size).toEqual({ threads: w.threads > 0 ? w.threads : availableParallelism(), concurrency: w.concurrency });
      const id = await adapter.enqueue(queue, item('echo', 'hi'));
      expect((await waitForState(adapter, queue, id, ['completed'], 10_000)).result).toBe('hi');
    } finally {
      await pool.stop();
    }
  });

  test('an option given wrong is refused in the constructor with a TypeError naming it', ({ adapter, queue }) => {
    expect(() => new WorkerPool({ adapter, queues: [queue], shutdownTimeoutMs: -1 })).toThrow(
      /pool option shutdownTimeoutMs must be an integer >= 0, got -1/,
    );
  });
});
