import { BATCH, CONSUMER_BATCH, type QueueCheck, type Session, type Work } from './contender';

export type MeasurementKey = 'one' | 'bulk' | 'drain' | 'e2e' | 'cpu';

/** Iterated SHA-256 rounds of a `cpu` job: about 1.6 ms on one core of the reference box. */
export const HASH_ROUNDS = 1_000;

export interface Measurement {
  readonly key: MeasurementKey;
  readonly title: string;
  /**
   * `queue`: the queue API alone, one timed run per contender;
   * `processing`: jobs run end to end, one timed run per contender setup (`Contender.processors`).
   */
  readonly kind: 'queue' | 'processing';
  readonly defaultJobs: number;
  /** Jobs of the untimed warm-up run. */
  readonly warmupJobs: number;
  /** Untimed set-up on a fresh queue; resolves to the timed part. `setup` is '' for queue measurements. */
  prepare(session: Session, jobs: number, setup: string): Promise<() => Promise<void>>;
  /** The queue after the timed part. */
  expected(jobs: number): QueueCheck;
}

const drained = (): QueueCheck => ({ waiting: 0, active: 0 });

/** A processing measurement: `jobs` of `work`, bulk-enqueued untimed, then run to the last acknowledgement. */
function processing(key: MeasurementKey, title: string, defaultJobs: number, warmupJobs: number, work: Work): Measurement {
  return {
    key,
    title,
    kind: 'processing',
    defaultJobs,
    warmupJobs,
    prepare: (s, jobs, setup) => s.prepareProcessing(jobs, work, setup),
    expected: drained,
  };
}

export const MEASUREMENTS: readonly Measurement[] = [
  {
    key: 'one',
    title: 'one-by-one enqueue',
    kind: 'queue',
    defaultJobs: 10_000,
    warmupJobs: 1_000,
    prepare: async (s, jobs) => () => s.enqueueOneByOne(jobs),
    expected: (jobs) => ({ waiting: jobs, active: 0 }),
  },
  {
    key: 'bulk',
    title: `bulk enqueue (${BATCH.toLocaleString('en-US')}/call)`,
    kind: 'queue',
    defaultJobs: 50_000,
    warmupJobs: 1_000,
    prepare: async (s, jobs) => () => s.enqueueBulk(jobs),
    expected: (jobs) => ({ waiting: jobs, active: 0 }),
  },
  {
    key: 'drain',
    title: `dequeue+complete (${CONSUMER_BATCH})`,
    kind: 'queue',
    defaultJobs: 20_000,
    warmupJobs: 1_000,
    prepare: (s, jobs) => s.prepareDrain(jobs),
    expected: drained,
  },
  processing('e2e', 'end to end, echo jobs', 20_000, 1_000, { agent: 'echo', input: 'x' }),
  processing('cpu', `end to end, hash jobs (${HASH_ROUNDS.toLocaleString('en-US')} rounds)`, 2_000, 200, {
    agent: 'hash',
    input: { rounds: HASH_ROUNDS },
  }),
];

export const MEASUREMENT_KEYS = MEASUREMENTS.map((m) => m.key);
