import { describe } from 'vitest';
import { ErrorCode } from '../../../src-shared/errors';
import { RedisQueueAdapter } from '../../../src-main/queue/redis-queue-adapter';
import { cliTest } from '../cli/cli-fixture';
import { item, queueTest, testAdapterOptions } from '../../support/queue';
import { testRedisUrl } from '../../support/redis';

/**
 * Keys of the wrong Redis type (issue #14, section 2). Redis keeps a script's
 * earlier writes when a later command fails, so a script must not write
 * before every key it touches is known good; the adapter then sets the bad
 * key aside and calls again, and the call sees everything.
 */

interface Logged {
  adapter: RedisQueueAdapter;
  lines: string[];
}

const test = queueTest.extend<{ logged: Logged }>({
  logged: async ({ prefix }, use) => {
    const lines: string[] = [];
    const adapter = await RedisQueueAdapter.connect({ ...testAdapterOptions(prefix, testRedisUrl()), log: (l) => lines.push(l) });
    await use({ adapter, lines });
    await adapter.close();
  },
});

const Q = 'wt';
const key = (prefix: string, name: string): string => `${prefix}:{${Q}}:${name}`;

describe('a queue key of the wrong type never costs a job', () => {
  test('events a string, then enqueue with an id: the acknowledged job waits in its set and runs', async ({
    logged: { adapter },
    redis,
    prefix,
    expect,
  }) => {
    await adapter.createQueue(Q);
    await redis.set(key(prefix, 'events'), 'x');
    expect(await adapter.enqueue(Q, item('echo', 1), { jobId: 'ack-1' })).toBe('ack-1');
    expect(await adapter.counts(Q)).toMatchObject({ waiting: 1 });
    expect((await adapter.dequeue(Q))?.action.id).toBe('ack-1');
  });

  test('dead a string, then the final fail: the job ends dead, in the dead set', async ({ logged: { adapter }, redis, prefix, expect }) => {
    await adapter.createQueue(Q, { maxRetries: 0 });
    const id = await adapter.enqueue(Q, item('echo', 1));
    await adapter.dequeue(Q);
    await redis.set(key(prefix, 'dead'), 'x');
    expect(await adapter.failProcessing(Q, id, new Error('boom'))).toBe('dead');
    expect(await adapter.counts(Q)).toMatchObject({ active: 0, dead: 1 });
    expect((await adapter.listJobs(Q, 'dead')).jobs.map((j) => j.id)).toEqual([id]);
  });

  test('wait a string while a delayed job is due, then dequeue: the job is promoted and leased', async ({
    logged: { adapter },
    redis,
    prefix,
    expect,
  }) => {
    await adapter.createQueue(Q);
    const id = await adapter.enqueue(Q, item('echo', 1), { delayMs: 50 });
    await new Promise((r) => setTimeout(r, 100));
    await redis.set(key(prefix, 'wait'), 'x');
    expect((await adapter.dequeue(Q))?.action.id).toBe(id);
    expect(await adapter.getJob(Q, id)).toMatchObject({ state: 'active' });
  });

  test('completed a string, then complete: accepted, and the job is counted and listed as completed', async ({
    logged: { adapter },
    redis,
    prefix,
    expect,
  }) => {
    await adapter.createQueue(Q);
    const id = await adapter.enqueue(Q, item('echo', 1));
    await adapter.dequeue(Q);
    await redis.set(key(prefix, 'completed'), 'x');
    await adapter.completeProcessing(Q, id, 'ok');
    expect(await adapter.counts(Q)).toMatchObject({ active: 0, completed: 1 });
    expect((await adapter.listJobs(Q, 'completed')).jobs.map((j) => j.id)).toEqual([id]);
  });

  test('meta of the wrong type: rebuilt with the settings last seen, the jobs kept, new ids never reused', async ({
    logged: { adapter, lines },
    redis,
    prefix,
    expect,
  }) => {
    await adapter.createQueue(Q, { maxRetries: 7, leaseMs: 12_345 });
    const first = await adapter.enqueue(Q, item('echo', 1));
    await redis.del(key(prefix, 'meta'));
    await redis.set(key(prefix, 'meta'), 'x');
    const second = await adapter.enqueue(Q, item('echo', 2));
    expect(second).not.toBe(first);
    expect((await adapter.getQueueInfo(Q)).options).toMatchObject({ maxRetries: 7, leaseMs: 12_345 });
    const leased = await adapter.dequeueMany(Q, 2);
    expect(leased.map((j) => j.action.id)).toEqual([first, second]);
    expect(lines.some((l) => l.includes('rebuilt its meta'))).toBe(true);
  });

  test('a rebuilt meta sets the flags nobody knows any more (had parents, has flow children, limits in use), so nothing they guard is skipped', async ({
    logged: { adapter },
    redis,
    prefix,
    expect,
  }) => {
    await adapter.createQueue(Q);
    await redis.del(key(prefix, 'meta'));
    await redis.set(key(prefix, 'meta'), 'x');
    await adapter.enqueue(Q, item('echo', 1));
    expect(await redis.hmget(key(prefix, 'meta'), 'fkq', 'fcq', 'lim')).toEqual(['1', '1', '1']);
  });

  test('meta of the wrong type seen first by another process: rebuilt from the defaults, not QUEUE_NOT_FOUND', async ({
    logged: { adapter },
    connect,
    redis,
    prefix,
    expect,
  }) => {
    const creator = await connect();
    await creator.createQueue(Q);
    const id = await creator.enqueue(Q, item('echo', 1));
    await redis.set(key(prefix, 'meta'), 'x');
    expect((await adapter.dequeue(Q))?.action.id).toBe(id);
    expect(await adapter.getQueueInfo(Q)).toMatchObject({ name: Q, paused: false });
  });

  test('a job key of the wrong type under a held lease: the others in the batch complete, it ends dead', async ({
    logged: { adapter, lines },
    redis,
    prefix,
    expect,
  }) => {
    await adapter.createQueue(Q);
    const [a, b] = await adapter.enqueueMany(Q, [item('echo', 1), item('echo', 2)]);
    const leased = await adapter.dequeueMany(Q, 2);
    await redis.del(key(prefix, `job:${b}`));
    await redis.set(key(prefix, `job:${b}`), 'garbage');
    const results = await adapter.completeMany(
      Q,
      leased.map((j) => ({ id: j.action.id, token: j.lease.token, result: 1 })),
    );
    expect(results.map((r) => r.ok)).toEqual([true, false]);
    expect(await adapter.getJob(Q, a!)).toMatchObject({ state: 'completed' });
    expect(await adapter.getJob(Q, b!)).toMatchObject({ state: 'dead', reason: 'malformed' });
    expect(await adapter.counts(Q)).toMatchObject({ active: 0, completed: 1, dead: 1 });
    expect(lines.filter((l) => l.includes(`job:${b}`))).toHaveLength(1);
  });

  test("a job's log list of the wrong type is set aside and the log line kept", async ({ logged: { adapter }, redis, prefix, expect }) => {
    await adapter.createQueue(Q);
    const id = await adapter.enqueue(Q, item('echo', 1));
    const token = (await adapter.dequeue(Q))?.lease.token ?? '';
    await redis.set(key(prefix, `job:${id}:logs`), 'x');
    expect(
      await adapter.reportProgress(Q, [
        { id, token, fraction: 0.5 },
        { id, token, log: 'line' },
      ]),
    ).toBe(2);
    expect(await adapter.getJob(Q, id)).toMatchObject({ logs: [{ line: 'line', attempt: 1 }], progress: { fraction: 0.5 } });
  });

  test('events a string while tailed: the stream is set aside and later events arrive', async ({
    logged: { adapter },
    redis,
    prefix,
    expect,
  }) => {
    await adapter.createQueue(Q);
    await redis.set(key(prefix, 'events'), 'x');
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 5000);
    const iterator = adapter.events([Q], { signal: controller.signal });
    const first = iterator.next();
    const id = await adapter.enqueue(Q, item('echo', 1));
    const got = await first;
    clearTimeout(timer);
    controller.abort();
    expect(got.done ? [] : got.value.filter((e) => e.type === 'enqueued').map((e) => e.jobId)).toEqual([id]);
  });

  test('adapters repairing the same key at once never set aside the set a retried call has just written', async ({
    logged: { adapter },
    redis,
    prefix,
    expect,
  }) => {
    await adapter.createQueue(Q);
    const options = { ...testAdapterOptions(prefix, testRedisUrl()), log: () => undefined };
    const others = await Promise.all([1, 2, 3].map(() => RedisQueueAdapter.connect(options)));
    try {
      for (let round = 0; round < 15; round++) {
        await redis.set(key(prefix, 'wait'), 'x');
        // Each adapter's enqueue is refused, each repairs: a repair that checked the type apart from its
        // rename could move the wait set another adapter's retry had just written, jobs and all.
        const ids = await Promise.all(others.map((a, i) => a.enqueue(Q, item('echo', `${round}-${i}`))));
        expect(new Set(await redis.zrange(key(prefix, 'wait'), 0, -1))).toEqual(new Set(ids));
      }
    } finally {
      await Promise.all(others.map((a) => a.close()));
    }
  });

  test('a Redis refusal that is not a wrong type reaches the caller with a code', async ({
    logged: { adapter },
    redis,
    prefix,
    expect,
  }) => {
    await adapter.createQueue(Q);
    await redis.hset(key(prefix, 'meta'), 'seq', 'not a number');
    await expect(adapter.enqueue(Q, item('echo', 1))).rejects.toMatchObject({ code: ErrorCode.Internal });
    expect(await adapter.counts(Q)).toMatchObject({ waiting: 0 });
  });
});

