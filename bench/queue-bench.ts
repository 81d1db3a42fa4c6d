/**
 * Conveyor vs BullMQ vs Bee-Queue on one Redis: the queue API (one-by-one,
 * concurrent and bulk enqueue, dequeue+complete), jobs end to end (by setup,
 * by concurrency, by worker processes), latency at a steady rate, Redis
 * memory under each retention, and the features only some have: limits,
 * flows, Redis cost per script; each with Redis CPU and commands per job.
 * Built by vite (the adapter imports Lua with `?raw`), then run by plain Node:
 *
 *   npm run bench -- --json bench/results/run.json --write-report
 *
 * Runs are interleaved (Conveyor, BullMQ, Bee-Queue, Conveyor, ...) on a
 * fresh, empty queue each; progress goes to stderr, the tables to stdout.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULT_CONFIG } from '../src-shared/config-schema';
import { USAGE, UsageError, parseBenchArgs, type BenchArgs } from './bench-args';
import { openTarget, type Target } from './bench-target';
import { benchmarksMarkdown, curveChart, type Section } from './benchmarks-md';
import { foreignShare, sampleBox } from './box-load';
import { CONSUMER_BATCH, CONTENDER_NAMES, type Contender, type ContenderName } from './contender';
import { contenderNamed, makeContenders, versions } from './contenders';
import { FAR_LIMIT, LIMIT_GROUPS } from './feature-measurements';
import { HISTORY_MAX_US, featureTargets, flowsTable, limitsTable, scriptStepsLine, scriptsTable } from './feature-report';
import { LATENCY_CONCURRENCY, LATENCY_RATE, MEASUREMENTS, type Measurement, type Variant } from './measurements';
import { sampleRedis, usageBetween, usedMemory } from './redis-stats';
import {
  commandsTable,
  curveTable,
  latencyTable,
  memoryTable,
  processingTable,
  procsTable,
  queueTable,
  summarize,
  type ReportInput,
  type RunRecord,
} from './report';
import { targets, targetsTable } from './targets';
import { TimedProfiler } from './timed-profiler';
import { spawnWorkerProcesses } from './worker-processes';

const TOP_COMMANDS = 8;
/** Share of the box's CPU taken by other processes above which the report says the figures are skewed. */
const FOREIGN_CPU_WARN = 0.05;

interface Plan {
  m: Measurement;
  jobs: number;
  runs: number;
}

function planOf(m: Measurement, args: BenchArgs): Plan {
  return {
    m,
    jobs: args.jobs ?? (args.quick ? m.quickJobs : m.defaultJobs),
    runs: args.runs ?? (args.quick ? 1 : m.defaultRuns),
  };
}

function variantJobs(v: Variant, jobs: number): number {
  return Math.max(1, Math.round(jobs * (v.jobsShare ?? 1)));
}

async function timedRun(
  target: Target,
  contender: Contender,
  m: Measurement,
  variant: Variant,
  jobs: number,
  run: number,
  profiler?: TimedProfiler,
): Promise<RunRecord> {
  await target.reset();
  const queue = `${m.key}-${run}`;
  const session = await contender.open(queue, m.opensWithRetention ? (variant.setup ?? variant.key) : undefined);
  let prepared: Awaited<ReturnType<Measurement['prepare']>> | undefined;
  try {
    prepared = await m.prepare({
      session,
      contender,
      variant,
      jobs,
      redisUrl: target.url,
      usedMemory: () => usedMemory(target.stats),
      spawnWorkers: (processes, setup) =>
        spawnWorkerProcesses(processes, { contender: contender.name, redisUrl: target.url, prefix: target.prefix, queue, setup }),
    });
    const timed = prepared.timed;
    const pids = prepared.pids?.() ?? [];
    const before = await sampleRedis(target.stats);
    const boxBefore = sampleBox(pids);
    const t0 = performance.now();
    if (profiler) await profiler.around(`${m.key}-${contender.name}${variant.key ? `-${variant.key}` : ''}-run${run}`, timed);
    else await timed();
    const seconds = (performance.now() - t0) / 1000;
    const boxAfter = sampleBox(pids);
    const after = await sampleRedis(target.stats);
    const extras = (await prepared.finish?.()) ?? {};
    await session.check(prepared.expected);
    const redis = usageBetween(before, after);
    return {
      measurement: m.key,
      contender: contender.name,
      setup: variant.key,
      run,
      jobs,
      seconds,
      jobsPerSec: jobs / seconds,
      redisCpuUsPerJob: redis.cpuUs / jobs,
      commandsPerJob: redis.calls / jobs,
      ...(boxBefore && boxAfter ? { foreignCpuShare: foreignShare(boxBefore, boxAfter, target.isPrivate ? redis.cpuUs / 1e6 : 0) } : {}),
      redis,
      ...extras,
    };
  } finally {
    try {
      await prepared?.cleanup?.();
    } finally {
      await session.close();
    }
  }
}

