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
import type { Contender, ContenderName, ProcessorSetup } from './contender';
import { ConveyorContender } from './conveyor-contender';
import { MEASUREMENTS, type Measurement } from './measurements';
import { foreignShare, sampleBox } from './box-load';
import { sampleRedis, usageBetween } from './redis-stats';
import { commandsTable, processingTable, resultsTable, summarize, targetsTable, type RunRecord } from './report';

const TOP_COMMANDS = 8;
/** Share of the box's CPU taken by other processes above which the report says the figures are skewed. */
const FOREIGN_CPU_WARN = 0.05;
/** Queue measurements run each contender one way. */
const ONE_WAY: readonly ProcessorSetup[] = [{ key: '', label: '' }];

/** The setups a measurement runs for a contender, in order. */
function setupsOf(m: Measurement, c: Contender): readonly ProcessorSetup[] {
  return m.kind === 'processing' ? c.processors : ONE_WAY;
}

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

/** Sends CDP commands to one worker thread through the host's NodeWorker domain. */
interface ThreadSession {
  title: string;
  send(method: string, params?: object): Promise<unknown>;
}

/**
 * Samples the client's CPU during the timed parts only, one .cpuprofile per
 * run for the host thread and one per worker thread alive at the end of the
 * run (`<name>.thread<N>.cpuprofile`): the pool's threads and BullMQ's
 * sandboxes. New threads wait for the debugger until their profiler runs, so
 * a thread spawned inside a timed part is sampled from its first line.
 */
class TimedProfiler {
  private readonly session = new InspectorSession();
  private readonly threads = new Map<string, ThreadSession>();
  private readonly replies = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private active = false;

  private constructor(private readonly dir: string) {}

  static async open(dir: string): Promise<TimedProfiler> {
    mkdirSync(dir, { recursive: true });
    const p = new TimedProfiler(dir);
    p.session.connect();
    await p.session.post('Profiler.enable');
    await p.session.post('Profiler.setSamplingInterval', { interval: PROFILE_INTERVAL_US });
    p.session.on('NodeWorker.attachedToWorker', ({ params }) => void p.attached(params.sessionId, params.workerInfo.title));
    p.session.on('NodeWorker.detachedFromWorker', ({ params }) => p.threads.delete(params.sessionId));
    p.session.on('NodeWorker.receivedMessageFromWorker', ({ params }) => p.reply(params.message));
    await p.session.post('NodeWorker.enable', { waitForDebuggerOnStart: true });
    return p;
  }

  private async attached(sessionId: string, title: string): Promise<void> {
    const thread: ThreadSession = {
      title,
      send: (method, params = {}) =>
        new Promise((resolve, reject) => {
          const id = this.nextId++;
          // A thread that ends meanwhile never answers.
          const timer = setTimeout(() => {
            this.replies.delete(id);
            reject(new Error(`${title}: no answer to ${method}`));
          }, THREAD_REPLY_MS);
          const settle = (fn: () => void): void => {
            clearTimeout(timer);
            fn();
          };
          this.replies.set(id, { resolve: (v) => settle(() => resolve(v)), reject: (e) => settle(() => reject(e)) });
          this.session.post('NodeWorker.sendMessageToWorker', { sessionId, message: JSON.stringify({ id, method, params }) }).catch((e: Error) => {
            this.replies.delete(id);
            settle(() => reject(e));
          });
        }),
    };
    this.threads.set(sessionId, thread);
    try {
      if (this.active) await startProfiler(thread.send);
    } finally {
      // Outside a timed part the thread just goes on.
      await thread.send('Runtime.runIfWaitingForDebugger').catch(() => undefined);
    }
  }

  private reply(message: string): void {
    const m = JSON.parse(message) as { id?: number; result?: unknown; error?: { message: string } };
    const waiting = m.id === undefined ? undefined : this.replies.get(m.id);
    if (!waiting || m.id === undefined) return;
    this.replies.delete(m.id);
    if (m.error) waiting.reject(new Error(m.error.message));
    else waiting.resolve(m.result);
  }

