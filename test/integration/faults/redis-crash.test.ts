import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RedisUnavailableError } from '../../../src-shared/errors';
import { WorkerPool } from '../../../src-main/pool/pool';
import { RedisQueueAdapter } from '../../../src-main/queue/redis-queue-adapter';
import { RedisServerProcess } from '../../../src-main/redis/redis-server-process';
import { classify, newLedgerFile, startLedgerPool } from '../../support/ledger';
import { eventually } from '../../support/pool';
import { item, testAdapterOptions } from '../../support/queue';
import { freshPrefix } from '../../support/redis';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Issue #7's outage: Redis unreachable for 30 s. */
const OUTAGE_MS = 30_000;

// Each test crashes or stops Redis, so it gets its own, with AOF fsynced on every write.
let server: RedisServerProcess;
let ledgerFile: string;
const closers: Array<() => Promise<unknown>> = [];

beforeEach(async () => {
  server = await RedisServerProcess.start({ port: 0, appendonly: true, appendfsync: 'always' });
  ledgerFile = newLedgerFile();
});

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  await server.stop();
});

async function open(prefix: string): Promise<RedisQueueAdapter> {
  const adapter = await RedisQueueAdapter.connect(testAdapterOptions(prefix, server.url, { connection_timeout: 5 }));
  closers.push(() => adapter.close());
  return adapter;
}

async function startPool(adapter: RedisQueueAdapter, queue: string): Promise<WorkerPool> {
  const pool = await startLedgerPool(adapter, queue);
  closers.push(() => pool.stop());
  return pool;
}

/** Enqueues at `perSecond` until `stop()`, recording an id only when its enqueue resolved. */
function produce(adapter: RedisQueueAdapter, queue: string, perSecond: number) {
  const acknowledged = new Set<string>();
  const errors: unknown[] = [];
  let running = true;
  let n = 0;
  const done = (async () => {
    const started = Date.now();
    while (running) {
      const due = started + (n * 1000) / perSecond;
      if (due > Date.now()) await sleep(due - Date.now());
      n++;
      try {
        acknowledged.add(await adapter.enqueue(queue, item('ledger', { ledger: ledgerFile })));
      } catch (err) {
        errors.push(err);
      }
    }
  })();
  return {
    acknowledged,
    errors,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

describe('Redis crashes and outages', () => {
  it('SIGKILL of Redis during 500 enqueues/s loses no acknowledged job; producers get errors; workers resume', async () => {
    const prefix = freshPrefix();
    const producer = await open(prefix);
    // Keep every finished job for the check; a short lease so a lease granted in the instant Redis died
    // (its reply lost with the connection) comes back quickly.
    await producer.createQueue('q', {
      leaseMs: 2000,
      retention: { completed: { count: 100_000, ageS: 0 }, dead: { count: 100_000, ageS: 0 } },
    });
    const pool = await startPool(await open(prefix), 'q');
    const load = produce(producer, 'q', 500);
    await sleep(1000);
    await server.kill();
    await sleep(1000);
    await server.restart();
    const back = Date.now();
    let resumedAt = 0;
    pool.on('event', (e) => {
      if (!resumedAt && e.type === 'job' && e.state === 'completed') resumedAt = Date.now();
    });
    await sleep(1500);
    await load.stop();

    expect(load.errors.length).toBeGreaterThan(0);
    const others = load.errors.filter((e) => !(e instanceof RedisUnavailableError)).map(String);
    expect(others, 'producers get RedisUnavailableError, nothing else').toEqual([]);
    await eventually(
      async () => (await producer.counts('q')).completed >= load.acknowledged.size,
      15_000,
      'all acknowledged jobs done',
    ).catch(async (e: unknown) => {
      throw new Error(
        `${String(e)}: ${JSON.stringify(await producer.counts('q'))} acked ${load.acknowledged.size} pool ${JSON.stringify(pool.stats)}`,
      );
    });
    const report = await classify(producer, 'q', load.acknowledged, ledgerFile);
    expect(report.lost).toEqual([]);
    expect(report.duplicated).toEqual([]);
    expect(report.completed + report.dead).toBe(report.acknowledged);
    // Load on a 2-core machine slows the producer; what matters is that it produced on both sides of the crash.
    expect(report.acknowledged).toBeGreaterThan(200);
    expect(pool.stats.processed).toBeGreaterThan(0);
    expect(resumedAt, 'the pool completed a job after Redis came back').toBeGreaterThan(0);
    expect(resumedAt - back, "workers resume within 10 s of Redis's return, without a restart").toBeLessThan(10_000);
  }, 40_000);

  it(
    'Redis unreachable for 30 s: producers fail fast throughout, the pool keeps its running job, and all resumes by itself',
    async () => {
      const prefix = freshPrefix();
      const producer = await open(prefix);
      // A running job survives an outage shorter than its lease (judged by Redis time, which moves on meanwhile).
      await producer.createQueue('q', { leaseMs: 60_000 });
      const consumer = await open(prefix);
      const pool = await startPool(consumer, 'q');
      const long = await producer.enqueue('q', item('ledger', { ledger: ledgerFile, ms: OUTAGE_MS + 2000 }), { timeoutMs: OUTAGE_MS * 2 });
      await eventually(() => pool.stats.running === 1, 5000, 'job running');
      await server.halt();
      const down = Date.now();
      const slowest: number[] = [];
      while (Date.now() - down < OUTAGE_MS) {
        const started = Date.now();
        await expect(producer.enqueue('q', item('echo', 1))).rejects.toBeInstanceOf(RedisUnavailableError);
        slowest.push(Date.now() - started);
        await sleep(1000);
      }
      expect(Math.max(...slowest), 'every enqueue during the outage failed fast').toBeLessThan(200);
      expect(pool.stats.running).toBe(1);
      await server.restart();
      await eventually(async () => producer.connected, 10_000, 'producer reconnected');
      const after = await producer.enqueue('q', item('ledger', { ledger: ledgerFile }));
      await eventually(async () => (await producer.getJob('q', after))?.state === 'completed', 10_000, 'new job done');
      await eventually(async () => (await producer.getJob('q', long))?.state === 'completed', 10_000, 'long job done');
      const job = await producer.getJob('q', long);
      expect(job?.attempts).toHaveLength(1);
    },
    OUTAGE_MS + 40_000,
  );
});