function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');

function progressLine(m: Measurement, c: Contender, v: Variant, run: number, runs: number, r: RunRecord): string {
  // A flows run's "jobs" are flows, each a parent and its children.
  const perFlow = m.key === 'flows' ? (v.children ?? 0) + 1 : 1;
  const fig =
    r.scripts !== undefined
      ? `${r.scripts.jobs.toLocaleString('en-US')} jobs per step: ` +
        scriptStepsLine(r.scripts) +
        (r.scripts.history ? `; history ${r.scripts.history.cpuUs.toFixed(2)} µs CPU` : '')
      : r.latency !== undefined
        ? `p50 ${r.latency.p50.toFixed(2)} / p95 ${r.latency.p95.toFixed(2)} / p99 ${r.latency.p99.toFixed(2)} / max ${r.latency.max.toFixed(1)} ms`
        : r.memory !== undefined
          ? `used_memory +${(r.memory.deltaBytes / 1_048_576).toFixed(1)} MB, ${int(r.memory.completedKept)} completed kept, drain ${int(r.jobsPerSec)} jobs/s`
          : `${int(r.jobsPerSec)} ${m.key === 'flows' ? 'flows' : 'jobs'}/s`;
  return (
    `${m.title} · ${c.label}${v.label ? ` ${v.label}` : ''} · run ${run}/${runs}: ${fig}` +
    // The scripts measurement's own figures are per step; the run's total mixes them.
    (r.scripts !== undefined
      ? ''
      : `, ${(r.redisCpuUsPerJob / perFlow).toFixed(1)} µs Redis CPU/job, ${(r.commandsPerJob / perFlow).toFixed(1)} cmds/job`) +
    ((r.foreignCpuShare ?? 0) > FOREIGN_CPU_WARN
      ? ` (other processes took ${(100 * (r.foreignCpuShare ?? 0)).toFixed(0)}% of the CPU)`
      : '')
  );
}

export interface Machine {
  cpuModel: string;
  cpus: number;
  memoryGb: number;
  platform: string;
  node: string;
}

