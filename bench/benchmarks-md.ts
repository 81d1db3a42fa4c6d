/**
 * BENCHMARKS.md and its chart, from one bench run (--write-report): the
 * machine, the versions, the targets, the chart of end-to-end
 * throughput against concurrency, the full tables, and how to rerun them.
 */
import type { BenchArgs } from './bench-args';
import { CURVE_CONCURRENCY } from './measurements';
import { curveSeries, type ReportInput } from './report';
import type { TargetRow } from './targets';
import { lineChartSvg } from './svg-chart';

const COLORS: Record<string, string> = { conveyor: '#2563eb', bullmq: '#dc2626', beequeue: '#d97706' };

/** `hex` mixed `step` fifths of the way to white: the n-th series of one system. */
export function shade(hex: string, step: number): string {
  const f = Math.min(step, 4) / 5;
  const mix = (i: number): string => {
    const v = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16);
    return Math.round(v + (255 - v) * f)
      .toString(16)
      .padStart(2, '0');
  };
  return `#${mix(0)}${mix(1)}${mix(2)}`;
}

export function curveChart(input: ReportInput): string {
  return lineChartSvg({
    title: 'End-to-end throughput against concurrency',
    subtitle: '20,000 echo jobs, pre-filled; median jobs/s from consumer start to the last acknowledgement',
    xLabel: 'jobs at once (concurrency)',
    yLabel: 'jobs/s',
    categories: CURVE_CONCURRENCY.map((n) => `C=${n}`),
    series: curveSeries(input).map((x, i, all) => ({
      name: x.label,
      // A contender's further series in a lighter shade of its colour.
      color: shade(COLORS[x.contender] ?? '#555555', all.slice(0, i).filter((y) => y.contender === x.contender).length),
      values: CURVE_CONCURRENCY.map((n) => x.at(n)?.jobsPerSec.median),
    })),
  });
}

/** One table of the report: its one-line description and the table; with a heading, BENCHMARKS.md gives it a section of its own. */
export interface Section {
  title: string;
  body: string;
  heading?: string;
}

