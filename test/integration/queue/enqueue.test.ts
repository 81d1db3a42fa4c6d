import { describe, expect } from 'vitest';
import { ErrorCode, QueueFullError } from '../../../src-shared/errors';
import { monitored } from '../../support/monitor';
import { item, queueTest as test } from '../../support/queue';
import { MAX_COALESCED } from '../../../src-main/queue/redis-queue-adapter';

describe('enqueue', () => {
  test('returns a generated id and the job waits with its item', async ({ adapter, queue }) => {
    const id = await adapter.enqueue(queue, item('echo', { text: 'hi' }));
    const job = await adapter.getJob(queue, id);
    expect(job).toMatchObject({ id, state: 'waiting', agent: 'echo', attempts: [] });
    expect(job?.item).toEqual({ action: { id }, message: item('echo', { text: 'hi' }).message });
  });

  test("keeps each job's own source and destination, however alike their ids and kinds", async ({ adapter, queue }) => {
    const locations = [{ id: 'a' }, { id: 'a', kind: 'b' }, { id: 'a:b' }, { id: 'a', kind: '' }, { id: '1:a' }];
    const items = locations.map((source, i) => ({ message: { source, destination: locations[locations.length - 1 - i]!, payload: i } }));
    const ids = await adapter.enqueueMany(queue, items);
    for (const [i, id] of ids.entries()) expect((await adapter.getJob(queue, id))?.item?.message).toEqual(items[i]?.message);
  });

  test('uses action.id as the job id when the producer gives one', async ({ adapter, queue }) => {
    const id = await adapter.enqueue(queue, { action: { id: 'order-7' }, ...item('echo', 1) });
    expect(id).toBe('order-7');
    expect((await adapter.dequeue(queue))?.action.id).toBe('order-7');
  });

  test('is idempotent on jobId: a second enqueue returns the same id and adds nothing', async ({ adapter, queue }) => {
    const a = await adapter.enqueue(queue, item('echo', 1), { jobId: 'key-1' });
    const b = await adapter.enqueue(queue, item('echo', 2), { jobId: 'key-1' });
    expect(b).toBe(a);
    expect((await adapter.counts(queue)).waiting).toBe(1);
    expect((await adapter.getJob(queue, a))?.item?.message.payload).toEqual({ agent: 'echo', input: 1 });
  });

  test("each job's options are kept, whatever bytes its id holds, beside jobs without options", async ({ adapter, queue }) => {
    const odd = 'a|b|c|d|e\n|ü\u0000|';
    const ids = await adapter.enqueueMany(queue, [
      item('echo', 1),
      { item: item('echo', 2), opts: { jobId: odd, priority: -5, maxRetries: 7, timeoutMs: 1500 } },
      { item: item('summarizer', 3), opts: { delayMs: 60_000 } },
      { item: item('echo', 4), opts: { priority: 3 } },
    ]);
    expect(ids[1]).toBe(odd);
    const [plain, custom, delayed, urgent] = await Promise.all(ids.map((id) => adapter.getJob(queue, id)));
    expect(plain).toMatchObject({ state: 'waiting', priority: 0, maxRetries: 3, agent: 'echo' });
    expect(plain?.timeoutMs).toBeUndefined();
    expect(custom).toMatchObject({ id: odd, state: 'waiting', priority: -5, maxRetries: 7, timeoutMs: 1500 });
    expect(delayed).toMatchObject({ state: 'delayed', priority: 0, agent: 'summarizer' });
    expect((delayed?.runAt ?? 0) - (delayed?.createdAt ?? 0)).toBe(60_000);
    expect(urgent).toMatchObject({ state: 'waiting', priority: 3 });
    const leased = await adapter.dequeueMany(queue, 3);
    expect(leased.map((j) => j.action.id)).toEqual([ids[3], ids[0], odd]);
    expect(await adapter.enqueue(queue, item('echo', 5), { jobId: odd })).toBe(odd);
  });

  test('a single enqueue (the one-job script) keeps every option a batch keeps', async ({ adapter, queue }) => {
    const odd = 'x|y|z\n|ü|';
    expect(await adapter.enqueue(queue, item('echo', 1), { jobId: odd, priority: -5, maxRetries: 7, timeoutMs: 1500 })).toBe(odd);
    const delayedId = await adapter.enqueue(queue, item('summarizer', 2), { delayMs: 60_000, priority: 2 });
    expect(await adapter.getJob(queue, odd)).toMatchObject({
      state: 'waiting',
      priority: -5,
      maxRetries: 7,
      timeoutMs: 1500,
      agent: 'echo',
    });
    const delayed = await adapter.getJob(queue, delayedId);
    expect(delayed).toMatchObject({ state: 'delayed', priority: 2, maxRetries: 3, agent: 'summarizer' });
    expect((delayed?.runAt ?? 0) - (delayed?.createdAt ?? 0)).toBe(60_000);
    expect(await adapter.enqueue(queue, item('echo', 3), { jobId: odd })).toBe(odd);
    expect(await adapter.counts(queue)).toMatchObject({ waiting: 1, delayed: 1 });
  });

  test("a job's hash names its agent in `ag`, for the finishing scripts, however it was enqueued", async ({
    adapter,
    queue,
    redis,
    prefix,
  }) => {
    const one = await adapter.enqueue(queue, item('echo', 1));
    const [many] = await adapter.enqueueMany(queue, [item('summarizer', 2), item('echo', 3)]);
    await adapter.flows.enqueueFlow({
      queue,
      item: item('planner', 4),
      opts: { jobId: 'fl' },
      children: [{ queue, item: item('echo', 5) }],
    });
    const ag = (id: string): Promise<string | null> => redis.hget(`${prefix}:{${queue}}:job:${id}`, 'ag');
    expect([await ag(one), await ag(many!), await ag('fl')]).toEqual(['echo', 'summarizer', 'planner']);
  });

  test('an awaited single enqueue is one script call of 7 Redis commands, none a TYPE (issue #15)', async ({
    adapter,
    queue,
    redis,
    prefix,
  }) => {
    // A job waiting already: the call has no consumer to wake.
    await adapter.enqueue(queue, item('echo', 0));
    const ours = `${prefix}:{${queue}}`;
    const seen = (
      await monitored(
        redis,
        () => adapter.enqueue(queue, item('echo', 1)),
        (args) => args.some((a) => a.includes(ours)),
      )
    ).map((args) => String(args[0]).toLowerCase());
    expect(seen[0]).toBe('fcall');
    expect(seen.slice(1).sort()).toEqual(['hincrby', 'hmget', 'hset', 'xadd', 'zadd', 'zcard', 'zcard']);
  });

  test('refuses custom ids made only of digits (reserved for generated ids)', async ({ adapter, queue }) => {
    await expect(adapter.enqueue(queue, item('echo', 1), { jobId: '42' })).rejects.toMatchObject({ code: ErrorCode.ItemInvalid });
  });

  test('enqueueMany adds all jobs in order and returns their ids', async ({ adapter, queue }) => {
    const ids = await adapter.enqueueMany(queue, [item('echo', 1), item('echo', 2), item('echo', 3)]);
    expect(ids).toHaveLength(3);
    const got = await adapter.dequeueMany(queue, 3);
    expect(got.map((j) => j.action.id)).toEqual(ids);
  });

  test('enqueueMany is all or nothing: one invalid item adds none', async ({ adapter, queue }) => {
    const bad = { message: { source: { id: 'p' }, payload: 1 } } as never;
    await expect(adapter.enqueueMany(queue, [item('echo', 1), bad])).rejects.toMatchObject({ code: ErrorCode.ItemInvalid });
    expect((await adapter.counts(queue)).waiting).toBe(0);
  });

  test('enqueueMany over the cap adds none and says the queue is full', async ({ adapter }) => {
    await adapter.createQueue('small', { maxLength: 2 });
    await expect(adapter.enqueueMany('small', [item('echo', 1), item('echo', 2), item('echo', 3)])).rejects.toBeInstanceOf(QueueFullError);
    expect((await adapter.counts('small')).waiting).toBe(0);
  });

  test('rejects a malformed item with the path of the problem', async ({ adapter, queue }) => {
    const err = await adapter
      .enqueue(queue, { message: { source: { id: 'p' }, destination: {}, payload: 1 } } as never)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.ItemInvalid });
    expect(String((err as Error).message)).toMatch(/message\.destination\.id/);
  });

  test('rejects a payload over max_payload_bytes with the size and the limit', async ({ connect }) => {
    const small = await connect({ max_payload_bytes: 1024 });
    await small.createQueue('big');
    const err = await small.enqueue('big', item('echo', 'x'.repeat(2000))).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.PayloadTooLarge, details: { limit: 1024 } });
  });

  test('refuses a queue that was never created', async ({ adapter }) => {
    await expect(adapter.enqueue('nope', item('echo', 1))).rejects.toMatchObject({ code: ErrorCode.QueueNotFound });
  });

  test('refuses an invalid queue name', async ({ adapter }) => {
    await expect(adapter.enqueue('a{b}', item('echo', 1))).rejects.toMatchObject({ code: ErrorCode.QueueNameInvalid });
  });
});

