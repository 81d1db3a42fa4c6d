/**
 * Redis cost per job of the scripts: enqueue (enqueueMany), lease
 * (dequeueMany), complete (completeMany) and fail (failMany, a last attempt: to dead), at a
 * given number of jobs per call, against a Redis given by URL. Each figure is
 * per job: µs of script time (INFO commandstats, fcall/evalsha), µs of Redis
 * main-thread CPU (INFO cpu: user + sys; a contended box inflates it less than
 * commandstats' wall-clock µs), and the commands the scripts ran.
 *
 * The metrics history's share: complete against the same library with
 * metrics.lua's functions stubbed out (built here from the loaded library's
 * code, under another name), interleaved round by round with the real one.
 *
 *   REDIS_URL=redis://127.0.0.1:6399 BATCH=1000 ROUNDS=5 npx tsx --tsconfig tsconfig.node.json \
 *     --require ./scripts/register-lua-raw.cjs bench/redis-cpu-per-job.ts
 * Without BATCH it measures 1 and 1,000 jobs per call. `npm run bench -- --measure scripts`
 * runs the same through measureScriptCost.
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
  /** The same by command name (those above 0.05 per job). */
  byCommand: Record<string, number>;
}

export interface ScriptCost {
  batch: number;
  jobs: number;
  enqueue: StepCost;
  lease: StepCost;
  complete: StepCost;
  fail: StepCost;
  /** complete with metrics.lua's functions stubbed out; null when the library has no history. */
  completeWithoutHistory: StepCost | null;
  /** complete minus completeWithoutHistory: what the history costs Redis per completed job. */
  history: { us: number; cpuUs: number; commands: number } | null;
}

interface Snapshot {
  usec: number;
  cpu: number;
  calls: Map<string, number>;
}

const SCRIPT_COMMANDS = new Set(['fcall', 'fcall_ro', 'evalsha', 'eval', 'info', 'function', 'script', 'ping', 'hello', 'client']);

async function snapshot(redis: Redis): Promise<Snapshot> {
  const text = await redis.info('all');
  let usec = 0;
  const calls = new Map<string, number>();
  for (const m of text.matchAll(/cmdstat_([a-z_|]+):calls=(\d+),usec=(\d+)/g)) {
    const name = m[1] ?? '';
    // Script time from the script calls only: Redis also counts each command a script runs.
    if (name === 'fcall' || name === 'evalsha' || name === 'eval') usec += Number(m[3]);
    if (!SCRIPT_COMMANDS.has(name)) calls.set(name, Number(m[2]));
  }
  const f = (name: string): number => Number(new RegExp(`${name}:([0-9.]+)`).exec(text)?.[1] ?? 0);
  const cpu = (f('used_cpu_user_main_thread') || f('used_cpu_user')) + (f('used_cpu_sys_main_thread') || f('used_cpu_sys'));
  return { usec, cpu, calls };
}

class Meter {
  private usec = 0;
  private cpu = 0;
  private calls = new Map<string, number>();
  private jobs = 0;

  async time(redis: Redis, jobs: number, step: () => Promise<unknown>): Promise<void> {
    const a = await snapshot(redis);
    await step();
    const b = await snapshot(redis);
    this.usec += b.usec - a.usec;
    this.cpu += b.cpu - a.cpu;
    for (const [name, n] of b.calls) this.calls.set(name, (this.calls.get(name) ?? 0) + n - (a.calls.get(name) ?? 0));
    this.jobs += jobs;
  }

  result(): StepCost {
    const per = (n: number): number => Math.round((n / Math.max(this.jobs, 1)) * 100) / 100;
    const byCommand: Record<string, number> = {};
    let commands = 0;
    for (const [name, n] of [...this.calls].sort((x, y) => y[1] - x[1])) {
      commands += n;
      if (n / this.jobs >= 0.05) byCommand[name.toUpperCase()] = per(n);
    }
    return { us: per(this.usec), cpuUs: per(this.cpu * 1e6), commands: per(commands), byCommand };
  }
}

