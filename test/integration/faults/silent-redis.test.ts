/**
 * Issue 22: a Redis that keeps its socket open and answers nothing (here a
 * SIGSTOPped redis-server; a silent network partition looks the same) must
 * not hang calls. Every command has a deadline (queue.command_timeout_ms,
 * plus the block time of a blocking one); a missed one fails the call with
 * RedisUnavailableError and replaces the connection, and the adapter works
 * again soon after Redis answers.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, RedisUnavailableError } from '../../../src-shared/errors';
import { RedisQueueAdapter } from '../../../src-main/queue/redis-queue-adapter';
import { DEFAULT_CONFIG } from '../../../src-shared/config-schema';
import { withCluster } from '../../../src-main/config/connection-settings';
import { adapterOptionsFromConfig } from '../../../src-main/queue/adapter-options';
import { RedisServerProcess } from '../../../src-main/redis/redis-server-process';
import { LocalRedisCluster } from '../../support/redis-cluster';
import { eventually } from '../../support/pool';
import { item, testAdapterOptions } from '../../support/queue';
import { freshPrefix } from '../../support/redis';

const DEADLINE_MS = 1000;
/** What a busy 2-core machine may add to a timer and a rejection. */
const MARGIN_MS = 700;

let server: RedisServerProcess;
let prefix: string;
const adapters: RedisQueueAdapter[] = [];

beforeEach(async () => {
  server = await RedisServerProcess.start({ port: 0 });
  prefix = freshPrefix();
});

afterEach(async () => {
  resume();
  await Promise.all(adapters.splice(0).map((a) => a.close()));
  await server.stop();
});

function freeze(): void {
  process.kill(server.pid as number, 'SIGSTOP');
}

function resume(): void {
  if (server.pid !== undefined) process.kill(server.pid, 'SIGCONT');
}

async function open(): Promise<RedisQueueAdapter> {
  const adapter = await RedisQueueAdapter.connect(testAdapterOptions(prefix, server.url, { command_timeout_ms: DEADLINE_MS }));
  adapters.push(adapter);
  return adapter;
}

async function timed<T>(p: Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const started = Date.now();
  try {
    const value = await p;
    return { ms: Date.now() - started, value };
  } catch (error) {
    return { ms: Date.now() - started, error };
  }
}

