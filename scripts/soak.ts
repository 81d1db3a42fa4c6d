/**
 * Soak: 10,000 jobs through worker processes while they are SIGKILLed at
 * random (at least 20 times) and Redis is SIGKILLed and restarted twice.
 * Passes only with completed + dead = acknowledged, 0 lost, 0 duplicated,
 * 0 left active, and the RSS of a worker that is never killed growing less
 * than 10% after warm-up. Prints its figures; exit code 1 on failure.
 *
 *   npm run soak [-- --jobs 10000 --kills 20 --workers 3]
 *
 * Needs `npm run build` (the worker processes run out/main/cli.js).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG } from '../src-shared/config-schema';
import { agentItem } from '../src-shared/item-schema';
import { adapterOptionsFromConfig } from '../src-main/queue/adapter-options';
import { RedisQueueAdapter } from '../src-main/queue/redis-queue-adapter';
import { RedisServerProcess } from '../src-main/redis/redis-server-process';
import { classify } from '../test/support/ledger';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '10000' },
    kills: { type: 'string', default: '20' },
    workers: { type: 'string', default: '3' },
    rate: { type: 'string', default: '500' },
  },
});
const JOBS = Number(values.jobs);
const KILLS = Number(values.kills);
const WORKERS = Number(values.workers);
const RATE = Number(values.rate);
const ROOT = resolve(__dirname, '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-soak-'));
  const ledger = join(dir, 'ledger.txt');
  const config = join(dir, 'config.yml');
  const prefix = 'soak:queue';
  writeFileSync(
    config,
    `queue:\n  key_prefix: "${prefix}"\nworkers:\n  agents_dir: "${join(ROOT, 'test/fixtures/agents')}"\n  shutdown_timeout_ms: 1000\n`,
  );
  const redis = await RedisServerProcess.start({ port: 0, appendonly: true, appendfsync: 'always' });
  const { options } = adapterOptionsFromConfig(
    { ...DEFAULT_CONFIG.queue, key_prefix: prefix, connection_timeout: 10 },
    { REDIS_URL: redis.url },
  );
  const adapter = await RedisQueueAdapter.connect({ ...options, log: () => undefined });
  await adapter.createQueue('soak', {
    leaseMs: 2000,
    maxLength: 1_000_000,
    retention: { completed: { count: 1_000_000, ageS: 0 }, dead: { count: 1_000_000, ageS: 0 } },
  });

  const workers = new Set<ChildProcess>();
  const startWorker = (): ChildProcess => {
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'out/main/cli.js'),
        'worker',
        'soak',
        '--threads',
        '1',
        '--concurrency',
        '16',
        '--quiet',
        '--config',
        config,
        '--redis-url',
        redis.url,
      ],
      {
        env: { ...process.env, CONVEYOR_THREAD_ENTRY: join(ROOT, 'test/support/ts-thread-entry.mjs') },
        stdio: 'ignore',
      },
    );
    workers.add(child);
    child.once('exit', () => workers.delete(child));
    return child;
  };
  const observer = startWorker();
  for (let i = 1; i < WORKERS; i++) startWorker();

  const acknowledged = new Set<string>();
  let producerErrors = 0;
  const started = Date.now();
  const producing = (async () => {
    for (let n = 0; n < JOBS;) {
      const due = started + (n * 1000) / RATE;
      if (due > Date.now()) await sleep(due - Date.now());
      const batch = Array.from({ length: Math.min(25, JOBS - n) }, () =>
        agentItem('ledger', { ledger, ms: Math.floor(Math.random() * 50) }),
      );
      try {
        for (const id of await adapter.enqueueMany('soak', batch)) acknowledged.add(id);
        n += batch.length;
      } catch {
        producerErrors++;
        await sleep(100);
      }
    }
  })();

  let kills = 0;
  let redisRestarts = 0;
  let warmRss = 0;
  const produceMs = (JOBS / RATE) * 1000;
  const chaos = (async () => {
    const killEvery = produceMs / (KILLS + 1);
    for (let k = 0; k < KILLS; k++) {
      await sleep(killEvery);
      const victims = [...workers].filter((w) => w !== observer);
      const victim = victims[Math.floor(Math.random() * victims.length)];
      if (victim) {
        victim.kill('SIGKILL');
        kills++;
        startWorker();
      }
      if (k === Math.floor(KILLS / 3) || k === Math.floor((2 * KILLS) / 3)) {
        await redis.kill();
        await sleep(1000);
        await redis.restart();
        redisRestarts++;
      }
      // Warm-up is the first half: V8 grows its heap until collections find their rhythm.
      if (!warmRss && Date.now() - started > produceMs * 0.5) warmRss = rssKb(observer.pid ?? 0);
    }
  })();

  await Promise.all([producing, chaos]);
  const deadline = Date.now() + 120_000;
  let counts = await adapter.counts('soak').catch(() => undefined);
  while (Date.now() < deadline) {
    counts = await adapter.counts('soak').catch(() => counts);
    if (counts && counts.completed + counts.dead >= acknowledged.size && counts.active === 0) break;
    await sleep(500);
  }
  const endRss = rssKb(observer.pid ?? 0);
  const report = await classify(adapter, 'soak', acknowledged, ledger);
  const reruns = [...report.runs.values()].filter((n) => n > 1).length;
  for (const w of workers) w.kill('SIGTERM');
  await adapter.close();
  await redis.stop();

  const growth = warmRss ? (endRss - warmRss) / warmRss : 0;
  const figures = {
    jobs: JOBS,
    acknowledged: report.acknowledged,
    completed: report.completed,
    dead: report.dead,
    lost: report.lost.length,
    duplicated: report.duplicated.length,
    leftActive: counts?.active ?? -1,
    rerunJobs: reruns,
    workerKills: kills,
    redisRestarts,
    producerErrors,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    observerRssKb: { warm: warmRss, end: endRss, growthPct: Math.round(growth * 1000) / 10 },
  };
  console.log(JSON.stringify(figures, null, 2));
  const ok =
    report.lost.length === 0 &&
    report.duplicated.length === 0 &&
    figures.leftActive === 0 &&
    report.completed + report.dead === report.acknowledged &&
    kills >= KILLS &&
    growth < 0.1;
  console.log(ok ? 'soak: passed' : 'soak: FAILED');
  process.exit(ok ? 0 : 1);
}

main().catch((err: unknown) => {
  console.error(`soak: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
