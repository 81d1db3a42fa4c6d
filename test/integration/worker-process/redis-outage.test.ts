/**
 * A `conveyor worker` process on a private redis-server that the test crashes,
 * freezes (SIGSTOP: the socket stays open and nothing answers, like a silent
 * partition) and brings back: the worker says so, once each way, starts no
 * job meanwhile, takes work again within 2 s of the heal, and still stops in
 * bounded time.
 */
import { afterEach, beforeEach, describe, expect } from 'vitest';
import { RedisQueueAdapter } from '../../../src-main/queue/redis-queue-adapter';
import { RedisServerProcess } from '../../../src-main/redis/redis-server-process';
import { RedisUnavailableError } from '../../../src-shared/errors';
import { eventually, waitForState } from '../../support/pool';
import { item, testAdapterOptions } from '../../support/queue';
import { workerProcessTest as test, type WorkerProcess } from './worker-process-fixture';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** The worker's heartbeat interval (the pool's default): a silent Redis is noticed within about twice this. */
const HEARTBEAT_MS = 2000;

let server: RedisServerProcess;
let direct: RedisQueueAdapter | undefined;

beforeEach(async () => {
  server = await RedisServerProcess.start({ port: 0, appendonly: true, appendfsync: 'always' });
});

afterEach(async () => {
  if (server.pid !== undefined) process.kill(server.pid, 'SIGCONT');
  await direct?.close();
  direct = undefined;
  await server.stop();
});

async function open(prefix: string): Promise<RedisQueueAdapter> {
  direct = await RedisQueueAdapter.connect(testAdapterOptions(prefix, server.url, { connection_timeout: 5 }));
  return direct;
}

function freeze(): void {
  process.kill(server.pid as number, 'SIGSTOP');
}

function thaw(): void {
  process.kill(server.pid as number, 'SIGCONT');
}

const count = (w: WorkerProcess, re: RegExp): number =>
  w
    .output()
    .split('\n')
    .filter((l) => re.test(l)).length;

describe('a worker process through Redis outages', () => {
  test('idle, Redis SIGKILLed for 6 s and restarted on the same port: one line when the outage starts, one when it ends, then work resumes', async ({
    prefix,
    spawnWorker,
  }) => {
    const adapter = await open(prefix);
    await adapter.createQueue('idle');
    const worker = await spawnWorker(['idle'], { redisUrl: server.url });
    await worker.ready;
    await sleep(500);
    await server.kill();
    const downAt = Date.now();
    await worker.waitFor(/ Redis unreachable: /, 2 * HEARTBEAT_MS + 2000);
    const noticedMs = Date.now() - downAt;
    await sleep(6000 - (Date.now() - downAt));
    await server.restart();
    const upAt = Date.now();
    await worker.waitFor(/ Redis is back after \d+\.\d s/, 10_000);
    const backMs = Date.now() - upAt;
    // The test's own producer reconnects on its own schedule (the worker's lines are what is under test).
    let id = '';
    await eventually(
      async () => {
        try {
          id = await adapter.enqueue('idle', item('echo', 'after'));
          return true;
        } catch (err) {
          if (err instanceof RedisUnavailableError) return false;
          throw err;
        }
      },
      10_000,
      "the test's producer reconnected",
    );
    await waitForState(adapter, 'idle', id, ['completed'], 5000);
    expect(count(worker, / Redis unreachable: /)).toBe(1);
    expect(count(worker, / Redis is back after /)).toBe(1);
    console.log(`[redis-outage] SIGKILL: outage line after ${noticedMs} ms, back line ${backMs} ms after the restart`);
  }, 40_000);

  test('idle, Redis silent (SIGSTOP): noticed within about twice the heartbeat, one line each way, new work taken within 2 s of the heal', async ({
    prefix,
    spawnWorker,
  }) => {
    const adapter = await open(prefix);
    await adapter.createQueue('silent');
    const worker = await spawnWorker(['silent'], { redisUrl: server.url });
    await worker.ready;
    await sleep(500);
    freeze();
    const frozenAt = Date.now();
    await worker.waitFor(/ Redis unreachable: no reply from Redis for \d+ ms/, 2 * HEARTBEAT_MS + 3000);
    const noticedMs = Date.now() - frozenAt;
    await sleep(2000);
    thaw();
    const healedAt = Date.now();
    const id = await adapter.enqueue('silent', item('echo', 'after the heal'));
    await waitForState(adapter, 'silent', id, ['active', 'completed'], 2000);
    const tookMs = Date.now() - healedAt;
    await worker.waitFor(/ Redis is back after \d+\.\d s/, 3000);
    expect(noticedMs, 'a silent Redis is noticed within about twice the heartbeat interval').toBeLessThan(2 * HEARTBEAT_MS + 1500);
    expect(tookMs, 'work is taken within 2 s of the heal').toBeLessThan(2000);
    await sleep(1000);
    expect(count(worker, / Redis unreachable: /)).toBe(1);
    expect(count(worker, / Redis is back after /)).toBe(1);
    console.log(`[redis-outage] SIGSTOP: noticed after ${noticedMs} ms, new job active ${tookMs} ms after the heal`);
  }, 40_000);

  test('SIGTERM while Redis is silent: the worker exits within shutdown_timeout_ms + 3 s, leaving its job to lease expiry', async ({
    prefix,
    spawnWorker,
  }) => {
    const adapter = await open(prefix);
    await adapter.createQueue('stop', { leaseMs: 5000 });
    const worker = await spawnWorker(['stop'], {
      redisUrl: server.url,
      workers: '  threads: 1\n  concurrency: 2\n  shutdown_timeout_ms: 2000\n  kill_grace_ms: 300',
    });
    await worker.ready;
    const id = await adapter.enqueue('stop', item('sleep', { ms: 60_000 }));
    await waitForState(adapter, 'stop', id, ['active'], 5000);
    await sleep(300);
    freeze();
    await sleep(500);
    const signalledAt = Date.now();
    worker.child.kill('SIGTERM');
    const exited = await worker.exited;
    const tookMs = Date.now() - signalledAt;
    expect(exited).toEqual({ code: 0, signal: null });
    expect(tookMs, 'bounded by shutdown_timeout_ms (2 s) + 3 s').toBeLessThan(2000 + 3000 + 1000);
    thaw();
    // Not handed back (Redis could not be told): the lease runs out and the job waits again for another worker.
    const job = await waitForState(adapter, 'stop', id, ['waiting', 'active'], 10_000);
    expect(job.attempts[0]?.worker).toBeDefined();
    console.log(`[redis-outage] SIGTERM during SIGSTOP: exited after ${tookMs} ms (shutdown_timeout_ms 2000)`);
  }, 40_000);
});
