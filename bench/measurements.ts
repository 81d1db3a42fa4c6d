import { performance } from 'node:perf_hooks';
import { drained, endToEnd } from './consume';
import {
  BATCH,
  CONSUMER_BATCH,
  ECHO,
  IN_FLIGHT,
  type Contender,
  type ProcessorSetup,
  type QueueCheck,
  type Session,
  type Work,
} from './contender';
import { FLOWS, LIMITS, SCRIPTS } from './feature-measurements';
import { latencyStats, type LatencyStats } from './latency';
import type { ScriptCost } from './redis-cpu-per-job';

export type MeasurementKey =
  'one' | 'concurrent' | 'bulk' | 'drain' | 'e2e' | 'cpu' | 'curve' | 'latency' | 'memory' | 'procs' | 'limits' | 'flows' | 'scripts';

/** Iterated SHA-256 rounds of a `cpu` job: about 1.6 ms on one core of the reference box. */
export const HASH_ROUNDS = 1_000;
/** Jobs at once of the points of the throughput-vs-concurrency curve (the 1, 16 and 64). */
export const CURVE_CONCURRENCY = [1, 16, CONSUMER_BATCH] as const;
/** The latency measurement: a steady rate, consumers at this concurrency. */
export const LATENCY_RATE = 500;
export const LATENCY_CONCURRENCY = 16;
/** Worker processes of the multi-process measurement: every contender at 2, Conveyor also at these. */
export const PROCS_PAIR = 2;
export const CONVEYOR_PROCS = [1, 2, 4] as const;
/** The memory measurement also runs each system's default retention at this share of the jobs: does memory grow with them? */
export const MEMORY_SMALL_SHARE = 0.2;

/**
 * One way to run a measurement for one contender: a processor setup, a
 * retention, a number of processes. `jobs` scales the run's job count.
 */
export interface Variant extends ProcessorSetup {
  /** Share of the measurement's jobs this variant runs (default 1). */
  jobsShare?: number;
  /** Worker processes (procs). */
  processes?: number;
  /** The consumer setup, when it is not `key` (procs, limits). */
  setup?: string;
  /** limits: the limit set far above the achieved rate, and the groups the jobs are spread over (0: none). */
  limited?: boolean;
  groups?: number;
  /** flows: children per parent, and whether this variant times the parent's resumption (else throughput). */
  children?: number;
  resume?: boolean;
  /** scripts: jobs per call. */
  batch?: number;
}

/** What a measurement hands the runner for one timed run. */
export interface Prepared {
  /** The timed part. */
  timed(): Promise<void>;
  /** After the timed part and its Redis sample: figures to add to the record. */
  finish?(): Promise<RunExtras>;
  /** The queue after the timed part. */
  expected: QueueCheck;
  /** Processes of this run besides the bench's own (worker processes), for the box-load figure. */
  pids?(): number[];
  /** Untimed, after the check; the session closes after it. */
  cleanup?(): Promise<void>;
}

export interface MemoryFigures {
  /** used_memory (INFO memory) on the empty queue, and after the last job completed. */
  baselineBytes: number;
  usedBytes: number;
  deltaBytes: number;
  completedKept: number;
}

export interface RunExtras {
  latency?: LatencyStats;
  memory?: MemoryFigures;
  /** End to end: ms the consumer's start took inside the timed part (Conveyor: spawning threads until the first is ready). */
  startupMs?: number;
  /** scripts: Redis cost per job by script. */
  scripts?: ScriptCost;
}

/** What a measurement may use besides the session. */
export interface MeasureContext {
  session: Session;
  contender: Contender;
  variant: Variant;
  jobs: number;
  /** The Redis under test. */
  redisUrl: string;
  /** INFO memory's used_memory, in bytes. */
  usedMemory(): Promise<number>;
  /** Starts `processes` worker processes, each running `setup` of this contender on this queue; resolves once all are ready. */
  spawnWorkers(processes: number, setup: string): Promise<WorkerProcesses>;
}

export interface WorkerProcesses {
  pids: number[];
  /** Tells every process to start and resolves when they have completed `n` jobs between them. */
  run(n: number): Promise<void>;
  stop(): Promise<void>;
}

export interface Measurement {
  readonly key: MeasurementKey;
  readonly title: string;
  /** Report group: queue API, end to end, curve, latency, memory, processes, and the features' own. */
  readonly kind: 'queue' | 'processing' | 'curve' | 'latency' | 'memory' | 'procs' | 'limits' | 'flows' | 'scripts';
  readonly defaultJobs: number;
  readonly quickJobs: number;
  /** Jobs of the untimed warm-up run; 0: none. */
  readonly warmupJobs: number;
  /** Timed runs per variant unless --runs says otherwise. */
  readonly defaultRuns: number;
  /** The retention the session opens with (memory), else the contender's usual. */
  readonly opensWithRetention?: boolean;
  /** Variants for this contender; `others` are the other selected measurements. */
  variants(c: Contender, others: readonly MeasurementKey[]): Variant[];
  prepare(ctx: MeasureContext): Promise<Prepared>;
}

