/**
 * Redis CPU per job of enqueue, lease and complete, from INFO commandstats:
 * 1,000-job batches (enqueueMany, dequeueMany, completeMany) against a Redis
 * given by REDIS_URL. Prints µs of Redis time per job for each step.
 *   REDIS_URL=redis://127.0.0.1:6399 npx tsx --tsconfig tsconfig.node.json \
 *     --require ./scripts/register-lua-raw.cjs bench/redis-cpu-per-job.ts
 */
import { Redis } from 'ioredis';
import { DEFAULT_CONFIG } from '../src-shared/config-schema';
import { agentItem } from '../src-shared/item-schema';
import { adapterOptionsFromConfig } from '../src-main/queue/adapter-options';
import { RedisQueueAdapter } from '../src-main/queue/redis-queue-adapter';

const BATCH = Number(process.env['BATCH'] ?? 1000);
const ROUNDS = Number(process.env['ROUNDS'] ?? 10);

async function usecSum(redis: Redis): Promise<number> {
  const text = await redis.info('commandstats');
  let total = 0;
  // Script calls only: Redis also counts the commands a script runs, which would count them twice.
  for (const m of text.matchAll(/cmdstat_(?:fcall|evalsha|eval):calls=\d+,usec=(\d+)/g)) total += Number(m[1]);
  return total;
}

/** CPU seconds (user + system) of Redis's main thread: unlike commandstats' wall-clock µs, not inflated when a contended box preempts Redis. */
async function cpuSum(redis: Redis): Promise<number> {
  const text = await redis.info('cpu');
  const f = (name: string): number => Number(new RegExp(`${name}:([0-9.]+)`).exec(text)?.[1] ?? 0);
  return (f('used_cpu_user_main_thread') || f('used_cpu_user')) + (f('used_cpu_sys_main_thread') || f('used_cpu_sys'));
}

async function main(): Promise<void> {
  const url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  const prefix = `cpu${Date.now()}`;
  const { options } = adapterOptionsFromConfig({ ...DEFAULT_CONFIG.queue, key_prefix: prefix }, { REDIS_URL: url });
  const adapter = await RedisQueueAdapter.connect({ ...options, log: () => undefined });
  const redis = new Redis(url);
  await adapter.createQueue('cpu', { maxLength: 1_000_000 });
  const spent = { enqueue: 0, lease: 0, complete: 0 };
  let completeCpu = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const items = Array.from({ length: BATCH }, (_, i) => agentItem('echo', { i, text: 'hello world' }));
    let t = await usecSum(redis);
    await adapter.enqueueMany('cpu', items);
    let u = await usecSum(redis);
    spent.enqueue += u - t;
    t = u;
    const leased = await adapter.dequeueMany('cpu', BATCH);
    u = await usecSum(redis);
    spent.lease += u - t;
    t = u;
    const cpu = await cpuSum(redis);
    await adapter.completeMany(
      'cpu',
      leased.map((j) => ({ id: j.action.id, token: j.lease.token, result: { ok: true } })),
    );
    completeCpu += (await cpuSum(redis)) - cpu;
    u = await usecSum(redis);
    spent.complete += u - t;
  }
  const jobs = BATCH * ROUNDS;
  const per = (us: number): string => (us / jobs).toFixed(2);
  console.log(
    `Redis µs per job over ${jobs} jobs: enqueue ${per(spent.enqueue)}, lease ${per(spent.lease)}, complete ${per(spent.complete)}, total ${per(spent.enqueue + spent.lease + spent.complete)}; complete by Redis CPU time ${per(completeCpu * 1e6)}`,
  );
  await adapter.deleteQueue('cpu');
  await adapter.close();
  redis.disconnect();
}

void main();
