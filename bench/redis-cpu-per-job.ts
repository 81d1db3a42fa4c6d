/**
 * Redis CPU per job of enqueue, lease, complete and fail, from INFO
 * commandstats (script calls only) and INFO cpu (main thread), at BATCH jobs
 * per call (enqueueMany, dequeueMany, completeMany, failMany to dead; ROUNDS
 * rounds of max(BATCH, 1,000) jobs each) against
 * a Redis given by REDIS_URL. Prints µs of Redis time per job for each step;
 * `npm run bench -- --measure scripts` runs the same through measureScriptCost.
 *   REDIS_URL=redis://127.0.0.1:6399 npx tsx --tsconfig tsconfig.node.json \
 *     --require ./scripts/register-lua-raw.cjs bench/redis-cpu-per-job.ts
 */
import { Redis } from 'ioredis';
import { DEFAULT_CONFIG } from '../src-shared/config-schema';
import { agentItem } from '../src-shared/item-schema';
import { adapterOptionsFromConfig } from '../src-main/queue/adapter-options';
import { RedisQueueAdapter } from '../src-main/queue/redis-queue-adapter';

/** One step's cost per job. */
export interface StepCost {
  /** µs of script time per job (INFO commandstats). */
  us: number;
  /** µs of Redis main-thread CPU per job (INFO cpu), round trips included. */
  cpuUs: number;
  /** Commands the scripts ran, per job. */
  commands: number;
  /** The same by command name. */
  byCommand: Record<string, number>;
}

export interface ScriptCost {
  batch: number;
  jobs: number;
  enqueue: StepCost;
  lease: StepCost;
  complete: StepCost;
  fail: StepCost;
  /** complete without the metrics history: not measured here. */
  completeWithoutHistory: StepCost | null;
  history: { us: number; cpuUs: number; commands: number } | null;
}

interface Sample {
  usec: number;
  cpu: number;
  calls: Map<string, number>;
}

const SCRIPT_CALLS = new Set(['fcall', 'evalsha', 'eval']);

async function sample(redis: Redis): Promise<Sample> {
  const text = await redis.info('all');
  let usec = 0;
  const calls = new Map<string, number>();
  for (const m of text.matchAll(/cmdstat_([a-z_|]+):calls=(\d+),usec=(\d+)/g)) {
    const name = m[1] ?? '';
    // Script time from the script calls only: Redis also counts the commands a script runs, which would count them twice.
    if (SCRIPT_CALLS.has(name)) usec += Number(m[3]);
    else if (name !== 'info') calls.set(name, Number(m[2]));
  }
  // Main-thread CPU: unlike commandstats' wall-clock µs, not inflated when a contended box preempts Redis.
  const f = (name: string): number => Number(new RegExp(`${name}:([0-9.]+)`).exec(text)?.[1] ?? 0);
  const cpu = (f('used_cpu_user_main_thread') || f('used_cpu_user')) + (f('used_cpu_sys_main_thread') || f('used_cpu_sys'));
  return { usec, cpu, calls };
}

class Meter {
  private usec = 0;
  private cpu = 0;
  private readonly calls = new Map<string, number>();
  private jobs = 0;

  async time<T>(redis: Redis, jobs: number, step: () => Promise<T>): Promise<T> {
    const a = await sample(redis);
    const out = await step();
    const b = await sample(redis);
    this.usec += b.usec - a.usec;
    this.cpu += b.cpu - a.cpu;
    for (const [name, n] of b.calls) this.calls.set(name, (this.calls.get(name) ?? 0) + n - (a.calls.get(name) ?? 0));
    this.jobs += jobs;
    return out;
  }

  result(): StepCost {
    const per = (n: number): number => n / Math.max(this.jobs, 1);
    const byCommand: Record<string, number> = {};
    let commands = 0;
    for (const [name, n] of this.calls) {
      if (n <= 0) continue;
      commands += n;
      byCommand[name.toUpperCase()] = per(n);
    }
    return { us: per(this.usec), cpuUs: per(this.cpu * 1e6), commands: per(commands), byCommand };
  }
}

/**
 * Enqueue, lease, complete and fail at `batch` jobs per call (default 1,000),
 * over `rounds` rounds (default 5) of max(batch, 1,000) jobs per step, on a
 * queue of its own (deleted after).
 */
export async function measureScriptCost(redisUrl: string, opts: { batch?: number; rounds?: number } = {}): Promise<ScriptCost> {
  const batch = opts.batch ?? 1000;
  const rounds = opts.rounds ?? 5;
  const perRound = Math.ceil(Math.max(batch, 1000) / batch) * batch;
  const { options } = adapterOptionsFromConfig({ ...DEFAULT_CONFIG.queue, key_prefix: `cpu${Date.now()}` }, { REDIS_URL: redisUrl });
  const adapter = await RedisQueueAdapter.connect({ ...options, log: () => undefined });
  const redis = new Redis(redisUrl);
  const queue = 'cpu';
  const m = { enqueue: new Meter(), lease: new Meter(), complete: new Meter(), fail: new Meter() };
  const inCalls = async (n: number, call: (from: number, size: number) => Promise<unknown>): Promise<void> => {
    for (let i = 0; i < n; i += batch) await call(i, Math.min(batch, n - i));
  };
  const leaseRound = async (): Promise<Array<{ id: string; token: string }>> => {
    await m.enqueue.time(redis, perRound, () =>
      inCalls(perRound, (from, size) =>
        adapter.enqueueMany(
          queue,
          Array.from({ length: size }, (_, i) => agentItem('echo', { i: from + i, text: 'hello world' })),
        ),
      ),
    );
    const held: Array<{ id: string; token: string }> = [];
    await m.lease.time(redis, perRound, async () => {
      while (held.length < perRound) {
        for (const j of await adapter.dequeueMany(queue, batch)) held.push({ id: j.action.id, token: j.lease.token });
      }
    });
    return held;
  };
  try {
    await adapter.createQueue(queue, { maxLength: 10_000_000 });
    for (let r = 0; r < rounds; r++) {
      const done = await leaseRound();
      await m.complete.time(redis, perRound, () =>
        inCalls(perRound, (from, size) =>
          adapter.completeMany(
            queue,
            done.slice(from, from + size).map((j) => ({ ...j, result: { ok: true } })),
          ),
        ),
      );
      const failing = await leaseRound();
      await m.fail.time(redis, perRound, () =>
        inCalls(perRound, (from, size) =>
          adapter.failMany(
            queue,
            failing.slice(from, from + size).map((j) => ({ ...j, error: new Error('no'), retryable: false })),
          ),
        ),
      );
    }
    return {
      batch,
      jobs: perRound * rounds,
      enqueue: m.enqueue.result(),
      lease: m.lease.result(),
      complete: m.complete.result(),
      fail: m.fail.result(),
      completeWithoutHistory: null,
      history: null,
    };
  } finally {
    await adapter.deleteQueue(queue).catch(() => undefined);
    await adapter.close();
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  const c = await measureScriptCost(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', {
    batch: Number(process.env['BATCH'] ?? 1000),
    rounds: Number(process.env['ROUNDS'] ?? 5),
  });
  const per = (s: StepCost): string => `${s.us.toFixed(2)} (cpu ${s.cpuUs.toFixed(2)})`;
  console.log(
    `Redis µs per job over ${c.jobs} jobs, ${c.batch} per call: enqueue ${per(c.enqueue)}, lease ${per(c.lease)}, ` +
      `complete ${per(c.complete)}, fail ${per(c.fail)}`,
  );
}

// The bench builds this file as an entry of its own (bench/vite.config.mts), so inside the bench this is false.
if (require.main === module) void main();
