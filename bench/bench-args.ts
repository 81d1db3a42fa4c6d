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
  verbose: boolean;
  warmup: boolean;
  help: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]
       node out/bench/queue-bench.js [options]      (after vite build -c bench/vite.config.mts)

Conveyor vs BullMQ on the same Redis, interleaved run by run.
Measurements: one (one-by-one enqueue, 10,000 jobs), bulk (enqueueMany/addBulk
by 1,000, 50,000 jobs), drain (pre-fill, then dequeue+complete, 20,000 jobs).

  --runs N            timed runs per measurement and system (default 3); median [min-max]
  --jobs N            jobs per run for every measurement (default: per measurement, above)
  --only NAME         conveyor or bullmq
  --measure LIST      comma-separated subset of: ${MEASUREMENT_KEYS.join(', ')}
  --redis-url URL     use this Redis instead of a private redis-server; nothing is flushed,
                      the bench's keys are deleted; other clients skew CPU and command figures
  --json PATH         write every run (and Redis command stats) as JSON
  --no-warmup         skip the untimed warm-up pass
  --verbose           per measurement, the top Redis commands by time
  -h, --help          this text
`;

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new TypeError(`--${name}: expected a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
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
      verbose: { type: 'boolean', default: false },
      'no-warmup': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const only = values.only;
  if (only !== undefined && !(CONTENDER_NAMES as readonly string[]).includes(only)) {
    throw new TypeError(`--only: expected ${CONTENDER_NAMES.join(' or ')}, got ${JSON.stringify(only)}`);
  }
  const measure = values.measure === undefined ? [...MEASUREMENT_KEYS] : values.measure.split(',').map((s) => s.trim());
  for (const m of measure) {
    if (!(MEASUREMENT_KEYS as readonly string[]).includes(m)) {
      throw new TypeError(`--measure: expected a list of ${MEASUREMENT_KEYS.join(', ')}, got ${JSON.stringify(m)}`);
    }
  }
  const redisUrl = values['redis-url'];
  if (redisUrl !== undefined && !/^rediss?:\/\//i.test(redisUrl)) {
    throw new TypeError(`--redis-url: expected a redis:// or rediss:// URL, got ${JSON.stringify(redisUrl)}`);
  }
  return {
    runs: positiveInt('runs', values.runs, 3),
    jobs: values.jobs === undefined ? undefined : positiveInt('jobs', values.jobs, 0),
    only: only === undefined ? [...CONTENDER_NAMES] : [only as ContenderName],
    measure: measure as MeasurementKey[],
    redisUrl,
    json: values.json,
    verbose: values.verbose ?? false,
    warmup: !values['no-warmup'],
    help: values.help ?? false,
  };
}
