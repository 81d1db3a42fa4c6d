/**
 * Flows bench (issue #19): prints figures, writes nothing.
 *  1. Resume latency: a fan-out of 1,000 children; the time from the last
 *     child's completion being acknowledged to its parent being leased (p50/p99
 *     over ROUNDS rounds), Conveyor and BullMQ's FlowProducer.
 *  2. Flow throughput: FLOWS flows of CHILDREN children each (children on one
 *     queue, parents on another), enqueued and run to the parent's completion,
 *     in-process workers at concurrency 64 on both queues; flows per second.
 * Both on the same Redis: REDIS_URL, else a private redis-server on a free port.
 *
 *   npx tsx --tsconfig tsconfig.node.json --require ./scripts/register-lua-raw.cjs bench/flow-bench.ts
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { FlowProducer, Queue, Worker } from 'bullmq';
import { DEFAULT_CONFIG } from '../src-shared/config-schema';
import { agentItem } from '../src-shared/item-schema';
import { fanOut } from '../src-main/flows/flow-helpers';
import { processJobs } from '../src-main/pool/process-jobs';
import { adapterOptionsFromConfig } from '../src-main/queue/adapter-options';
import { RedisQueueAdapter } from '../src-main/queue/redis-queue-adapter';
import { connectionFromUrl } from './bullmq-contender';

const ROUNDS = Number(process.env.ROUNDS ?? 15);
const FAN = 1000;
const FLOWS = Number(process.env.FLOWS ?? 300);
const CHILDREN = Number(process.env.CHILDREN ?? 10);
const CONCURRENCY = 64;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function conveyor(url: string, prefix: string): Promise<RedisQueueAdapter> {
  const { options } = adapterOptionsFromConfig({ ...DEFAULT_CONFIG.queue, key_prefix: prefix }, { REDIS_URL: url });
  const a = await RedisQueueAdapter.connect({ ...options, log: () => undefined });
  await a.createQueue('map', { maxLength: 1_000_000 });
  await a.createQueue('reduce', { maxLength: 1_000_000 });
  return a;
}

/** Conveyor: children completed in batches of 100; the parent leased by a blocked consumer. */
async function conveyorResume(url: string): Promise<number[]> {
  const a = await conveyor(url, `fb-resume-${Date.now()}`);
  const samples: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const children = Array.from({ length: FAN }, (_, i) => ({ queue: 'map', item: agentItem('map', i) }));
    await a.flows.enqueueFlow(fanOut({ queue: 'reduce', item: agentItem('reduce', r) }, children));
    let lastDone = 0;
    const parent = (async () => {
      for (;;) {
        const p = await a.dequeue('reduce', { blockMs: 2000 });
        if (p) {
          const at = performance.now();
          await a.completeProcessing('reduce', p.action.id, null, p.lease.token);
          return at;
        }
      }
    })();
    for (let done = 0; done < FAN;) {
      const batch = await a.dequeueMany('map', 100);
      await a.completeMany(
        'map',
        batch.map((j) => ({ id: j.action.id, token: j.lease.token, result: j.action.id })),
      );
      done += batch.length;
      lastDone = performance.now();
    }
    samples.push((await parent) - lastDone);
  }
  await a.close();
  return samples;
}

async function bullmqResume(url: string): Promise<number[]> {
  const connection = connectionFromUrl(url);
  const prefix = `fbb-resume-${Date.now()}`;
  const producer = new FlowProducer({ connection, prefix });
  const samples: number[] = [];
  let lastDone = 0;
  let parentStarted: ((at: number) => void) | undefined;
  const map = new Worker('map', async (job) => job.id, { connection, prefix, concurrency: CONCURRENCY });
  map.on('completed', () => (lastDone = performance.now()));
  const reduce = new Worker(
    'reduce',
    async () => {
      parentStarted?.(performance.now());
      return null;
    },
    { connection, prefix, concurrency: 1 },
  );
  for (let r = 0; r < ROUNDS; r++) {
    const started = new Promise<number>((resolve) => (parentStarted = resolve));
    await producer.add({
      name: 'reduce',
      queueName: 'reduce',
      data: r,
      children: Array.from({ length: FAN }, (_, i) => ({ name: 'map', queueName: 'map', data: i })),
    });
    samples.push((await started) - lastDone);
  }
  await Promise.all([map.close(), reduce.close(), producer.close()]);
  return samples;
}

