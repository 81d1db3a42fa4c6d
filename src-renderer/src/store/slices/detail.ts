import type { JobEvent, JobRecord, LogLine } from '../../../../src-shared/job';

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
}

export function openDetail(queue: string, id: string): DetailState {
  return { queue, id, record: undefined, readSeq: 0, eventSeq: 0 };
}

/** A row of the log view: a stored line, or a separator before each attempt's lines and before lines stored without a time. */
export type LogRow = { kind: 'line'; line: LogLine } | { kind: 'attempt'; attempt: number } | { kind: 'undated' };

/**
 * The log view's rows: each attempt's lines follow a separator naming it;
 * lines stored without a time (by older versions) get one saying so, unless
 * no line has a time.
 */
export function logRows(lines: readonly LogLine[]): LogRow[] {
  const anyDated = lines.some((l) => l.attempt !== undefined);
  const rows: LogRow[] = [];
  let prev: LogLine | undefined;
  for (const line of lines) {
    if (line.attempt !== undefined && (prev === undefined || prev.attempt !== line.attempt))
      rows.push({ kind: 'attempt', attempt: line.attempt });
    else if (line.attempt === undefined && anyDated && (prev === undefined || prev.attempt !== undefined)) rows.push({ kind: 'undated' });
    rows.push({ kind: 'line', line });
    prev = line;
  }
  return rows;
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
      // The event's time is the stream entry's, the same Redis clock the stored line's time comes from.
      const line: LogLine = { line: ev.message, at: ev.ts, ...(ev.attempt === undefined ? {} : { attempt: ev.attempt }) };
      const logs = [...record.logs, line];
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
