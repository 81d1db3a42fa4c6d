/**
 * The pool's outage watch on a private redis-server that the test freezes
 * (SIGSTOP: the socket stays open, nothing answers): one `outage` event each
 * way, and work taken again at once after the heal.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WorkerPool, type PoolEvent } from '../../../src-main/pool/pool';
import { RedisQueueAdapter } from '../../../src-main/queue/redis-queue-adapter';
import { RedisServerProcess } from '../../../src-main/redis/redis-server-process';
import { eventually, FIXTURE_AGENTS, THREAD_ENTRY, waitForState } from '../../support/pool';
import { item, testAdapterOptions } from '../../support/queue';
import { freshPrefix } from '../../support/redis';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const HEARTBEAT_MS = 500;

let server: RedisServerProcess;
const closers: Array<() => Promise<unknown>> = [];

beforeEach(async () => {
  server = await RedisServerProcess.start({ port: 0 });
});

afterEach(async () => {
  if (server.pid !== undefined) process.kill(server.pid, 'SIGCONT');
  for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  await server.stop();
});

describe('the pool through a silent Redis', () => {
  it('reports one outage event each way, within twice the heartbeat (at least 2 s), and takes work at once after the heal', async () => {
    const prefix = freshPrefix();
    const producer = await RedisQueueAdapter.connect(testAdapterOptions(prefix, server.url));
    closers.push(() => producer.close());
    const consumer = await RedisQueueAdapter.connect(testAdapterOptions(prefix, server.url));
    closers.push(() => consumer.close());
    await producer.createQueue('q');
    const pool = new WorkerPool({
      adapter: consumer,
      queues: ['q'],
      threads: 1,
      concurrency: 2,
      agentsDir: FIXTURE_AGENTS,
      threadEntry: THREAD_ENTRY,
      heartbeatMs: HEARTBEAT_MS,
    });
    const events: PoolEvent[] = [];
    pool.on('event', (e) => events.push(e));
    await pool.start();
    closers.push(() => pool.stop());
    await sleep(300);

    process.kill(server.pid as number, 'SIGSTOP');
    const frozenAt = Date.now();
    await eventually(() => pool.redisOutage, 2 * Math.max(2000, 2 * HEARTBEAT_MS), 'outage noticed');
    const noticedMs = Date.now() - frozenAt;
    await sleep(1500);
    process.kill(server.pid as number, 'SIGCONT');
    const healedAt = Date.now();
    const id = await producer.enqueue('q', item('echo', 1));
    await waitForState(producer, 'q', id, ['completed'], 2000);
    const tookMs = Date.now() - healedAt;
    await eventually(() => !pool.redisOutage, 2000, 'outage over');

    const outage = events.flatMap((e) => (e.type === 'outage' ? [e.state] : []));
    expect(outage).toEqual(['started', 'ended']);
    expect(noticedMs).toBeLessThan(2000 + 1000);
    expect(tookMs).toBeLessThan(2000);
  }, 30_000);
});
