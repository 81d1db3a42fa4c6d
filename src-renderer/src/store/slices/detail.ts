import type { JobEvent, JobRecord } from '../../../../src-shared/job';

const MAX_LOG_LINES = 5000;

/** The job the detail view shows: the last read, patched live by its events between reads. */
export interface DetailState {
  queue: string;
  id: string;
  /** undefined: not read yet; null: the job does not exist (any more). */
  record: JobRecord | null | undefined;
  error?: string;
  /** Event sequence when the last read was sent (see JobRow.seq). */
  readSeq: number;
  /** Event sequence of the last event applied to `record`. */
  eventSeq: number;
  /**
   * Log lines heard of as events while the job is open, with their time and
   * attempt: the stored lines carry neither, so these date the tail of the log.
   */
  logTimes: readonly LogTime[];
}

export interface LogTime {
  ts: number;
  attempt?: number;
  message: string;
}

export function openDetail(queue: string, id: string): DetailState {
  return { queue, id, record: undefined, readSeq: 0, eventSeq: 0, logTimes: [] };
}

/** A `log` event's line, kept with its time and attempt (bounded like the log). */
export function addLogTime(times: readonly LogTime[], ev: JobEvent): readonly LogTime[] {
  if (ev.type !== 'log' || ev.message === undefined) return times;
  const next = [...times, { ts: ev.ts, message: ev.message, ...(ev.attempt === undefined ? {} : { attempt: ev.attempt }) }];
  return next.length > MAX_LOG_LINES ? next.slice(-MAX_LOG_LINES) : next;
}

export interface LogLine {
  text: string;
  ts?: number;
  attempt?: number;
}

/**
 * The stored lines, the tail of them dated by the log events seen (matched
 * from the end, line by line): lines before those stay undated.
 */
export function datedLines(lines: readonly string[], times: readonly LogTime[]): LogLine[] {
  const out: LogLine[] = lines.map((text) => ({ text }));
  let j = lines.length - 1;
  for (let k = times.length - 1; k >= 0 && j >= 0; k--, j--) {
    const t = times[k] as LogTime;
    if (lines[j] !== t.message) break;
    out[j] = { text: t.message, ts: t.ts, ...(t.attempt === undefined ? {} : { attempt: t.attempt }) };
  }
  return out;
}

/**
 * Patches the shown record with what an event says, so progress, logs and
 * state move at event speed; attempts (with heartbeats) come from the next read.
 */
export function applyEventToRecord(record: JobRecord, ev: JobEvent): JobRecord | null | undefined {
  switch (ev.type) {
    case 'progress':
      if (ev.fraction === undefined) return undefined;
      return { ...record, progress: ev.message ? { fraction: ev.fraction, message: ev.message } : { fraction: ev.fraction } };
    case 'log': {
      if (ev.message === undefined) return undefined;
      const logs = [...record.logs, ev.message];
      return { ...record, logs: logs.length > MAX_LOG_LINES ? logs.slice(-MAX_LOG_LINES) : logs };
    }
    case 'leased':
    case 'started':
      return { ...record, state: 'active' };
    case 'completed':
      return { ...record, state: 'completed', finishedAt: ev.ts };
    case 'failed':
      return ev.error === undefined ? undefined : { ...record, error: ev.error };
    case 'retrying':
      return { ...record, state: (ev.delayMs ?? 0) > 0 ? 'delayed' : 'waiting' };
    case 'stalled':
      return { ...record, state: 'waiting' };
    case 'dead':
    case 'malformed':
      return ev.reason === undefined
        ? { ...record, state: 'dead', finishedAt: ev.ts }
        : { ...record, state: 'dead', finishedAt: ev.ts, reason: ev.reason };
    case 'cancelled':
      return { ...record, state: 'cancelled', finishedAt: ev.ts };
    case 'cancel_requested':
      return { ...record, cancelRequested: true };
    case 'removed':
      return null;
    case 'enqueued':
    case 'paused':
    case 'resumed':
    case 'drained':
      return undefined;
  }
}
