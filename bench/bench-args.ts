import { parseArgs } from 'node:util';
import { CONTENDER_NAMES, type ContenderName } from './contender';
import { MEASUREMENT_KEYS, type MeasurementKey } from './measurements';

export interface BenchArgs {
  runs: number;
  /** Overrides every measurement's default job count. */
  jobs: number | undefined;
  only: ContenderName[];
  measure: MeasurementKey[];
  redisUrl: string | undefined;
  json: string | undefined;
  /** Directory for CPU profiles of the timed parts (skews the figures). */
  profile: string | undefined;
  verbose: boolean;
  warmup: boolean;
  help: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]
       node out/bench/queue-bench.js [options]      (after vite build -c bench/vite.config.mts)

Conveyor vs BullMQ on the same Redis, interleaved run by run.
Queue API: one (one-by-one enqueue, 10,000 jobs), bulk (enqueueMany/addBulk by
1,000, 50,000 jobs), drain (pre-fill, then dequeue+complete, 20,000 jobs).
End to end (pre-fill, then run every job; each contender in each setup:
Conveyor WorkerPool 2 threads x 32 and 1 x 64, BullMQ Worker in-process and
sandboxed on worker threads, concurrency 64): e2e (20,000 echo jobs),
cpu (2,000 hash jobs, CPU-bound).

  --runs N            timed runs per measurement and system (default 3); median [min-max]
  --jobs N            jobs per run for every measurement (default: per measurement, above)
  --only NAME         conveyor or bullmq
  --measure LIST      comma-separated subset of: ${MEASUREMENT_KEYS.join(', ')}
  --redis-url URL     use this Redis instead of a private redis-server; nothing is flushed,
                      the bench's keys are deleted; other clients skew CPU and command figures
  --json PATH         write every run (and Redis command stats) as JSON
  --profile DIR       write V8 CPU profiles of each timed run's client side to DIR, host thread
                      and worker threads apart (summarise with bench/cpu-profile-top.mjs;
                      figures run slower meanwhile)
  --no-warmup         skip the untimed warm-up pass
  --verbose           per measurement, the top Redis commands by time
  -h, --help          this text
`;

/** A bad command line: reported as one line plus a pointer to --help. */
export class UsageError extends Error {
  override name = 'UsageError';
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name}: expected a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      runs: { type: 'string' },
      jobs: { type: 'string' },
      only: { type: 'string' },
      measure: { type: 'string' },
      'redis-url': { type: 'string' },
      json: { type: 'string' },
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
  const only = values.only;
  if (only !== undefined && !(CONTENDER_NAMES as readonly string[]).includes(only)) {
    throw new UsageError(`--only: expected ${CONTENDER_NAMES.join(' or ')}, got ${JSON.stringify(only)}`);
  }
  const measure = values.measure === undefined ? [...MEASUREMENT_KEYS] : values.measure.split(',').map((s) => s.trim());
  for (const m of measure) {
    if (!(MEASUREMENT_KEYS as readonly string[]).includes(m)) {
      throw new UsageError(`--measure: expected a list of ${MEASUREMENT_KEYS.join(', ')}, got ${JSON.stringify(m)}`);
    }
  }
  const redisUrl = values['redis-url'];
  if (redisUrl !== undefined && !/^rediss?:\/\//i.test(redisUrl)) {
    throw new UsageError(`--redis-url: expected a redis:// or rediss:// URL, got ${JSON.stringify(redisUrl)}`);
  }
  return {
    runs: positiveInt('runs', values.runs, 3),
    jobs: values.jobs === undefined ? undefined : positiveInt('jobs', values.jobs, 0),
    only: only === undefined ? [...CONTENDER_NAMES] : [only as ContenderName],
    measure: measure as MeasurementKey[],
    redisUrl,
    json: values.json,
    profile: values.profile,
    verbose: values.verbose ?? false,
    warmup: !values['no-warmup'],
    help: values.help ?? false,
  };
}
