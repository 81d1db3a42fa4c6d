/** What the bench drives: one queue system, opened fresh for every timed run. */

export type ContenderName = 'conveyor' | 'bullmq' | 'beequeue';
/** Also the order of the table columns. */
export const CONTENDER_NAMES: readonly ContenderName[] = ['conveyor', 'bullmq', 'beequeue'];

/** Producers and consumers batch this many jobs per call. */
export const BATCH = 1_000;
/** Jobs a consumer holds at once: Conveyor's `dequeueMany` size, BullMQ's worker concurrency, Bee-Queue's process(n). */
export const CONSUMER_BATCH = 64;
/** Producer calls outstanding at once in the concurrent one-by-one measurement. */
export const IN_FLIGHT = 64;

/** An agent job: Conveyor's built-in agent of that name, or the same code in BullMQ's and Bee-Queue's processor. */
export interface Work {
  agent: 'echo' | 'hash';
  input: unknown;
}

/** The job every queue measurement enqueues. */
export const ECHO: Work = { agent: 'echo', input: 'x' };

/**
 * One way a contender runs jobs end to end (Conveyor's WorkerPool at some
 * threads × concurrency, BullMQ's Worker in-process or sandboxed, Bee-Queue's
 * process(n)), or (memory) one retention setting. The contender that made it
 * knows its parameters by `key`.
 */
export interface ProcessorSetup {
  /** Short and stable, for --json and profile file names: `pool-2x32`. */
  key: string;
  /** For the tables: `WorkerPool 2 threads × 32`. */
  label: string;
}

/** What only some systems have; a measurement of it runs for those that do. */
export type Feature = 'limits' | 'flows';

/** A queue rate and concurrency limit, and optionally every group's default, as `adapter.limits.set` takes them. */
export interface BenchLimit {
  rate: string;
  burst: number;
  concurrency: number;
}

/**
 * Flows (issue 19): a parent on the session's queue, its children on a
 * second queue the flows make. Everything but the returned functions is untimed.
 */
export interface FlowSession {
  /**
   * Readies a consumer for each queue; the returned function runs `rounds`
   * fan-outs of `children` children, one at a time, and resolves with, per
   * fan-out, the ms from its last child acknowledged to its parent started.
   */
  prepareResume(rounds: number, children: number): Promise<() => Promise<number[]>>;
  /**
   * Readies consumers at CONSUMER_BATCH on both queues; the returned function
   * enqueues `flows` flows of one parent and `children` children each and
   * resolves when every parent has completed (having read its children's results).
   */
  prepareThroughput(flows: number, children: number): Promise<() => Promise<void>>;
}

export interface QueueCheck {
  waiting: number;
  active: number;
}

export interface ConsumerHooks {
  /** Once per job acknowledged in Redis, with its id. */
  completed(id: string): void;
  /** A job failed, a worker thread died, or the consumer reported an error. */
  failed(err: Error): void;
}

/** One fresh queue on its own connections; everything but the returned timed functions is untimed. */
export interface Session {
  /** One job, awaited; resolves to its id. */
  enqueueOne(): Promise<string>;
  /** `n` jobs of `work` in calls of BATCH. */
  enqueueBulk(n: number, work?: Work): Promise<void>;
  /** Fills the queue and readies the fastest consumer there is (no agent code); the returned function drains it (timed). */
  prepareDrain(n: number): Promise<() => Promise<void>>;
  /**
   * Builds, but does not start, the consumer `setup` names (one of
   * `Contender.processors` or `Contender.curveSetup`); the returned function
   * starts it (threads spawn then, for those that have any). The session
   * stops it on close.
   */
  prepareConsumer(setup: string, hooks: ConsumerHooks): Promise<() => Promise<void>>;
  /** Throws unless the queue holds exactly this many waiting and active jobs. */
  check(expected: QueueCheck): Promise<void>;
  /** Completed jobs the queue still keeps (retention). */
  completedKept(): Promise<number>;
  /** Feature `limits`: sets the queue's limit and, with `groupDefault`, every group's default limit. */
  setLimit?(limit: BenchLimit, groupDefault: boolean): Promise<void>;
  /** Feature `limits`: as enqueueBulk, the jobs spread round-robin over `groups` groups. */
  enqueueBulkInGroups?(n: number, groups: number, work?: Work): Promise<void>;
  /** Feature `flows`. */
  flows?(): FlowSession;
  close(): Promise<void>;
}

export interface Contender {
  readonly name: ContenderName;
  /** For the report header, e.g. "BullMQ 6.7.0". */
  readonly label: string;
  /** Settings that differ from the library's defaults, for the report. */
  readonly notes: string;
  /** Setups of the processing measurements (e2e, cpu), in the order they run. */
  readonly processors: readonly ProcessorSetup[];
  /** Retention settings the memory measurement runs, the library's default first. */
  readonly retentions: readonly ProcessorSetup[];
  /** Features its sessions implement (none when absent). */
  readonly features?: readonly Feature[];
  /** The setup the concurrency curve, the latency and the multi-process measurements use at `concurrency` jobs at once. */
  curveSetup(concurrency: number): ProcessorSetup;
  /** More setups the curve and the latency measure at `concurrency` (Conveyor's in-process mode), after curveSetup's. */
  curveExtras?(concurrency: number): readonly ProcessorSetup[];
  /** `retention`: one of `retentions` (the memory measurement); otherwise what the other measurements use. */
  open(queue: string, retention?: string): Promise<Session>;
}

export function checkCounts(who: string, got: QueueCheck, expected: QueueCheck): void {
  if (got.waiting !== expected.waiting || got.active !== expected.active) {
    throw new Error(
      `${who}: expected ${expected.waiting} waiting / ${expected.active} active after the run, found ${got.waiting} / ${got.active}`,
    );
  }
}

/** The setup registered under `key`, or an error naming the contender. */
export function setupOf<S extends ProcessorSetup>(who: string, setups: ReadonlyMap<string, S>, key: string): S {
  const s = setups.get(key);
  if (!s) throw new Error(`${who}: no setup ${JSON.stringify(key)}`);
  return s;
}