  async around<T>(name: string, fn: () => Promise<T>): Promise<T> {
    await this.session.post('Profiler.start');
    this.active = true;
    try {
      return await fn();
    } finally {
      this.active = false;
      const { profile } = await this.session.post('Profiler.stop');
      writeFileSync(join(this.dir, `${name}.cpuprofile`), JSON.stringify(profile));
      // Only threads spawned inside the timed part run a profiler (none outlives a session); others refuse Profiler.stop and are skipped.
      let n = 0;
      for (const thread of this.threads.values()) {
        const reply = (await thread.send('Profiler.stop').catch(() => undefined)) as { profile?: object } | undefined;
        if (reply?.profile) writeFileSync(join(this.dir, `${name}.thread${++n}.cpuprofile`), JSON.stringify(reply.profile));
      }
    }
  }

  close(): void {
    this.session.disconnect();
  }
}

const PROFILE_INTERVAL_US = 200;
const THREAD_REPLY_MS = 5_000;

async function startProfiler(send: ThreadSession['send']): Promise<void> {
  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval: PROFILE_INTERVAL_US });
  await send('Profiler.start');
}

function jobsFor(m: Measurement, args: BenchArgs): number {
  return args.jobs ?? m.defaultJobs;
}

async function timedRun(
  target: Target,
  contender: Contender,
  m: Measurement,
  setup: ProcessorSetup,
  jobs: number,
  run: number,
  profiler?: TimedProfiler,
): Promise<RunRecord> {
  await target.reset();
  const session = await contender.open(`${m.key}-${run}`);
  try {
    const timed = await m.prepare(session, jobs, setup.key);
    const before = await sampleRedis(target.stats);
    const boxBefore = sampleBox();
    const t0 = performance.now();
    if (profiler) await profiler.around(`${m.key}-${contender.name}${setup.key ? `-${setup.key}` : ''}-run${run}`, timed);
    else await timed();
    const seconds = (performance.now() - t0) / 1000;
    const boxAfter = sampleBox();
    const after = await sampleRedis(target.stats);
    await session.check(m.expected(jobs));
    const redis = usageBetween(before, after);
    return {
      measurement: m.key,
      contender: contender.name,
      setup: setup.key,
      run,
      jobs,
      seconds,
      jobsPerSec: jobs / seconds,
      redisCpuUsPerJob: redis.cpuUs / jobs,
      commandsPerJob: redis.calls / jobs,
      ...(boxBefore && boxAfter ? { foreignCpuShare: foreignShare(boxBefore, boxAfter, target.isPrivate ? redis.cpuUs / 1e6 : 0) } : {}),
      redis,
    };
  } finally {
    await session.close();
  }
}