/** The library the adapter calls (its function names are `<library>_<script>`), seen in its FCALLs. */
let calledLibrary: string | undefined;
/** While set, every FCALL of `from`'s functions goes to `to`'s (the adapter's own client included). */
let redirect: { from: string; to: string } | null = null;
type Fcall = (this: Redis, ...args: unknown[]) => unknown;
const proto = Redis.prototype as unknown as { fcall: Fcall };

/** Watches (and, while `redirect` is set, redirects) every client's FCALLs until the returned function is called. */
function watchFcalls(): () => void {
  const fcall = proto.fcall;
  proto.fcall = function (this: Redis, ...args: unknown[]) {
    if (typeof args[0] === 'string') {
      calledLibrary ??= /^(conveyor_[0-9a-f]+)_/.exec(args[0])?.[1];
      if (redirect) args[0] = args[0].replace(redirect.from, redirect.to);
    }
    return fcall.apply(this, args);
  };
  return () => {
    proto.fcall = fcall;
  };
}

/** The called library's code with metrics.lua's functions as no-ops, loaded under another name; null without a history. */
async function stubbedLibrary(redis: Redis): Promise<{ from: string; to: string } | null> {
  if (!calledLibrary) return null;
  const libs = (await redis.call('FUNCTION', 'LIST', 'LIBRARYNAME', calledLibrary, 'WITHCODE')) as unknown[][];
  const lib = libs.find((l) => l[l.indexOf('library_name') + 1] === calledLibrary);
  const code = lib ? String(lib[lib.indexOf('library_code') + 1]) : '';
  if (!code.includes('local function metricsFlush(')) return null;
  const from = calledLibrary;
  const to = `${from}_nomx`;
  const stubbed = code
    .replaceAll(from, to)
    // The originals stay, renamed and unused; the no-ops take their names. MX_READ empty: no history reads either.
    .replace('local function metricsJob(', 'local function metricsJob() end\nlocal function unusedMetricsJob(')
    .replace('local function metricsFlush(', 'local function metricsFlush() end\nlocal function unusedMetricsFlush(')
    .replace('local function metricsAdd(', 'local function metricsAdd() end\nlocal function unusedMetricsAdd(')
    .replace('local function metricsWait(', "local function metricsWait() return '' end\nlocal function unusedMetricsWait(")
    .replace(/local MX_READ = \{[^}]*\}/, 'local MX_READ = {}');
  await redis.call('FUNCTION', 'LOAD', 'REPLACE', stubbed);
  return { from, to };
}

/**
 * Measures lease, complete and fail at `batch` jobs per call (default 1,000)
 * over `rounds` rounds of max(batch, 1000) jobs (default 5), and complete
 * without the metrics history. Uses a queue of its own, deleted after.
 */
