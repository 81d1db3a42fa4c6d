import { parseArgs } from 'node:util';
import { CONTENDER_NAMES, type ContenderName } from './contender';
import { MEASUREMENT_KEYS, type MeasurementKey } from './measurements';

export interface BenchArgs {
  /** Overrides every measurement's default number of timed runs. */
  runs: number | undefined;
  /** Overrides every measurement's default job count. */
  jobs: number | undefined;
  only: ContenderName[];
  measure: MeasurementKey[];
  /** A fast smoke: fewer jobs, one run each. */
  quick: boolean;
  redisUrl: string | undefined;
  json: string | undefined;
  /** Write BENCHMARKS.md and bench/throughput-vs-concurrency.svg from this run. */
  writeReport: boolean;
  /** Directory for CPU profiles of the timed parts (skews the figures). */
  profile: string | undefined;
  verbose: boolean;
  warmup: boolean;
  help: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]
       node out/bench/queue-bench.js [options]      (after vite build -c bench/vite.config.mts)

Conveyor vs BullMQ vs Bee-Queue on the same Redis, interleaved run by run.
Measurements (default jobs, default timed runs per system and setup):
  one         one-by-one enqueue, each call awaited                      10,000 jobs, 3 runs
  concurrent  one-by-one enqueue, 64 calls in flight                     20,000 jobs, 3 runs
  bulk        enqueueMany / addBulk / saveAll by 1,000                    50,000 jobs, 3 runs
  drain       pre-filled, then dequeue+complete at 64 (no agent code)    20,000 jobs, 3 runs
  e2e         pre-filled echo jobs run end to end at C=64: Conveyor WorkerPool 2x32 and 1x64,
              BullMQ Worker in-process and sandboxed, Bee-Queue process(64)  20,000 jobs, 3 runs
  cpu         as e2e with hash jobs (CPU-bound)                           2,000 jobs, 3 runs
  curve       as e2e at C=1 and 16 (and 64 without e2e) for the chart    20,000 jobs, 3 runs
  latency     enqueue->completed at a steady 500 jobs/s, C=16             5,000 jobs (10 s), 3 runs
  memory      Redis used_memory after N completed jobs, per retention    100,000 jobs, 3 runs
  procs       e2e echo with worker processes (Conveyor 1/2/4, others 2)  20,000 jobs, 3 runs
  limits      e2e echo at C=64 (WorkerPool 1x64) with no limit, a limit far above the achieved
              rate, and the jobs in 10 groups; Conveyor only (issue 18)   20,000 jobs, 3 runs
  flows       a fan-out of 1,000 children: last child -> parent started p50/p99 (15 fan-outs),
              and flows of 1 parent + 10 children per second; Conveyor and BullMQ (issue 19)
                                                                          300 flows, 3 runs
  scripts     Redis cost per job of enqueue, lease, complete and fail at 1 and 1,000 jobs per
              call, and the metrics history's share of complete; Conveyor only  3,000 jobs, 3 runs

  --runs N            timed runs of every measurement (default: per measurement, above)
  --jobs N            jobs per run of every measurement (latency: jobs at 500/s; flows: flows)
  --quick             a fast smoke: about a tenth of the jobs, one run each
  --only LIST         comma-separated subset of: ${CONTENDER_NAMES.join(', ')}
  --measure LIST      comma-separated subset of: ${MEASUREMENT_KEYS.join(', ')}
  --redis-url URL     use this Redis instead of a private redis-server; nothing is flushed,
                      the bench's keys are deleted; other clients skew CPU, command and memory figures
  --json PATH         write every run (latency samples, Redis command stats) as JSON
  --write-report      write BENCHMARKS.md and bench/throughput-vs-concurrency.svg from this run
  --profile DIR       write V8 CPU profiles of each timed run's client side to DIR, host thread
                      and worker threads apart (summarise with bench/cpu-profile-top.mjs;
                      worker processes are not profiled; figures run slower meanwhile)
  --no-warmup         skip the untimed warm-up pass
  --verbose           per run, the top Redis commands by time
  -h, --help          this text
`;

/** A bad command line: reported as one line plus a pointer to --help. */
export class UsageError extends Error {
  override name = 'UsageError';
}

function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name}: expected a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

function list<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T[] {
  if (value === undefined) return [...allowed];
  const items = value.split(',').map((s) => s.trim());
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) {
      throw new UsageError(`--${name}: expected a list of ${allowed.join(', ')}, got ${JSON.stringify(item)}`);
    }
  }
  // In the canonical order, each once.
  return allowed.filter((a) => items.includes(a));
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      runs: { type: 'string' },
      jobs: { type: 'string' },
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      measure: { type: 'string' },
      'redis-url': { type: 'string' },
      json: { type: 'string' },
      'write-report': { type: 'boolean', default: false },
      profile: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      'no-warmup': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

export function parseBenchArgs(argv: string[]): BenchArgs {
  let values: ReturnType<typeof parse>['values'];
  try {
    ({ values } = parse(argv));
  } catch (err) {
    // parseArgs' own errors (unknown option, missing value) carry ERR_PARSE_ARGS_* codes.
    if (String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) throw new UsageError((err as Error).message);
    throw err;
  }
  const redisUrl = values['redis-url'];
  if (redisUrl !== undefined && !/^rediss?:\/\//i.test(redisUrl)) {
    throw new UsageError(`--redis-url: expected a redis:// or rediss:// URL, got ${JSON.stringify(redisUrl)}`);
  }
  return {
    runs: positiveInt('runs', values.runs),
    jobs: positiveInt('jobs', values.jobs),
    quick: values.quick ?? false,
    only: list('only', values.only, CONTENDER_NAMES),
    measure: list('measure', values.measure, MEASUREMENT_KEYS),
    redisUrl,
    json: values.json,
    writeReport: values['write-report'] ?? false,
    profile: values.profile,
    verbose: values.verbose ?? false,
    warmup: !values['no-warmup'],
    help: values.help ?? false,
  };
}