describe('registries skip or repair bad entries', () => {
  test('an id in a state set with no job hash is skipped from lists with one log line', async ({
    logged: { adapter, lines },
    redis,
    prefix,
    expect,
  }) => {
    await adapter.createQueue(Q);
    const id = await adapter.enqueue(Q, item('echo', 1));
    await redis.zadd(key(prefix, 'wait'), 0, 'ghost');
    expect((await adapter.listJobs(Q, 'waiting')).jobs.map((j) => j.id)).toEqual([id]);
    expect((await adapter.listJobs(Q, 'waiting')).jobs.map((j) => j.id)).toEqual([id]);
    expect(lines.filter((l) => l.includes('ghost'))).toHaveLength(1);
  });

  test('a bad name in the queue registry is skipped with one log line', async ({ logged: { adapter, lines }, redis, prefix, expect }) => {
    await adapter.createQueue('good');
    await redis.sadd(`${prefix}:queues`, '../../etc');
    expect(await adapter.listQueues()).toEqual(['good']);
    expect(await adapter.listQueues()).toEqual(['good']);
    expect(lines.filter((l) => l.includes('../../etc'))).toHaveLength(1);
  });

  test('a queue registry of the wrong type is set aside and rebuilt from the queues', async ({
    logged: { adapter, lines },
    redis,
    prefix,
    expect,
  }) => {
    await adapter.createQueue('a');
    await adapter.createQueue('b');
    await redis.del(`${prefix}:queues`);
    await redis.set(`${prefix}:queues`, 'x');
    expect(await adapter.listQueues()).toEqual(['a', 'b']);
    expect(lines.some((l) => l.includes('queue registry'))).toBe(true);
  });

  test('a workers registry of the wrong type is set aside: heartbeats and listings go on', async ({
    logged: { adapter, lines },
    redis,
    prefix,
    expect,
  }) => {
    await redis.set(`${prefix}:workers`, 'x');
    const now = Date.now();
    await adapter.workers.heartbeat(
      {
        id: 'w1',
        host: 'h',
        pid: 1,
        queues: ['q'],
        threads: 1,
        concurrency: 1,
        running: [],
        processed: 0,
        failed: 0,
        startedAt: now,
        lastHeartbeat: now,
      },
      10_000,
    );
    expect((await adapter.listWorkers()).map((w) => w.id)).toEqual(['w1']);
    expect(lines.filter((l) => l.includes(`${prefix}:workers`))).toHaveLength(1);
  });
});

describe('the CLI with bad registry entries', () => {
  cliTest('status and queue ls skip a bad queue name and exit 0', async ({ cli, adapter, queue, redis, prefix, expect }) => {
    await redis.sadd(`${prefix}:queues`, '../../etc');
    const status = await cli.run(['status', '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).queues.map((q: { name: string }) => q.name)).toEqual([queue]);
    const ls = await cli.run(['queue', 'ls']);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toContain(queue);
    void adapter;
  });

  cliTest('workers answers with a wrong-type registry key', async ({ cli, redis, prefix, expect }) => {
    await redis.set(`${prefix}:workers`, 'x');
    const res = await cli.run(['workers', '--json']);
    expect(res.code).toBe(0);
  });
});