export async function measureScriptCost(redisUrl: string, opts: { batch?: number; rounds?: number } = {}): Promise<ScriptCost> {
  const batch = opts.batch ?? 1000;
  const rounds = opts.rounds ?? 5;
  const perRound = Math.ceil(Math.max(batch, 1000) / batch) * batch;
  const unwatch = watchFcalls();
  const prefix = `cpu${Date.now()}`;
  const { options } = adapterOptionsFromConfig({ ...DEFAULT_CONFIG.queue, key_prefix: prefix }, { REDIS_URL: redisUrl });
  const adapter = await RedisQueueAdapter.connect({ ...options, log: () => undefined });
  const redis = new Redis(redisUrl);
  const queue = 'cpu';
  // No retries: each fail is a job's last attempt, to dead (the retry check still runs).
  await adapter.createQueue(queue, { maxLength: 10_000_000, maxRetries: 0 });
  const meters = { enqueue: new Meter(), lease: new Meter(), complete: new Meter(), fail: new Meter(), bare: new Meter() };

  const enqueueRound = async (): Promise<void> => {
    for (let i = 0; i < perRound; i += batch) {
      const items = Array.from({ length: Math.min(batch, perRound - i) }, (_, k) => agentItem('echo', { i: i + k, text: 'hello world' }));
      // One job per call: the awaited single enqueue, its own lean script.
      if (items.length === 1 && items[0]) await adapter.enqueue(queue, items[0]);
      else await adapter.enqueueMany(queue, items);
    }
  };
  const fill = (): Promise<void> => meters.enqueue.time(redis, perRound, enqueueRound);
  const lease = async (): Promise<Array<{ id: string; token: string }>> => {
    const held: Array<{ id: string; token: string }> = [];
    await meters.lease.time(redis, perRound, async () => {
      while (held.length < perRound) {
        for (const j of await adapter.dequeueMany(queue, batch)) held.push({ id: j.action.id, token: j.lease.token });
      }
    });
    return held;
  };
  const inCalls = async <T>(all: T[], call: (some: T[]) => Promise<unknown>): Promise<void> => {
    for (let i = 0; i < all.length; i += batch) await call(all.slice(i, i + batch));
  };
  const complete = (meter: Meter, held: Array<{ id: string; token: string }>): Promise<void> =>
    meter.time(redis, held.length, () =>
      inCalls(held, (some) =>
        adapter.completeMany(
          queue,
          some.map((j) => ({ ...j, result: { ok: true } })),
        ),
      ),
    );

  try {
    // One warm-up round, not counted: the library loads, the key's encodings settle.
    await enqueueRound();
    for (const j of await adapter.dequeueMany(queue, perRound))
      await adapter.completeMany(queue, [{ id: j.action.id, token: j.lease.token, result: 1 }]);
    const stub = await stubbedLibrary(redis);
    for (let r = 0; r < rounds; r++) {
      await fill();
      await complete(meters.complete, await lease());
      await fill();
      const held = await lease();
      await meters.fail.time(redis, held.length, () =>
        inCalls(held, (some) =>
          adapter.failMany(
            queue,
            some.map((j) => ({ ...j, error: new Error('no'), retryable: false })),
          ),
        ),
      );
      if (stub) {
        await fill();
        const more = await lease();
        redirect = stub;
        try {
          await complete(meters.bare, more);
        } finally {
          redirect = null;
        }
      }
    }
    const c = meters.complete.result();
    const bare = stub ? meters.bare.result() : null;
    const diff = (a: number, b: number): number => Math.round((a - b) * 100) / 100;
    return {
      batch,
      jobs: perRound * rounds,
      enqueue: meters.enqueue.result(),
      lease: meters.lease.result(),
      complete: c,
      fail: meters.fail.result(),
      completeWithoutHistory: bare,
      history: bare ? { us: diff(c.us, bare.us), cpuUs: diff(c.cpuUs, bare.cpuUs), commands: diff(c.commands, bare.commands) } : null,
    };
  } finally {
    await adapter.deleteQueue(queue).catch(() => undefined);
    await adapter.close();
    redis.disconnect();
    unwatch();
  }
}

function line(name: string, s: StepCost): string {
  const cmds = Object.entries(s.byCommand)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return `  ${name.padEnd(26)} ${s.us.toFixed(2).padStart(7)} µs  ${s.cpuUs.toFixed(2).padStart(7)} µs cpu  ${s.commands.toFixed(2).padStart(6)} cmds  (${cmds})`;
}

async function main(): Promise<void> {
  const url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  const batches = process.env['BATCH'] ? [Number(process.env['BATCH'])] : [1, 1000];
  const rounds = process.env['ROUNDS'] ? Number(process.env['ROUNDS']) : undefined;
  for (const batch of batches) {
    const c = await measureScriptCost(url, { batch, rounds });
    console.log(`Redis per job, ${batch} job(s) per call, ${c.jobs} jobs: script µs, main-thread CPU µs, commands`);
    console.log(line('enqueue', c.enqueue));
    console.log(line('lease', c.lease));
    console.log(line('complete', c.complete));
    console.log(line('fail (to dead)', c.fail));
    if (c.completeWithoutHistory) console.log(line('complete without history', c.completeWithoutHistory));
    if (c.history) console.log(`  history's share of complete: ${c.history.us} µs, ${c.history.cpuUs} µs cpu, ${c.history.commands} cmds`);
  }
}

// The bench builds this file as an entry of its own (bench/vite.config.mts), so inside the bench this is false.
if (require.main === module) void main();
