/**
 * waitAndLease: a consumer's wait with its lease queued behind it on the same
 * connection, so Redis leases a job to an idle consumer the moment it is enqueued.
 */
import { describe, expect } from 'vitest';
import { item, queueTest as test } from '../../support/queue';
import { inOneWrite } from '../../../src-main/queue/redis-client';

describe('waitAndLease', () => {
  test('a job enqueued during the wait comes back leased and started by the waiting worker, with no call of its own', async ({
    adapter,
    connect,
    queue,
  }) => {
    const producer = await connect();
    // Every command on the adapter's own connection: the lease must ride on the waiting one instead.
    const client = adapter.redis;
    const send = client.sendCommand.bind(client);
    const sent: string[] = [];
    client.sendCommand = ((command: { name: string }, ...rest: unknown[]) => {
      sent.push(command.name);
      return (send as (...a: unknown[]) => unknown)(command, ...rest);
    }) as typeof client.sendCommand;
    const waiting = adapter.waitAndLease(queue, 4, 'w1', 5000, { start: true });
    await new Promise((r) => setTimeout(r, 100));
    const id = await producer.enqueue(queue, item('echo', 1));
    const batch = await waiting;
    client.sendCommand = send;
    expect(sent).toEqual([]);
    expect(batch.items.map((i) => i.action.id)).toEqual([id]);
    const job = await adapter.getJob(queue, id);
    expect(job?.state).toBe('active');
    expect(job?.attempts[0]).toMatchObject({ worker: 'w1', startedAt: expect.any(Number) });
    expect(batch.items[0]?.lease.token).toBeTruthy();
  });

  test('with nothing enqueued it resolves empty once the wait is over', async ({ adapter, queue }) => {
    const started = Date.now();
    const batch = await adapter.waitAndLease(queue, 4, 'w1', 200);
    expect(batch.items).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  test('jobs already waiting are leased at once', async ({ adapter, queue }) => {
    const id = await adapter.enqueue(queue, item('echo', 1));
    const started = Date.now();
    const batch = await adapter.waitAndLease(queue, 4, 'w1', 5000);
    expect(batch.items.map((i) => i.action.id)).toEqual([id]);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('an aborted wait resolves empty at once, and a job enqueued after it stays waiting for others', async ({
    adapter,
    connect,
    queue,
  }) => {
    const producer = await connect();
    const abort = new AbortController();
    const waiting = adapter.waitAndLease(queue, 4, 'w1', 5000, { signal: abort.signal });
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    abort.abort();
    expect((await waiting).items).toEqual([]);
    expect(Date.now() - started).toBeLessThan(500);
    const id = await producer.enqueue(queue, item('echo', 1));
    await new Promise((r) => setTimeout(r, 100));
    expect((await adapter.getJob(queue, id))?.state).toBe('waiting');
    // The adapter carries on with a new connection for its next wait.
    expect((await adapter.waitAndLease(queue, 4, 'w1', 1000)).items.map((i) => i.action.id)).toEqual([id]);
  });

  test('inOneWrite hands the socket the commands sent inside it as one write', async ({ redis }) => {
    const client = redis.duplicate();
    await client.ping();
    // Watches the real socket's writes: one per command unless corked.
    const socket = client.stream as unknown as {
      _write: (chunk: unknown, encoding: unknown, cb: unknown) => void;
      _writev: (chunks: unknown[], cb: unknown) => void;
    };
    const writes: number[] = [];
    const write = socket._write.bind(socket);
    const writev = socket._writev.bind(socket);
    socket._write = (chunk, encoding, cb) => (writes.push(1), write(chunk, encoding, cb));
    socket._writev = (chunks, cb) => (writes.push(chunks.length), writev(chunks, cb));
    await Promise.all([client.ping(), client.echo('apart')]);
    expect(writes).toEqual([1, 1]);
    writes.length = 0;
    expect(await Promise.all(inOneWrite(client, () => [client.ping(), client.echo('together')]))).toEqual(['PONG', 'together']);
    expect(writes).toEqual([2]);
    client.disconnect();
  });
});
