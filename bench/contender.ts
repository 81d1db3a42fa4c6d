/** What the bench drives: one queue system, opened fresh for every timed run. */

export type ContenderName = 'conveyor' | 'bullmq';
export const CONTENDER_NAMES: readonly ContenderName[] = ['conveyor', 'bullmq'];

/** Producers and consumers batch this many jobs per call. */
export const BATCH = 1_000;
/** Jobs a consumer holds at once: Conveyor's `dequeueMany` size, BullMQ's worker concurrency. */
export const CONSUMER_BATCH = 64;

/** The agent job both systems carry: Conveyor wraps it with `agentItem`, BullMQ takes it as job data. */
export const AGENT = 'echo';
export const INPUT = 'x';

/** An agent job for the processing measurements: Conveyor's built-in agent of that name, or the same code in BullMQ's processor. */
export interface Work {
  agent: 'echo' | 'hash';
  input: unknown;
}

/**
 * One way a contender runs jobs end to end (Conveyor's WorkerPool at some
 * threads × concurrency, BullMQ's Worker in-process or sandboxed). Every
 * processing measurement runs each of a contender's setups.
 */
export interface ProcessorSetup {
  /** Short and stable, for --json and profile file names: `pool-2x32`. */
  key: string;
  /** For the table: `WorkerPool 2 threads × 32`. */
  label: string;
}

export interface QueueCheck {
  waiting: number;
  active: number;
}

/** One fresh queue on its own connections; everything but the returned timed functions is untimed. */
export interface Session {
  enqueueOneByOne(n: number): Promise<void>;
  enqueueBulk(n: number): Promise<void>;
  /** Fills the queue and readies the consumer; the returned function drains it (timed). */
  prepareDrain(n: number): Promise<() => Promise<void>>;
  /**
   * Fills the queue with `n` jobs of `work` and builds (does not start) the
   * consumer `setup` names; the returned function starts it and resolves
   * when the last job is acknowledged in Redis (timed). Any job that fails
   * rejects it.
   */
  prepareProcessing(n: number, work: Work, setup: string): Promise<() => Promise<void>>;
  /** Throws unless the queue holds exactly this many waiting and active jobs. */
  check(expected: QueueCheck): Promise<void>;
  close(): Promise<void>;
}

export interface Contender {
  readonly name: ContenderName;
  /** For the report header, e.g. "BullMQ 6.7.0". */
  readonly label: string;
  /** Settings that differ from the library's defaults, for the report. */
  readonly notes: string;
  /** Setups of the processing measurements, in the order they run. */
  readonly processors: readonly ProcessorSetup[];
  open(queue: string): Promise<Session>;
}

export function checkCounts(who: string, got: QueueCheck, expected: QueueCheck): void {
  if (got.waiting !== expected.waiting || got.active !== expected.active) {
    throw new Error(
      `${who}: expected ${expected.waiting} waiting / ${expected.active} active after the run, found ${got.waiting} / ${got.active}`,
    );
  }
}