function machine(): Machine {
  const c = cpus();
  return {
    cpuModel: (c[0]?.model ?? '?').replace(/\s+/g, ' ').trim(),
    cpus: c.length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    platform: `${process.platform} ${process.arch}`,
    node: process.version,
  };
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  const startedAt = new Date();
  const v = versions();
  const target = await openTarget(args.redisUrl);
  const runs: RunRecord[] = [];
  const profiler = args.profile === undefined ? undefined : await TimedProfiler.open(args.profile);
  let redisVersion: string;
  const boxAtStart = sampleBox();
  let redisCpuAtStart: number;
  try {
    redisVersion = /^redis_version:(\S+)/m.exec(String(await target.stats.call('INFO', 'server')))?.[1] ?? '?';
    redisCpuAtStart = (await sampleRedis(target.stats)).cpuSeconds;
    // Built beside this bundle by bench/vite.config.mts.
    const all = makeContenders(target.url, target.prefix, __dirname);
    const contenders = all.filter((c) => args.only.includes(c.name));
    const plans = MEASUREMENTS.filter((m) => args.measure.includes(m.key)).map((m) => planOf(m, args));
    const keys = plans.map((p) => p.m.key);

    if (args.warmup) {
      // Loads the Lua scripts into Redis and warms the JIT; nothing is recorded.
      progress('warm-up (untimed) ...');
      for (const { m, jobs } of plans) {
        if (m.warmupJobs === 0) continue;
        for (const c of contenders) {
          for (const variant of m.variants(c, keys))
            await timedRun(target, c, m, variant, variantJobs(variant, Math.min(m.warmupJobs, jobs)), 0);
        }
      }
    }
    for (const { m, jobs, runs: n } of plans) {
      for (let run = 1; run <= n; run++) {
        for (const c of contenders) {
          for (const variant of m.variants(c, keys)) {
            const r = await timedRun(target, c, m, variant, variantJobs(variant, jobs), run, profiler);
            runs.push(r);
            progress(progressLine(m, c, variant, run, n, r));
          }
        }
      }
    }
    const finishedAt = new Date();

    const summaries = summarize(runs);
    const labels = Object.fromEntries(all.map((c) => [c.name, c.label])) as Record<ContenderName, string>;
    const variantsOf = new Map<string, Variant>();
    for (const { m } of plans) for (const c of all) for (const x of m.variants(c, keys)) variantsOf.set(`${c.name}/${x.key}`, x);
    const bullmq = contenderNamed(all, 'bullmq');
    const input: ReportInput = {
      summaries,
      contenders: CONTENDER_NAMES.filter((n) => args.only.includes(n)),
      labels,
      titles: new Map(plans.map(({ m }) => [m.key, m.title])),
      setupLabel: (c, key) => variantsOf.get(`${c}/${key}`)?.label ?? key,
      curveKey: (c, n) => contenderNamed(all, c).curveSetup(n).key,
      curveExtras: (c, n) => (contenderNamed(all, c).curveExtras?.(n) ?? []).map((x) => x.key),
      procsKey: (c, p) => `${p}p-${contenderNamed(all, c).curveSetup(CONSUMER_BATCH).key}`,
      baselines: {
        inProcess: bullmq.processors[0]?.key ?? '',
        sandboxed: bullmq.processors[1]?.key ?? '',
        bee: contenderNamed(all, 'beequeue').processors[0]?.key ?? '',
      },
      retentionCount: DEFAULT_CONFIG.queue.retention.completed.count,
    };
    // Every curve point's label resolves, measured or not.
    for (const c of all)
      for (const n of [1, 16, CONSUMER_BATCH])
        for (const x of [c.curveSetup(n), ...(c.curveExtras?.(n) ?? [])]) variantsOf.set(`${c.name}/${x.key}`, x);
    const targetRows = targets(input, featureTargets(input));

    const boxAtEnd = sampleBox();
    // Only a private Redis' CPU is ours; a shared one's is left in the foreign share.
    const redisCpu = target.isPrivate ? (await sampleRedis(target.stats)).cpuSeconds - redisCpuAtStart : 0;
    const foreign = boxAtStart && boxAtEnd ? foreignShare(boxAtStart, boxAtEnd, redisCpu) : undefined;
    const box = machine();
    const of = (kind: Measurement['kind']): Plan[] => plans.filter((p) => p.m.kind === kind);
    const runsNote = [...new Set(plans.map((p) => `${p.m.key} ${p.runs}`))].join(', ');
    const header: string[] = [
      `Conveyor vs ${labels.bullmq} vs ${labels.beequeue} · Redis ${redisVersion} (${target.isPrivate ? 'private redis-server, no persistence' : target.url.replace(/\/\/[^@/]*@/, '//***@')})` +
        ` · Node ${box.node} · ${box.cpuModel} × ${box.cpus}`,
      `${startedAt.toISOString()}; timed runs per system and setup: ${runsNote}; interleaved; jobs/s as median [min–max]; Redis CPU and cmds/job as medians (cmds include those run inside Lua)`,
      ...contenders.map((c) => `  ${c.label}: ${c.notes}`),
    ];
    const sections: Section[] = [];
    const ran = (key: Measurement['key']): Plan | undefined => plans.find((p) => p.m.key === key);
    // The feature measurements run only for the systems that have the feature: none selected, no table.
    const measured = (key: Measurement['key']): Plan | undefined => (summaries.some((x) => x.measurement === key) ? ran(key) : undefined);
    const queuePlans = of('queue');
    if (queuePlans.length > 0)
      sections.push({
        title: 'Queue API',
        body: queueTable(
          input,
          queuePlans.map((p) => p.m.key),
        ),
      });
    const proc = of('processing');
    if (proc.length > 0) {
      sections.push({
        title:
          "End to end: jobs bulk-enqueued untimed, then timed from the consumer's start (threads spawning included) to the last job acknowledged in Redis",
        body: processingTable(
          input,
          proc.map((p) => p.m.key),
        ),
      });
    }
    const curve = ran('curve');
    if (curve) {
      sections.push({
        title: `End to end by concurrency: ${curve.jobs.toLocaleString('en-US')} echo jobs as e2e (chart: bench/throughput-vs-concurrency.svg)`,
        body: curveTable(input),
      });
    }
    if (ran('latency')) {
      sections.push({
        title:
          `Latency: one job every ${1000 / LATENCY_RATE} ms (awaited nowhere), consumer at C=${LATENCY_CONCURRENCY} idle beforehand; ` +
          "from the enqueue call's start to the completion event in this process (performance.now())",
        body: latencyTable(input),
      });
    }
    if (ran('memory')) {
      sections.push({
        title: "Redis memory: bulk enqueue, then the fastest drain; INFO used_memory after the last job, minus the empty queue's",
        body: memoryTable(input),
      });
    }
    if (ran('procs')) {
      sections.push({
        title:
          'Worker processes: each a bench child process with one consumer at C=64 (Conveyor: a WorkerPool 1 thread × 64); timed from "go" (consumers built, threads not yet spawned) to the last job',
        body: procsTable(input),
      });
    }
    if (measured('limits')) {
      sections.push({
        heading: 'Limits (issue 18)',
        title:
          `Limits: ${(measured('limits')?.jobs ?? 0).toLocaleString('en-US')} echo jobs end to end as e2e, C=${CONSUMER_BATCH}, with no limit, with a queue limit far above the achieved rate (rate ${FAR_LIMIT.rate}, ` +
          `burst ${FAR_LIMIT.burst}, concurrency ${FAR_LIMIT.concurrency.toLocaleString('en-US')}), and with the jobs spread over ${LIMIT_GROUPS} groups ` +
          "(every group's default limit as high); limits are checked in the lease script",
        body: limitsTable(input),
      });
    }
    if (measured('flows')) {
      sections.push({
        heading: 'Flows (issue 19)',
        title:
          'Flows: parents on one queue, children on another, in-process consumers (Conveyor processJobs / a blocked dequeue, BullMQ Worker); ' +
          "Conveyor's queues are in two slots (the parent resumes through the cross-slot outbox), BullMQ's share one (FlowProducer)",
        body: flowsTable(input),
      });
    }
    if (measured('scripts')) {
      sections.push({
        heading: 'Redis cost per job by script (issues 15 and 21)',
        title:
          "Redis cost per job by script: each step's calls alone, on a queue of their own (bench/redis-cpu-per-job.ts); script µs from INFO commandstats, " +
          `Redis CPU from INFO cpu (main thread); the history's share is complete minus complete without it (target ≤ ${HISTORY_MAX_US} µs CPU)`,
        body: scriptsTable(input),
      });
    }
    const notes: string[] = [];
    if (foreign !== undefined && foreign > FOREIGN_CPU_WARN) {
      notes.push(
        `note: other processes took ${(100 * foreign).toFixed(0)}% of the box's CPU during the bench: figures are low and noisy; rerun on a quiet box`,
      );
    }
    if (!target.isPrivate) notes.push('note: shared Redis: other clients are counted in the CPU, command and memory figures');
    if (profiler) notes.push(`note: CPU profiles in ${args.profile}; the profiler slows the client, so these figures are not comparable`);
    if (args.quick) notes.push('note: --quick: few jobs, one run each; a smoke test, not figures to quote');
    const out = [
      '',
      ...header,
      ...sections.flatMap((x) => ['', x.title, x.body]),
      '',
      targetsTable(targetRows),
      ...notes.flatMap((n) => ['', n]),
    ];
    const report = out.join('\n');
    const verbose: string[] = [];
    if (args.verbose) {
      for (const s of summaries) {
        verbose.push(
          '',
          `${input.titles.get(s.measurement)} · ${[labels[s.contender], input.setupLabel(s.contender, s.setup)].filter(Boolean).join(' ')} · top Redis commands by µs (a script call's µs, FCALL or EVALSHA, include the commands it runs)`,
        );
        verbose.push(commandsTable(s, TOP_COMMANDS));
      }
    }
    process.stdout.write(`${report}\n${verbose.join('\n')}${verbose.length ? '\n' : ''}`);

    const durationS = (finishedAt.getTime() - startedAt.getTime()) / 1000;
    if (args.json) {
      const json = {
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        durationS,
        machine: box,
        foreignCpuShare: foreign,
        redis: { version: redisVersion, private: target.isPrivate },
        versions: v,
        options: { ...args, redisUrl: args.redisUrl === undefined ? undefined : '(given)' },
        targets: targetRows,
        summaries,
        runs,
      };
      writeFileSync(args.json, `${JSON.stringify(json, null, 2)}\n`);
      progress(`wrote ${args.json}`);
    }
    if (args.writeReport) {
      const repo = resolve(__dirname, '..', '..');
      const svg = curveChart(input);
      writeFileSync(resolve(repo, 'bench', 'throughput-vs-concurrency.svg'), svg);
      writeFileSync(
        resolve(repo, 'BENCHMARKS.md'),
        benchmarksMarkdown({
          report: header.join('\n'),
          sections,
          notes,
          targets: targetRows,
          startedAt,
          durationS,
          machine: box,
          redisVersion,
          versions: v,
          args,
          foreignCpuShare: foreign,
        }),
      );
      progress('wrote BENCHMARKS.md and bench/throughput-vs-concurrency.svg');
    }
  } finally {
    profiler?.close();
    await target.close();
  }
}

main().then(
  // BullMQ and Bee-Queue may leave timers behind; the figures are out, so leave.
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
