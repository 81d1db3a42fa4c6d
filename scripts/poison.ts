/**
 * Poison pills: how much do jobs that throw, hang, run out of memory or exit
 * their thread slow down the healthy jobs beside them? Runs the same healthy
 * load twice through one pool, alone and mixed with pills, and prints both
 * throughputs. Passes when the pool keeps its size, every pill ends dead with
 * its own reason, no healthy job ends dead, and healthy throughput falls by
 * less than 20%.
 *
 *   npm run poison [-- --jobs 10000 --pills 1 --kinds fail,hang,oom,crash]
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import ts from 'typescript';
import { DEFAULT_CONFIG } from '../src-shared/config-schema';
import { agentItem } from '../src-shared/item-schema';
import { WorkerPool } from '../src-main/pool/pool';
import { adapterOptionsFromConfig } from '../src-main/queue/adapter-options';
import { RedisQueueAdapter } from '../src-main/queue/redis-queue-adapter';
import { RedisServerProcess } from '../src-main/redis/redis-server-process';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '10000' },
    pills: { type: 'string', default: '1' },
    kinds: { type: 'string', default: 'fail,hang,oom,crash' },
  },
});
const JOBS = Number(values.jobs);
const PILLS = Number(values.pills);
const ROOT = resolve(__dirname, '..');
const FIXTURE_AGENTS = join(ROOT, 'test/fixtures/agents');

/**
 * The fixture agents as plain JavaScript, as a user's plug-ins ship: loaded
 * through a TypeScript loader instead, every replacement thread would spend
 * ~200 ms compiling them (~35 ms for JavaScript), a cost that is the test
 * harness's, not the pool's.
 */
function builtFixtureAgents(): string {
  const dir = mkdtempSync(join(tmpdir(), 'poison-agents-'));
  for (const file of readdirSync(FIXTURE_AGENTS).filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(join(FIXTURE_AGENTS, file), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    });
    writeFileSync(join(dir, file.replace(/\.ts$/, '.js')), outputText);
  }
  return dir;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const PILL_KINDS = [
  { agent: 'fail', input: null, reason: 'failed' },
  { agent: 'hang', input: null, reason: 'timeout' },
  { agent: 'oom', input: null, reason: 'out_of_memory' },
  { agent: 'crash', input: { exit: true }, reason: 'crashed' },
] as const;
const KINDS = PILL_KINDS.filter((p) => values.kinds.split(',').includes(p.agent));

/** Healthy jobs per second until every job of the queue (pills included) has finished. */
async function drain(adapter: RedisQueueAdapter, queue: string, healthy: number, total: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const c = await adapter.counts(queue);
    if (c.completed + c.dead >= total) return healthy / ((Date.now() - started) / 1000);
    await sleep(20);
  }
}

async function main(): Promise<void> {
  const redis = await RedisServerProcess.start({ port: 0 });
  const { options } = adapterOptionsFromConfig({ ...DEFAULT_CONFIG.queue, key_prefix: 'poison' }, { REDIS_URL: redis.url });
  const adapter = await RedisQueueAdapter.connect({ ...options, log: () => undefined });
  const retention = { completed: { count: 1_000_000, ageS: 0 }, dead: { count: 1_000_000, ageS: 0 } };
  const pool = new WorkerPool({
    adapter,
    queues: ['base', 'mixed'],
    threads: 2,
    concurrency: 8,
    jobTimeoutMs: 500,
    killGraceMs: 200,
    maxMemoryMb: 64,
    shutdownTimeoutMs: 1000,
    agentsDir: builtFixtureAgents(),
    threadEntry: join(ROOT, 'out/main/thread-entry.js'),
  });
  for (const q of ['base', 'mixed'])
    await adapter.createQueue(q, { maxRetries: 1, retention, backoff: { type: 'fixed', delayMs: 0, maxDelayMs: 0 } });
  await adapter.pause('mixed');
  await pool.start();

  const load = () => Array.from({ length: JOBS }, () => agentItem('sleep', { ms: 10 }));
  const baseIds = await adapter.enqueueMany('base', load());
  const baseline = await drain(adapter, 'base', baseIds.length, baseIds.length);

  const mixedIds = await adapter.enqueueMany('mixed', load());
  const pills: Array<{ id: string; reason: string }> = [];
  for (let i = 0; i < PILLS; i++) {
    for (const p of KINDS) pills.push({ id: await adapter.enqueue('mixed', agentItem(p.agent, p.input)), reason: p.reason });
  }
  await adapter.resume('mixed');
  const mixed = await drain(adapter, 'mixed', mixedIds.length, mixedIds.length + pills.length);

  // A crash or OOM takes its thread's other jobs with it (they fail as crashed and are retried): count them.
  let healthyRetried = 0;
  let healthyDead = 0;
  for (const id of mixedIds) {
    const job = await adapter.getJob('mixed', id);
    if ((job?.attempts.length ?? 0) > 1) healthyRetried++;
    if (job?.state !== 'completed') healthyDead++;
  }
  const wrong = [];
  for (const p of pills) {
    const job = await adapter.getJob('mixed', p.id);
    const last = job?.attempts[job.attempts.length - 1];
    if (job?.state !== 'dead' || last?.outcome !== p.reason)
      wrong.push({ id: p.id, want: p.reason, state: job?.state, outcome: last?.outcome });
  }
  const threads = pool.stats.threads;
  await pool.stop();
  await adapter.close();
  await redis.stop();

  const drop = 1 - mixed / baseline;
  console.log(
    JSON.stringify(
      {
        healthyJobs: JOBS,
        pills: pills.length,
        baselineJobsPerSec: Math.round(baseline),
        withPillsJobsPerSec: Math.round(mixed),
        throughputDropPct: Math.round(drop * 1000) / 10,
        threadsAtEnd: threads,
        healthyRetried,
        healthyDead,
        pillsWithWrongOutcome: wrong,
      },
      null,
      2,
    ),
  );
  const ok = wrong.length === 0 && threads === 2 && healthyDead === 0 && drop < 0.2;
  console.log(ok ? 'poison: passed' : 'poison: FAILED');
  process.exit(ok ? 0 : 1);
}

main().catch((err: unknown) => {
  console.error(`poison: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