const ONE_WAY: Variant[] = [{ key: '', label: '' }];

/** Runs up to `inFlight` producer calls at once, each one job, until `n` are in. */
async function enqueueConcurrently(session: Session, n: number, inFlight: number): Promise<void> {
  let started = 0;
  const lane = async (): Promise<void> => {
    while (started < n) {
      started++;
      await session.enqueueOne();
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, n) }, lane));
}

/** A processing measurement: `jobs` of `work`, bulk-enqueued untimed, then run from the consumer's start to the last acknowledgement. */
function processing(
  key: MeasurementKey,
  title: string,
  jobs: { defaultJobs: number; quickJobs: number; warmupJobs: number },
  work: Work,
): Measurement {
  return {
    key,
    title,
    kind: 'processing',
    ...jobs,
    defaultRuns: 3,
    variants: (c) => [...c.processors],
    prepare: ({ session, variant, jobs: n }) => endToEnd(session, variant.key, n, work),
  };
}

/**
 * Paces single enqueues at `rate` per second (each call's start is its
 * job's time zero) until `n` are sent, and resolves with each job's
 * enqueue→completed latency once the last one completed. Completions are
 * observed in this process (performance.now()): Conveyor's pool event, BullMQ's
 * Worker `completed`, Bee-Queue's worker `succeeded`, each emitted once Redis
 * acknowledged the job.
 */