describe('a Redis that answers nothing (SIGSTOP)', () => {
  it("a connected producer's enqueue fails within the deadline, saying its fate is unknown and that a retry with the same jobId is safe", async () => {
    const producer = await open();
    await producer.createQueue('q');
    expect(producer.connected).toBe(true);
    freeze();
    const { ms, error } = await timed(producer.enqueue('q', item('echo', 1), { jobId: 'order-1' }));
    console.log(`enqueue to a stopped Redis failed after ${ms} ms (deadline ${DEADLINE_MS} ms)`);
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect(error).toMatchObject({ code: ErrorCode.RedisUnavailable });
    expect((error as Error).message).toMatch(/no reply to \S+ within 1000 ms \(queue\.command_timeout_ms\)/);
    expect((error as Error).message).toMatch(/may or may not have been stored: enqueue it again with the same jobId/);
    expect(ms).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
    expect(ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
  });

  it('after the missed deadline the connection is replaced, not waited on: later calls fail at once until Redis answers', async () => {
    const producer = await open();
    await producer.createQueue('q');
    freeze();
    await expect(producer.enqueue('q', item('echo', 1))).rejects.toBeInstanceOf(RedisUnavailableError);
    const next = await timed(producer.enqueue('q', item('echo', 2)));
    expect(next.error).toBeInstanceOf(RedisUnavailableError);
    expect(next.ms, 'fails at once').toBeLessThan(MARGIN_MS);
    expect(producer.connected).toBe(false);
  });

  it('the producer works again within 2 s of SIGCONT, without a restart, and the retried jobId is stored once', async () => {
    const producer = await open();
    await producer.createQueue('q');
    freeze();
    await expect(producer.enqueue('q', item('echo', 1), { jobId: 'order-2' })).rejects.toBeInstanceOf(RedisUnavailableError);
    // Stopped long enough for several reconnect attempts to time out as well.
    await new Promise((r) => setTimeout(r, 3 * DEADLINE_MS));
    resume();
    const resumed = Date.now();
    await eventually(
      async () => {
        try {
          return (await producer.enqueue('q', item('echo', 1), { jobId: 'order-2' })) === 'order-2';
        } catch {
          return false;
        }
      },
      10_000,
      'an enqueue that works',
    );
    const ms = Date.now() - resumed;
    console.log(`enqueue worked again ${ms} ms after SIGCONT`);
    expect(ms).toBeLessThan(2000 + MARGIN_MS);
    expect((await producer.counts('q')).waiting).toBe(1);
  });

  it('a blocking dequeue gets its block time plus the deadline: a healthy wait longer than the deadline is not cut', async () => {
    const consumer = await open();
    await consumer.createQueue('q');
    const { ms, value, error } = await timed(consumer.dequeue('q', { blockMs: 3 * DEADLINE_MS }));
    expect(error).toBeUndefined();
    expect(value).toBeNull();
    expect(ms).toBeGreaterThanOrEqual(3 * DEADLINE_MS - 50);
  });

  it('a lease queued behind a blocking wait on the same connection is not cut by its own deadline', async () => {
    const consumer = await open();
    const producer = await open();
    await consumer.createQueue('q');
    const waiting = timed(consumer.waitAndLease('q', 1, 'w1', 3 * DEADLINE_MS));
    await new Promise((r) => setTimeout(r, 2 * DEADLINE_MS));
    const id = await producer.enqueue('q', item('echo', 1));
    const { value, error } = await waiting;
    expect(error).toBeUndefined();
    expect(value?.items.map((i) => i.action.id)).toEqual([id]);
  });

  it('a blocking dequeue waiting on a stopped Redis ends by its own deadline and resumes after SIGCONT', async () => {
    const consumer = await open();
    const producer = await open();
    await consumer.createQueue('q');
    freeze();
    const pending = timed(consumer.dequeue('q', { blockMs: 8 * DEADLINE_MS }));
    await new Promise((r) => setTimeout(r, 3 * DEADLINE_MS));
    resume();
    await eventually(() => producer.connected, 5000, 'producer reconnected');
    const id = await producer.enqueue('q', item('echo', 1));
    const { value, error } = await pending;
    expect(error).toBeUndefined();
    expect(value?.action.id).toBe(id);
  });
});

describe('a cluster master that answers nothing (SIGSTOP)', () => {
  it('a call to a key on that master fails within the deadline; once it answers again, calls work', async () => {
    const cluster = await LocalRedisCluster.start(3);
    const stopped: number[] = [];
    try {
      const { options } = adapterOptionsFromConfig(
        { ...DEFAULT_CONFIG.queue, key_prefix: prefix, connection_timeout: 5, command_timeout_ms: DEADLINE_MS },
        {},
      );
      const adapter = await RedisQueueAdapter.connect({
        ...options,
        connection: withCluster(options.connection, cluster.nodes),
        log: () => undefined,
      });
      adapters.push(adapter);
      await adapter.createQueue('q');
      // Stop every master: whichever owns the queue's slot answers nothing.
      for (const s of cluster.servers) {
        process.kill(s.pid as number, 'SIGSTOP');
        stopped.push(s.pid as number);
      }
      const { ms, error } = await timed(adapter.enqueue('q', item('echo', 1), { jobId: 'c-1' }));
      expect(error).toBeInstanceOf(RedisUnavailableError);
      expect(ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
      for (const pid of stopped.splice(0)) process.kill(pid, 'SIGCONT');
      await eventually(
        async () => {
          try {
            return (await adapter.enqueue('q', item('echo', 1), { jobId: 'c-1' })) === 'c-1';
          } catch {
            return false;
          }
        },
        10_000,
        'an enqueue that works',
      );
    } finally {
      for (const pid of stopped) process.kill(pid, 'SIGCONT');
      await Promise.all(adapters.splice(0).map((a) => a.close()));
      await cluster.stop();
    }
  }, 40_000);
});
