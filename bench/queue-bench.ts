/**
 * Conveyor vs BullMQ on one Redis: one-by-one enqueue, bulk enqueue and
 * dequeue+complete, each with Redis CPU and commands per job. Built by vite
 * (the adapter imports Lua with `?raw`), then run by plain Node:
 *
 *   npm run bench -- --runs 5 --json bench/results/run.json
 *
 * Runs are interleaved (Conveyor, BullMQ, Conveyor, BullMQ, ...) on a fresh,
 * empty queue each; progress goes to stderr, the tables to stdout.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session as InspectorSession } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { RedisServerProcess } from '../src-main/redis/redis-server-process';
import { USAGE, UsageError, parseBenchArgs, type BenchArgs } from './bench-args';
import { BullmqContender } from './bullmq-contender';
import type { Contender, ContenderName } from './contender';
import { ConveyorContender } from './conveyor-contender';
import { MEASUREMENTS, type Measurement } from './measurements';
import { sampleRedis, usageBetween } from './redis-stats';
import { commandsTable, resultsTable, summarize, targetsTable, type RunRecord } from './report';

const WARMUP_JOBS = 1_000;
const TOP_COMMANDS = 8;

/** Where the contenders run: a private redis-server (flushed freely) or one the caller named (never flushed). */
interface Target {
  url: string;
  isPrivate: boolean;
  /** Key prefix under which everything of this bench lives. */
  prefix: string;
  stats: Redis;
  /** Empties the bench's keys before a run. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

async function deleteKeys(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await client.unlink(...keys);
  } while (cursor !== '0');
}

async function openTarget(redisUrl: string | undefined): Promise<Target> {
  const server = redisUrl === undefined ? await RedisServerProcess.start({ port: 0 }) : undefined;
  const url = server?.url ?? (redisUrl as string);
  const stats = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectionName: 'conveyor-bench:stats' });
  try {
    await stats.connect();
  } catch (err) {
    stats.disconnect();
    await server?.stop();
    throw err;
  }
  const prefix = server ? 'bench' : `bench-${randomBytes(4).toString('hex')}`;
  return {
    url,
    isPrivate: server !== undefined,
    prefix,
    stats,
    // FLUSHALL only ever on our own server; elsewhere delete our prefix.
    reset: async () => {
      if (server) await stats.flushall();
      else await deleteKeys(stats, prefix);
    },
    close: async () => {
      if (!server) await deleteKeys(stats, prefix).catch(() => undefined);
      stats.disconnect();
      await server?.stop();
    },
  };
}

/** Samples this process' CPU during the timed parts only, one .cpuprofile per run. */
class TimedProfiler {
  private readonly session = new InspectorSession();

  private constructor(private readonly dir: string) {}

  static async open(dir: string): Promise<TimedProfiler> {
    mkdirSync(dir, { recursive: true });
    const p = new TimedProfiler(dir);
    p.session.connect();
    await p.session.post('Profiler.enable');
    await p.session.post('Profiler.setSamplingInterval', { interval: 200 });
    return p;
  }

  async around<T>(name: string, fn: () => Promise<T>): Promise<T> {
    await this.session.post('Profiler.start');
    try {
      return await fn();
    } finally {
      const { profile } = await this.session.post('Profiler.stop');
      writeFileSync(join(this.dir, `${name}.cpuprofile`), JSON.stringify(profile));
    }
  }