export interface MarkdownInput {
  /** The report's header (the run, the systems' settings). */
  report: string;
  /** The report's tables, in order. */
  sections: Section[];
  /** The report's closing notes (warnings about the run). */
  notes: string[];
  targets: TargetRow[];
  startedAt: Date;
  durationS: number;
  machine: { cpuModel: string; cpus: number; memoryGb: number; platform: string; node: string };
  redisVersion: string;
  versions: { bullmq: string; beequeue: string };
  args: BenchArgs;
  foreignCpuShare: number | undefined;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|');

export function benchmarksMarkdown(i: MarkdownInput): string {
  const verdict = (t: TargetRow): string => (t.met === undefined ? 'n/a' : t.met ? '**MET**' : '**MISSED**');
  const behind = i.targets.flatMap((t) => t.details ?? []);
  const text = (...parts: string[]): string[] => ['```text', ...parts, '```'];
  const own = i.sections.filter((x) => x.heading !== undefined);
  const rest = i.sections.filter((x) => x.heading === undefined);
  const command = ['npm run bench --', ...process.argv.slice(2)].join(' ');
  const lines = [
    '# Benchmarks',
    '',
    `Conveyor against BullMQ ${i.versions.bullmq} and Bee-Queue ${i.versions.beequeue}, side by side on one Redis (issue 6:`,
    '"ahead of BullMQ and Bee-Queue on every figure, measured side by side"). This file and the chart are written by',
    `\`npm run bench -- --write-report\`; the figures below are from the run of ${i.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    `(\`${command}\`, ${Math.round(i.durationS)} s).`,
    '',
    '## Machine',
    '',
    '| | |',
    '|---|---|',
    `| CPU | ${cell(i.machine.cpuModel)} × ${i.machine.cpus} (os.cpus()) |`,
    `| Memory | ${i.machine.memoryGb} GB |`,
    `| OS | ${i.machine.platform} |`,
    `| Node | ${i.machine.node} |`,
    `| Redis | ${i.redisVersion} (${i.args.redisUrl === undefined ? 'a private redis-server started by the bench, no persistence' : 'given with --redis-url'}) |`,
    `| BullMQ | ${i.versions.bullmq} |`,
    `| Bee-Queue | ${i.versions.beequeue} (node_redis 3, its own dependency) |`,
    ...(i.foreignCpuShare !== undefined
      ? [`| Other processes | ${(100 * i.foreignCpuShare).toFixed(0)}% of the box's CPU during the run |`]
      : []),
    '',
    '## Targets',
    '',
    "Issue 6's, and those of the issues marked (#15: latency, #18: limits, #19: flows, #21: metrics history).",
    '',
    '| target | measured | |',
    '|---|---|---|',
    ...i.targets.map((t) => `| ${cell(t.target)} | ${cell(t.measured)} | ${verdict(t)} |`),
    '',
    ...(behind.length > 0
      ? [
          'Figures where Conveyor is behind:',
          '',
          ...behind.map((b) => `- ${b}`),
          '',
          'Why, from profiles, and what would close each gap: [bench/README.md](bench/README.md#where-conveyor-is-behind-and-why).',
          '',
        ]
      : []),
    '## Throughput against concurrency',
    '',
    '![End-to-end jobs/s of Conveyor, BullMQ and Bee-Queue at concurrency 1, 16 and 64](bench/throughput-vs-concurrency.svg)',
    '',
    "All three run the same echo agent code; Conveyor in its pool's thread, the others in-process.",
    '',
    ...own.flatMap((x) => [`## ${x.heading}`, '', `${x.title}.`, '', ...text(x.body), '']),
    '## All figures',
    '',
    ...text(i.report.trim(), ...rest.flatMap((x) => ['', x.title, x.body]), ...i.notes.flatMap((n) => ['', n])),
    '',
    '## How it measures',
    '',
    '- A private `redis-server` (free port, no persistence), `FLUSHALL` before every run; the systems take turns run by run',
    '  (Conveyor, BullMQ, Bee-Queue, Conveyor, …), after an untimed warm-up pass. Figures are medians of the runs, with min–max.',
    '- Redis CPU per job is `used_cpu_sys + used_cpu_user` over the timed part (INFO cpu) divided by the jobs; commands per job',
    '  come from INFO commandstats and include the commands Lua scripts run.',
    '- Each system is used as its documentation advises for the task: Conveyor `enqueue` / `enqueueMany` / `WorkerPool`;',
    '  BullMQ `queue.add` / `addBulk` / `Worker`; Bee-Queue `createJob(data).save()` / `saveAll` / `process(n)`. The settings',
    '  that differ from each library\'s defaults are listed under "All figures".',
    '- One-by-one enqueue is measured awaited (one call at a time) and concurrent (64 calls outstanding, each enqueuing one job;',
    '  Conveyor coalesces the calls of one event-loop turn into one script call).',
    "- End to end: jobs bulk-enqueued untimed; timed from the consumer's start (Conveyor's threads spawn inside it) to the",
    '  last job acknowledged in Redis.',
    "- Latency: one job every 2 ms for 10 s, the consumer (C=16) started and idle beforehand; each job's latency runs from the",
    '  start of its enqueue call to its completion event in the same process, both on `performance.now()`.',
    '- Memory: `used_memory` after the last of 100,000 jobs completed minus that of the empty queue, under each retention:',
    "  Conveyor's default (1,000 completed / 1 day), BullMQ's default (keeps every job) and `removeOnComplete: 1000`,",
    "  Bee-Queue's default (keeps every job) and `removeOnSuccess: true`. Each default also runs at 20,000 jobs, which shows",
    '  whether memory grows with the jobs.',
    '- Worker processes: bench child processes, each one consumer at C=64, started together on a pre-filled queue.',
    '- Limits: e2e at C=64 (WorkerPool 1 thread × 64) with no limit, with a queue rate and concurrency limit far above the',
    '  achieved rate, and with the jobs spread over 10 groups under an equally high default group limit; interleaved.',
    '- Flows: a fan-out of 1,000 children, timed from the last child acknowledged to the parent started (one fan-out at a',
    "  time), and flows of 1 parent + 10 children run to the parents' completion, against BullMQ's FlowProducer.",
    "- Redis cost per script: enqueue, lease, complete and fail at 1 and 1,000 jobs per call, each step's calls measured alone",
    "  (INFO commandstats and INFO cpu around them); the metrics history's share is complete minus complete without it.",
    '- On a virtual machine an idle vCPU takes long to wake: with the box quiet, one awaited ioredis PING round trip costs',
    '  about 110 µs (9,200/s), four times what it costs on a busy box. Awaited one-by-one enqueue and C=1 are bounded by it,',
    '  and so is Redis CPU per job when every job is its own round trip.',
    '',
    '## Reproduce',
    '',
    '```sh',
    'ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci           # bullmq and bee-queue are devDependencies',
    'sudo apt-get install redis-server                 # redis-server on PATH; the bench starts its own',
    'uptime                                            # a quiet box: load well under the core count',
    'npm run bench -- --json bench/results/bench.json --write-report     # about 10 minutes on 2 cores',
    'npm run bench -- --quick                          # a smoke test, about two minutes',
    'npm run bench -- --measure latency,memory --only conveyor,beequeue',
    'npm run bench -- --help',
    '```',
    '',
    'See bench/README.md for what each measurement does and how to profile the client side (`--profile`).',
    '',
  ];
  return lines.join('\n');
}
