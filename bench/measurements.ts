import { BATCH, CONSUMER_BATCH, type QueueCheck, type Session } from './contender';

export type MeasurementKey = 'one' | 'bulk' | 'drain';

export interface Measurement {
  readonly key: MeasurementKey;
  readonly title: string;
  readonly defaultJobs: number;
  /** Untimed set-up on a fresh queue; resolves to the timed part. */
  prepare(session: Session, jobs: number): Promise<() => Promise<void>>;
  /** The queue after the timed part. */
  expected(jobs: number): QueueCheck;
}

export const MEASUREMENTS: readonly Measurement[] = [
  {
    key: 'one',
    title: 'one-by-one enqueue',
    defaultJobs: 10_000,
    prepare: async (s, jobs) => () => s.enqueueOneByOne(jobs),
    expected: (jobs) => ({ waiting: jobs, active: 0 }),
  },
  {
    key: 'bulk',
    title: `bulk enqueue (${BATCH.toLocaleString('en-US')}/call)`,
    defaultJobs: 50_000,
    prepare: async (s, jobs) => () => s.enqueueBulk(jobs),
    expected: (jobs) => ({ waiting: jobs, active: 0 }),
  },
  {
    key: 'drain',
    title: `dequeue+complete (${CONSUMER_BATCH})`,
    defaultJobs: 20_000,
    prepare: (s, jobs) => s.prepareDrain(jobs),
    expected: () => ({ waiting: 0, active: 0 }),
  },
];

export const MEASUREMENT_KEYS = MEASUREMENTS.map((m) => m.key);