async function conveyorThroughput(url: string): Promise<number> {
  const a = await conveyor(url, `fb-tp-${Date.now()}`);
  const stop = new AbortController();
  let parents = 0;
  let allDone: () => void = () => undefined;
  const finished = new Promise<void>((r) => (allDone = r));
  const t0 = performance.now();
  const mappers = processJobs(a, 'map', (job) => job.action.id, { concurrency: CONCURRENCY, signal: stop.signal });
  const reducers = processJobs(
    a,
    'reduce',
    async (job) => {
      const results = await a.flows.childResults('reduce', job.action.id);
      if (++parents === FLOWS) allDone();
      return results.length;
    },
    { concurrency: CONCURRENCY, signal: stop.signal },
  );
  const children = (f: number) => Array.from({ length: CHILDREN }, (_, i) => ({ queue: 'map', item: agentItem('map', `${f}.${i}`) }));
  await Promise.all(
    Array.from({ length: FLOWS }, (_, f) => a.flows.enqueueFlow(fanOut({ queue: 'reduce', item: agentItem('reduce', f) }, children(f)))),
  );
  await finished;
  const s = (performance.now() - t0) / 1000;
  stop.abort();
  await Promise.all([mappers, reducers]);
  await a.close();
  return FLOWS / s;
}

async function bullmqThroughput(url: string): Promise<number> {
  const connection = connectionFromUrl(url);
  const prefix = `fbb-tp-${Date.now()}`;
  const producer = new FlowProducer({ connection, prefix });
  let parents = 0;
  let allDone: () => void = () => undefined;
  const finished = new Promise<void>((r) => (allDone = r));
  const t0 = performance.now();
  const map = new Worker('map', async (job) => job.id, { connection, prefix, concurrency: CONCURRENCY });
  const reduce = new Worker(
    'reduce',
    async (job) => {
      const values = await job.getChildrenValues();
      if (++parents === FLOWS) allDone();
      return Object.keys(values).length;
    },
    { connection, prefix, concurrency: CONCURRENCY },
  );
  await producer.addBulk(
    Array.from({ length: FLOWS }, (_, f) => ({
      name: 'reduce',
      queueName: 'reduce',
      data: f,
      opts: { removeOnComplete: 1000 },
      children: Array.from({ length: CHILDREN }, (_, i) => ({ name: 'map', queueName: 'map', data: `${f}.${i}` })),
    })),
  );
  await finished;
  const s = (performance.now() - t0) / 1000;
  await Promise.all([map.close(), reduce.close(), producer.close()]);
  await new Queue('map', { connection, prefix }).close();
  return FLOWS / s;
}

async function main(): Promise<void> {
  let url = process.env.REDIS_URL;
  let server: ReturnType<typeof spawn> | undefined;
  if (!url) {
    const port = await freePort();
    server = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await sleep(500);
    url = `redis://127.0.0.1:${port}`;
  }
  try {
    const f = (xs: number[]): string => `p50 ${pct(xs, 50).toFixed(1)} ms, p99 ${pct(xs, 99).toFixed(1)} ms (n=${xs.length})`;
    console.log(`resume latency, fan-out of ${FAN}, last child acknowledged -> parent leased/started:`);
    console.log(`  conveyor: ${f(await conveyorResume(url))}`);
    console.log(`  bullmq:   ${f(await bullmqResume(url))}`);
    console.log(`flow throughput, ${FLOWS} flows x ${CHILDREN} children, concurrency ${CONCURRENCY}, in-process workers:`);
    console.log(`  conveyor: ${(await conveyorThroughput(url)).toFixed(0)} flows/s`);
    console.log(`  bullmq:   ${(await bullmqThroughput(url)).toFixed(0)} flows/s`);
  } finally {
    server?.kill();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
