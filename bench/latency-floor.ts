/**
 * The floor of Conveyor's latency path on this box and Redis: the same
 * protocol with trivial scripts and no Conveyor code. A producer's script
 * call adds a job and a wake-up marker; a consumer blocked on BZPOPMIN has a
 * lease script queued right behind it on the same connection (as
 * waitAndLease does), then sends a complete script; latency runs from the
 * producer's call to the complete's reply, at 500 jobs/s like the bench's
 * latency measurement. What Conveyor's figure adds above it is its scripts'
 * Redis time and its own JavaScript (bench/README.md, "Where Conveyor is behind").
 *
 *   REDIS_URL=redis://127.0.0.1:6399 N=5000 npx tsx bench/latency-floor.ts
 */
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { latencyStats } from './latency';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const n = Number(process.env.N ?? 5000);
const RATE = 500;

type Scripted = Redis & {
  push(wait: string, marker: string, id: string): Promise<number>;
  lease(wait: string): Promise<string | null>;
  done(results: string, id: string): Promise<number>;
};

function client(): Scripted {
  const r = new Redis(url) as Scripted;
  r.defineCommand('push', { numberOfKeys: 2, lua: "redis.call('ZADD', KEYS[1], 0, ARGV[1]) redis.call('ZADD', KEYS[2], 0, 'm') return 1" });
  r.defineCommand('lease', { numberOfKeys: 1, lua: "local r = redis.call('ZPOPMIN', KEYS[1]) return r[1] or false" });
  r.defineCommand('done', { numberOfKeys: 1, lua: "redis.call('SET', KEYS[1], ARGV[1]) return 1" });
  return r;
}

async function main(): Promise<void> {
  const [producer, blocker, acker] = [client(), client(), client()];
  await Promise.all([producer.ping(), blocker.ping(), acker.ping()]);
  const k = `conveyor-bench:floor:${Date.now()}`;
  const sent = new Map<string, number>();
  const samples: number[] = [];
  let stop = false;
  const complete = async (id: string): Promise<void> => {
    await acker.done(`${k}:res`, id);
    samples.push(performance.now() - (sent.get(id) ?? 0));
  };
  const consuming = (async () => {
    while (!stop) {
      let [, id] = await Promise.all([blocker.bzpopmin(`${k}:marker`, 1), blocker.lease(`${k}:wait`)]);
      // What else came meanwhile, without blocking (the marker holds one member).
      while (id) {
        await complete(id);
        id = await blocker.lease(`${k}:wait`);
      }
    }
  })();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const due = t0 + (i * 1000) / RATE;
    while (performance.now() < due) await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now() - 0.5)));
    const id = String(i);
    sent.set(id, performance.now());
    void producer.push(`${k}:wait`, `${k}:marker`, id);
  }
  while (samples.length < n) await new Promise((r) => setTimeout(r, 10));
  stop = true;
  await consuming;
  await producer.del(`${k}:wait`, `${k}:marker`, `${k}:res`);
  const s = latencyStats(samples);
  console.log(
    `latency floor at ${RATE}/s (enqueue script, wake + lease script, complete script; trivial scripts): n=${s.n} p50 ${s.p50.toFixed(3)} / p95 ${s.p95.toFixed(3)} / p99 ${s.p99.toFixed(3)} ms`,
  );
  for (const r of [producer, blocker, acker]) r.disconnect();
}

void main();