  close(): void {
    this.session.disconnect();
  }
}

function jobsFor(m: Measurement, args: BenchArgs): number {
  return args.jobs ?? m.defaultJobs;
}

async function timedRun(
  target: Target,
  contender: Contender,
  m: Measurement,
  jobs: number,
  run: number,
  profiler?: TimedProfiler,
): Promise<RunRecord> {
  await target.reset();
  const session = await contender.open(`${m.key}-${run}`);
  try {
    const timed = await m.prepare(session, jobs);
    const before = await sampleRedis(target.stats);
    const t0 = performance.now();
    if (profiler) await profiler.around(`${m.key}-${contender.name}-run${run}`, timed);
    else await timed();
    const seconds = (performance.now() - t0) / 1000;
    const after = await sampleRedis(target.stats);
    await session.check(m.expected(jobs));
    const redis = usageBetween(before, after);
    return {
      measurement: m.key,
      contender: contender.name,
      run,
      jobs,
      seconds,
      jobsPerSec: jobs / seconds,
      redisCpuUsPerJob: redis.cpuUs / jobs,
      commandsPerJob: redis.calls / jobs,
      redis,
    };
  } finally {
    await session.close();
  }
}

function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  const startedAt = new Date();
  const bullmqVersion = String((createRequire(__filename)('bullmq/package.json') as { version: string }).version);
  const target = await openTarget(args.redisUrl);
  const runs: RunRecord[] = [];
  const profiler = args.profile === undefined ? undefined : await TimedProfiler.open(args.profile);
  let redisVersion = '?';
  try {
    redisVersion = /^redis_version:(\S+)/m.exec(String(await target.stats.call('INFO', 'server')))?.[1] ?? '?';
    const all: Contender[] = [
      new ConveyorContender(target.url, `${target.prefix}:conveyor`),
      new BullmqContender(target.url, `${target.prefix}:bullmq`, bullmqVersion),
    ];
    const contenders = all.filter((c) => args.only.includes(c.name));
    const measurements = MEASUREMENTS.filter((m) => args.measure.includes(m.key));

    if (args.warmup) {
      // Loads the Lua scripts into Redis and warms the JIT; nothing is recorded.
      progress('warm-up (untimed) ...');
      for (const m of measurements) {
        for (const c of contenders) await timedRun(target, c, m, Math.min(WARMUP_JOBS, jobsFor(m, args)), 0);
      }
    }
    for (const m of measurements) {
      const jobs = jobsFor(m, args);
      for (let run = 1; run <= args.runs; run++) {
        for (const c of contenders) {
          const r = await timedRun(target, c, m, jobs, run, profiler);
          runs.push(r);
          progress(
            `${m.title} · ${c.label} · run ${run}/${args.runs}: ${Math.round(r.jobsPerSec).toLocaleString('en-US')} jobs/s, ` +
              `${r.redisCpuUsPerJob.toFixed(1)} µs Redis CPU/job, ${r.commandsPerJob.toFixed(1)} cmds/job`,
          );
        }
      }
    }

    const summaries = summarize(runs);
    const labels = Object.fromEntries(all.map((c) => [c.name, c.label])) as Record<ContenderName, string>;
    const out: string[] = [
      '',
      `Conveyor vs ${labels.bullmq} · Redis ${redisVersion} (${target.isPrivate ? 'private redis-server, no persistence' : target.url.replace(/\/\/[^@/]*@/, '//***@')})` +
        ` · Node ${process.version} · ${cpus().length} CPUs`,
      `${args.runs} run(s) each, interleaved; jobs/s as median [min–max]; Redis CPU and cmds/job as medians (cmds include those run inside Lua)`,
      ...contenders.map((c) => `  ${c.label}: ${c.notes}`),
      '',
      resultsTable({
        titles: new Map(measurements.map((m) => [m.key, m.title])),
        order: measurements.map((m) => m.key),
        summaries,
        labels,
      }),
      '',
      targetsTable(summaries),
    ];
    if (!target.isPrivate) out.push('', 'note: shared Redis: other clients are counted in the CPU and command figures');
    if (profiler) out.push('', `note: CPU profiles in ${args.profile}; the profiler slows the client, so these figures are not comparable`);
    if (args.verbose) {
      for (const m of measurements) {
        for (const c of contenders) {
          const s = summaries.find((x) => x.measurement === m.key && x.contender === c.name);
          if (!s) continue;
          out.push('', `${m.title} · ${c.label} · top Redis commands by µs (EVALSHA's µs include the commands its script runs)`);
          out.push(commandsTable(s, TOP_COMMANDS));
        }
      }
    }
    process.stdout.write(`${out.join('\n')}\n`);

    if (args.json) {
      const report = {
        startedAt: startedAt.toISOString(),
        node: process.version,
        cpus: cpus().length,
        redis: { version: redisVersion, private: target.isPrivate },
        bullmq: bullmqVersion,
        options: { ...args, redisUrl: args.redisUrl === undefined ? undefined : '(given)' },
        summaries,
        runs,
      };
      writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
      progress(`wrote ${args.json}`);
    }
  } finally {
    profiler?.close();
    await target.close();
  }
}

main().then(
  // BullMQ may leave timers behind; the figures are out, so leave.
  () => process.exit(0),
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n(see --help)\n`);
      process.exit(2);
    }
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
