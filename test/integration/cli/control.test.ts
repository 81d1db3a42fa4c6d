import { describe, expect } from 'vitest';
import { agentItem } from '../../../src-shared/item-schema';
import { cliTest as test } from './cli-fixture';

describe('conveyor retry / cancel / remove / pause / resume', () => {
  test('retry puts a dead job back to waiting', async ({ cli, adapter, queue }) => {
    const id = await adapter.enqueue(queue, agentItem('echo', 1));
    await adapter.dequeue(queue);
    await adapter.failProcessing(queue, id, new Error('boom'), { retryable: false });
    expect((await adapter.getJob(queue, id))?.state).toBe('dead');

    expect(await cli.run(['retry', queue, id])).toMatchObject({ code: 0, stdout: `job ${id}: waiting again\n` });
    expect((await adapter.getJob(queue, id))?.state).toBe('waiting');
  });

  test('retry of a waiting job fails with its state, exit 1', async ({ cli, adapter, queue }) => {
    const id = await adapter.enqueue(queue, agentItem('echo', 1));
    const res = await cli.run(['retry', queue, id]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(
      new RegExp(`^conveyor: job "${id}" in queue "${queue}" is waiting; only dead or cancelled jobs can be retried\\n$`),
    );
  });

  test('cancel cancels a waiting job', async ({ cli, adapter, queue }) => {
    const id = await adapter.enqueue(queue, agentItem('echo', 1));
    expect(await cli.run(['cancel', queue, id])).toMatchObject({ code: 0, stdout: `job ${id}: cancelled\n` });
    expect((await adapter.getJob(queue, id))?.state).toBe('cancelled');
  });

  test('cancel of an active job asks its worker to stop', async ({ cli, adapter, queue }) => {
    const id = await adapter.enqueue(queue, agentItem('echo', 1));
    await adapter.dequeue(queue);
    expect((await cli.run(['cancel', queue, id])).stdout).toBe(`job ${id}: cancel requested; its worker stops it\n`);
    expect((await adapter.getJob(queue, id))?.cancelRequested).toBe(true);
  });

  test('remove deletes a job', async ({ cli, adapter, queue }) => {
    const id = await adapter.enqueue(queue, agentItem('echo', 1));
    expect(await cli.run(['remove', queue, id])).toMatchObject({ code: 0, stdout: `job ${id}: removed\n` });
    expect(await adapter.getJob(queue, id)).toBeNull();
  });

  test('pause and resume flip the queue', async ({ cli, adapter, queue }) => {
    expect(await cli.run(['pause', queue])).toMatchObject({ code: 0, stdout: `queue ${queue}: paused\n` });
    expect((await adapter.getQueueInfo(queue)).paused).toBe(true);
    expect(await cli.run(['resume', queue])).toMatchObject({ code: 0, stdout: `queue ${queue}: resumed\n` });
    expect((await adapter.getQueueInfo(queue)).paused).toBe(false);
  });

  test('pause of a queue that does not exist fails, exit 1', async ({ cli }) => {
    expect(await cli.run(['pause', 'nope'])).toMatchObject({ code: 1, stderr: 'conveyor: queue "nope" does not exist\n' });
  });
});
