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

export interface QueueCheck {
  waiting: number;
  active: number;
}

/** One fresh queue on its own connections; everything but `run` is untimed. */
export interface Session {
  enqueueOneByOne(n: number): Promise<void>;
  enqueueBulk(n: number): Promise<void>;
  /** Fills the queue and readies the consumer; the returned function drains it (timed). */
  prepareDrain(n: number): Promise<() => Promise<void>>;
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
  open(queue: string): Promise<Session>;
}

export function checkCounts(who: string, got: QueueCheck, expected: QueueCheck): void {
  if (got.waiting !== expected.waiting || got.active !== expected.active) {
    throw new Error(
      `${who}: expected ${expected.waiting} waiting / ${expected.active} active after the run, found ${got.waiting} / ${got.active}`,
    );
  }
}
