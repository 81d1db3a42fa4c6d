import type { AgentPayload, JobEvent, JobRecord, JobState } from '../../../../src-shared/job';
import { preview } from '../../lib/format';

/**
 * What the UI keeps of a job between reads: enough for a list row and the
 * live parts of the detail view. Built from a `JobRecord` (a read) or from
 * nothing but events (a job we have only heard about).
 */
export interface JobRow {
  id: string;
  queue: string;
  state: JobState;
  agent?: string;
  priority?: number;
  createdAt: number;
  /** When a delayed job is due. */
  runAt?: number;
  startedAt?: number;
  finishedAt?: number;
  /** Number of the current or last attempt (0: never leased). */
  attempt: number;
  worker?: string;
  progress?: { fraction: number; message?: string };
  error?: string;
  reason?: string;
  cancelRequested: boolean;
  /** One line of the job's input, when a read has shown it. */
  preview?: string;
  /**
   * The store's event sequence when this row last changed by an event. A read
   * that was sent at an earlier sequence is older than the row and must not
   * overwrite it.
   */
  seq: number;
}

function isAgentPayload(p: unknown): p is AgentPayload {
  return typeof p === 'object' && p !== null && typeof (p as { agent?: unknown }).agent === 'string' && 'input' in p;
}

export function rowFromRecord(record: JobRecord, seq: number): JobRow {
  const last = record.attempts[record.attempts.length - 1];
  const payload = record.item?.message.payload;
  const row: JobRow = {
    id: record.id,
    queue: record.queue,
    state: record.state,
    priority: record.priority,
    createdAt: record.createdAt,
    attempt: last?.number ?? 0,
    cancelRequested: record.cancelRequested,
    seq,
  };
  const agent = record.agent ?? (isAgentPayload(payload) ? payload.agent : undefined);
  if (agent !== undefined) row.agent = agent;
  if (record.runAt !== undefined) row.runAt = record.runAt;
  if (last?.startedAt !== undefined) row.startedAt = last.startedAt;
  if (record.finishedAt !== undefined) row.finishedAt = record.finishedAt;
  if (last?.worker !== undefined) row.worker = last.worker;
  if (record.progress !== undefined) row.progress = record.progress;
  const error = record.error ?? last?.error;
  if (error !== undefined) row.error = error;
  if (record.reason !== undefined) row.reason = record.reason;
  if (payload !== undefined) row.preview = preview(isAgentPayload(payload) ? payload.input : payload);
  else if (record.raw !== undefined) row.preview = preview(record.raw);
  return row;
}

/** Field-by-field equality except `seq`, so an unchanged row keeps its identity (and its list row skips a render). */
export function sameRow(a: JobRow, b: JobRow): boolean {
  return (
    a.id === b.id &&
    a.queue === b.queue &&
    a.state === b.state &&
    a.agent === b.agent &&
    a.priority === b.priority &&
    a.createdAt === b.createdAt &&
    a.runAt === b.runAt &&
    a.startedAt === b.startedAt &&
    a.finishedAt === b.finishedAt &&
    a.attempt === b.attempt &&
    a.worker === b.worker &&
    a.progress?.fraction === b.progress?.fraction &&
    a.progress?.message === b.progress?.message &&
    a.error === b.error &&
    a.reason === b.reason &&
    a.cancelRequested === b.cancelRequested &&
    a.preview === b.preview
  );
}

/** What an event does to one job: a new row, `null` (the job is gone) or `undefined` (nothing). */
export type RowChange = JobRow | null | undefined;

/** A row for a job we first hear of through an event other than `enqueued`. */
function blankRow(ev: JobEvent & { jobId: string }, seq: number): JobRow {
  // Only a running job reports progress or logs, or fails.
  const state: JobState = ev.type === 'progress' || ev.type === 'log' || ev.type === 'failed' ? 'active' : 'waiting';
  return { id: ev.jobId, queue: ev.queue, state, createdAt: ev.ts, attempt: ev.attempt ?? 0, cancelRequested: false, seq };
}

/**
 * Applies one job event to a row. Mirrors the state moves of the Lua scripts
 * (src-main/queue/lua): e.g. `stalled` puts the job back to waiting, and a
 * `dead` event follows in the same script when no retry is left.
 */
export function applyEventToRow(prev: JobRow | undefined, ev: JobEvent, seq: number): RowChange {
  if (ev.jobId === undefined) return undefined;
  const base = prev ?? blankRow(ev as JobEvent & { jobId: string }, seq);
  const row: JobRow = { ...base, seq };
  const delayed = (ev.delayMs ?? 0) > 0;
  switch (ev.type) {
    case 'enqueued':
      row.state = delayed ? 'delayed' : 'waiting';
      row.createdAt = prev?.createdAt ?? ev.ts;
      if (ev.agent !== undefined) row.agent = ev.agent;
      if (delayed) row.runAt = ev.ts + (ev.delayMs ?? 0);
      return row;
    case 'leased':
      row.state = 'active';
      if (ev.attempt !== undefined) row.attempt = ev.attempt;
      delete row.worker;
      delete row.progress;
      return row;
    case 'started':
      row.state = 'active';
      if (ev.attempt !== undefined) row.attempt = ev.attempt;
      if (ev.worker !== undefined) row.worker = ev.worker;
      row.startedAt = ev.ts;
      return row;
    case 'progress':
      if (ev.fraction === undefined) return undefined;
      row.progress =
        ev.message === undefined || ev.message === '' ? { fraction: ev.fraction } : { fraction: ev.fraction, message: ev.message };
      return row;
    case 'log':
      // Log lines live on the detail record, not the row.
      return prev ? undefined : row;
    case 'completed':
      row.state = 'completed';
      row.finishedAt = ev.ts;
      delete row.error;
      delete row.reason;
      return row;
    case 'failed':
      // The same script follows with `retrying`, `dead` or `cancelled`: only the error is news here.
      if (ev.error !== undefined) row.error = ev.error;
      if (ev.reason !== undefined) row.reason = ev.reason;
      return row;
    case 'retrying':
      row.state = delayed ? 'delayed' : 'waiting';
      if (delayed) row.runAt = ev.ts + (ev.delayMs ?? 0);
      else delete row.runAt;
      if (ev.reason === 'manual') {
        delete row.finishedAt;
        row.cancelRequested = false;
      }
      delete row.worker;
      return row;
    case 'stalled':
      row.state = 'waiting';
      row.error = 'lease expired';
      row.reason = 'stalled';
      delete row.worker;
      return row;
    case 'dead':
      row.state = 'dead';
      row.finishedAt = ev.ts;
      if (ev.reason !== undefined) row.reason = ev.reason;
      return row;
    case 'malformed':
      row.state = 'dead';
      row.finishedAt = ev.ts;
      row.reason = 'malformed';
      if (ev.reason !== undefined) row.error = ev.reason;
      return row;
    case 'cancelled':
      row.state = 'cancelled';
      row.finishedAt = ev.ts;
      return row;
    case 'cancel_requested':
      row.cancelRequested = true;
      return row;
    case 'removed':
      return null;
    case 'paused':
    case 'resumed':
    case 'drained':
      return undefined;
  }
}