function pacedLatency(
  session: Session,
  n: number,
  rate: number,
  register: (onDone: (id: string) => void) => void,
): () => Promise<number[]> {
  const intervalMs = 1000 / rate;
  return () =>
    new Promise<number[]>((resolve, reject) => {
      const samples: number[] = [];
      const startOf = new Map<string, number>();
      // A completion may be seen before its enqueue's reply: kept until the id is known.
      const early = new Map<string, number>();
      const record = (ms: number): void => {
        samples.push(ms);
        if (samples.length === n) {
          clearTimeout(timer);
          resolve(samples);
        }
      };
      register((id) => {
        const now = performance.now();
        const s = startOf.get(id);
        if (s === undefined) early.set(id, now);
        else {
          startOf.delete(id);
          record(now - s);
        }
      });
      let sent = 0;
      let timer: NodeJS.Timeout | undefined;
      const t0 = performance.now();
      const tick = (): void => {
        const due = Math.min(n, Math.floor((performance.now() - t0) / intervalMs) + 1);
        while (sent < due) {
          sent++;
          const start = performance.now();
          session.enqueueOne().then((id) => {
            const e = early.get(id);
            if (e === undefined) startOf.set(id, start);
            else {
              early.delete(id);
              record(e - start);
            }
          }, reject);
        }
        if (sent < n) timer = setTimeout(tick, Math.max(0, t0 + sent * intervalMs - performance.now()));
      };
      tick();
    });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** After the consumer starts: threads spawned and idle before the first paced job. */
const LATENCY_SETTLE_MS = 500;

export const MEASUREMENTS: readonly Measurement[] = [
  {
    key: 'one',
    title: 'one-by-one enqueue (awaited)',
    kind: 'queue',
    defaultJobs: 10_000,
    quickJobs: 1_000,
    warmupJobs: 1_000,
    defaultRuns: 3,
    variants: () => ONE_WAY,
    prepare: async ({ session, jobs }) => ({
      timed: async () => {
        for (let i = 0; i < jobs; i++) await session.enqueueOne();
      },
      expected: { waiting: jobs, active: 0 },
    }),
  },
  {
    key: 'concurrent',
    title: `concurrent one-by-one enqueue (${IN_FLIGHT} in flight)`,
    kind: 'queue',
    defaultJobs: 20_000,
    quickJobs: 2_000,
    warmupJobs: 1_000,
    defaultRuns: 3,
    variants: () => ONE_WAY,
    prepare: async ({ session, jobs }) => ({
      timed: () => enqueueConcurrently(session, jobs, IN_FLIGHT),
      expected: { waiting: jobs, active: 0 },
    }),
  },
  {
    key: 'bulk',
    title: `bulk enqueue (${BATCH.toLocaleString('en-US')}/call)`,
    kind: 'queue',
    defaultJobs: 50_000,
    quickJobs: 5_000,
    warmupJobs: 1_000,
    defaultRuns: 3,
    variants: () => ONE_WAY,
    prepare: async ({ session, jobs }) => ({ timed: () => session.enqueueBulk(jobs), expected: { waiting: jobs, active: 0 } }),
  },
  {
    key: 'drain',
    title: `dequeue+complete (${CONSUMER_BATCH})`,
    kind: 'queue',
    defaultJobs: 20_000,
    quickJobs: 2_000,
    warmupJobs: 1_000,
    defaultRuns: 3,
    variants: () => ONE_WAY,
    prepare: async ({ session, jobs }) => ({ timed: await session.prepareDrain(jobs), expected: drained() }),
  },
  processing('e2e', `end to end, echo jobs, C=${CONSUMER_BATCH}`, { defaultJobs: 20_000, quickJobs: 2_000, warmupJobs: 1_000 }, ECHO),
  processing(
    'cpu',
    `end to end, hash jobs (${HASH_ROUNDS.toLocaleString('en-US')} rounds), C=${CONSUMER_BATCH}`,
    { defaultJobs: 2_000, quickJobs: 200, warmupJobs: 200 },
    { agent: 'hash', input: { rounds: HASH_ROUNDS } },
  ),
  {
    key: 'curve',
    title: 'end to end, echo jobs, by concurrency',
    kind: 'curve',
    defaultJobs: 20_000,
    quickJobs: 2_000,
    warmupJobs: 500,
    defaultRuns: 3,
    // The C=64 point is e2e's own when e2e runs too.
    variants: (c, others) =>
      CURVE_CONCURRENCY.filter((n) => !(n === CONSUMER_BATCH && others.includes('e2e'))).flatMap((n) => [
        c.curveSetup(n),
        ...(c.curveExtras?.(n) ?? []),
      ]),
    prepare: ({ session, variant, jobs }) => endToEnd(session, variant.key, jobs, ECHO),
  },
  {
    key: 'latency',
    title: `enqueue→completed latency at ${LATENCY_RATE} jobs/s, C=${LATENCY_CONCURRENCY}`,
    kind: 'latency',
    defaultJobs: LATENCY_RATE * 10,
    quickJobs: LATENCY_RATE * 2,
    warmupJobs: LATENCY_RATE,
    defaultRuns: 3,
    variants: (c) => [c.curveSetup(LATENCY_CONCURRENCY), ...(c.curveExtras?.(LATENCY_CONCURRENCY) ?? [])],
    prepare: async ({ session, variant, jobs }) => {
      let onDone: (id: string) => void = () => undefined;
      let fail: (err: Error) => void = () => undefined;
      const failed = new Promise<never>((_, reject) => (fail = reject));
      failed.catch(() => undefined);
      const start = await session.prepareConsumer(variant.key, { completed: (id) => onDone(id), failed: (err) => fail(err) });
      await start();
      await sleep(LATENCY_SETTLE_MS);
      const run = pacedLatency(session, jobs, LATENCY_RATE, (fn) => (onDone = fn));
      let samples: number[] = [];
      return {
        timed: async () => {
          // A job that never completes: give up once it has had ample time.
          let timer: NodeJS.Timeout | undefined;
          const late = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('latency: not every job completed')), (jobs / LATENCY_RATE) * 1000 + 30_000);
          });
          try {
            samples = await Promise.race([run(), failed, late]);
          } finally {
            clearTimeout(timer);
          }
        },
        finish: async () => ({ latency: latencyStats(samples) }),
        expected: drained(),
      };
    },
  },
  {
    key: 'memory',
    title: 'Redis memory after N completed jobs',
    kind: 'memory',
    defaultJobs: 100_000,
    quickJobs: 10_000,
    warmupJobs: 0,
    defaultRuns: 3,
    opensWithRetention: true,
    variants: (c) => {
      const [first, ...rest] = c.retentions;
      if (!first) return [];
      return [
        { ...first, key: `${first.key}@small`, label: `${first.label}, fewer jobs`, jobsShare: MEMORY_SMALL_SHARE, setup: first.key },
        first,
        ...rest,
      ];
    },
    prepare: async ({ session, jobs, usedMemory }) => {
      const baselineBytes = await usedMemory();
      const timed = await session.prepareDrain(jobs);
      return {
        timed,
        finish: async () => {
          const usedBytes = await usedMemory();
          return {
            memory: { baselineBytes, usedBytes, deltaBytes: usedBytes - baselineBytes, completedKept: await session.completedKept() },
          };
        },
        expected: drained(),
      };
    },
  },
  {
    key: 'procs',
    title: `end to end, echo jobs, worker processes × C=${CONSUMER_BATCH}`,
    kind: 'procs',
    defaultJobs: 20_000,
    quickJobs: 2_000,
    warmupJobs: 0,
    defaultRuns: 3,
    variants: (c) => {
      const setup = c.curveSetup(CONSUMER_BATCH);
      const counts: readonly number[] = c.name === 'conveyor' ? CONVEYOR_PROCS : [PROCS_PAIR];
      return counts.map((p) => ({
        key: `${p}p-${setup.key}`,
        label: `${p} process${p === 1 ? '' : 'es'} × ${setup.label}`,
        processes: p,
        setup: setup.key,
      }));
    },
    prepare: async ({ session, variant, jobs, spawnWorkers }) => {
      await session.enqueueBulk(jobs, ECHO);
      const workers = await spawnWorkers(variant.processes ?? 1, variant.setup ?? variant.key);
      return { timed: () => workers.run(jobs), expected: drained(), pids: () => workers.pids, cleanup: () => workers.stop() };
    },
  },
  LIMITS,
  FLOWS,
  SCRIPTS,
];

export const MEASUREMENT_KEYS = MEASUREMENTS.map((m) => m.key);