/** "Conveyor WorkerPool 2 threads × 32", or just "Conveyor" for a queue measurement. */
function rowLabel(c: Contender | undefined, setup: ProcessorSetup): string {
  return [c?.label ?? '?', setup.label].filter(Boolean).join(' ');
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
  const boxAtStart = sampleBox();
  let redisCpuAtStart = 0;
  try {
    redisVersion = /^redis_version:(\S+)/m.exec(String(await target.stats.call('INFO', 'server')))?.[1] ?? '?';
    redisCpuAtStart = (await sampleRedis(target.stats)).cpuSeconds;
    // Built beside this bundle by bench/vite.config.mts.
    const all: Contender[] = [
      new ConveyorContender(target.url, `${target.prefix}:conveyor`, join(__dirname, 'thread-entry.js')),
      new BullmqContender(target.url, `${target.prefix}:bullmq`, bullmqVersion, join(__dirname, 'bullmq-processor.js')),
    ];
    const contenders = all.filter((c) => args.only.includes(c.name));
    const measurements = MEASUREMENTS.filter((m) => args.measure.includes(m.key));

    if (args.warmup) {
      // Loads the Lua scripts into Redis and warms the JIT; nothing is recorded.
      progress('warm-up (untimed) ...');
      for (const m of measurements) {
        for (const c of contenders) {
          for (const setup of setupsOf(m, c)) await timedRun(target, c, m, setup, Math.min(m.warmupJobs, jobsFor(m, args)), 0);
        }
      }
    }
    for (const m of measurements) {
      const jobs = jobsFor(m, args);
      for (let run = 1; run <= args.runs; run++) {
        for (const c of contenders) {
          for (const setup of setupsOf(m, c)) {
            const r = await timedRun(target, c, m, setup, jobs, run, profiler);
            runs.push(r);
            progress(
              `${m.title} · ${rowLabel(c, setup)} · run ${run}/${args.runs}: ${Math.round(r.jobsPerSec).toLocaleString('en-US')} jobs/s, ` +
                `${r.redisCpuUsPerJob.toFixed(1)} µs Redis CPU/job, ${r.commandsPerJob.toFixed(1)} cmds/job` +
                ((r.foreignCpuShare ?? 0) > FOREIGN_CPU_WARN ? ` (other processes took ${(100 * (r.foreignCpuShare ?? 0)).toFixed(0)}% of the CPU)` : ''),
            );
          }
        }
      }
    }

    const summaries = summarize(runs);
    const labels = Object.fromEntries(all.map((c) => [c.name, c.label])) as Record<ContenderName, string>;
    const byName = new Map(all.map((c) => [c.name, c]));
    const setupLabel = (c: ContenderName, key: string): ProcessorSetup =>
      byName.get(c)?.processors.find((p) => p.key === key) ?? { key, label: key };
    const titles = new Map(measurements.map((m) => [m.key, m.title]));
    const queueKeys = measurements.filter((m) => m.kind === 'queue').map((m) => m.key);
    const processingKeys = measurements.filter((m) => m.kind === 'processing').map((m) => m.key);
    const out: string[] = [
      '',
      `Conveyor vs ${labels.bullmq} · Redis ${redisVersion} (${target.isPrivate ? 'private redis-server, no persistence' : target.url.replace(/\/\/[^@/]*@/, '//***@')})` +
        ` · Node ${process.version} · ${cpus().length} CPUs`,
      `${args.runs} run(s) each, interleaved; jobs/s as median [min–max]; Redis CPU and cmds/job as medians (cmds include those run inside Lua)`,
      ...contenders.map((c) => `  ${c.label}: ${c.notes}`),
    ];
    if (queueKeys.length > 0) {
      out.push('', resultsTable({ titles, order: queueKeys, summaries, labels }), '', targetsTable(summaries));
    }
    if (processingKeys.length > 0) {
      const base = all.find((c) => c.name === 'bullmq')?.processors[0];
      out.push(
        '',
        'end to end: jobs bulk-enqueued untimed, then timed from the consumer\'s start (threads spawning included) to the last job acknowledged in Redis;',
        `"vs base" is jobs/s against ${labels.bullmq} ${base?.label ?? ''}`,
        processingTable({
          titles,
          order: processingKeys,
          summaries,
          rowLabel: (c, key) => rowLabel(byName.get(c), setupLabel(c, key)),
          baseline: { contender: 'bullmq', setup: base?.key ?? '' },
        }),
      );
    }
    const boxAtEnd = sampleBox();
    // Only a private Redis' CPU is ours; a shared one's is left in the foreign share.
    const redisCpu = target.isPrivate ? (await sampleRedis(target.stats)).cpuSeconds - redisCpuAtStart : 0;
    const foreign = boxAtStart && boxAtEnd ? foreignShare(boxAtStart, boxAtEnd, redisCpu) : undefined;
    if (foreign !== undefined && foreign > FOREIGN_CPU_WARN) {
      out.push(
        '',
        `note: other processes took ${(100 * foreign).toFixed(0)}% of the box's CPU during the bench: figures are low and noisy; rerun on a quiet box`,
      );
    }
    if (!target.isPrivate) out.push('', 'note: shared Redis: other clients are counted in the CPU and command figures');
    if (profiler) out.push('', `note: CPU profiles in ${args.profile}; the profiler slows the client, so these figures are not comparable`);
    if (args.verbose) {
      for (const m of measurements) {
        for (const c of contenders) {
          for (const setup of setupsOf(m, c)) {
            const s = summaries.find((x) => x.measurement === m.key && x.contender === c.name && x.setup === setup.key);
            if (!s) continue;
            out.push('', `${m.title} · ${rowLabel(c, setup)} · top Redis commands by µs (EVALSHA's µs include the commands its script runs)`);
            out.push(commandsTable(s, TOP_COMMANDS));
          }
        }
      }
    }
    process.stdout.write(`${out.join('\n')}\n`);

    if (args.json) {
      const report = {
        startedAt: startedAt.toISOString(),
        node: process.version,
        cpus: cpus().length,
        foreignCpuShare: foreign,
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
