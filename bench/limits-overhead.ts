/**
 * What limits cost end to end (issue #18): a WorkerPool drains N echo jobs
 * from a queue with no limit, then from one with a limit set far above the
 * rate it achieves (rate 1,000,000/s burst 1000, concurrency 100,000), then
 * with those jobs spread over 10 groups. Variants interleave, each run on a
 * fresh queue; prints jobs/s per run and the medians.
 *
 *   vite build -c bench/vite.config.mts && node out/bench/limits-overhead.js [--jobs 20000] [--runs 3] [--redis-url redis://…]
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULT_CONFIG } from '../src-shared/config-schema';
import { agentItem } from '../src-shared/item-schema';
import { WorkerPool } from '../src-main/pool/pool';
import { adapterOptionsFromConfig } from '../src-main/queue/adapter-options';
import { RedisQueueAdapter } from '../src-main/queue/redis-queue-adapter';

type Variant = 'none' | 'limit' | 'limit+groups';
const VARIANTS: Variant[] = ['none', 'limit', 'limit+groups'];

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

async function run(variant: Variant, jobs: number, redisUrl: string): Promise<number> {
  const prefix = `cvbench:${randomBytes(6).toString('hex')}`;
  const { options } = adapterOptionsFromConfig({ ...DEFAULT_CONFIG.queue, key_prefix: prefix }, { REDIS_URL: redisUrl });
  const adapter = await RedisQueueAdapter.connect({ ...options, log: () => undefined });
  const queue = 'limits-bench';
  await adapter.createQueue(queue, { maxLength: jobs + 1 });
  if (variant !== 'none') await adapter.limits.set(queue, { rate: '1000000/s', burst: 1000, concurrency: 100_000 });
  const item = agentItem('echo', 'x');
  for (let done = 0; done < jobs; done += 1000) {
    const size = Math.min(1000, jobs - done);
    if (variant === 'limit+groups') {
      await Promise.all(Array.from({ length: size }, (_, i) => adapter.enqueue(queue, item, { group: `g${(done + i) % 10}` })));
    } else {
      await adapter.enqueueMany(queue, new Array(size).fill(item));
    }
  }
  const w = DEFAULT_CONFIG.workers;
  const pool = new WorkerPool({
    adapter,
    queues: [queue],
    threads: 2,
    concurrency: 64,
    jobTimeoutMs: w.job_timeout_ms,
    killGraceMs: w.kill_grace_ms,
    maxMemoryMb: w.max_memory_mb,
    shutdownTimeoutMs: w.shutdown_timeout_ms,
    threadEntry: resolve(__dirname, 'thread-entry.js'),
  });
  let completed = 0;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((r) => (finish = r));
  pool.on('event', (e) => {
    if (e.type === 'job' && e.state === 'completed' && ++completed === jobs) finish();
  });
  const t0 = performance.now();
  await pool.start();
  await done;
  const rate = jobs / ((performance.now() - t0) / 1000);
  await pool.stop();
  await adapter.deleteQueue(queue);
  await adapter.close();
  return rate;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function main(): Promise<void> {
  const jobs = Number(arg('jobs', '20000'));
  const runs = Number(arg('runs', '3'));
  const redisUrl = arg('redis-url', process.env.REDIS_URL ?? 'redis://localhost:6379');
  const rates = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
  for (let r = 0; r < runs; r++) {
    for (const v of VARIANTS) {
      const rate = await run(v, jobs, redisUrl);
      rates.get(v)?.push(rate);
      process.stderr.write(`run ${r + 1} ${v}: ${rate.toFixed(0)} jobs/s\n`);
    }
  }
  const base = median(rates.get('none') ?? []);
  for (const v of VARIANTS) {
    const m = median(rates.get(v) ?? []);
    console.log(
      `${v.padEnd(13)} median ${m.toFixed(0)} jobs/s (${(((m - base) / base) * 100).toFixed(1)} %), runs ${(rates.get(v) ?? []).map((x) => x.toFixed(0)).join(', ')}`,
    );
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