describe('ordering', () => {
  test('higher priority runs first, FIFO within a priority', async ({ adapter, queue }) => {
    const low = await adapter.enqueue(queue, item('echo', 'low'), { priority: -5 });
    const a = await adapter.enqueue(queue, item('echo', 'a'));
    const high = await adapter.enqueue(queue, item('echo', 'high'), { priority: 10 });
    const b = await adapter.enqueue(queue, item('echo', 'b'));
    const order = (await adapter.dequeueMany(queue, 4)).map((j) => j.action.id);
    expect(order).toEqual([high, a, b, low]);
  });

  test('a delayed job is not leased before its time, then is', async ({ adapter, queue }) => {
    const id = await adapter.enqueue(queue, item('echo', 1), { delayMs: 300 });
    expect((await adapter.getJob(queue, id))?.state).toBe('delayed');
    expect(await adapter.dequeue(queue)).toBeNull();
    await new Promise((r) => setTimeout(r, 350));
    expect((await adapter.dequeue(queue))?.action.id).toBe(id);
  });

  test('a blocking dequeue wakes when a delayed job falls due', async ({ adapter, queue }) => {
    const id = await adapter.enqueue(queue, item('echo', 1), { delayMs: 200 });
    const started = Date.now();
    const got = await adapter.dequeue(queue, { blockMs: 2000 });
    expect(got?.action.id).toBe(id);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('a blocking dequeue wakes as soon as a job is enqueued', async ({ adapter, connect, queue }) => {
    const producer = await connect();
    const pending = adapter.dequeue(queue, { blockMs: 5000 });
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    const id = await producer.enqueue(queue, item('echo', 1));
    expect((await pending)?.action.id).toBe(id);
    expect(Date.now() - started).toBeLessThan(500);
  });

  test('a blocking dequeue returns null when nothing comes', async ({ adapter, queue }) => {
    const started = Date.now();
    expect(await adapter.dequeue(queue, { blockMs: 200 })).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });
});

describe('backpressure', () => {
  test('enqueue on a full queue rejects with QueueFullError carrying depth and limit', async ({ adapter }) => {
    await adapter.createQueue('capped', { maxLength: 2 });
    await adapter.enqueue('capped', item('echo', 1));
    await adapter.enqueue('capped', item('echo', 2), { delayMs: 10_000 });
    const err = await adapter.enqueue('capped', item('echo', 3)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueFullError);
    expect(err).toMatchObject({ code: ErrorCode.QueueFull, queue: 'capped', depth: 2, limit: 2 });
  });

  test('enqueue with waitMs waits for room and then succeeds', async ({ adapter }) => {
    await adapter.createQueue('capped', { maxLength: 1 });
    await adapter.enqueue('capped', item('echo', 1));
    setTimeout(() => void adapter.dequeue('capped'), 150);
    const started = Date.now();
    const id = await adapter.enqueue('capped', item('echo', 2), { waitMs: 2000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect((await adapter.getJob('capped', id))?.state).toBe('waiting');
  });

  test('enqueue with waitMs rejects when no room comes in time', async ({ adapter }) => {
    await adapter.createQueue('capped', { maxLength: 1 });
    await adapter.enqueue('capped', item('echo', 1));
    const started = Date.now();
    await expect(adapter.enqueue('capped', item('echo', 2), { waitMs: 200 })).rejects.toBeInstanceOf(QueueFullError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });
});

describe('concurrent producers', () => {
  test('enqueues made in the same turn share a few pipelined script calls, in order, each with its own id', async ({ adapter, queue }) => {
    const client = adapter.redis;
    const send = client.sendCommand.bind(client);
    let scripts = 0;
    client.sendCommand = ((command: { name: string }, ...rest: unknown[]) => {
      if (['fcall', 'evalsha', 'eval'].includes(command.name)) scripts++;
      return (send as (...a: unknown[]) => unknown)(command, ...rest);
    }) as typeof client.sendCommand;
    const n = 3 * MAX_COALESCED + 5;
    const ids = await Promise.all(Array.from({ length: n }, (_, i) => adapter.enqueue(queue, item('echo', i))));
    client.sendCommand = send;
    expect(new Set(ids).size).toBe(n);
    // A script call per MAX_COALESCED jobs (a function of the library loaded at connect).
    expect(scripts).toBe(4);
    const got = await adapter.dequeueMany(queue, n);
    expect(got.map((j) => j.message.payload)).toEqual(Array.from({ length: n }, (_, i) => ({ agent: 'echo', input: i })));
  });

  test('near the cap, callers of the same turn succeed or fail each on their own', async ({ adapter }) => {
    await adapter.createQueue('cap3', { maxLength: 3 });
    const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => adapter.enqueue('cap3', item('echo', i))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason instanceof QueueFullError)).toBe(
      true,
    );
  });

  test('an invalid item fails alone without holding up the others of its turn', async ({ adapter, queue }) => {
    const results = await Promise.allSettled([
      adapter.enqueue(queue, item('echo', 1)),
      adapter.enqueue(queue, { message: {} } as never),
      adapter.enqueue(queue, item('echo', 2)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});
