/**
 * Schedules: what crosses the boundaries (library API, contract, config.yml).
 * Pure types and constants; the checks that need a cron library live in
 * src-main/schedules/validate.ts.
 */

/**
 * What happens to ticks that came due while no scheduler ran (every process
 * stopped, or all of them late by more than MISFIRE_GRACE_MS):
 * - `skip`: none of them runs; the schedule resumes at its next tick.
 * - `once`: one job runs, for the latest missed tick.
 * - `each`: each of the latest `catchUpLimit` missed ticks gets its own job.
 */
export const CATCH_UP_POLICIES = ['skip', 'once', 'each'] as const;
export type CatchUpPolicy = (typeof CATCH_UP_POLICIES)[number];

/** A tick is on time when a scheduler claims it within this long; later, it is missed and the catch-up policy decides. */
export const MISFIRE_GRACE_MS = 1000;
/** The shortest interval (`every`) a schedule may have. */
export const MIN_INTERVAL_MS = 1000;
export const DEFAULT_CATCH_UP: CatchUpPolicy = 'once';
export const DEFAULT_CATCH_UP_LIMIT = 10;
export const MAX_CATCH_UP_LIMIT = 1000;

/** A schedule as callers give it. Exactly one of `cron` and `every`. */
export interface ScheduleInput {
  queue: string;
  /** Unique within its queue: letters, digits, ".", "_" or "-". */
  id: string;
  /** The agent each job runs, and its input. */
  agent: string;
  input?: unknown;
  /** 5 fields (minute hour day month weekday) or 6 (seconds first). */
  cron?: string;
  /** IANA time zone of `cron` (default UTC). */
  tz?: string;
  /** Interval: ms, or a duration such as "30s", "5m", "1h", "1d" (at least 1 s). */
  every?: number | string;
  /** No tick before this instant (ms since epoch or an ISO 8601 date). Intervals count from it. */
  start?: number | string;
  /** No tick after this instant. */
  end?: number | string;
  catchUp?: CatchUpPolicy;
  /** `each`: at most this many missed ticks run (default 10, the latest). */
  catchUpLimit?: number;
  /** Stored paused (an upsert of an existing schedule keeps its paused state unless this is given). */
  paused?: boolean;
  priority?: number;
  maxRetries?: number;
  timeoutMs?: number;
}

/** A validated schedule: durations and instants in ms, defaults filled in. */
export interface ScheduleDefinition {
  queue: string;
  id: string;
  agent: string;
  input: unknown;
  cron?: string;
  tz?: string;
  everyMs?: number;
  startMs?: number;
  endMs?: number;
  catchUp: CatchUpPolicy;
  catchUpLimit: number;
  priority?: number;
  maxRetries?: number;
  timeoutMs?: number;
}

/** A stored schedule and its state, as `list` and the control center show it. */
export interface ScheduleInfo extends ScheduleDefinition {
  paused: boolean;
  /** The next tick no scheduler has claimed yet (ms); null when paused or past its end. */
  next: number | null;
  /** The next three fire times from now (ms), empty when paused or ended. */
  nextRuns: number[];
  /** The latest tick claimed (ms), its job id, and when it was claimed (Redis clock). */
  lastTick?: number;
  lastJobId?: string;
  lastRunAt?: number;
  /** `list` only: the jobs of the latest ticks (up to 5, newest first) that are still in the queue. */
  lastRuns?: Array<{ tick: number; jobId: string; state: string }>;
  /** Jobs created by ticks so far, and ticks dropped (catch-up policy, queue full). */
  runs: number;
  skipped: number;
  /** Why the last tick made no job, if it did not. */
  lastError?: string;
  createdAt: number;
  updatedAt: number;
}

/** The job id of a schedule's tick: derived from the schedule id and the tick time, so a second job for a tick cannot exist. */
export function tickJobId(scheduleId: string, tickMs: number): string {
  return `${scheduleId}@${tickMs}`;
}

/** Job ids of `run-now`: never of the tick form (`@` then digits only). */
export function runNowJobId(scheduleId: string, atMs: number, seq: number): string {
  return `${scheduleId}@run-${atMs}-${seq}`;
}
