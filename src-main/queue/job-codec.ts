import type { Attempt, AttemptOutcome, JobRecord, JobState, LogLine, Message, ReleaseReason } from '../../src-shared/job';
import { JOB_STATES, RELEASE_REASONS } from '../../src-shared/job';
import { messageSchema } from '../../src-shared/item-schema';

/**
 * Turns a job hash (as the Lua scripts write it) into a JobRecord. Field names
 * are short because every job stores them: src, dst, pl (the message's
 * parts, each a JSON text), prio, att, mr, ts, to,
 * state, run, fin, tok, res, err, stk, why, cxl, rb, prog, and
 * `a:<n>:<leased|started|worker|hb|ended|outcome|error|stack|why>` per attempt.
 * A missing prio or att is 0 (enqueue leaves them out at their default).
 * Fields that would repeat others are left out too: an attempt leased and
 * started at once has `started` only, and a completed job's last attempt
 * ends at `fin` with outcome `completed`.
 */

export type MessageParse = { ok: true; message: Message } | { ok: false; reason: string };

function isLocation(v: unknown): boolean {
  return typeof v === 'object' && v !== null && typeof (v as { id?: unknown }).id === 'string';
}

/**
 * Parses a stored message; anything that is not a valid message is malformed.
 * Every leased job passes here, so the common case is a plain shape check
 * (what was stored was validated at enqueue); the schema only explains failures.
 */
export function parseMessage(raw: string): MessageParse {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    return { ok: false, reason: `invalid JSON: ${(err as Error).message}` };
  }
  const m = value as Partial<Message> | null;
  if (m && typeof m === 'object' && isLocation(m.source) && isLocation(m.destination) && 'payload' in m) {
    return { ok: true, message: m as Message };
  }
  const parsed = messageSchema.safeParse(value);
  const issue = parsed.success ? undefined : parsed.error.issues[0];
  return { ok: false, reason: `invalid message: ${issue ? `${issue.path.join('.') || '(message)'}: ${issue.message}` : 'not a message'}` };
}

function num(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function parseJsonField(v: string | undefined): unknown {
  if (v === undefined) return undefined;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/** A garbage attempt count must not make a read loop for ever. */
const MAX_ATTEMPTS_READ = 10_000;

function decodeAttempts(hash: Record<string, string>, count: number, state: JobState): Attempt[] {
  const attempts: Attempt[] = [];
  const last = Math.min(count, MAX_ATTEMPTS_READ);
  for (let n = 1; n <= last; n++) {
    const p = `a:${n}:`;
    const a: Attempt = { number: n };
    const worker = hash[p + 'worker'];
    if (worker !== undefined) a.worker = worker;
    const startedAt = num(hash[p + 'started']);
    const leasedAt = num(hash[p + 'leased']) ?? startedAt;
    if (leasedAt !== undefined) a.leasedAt = leasedAt;
    if (startedAt !== undefined) a.startedAt = startedAt;
    const heartbeatAt = num(hash[p + 'hb']);
    if (heartbeatAt !== undefined) a.heartbeatAt = heartbeatAt;
    const completed = n === count && state === 'completed';
    const endedAt = num(hash[p + 'ended']) ?? (completed ? num(hash['fin']) : undefined);
    if (endedAt !== undefined) a.endedAt = endedAt;
    const outcome = hash[p + 'outcome'] ?? (completed ? 'completed' : undefined);
    if (outcome !== undefined) a.outcome = outcome as AttemptOutcome;
    const error = hash[p + 'error'];
    if (error !== undefined) a.error = error;
    const stack = hash[p + 'stack'];
    if (stack !== undefined) a.stack = stack;
    const why = hash[p + 'why'];
    if (why !== undefined && (RELEASE_REASONS as readonly string[]).includes(why)) a.releaseReason = why as ReleaseReason;
    attempts.push(a);
  }
  return attempts;
}

export function decodeState(v: string | undefined): JobState {
  return (JOB_STATES as readonly string[]).includes(v ?? '') ? (v as JobState) : 'dead';
}

/** The job's message as one JSON text, as dequeue-7 rebuilds it from its parts; undefined when it has none. */
export function storedMessage(hash: Record<string, string>): string | undefined {
  const { src, dst, pl } = hash;
  if (src !== undefined && dst !== undefined && pl !== undefined) return `{"source":${src},"destination":${dst},"payload":${pl}}`;
  return undefined;
}

/** progress-1 stores '<ms> <attempt> <line>': 13-digit epoch ms (years 2001-2286) so an older bare line is rarely mistaken for one. */
const STORED_LOG = /^(\d{13}) ([1-9]\d*) /;

/** A stored log line; one stored without the prefix (by older versions) keeps no time nor attempt. */
export function decodeLogLine(stored: string): LogLine {
  const m = STORED_LOG.exec(stored);
  if (!m) return { line: stored };
  return { line: stored.slice(m[0].length), at: Number(m[1]), attempt: Number(m[2]) };
}

/** Decodes a job hash; `null` when the hash is empty (no such job). */
export function decodeJob(queue: string, id: string, hash: Record<string, string>, logs: string[] = []): JobRecord | null {
  if (Object.keys(hash).length === 0) return null;
  const rawMsg = storedMessage(hash);
  const parsed = rawMsg === undefined ? undefined : parseMessage(rawMsg);
  const state = decodeState(hash['state']);
  const record: JobRecord = {
    id,
    queue,
    state,
    item: parsed?.ok ? { action: { id }, message: parsed.message } : null,
    priority: num(hash['prio']) ?? 0,
    createdAt: num(hash['ts']) ?? 0,
    attempts: decodeAttempts(hash, num(hash['att']) ?? 0, state),
    countedAttempts: Math.max(0, (num(hash['att']) ?? 0) - (num(hash['rb']) ?? 0)),
    maxRetries: num(hash['mr']) ?? 0,
    logs: logs.map(decodeLogLine),
    cancelRequested: hash['cxl'] === '1',
  };
  if (parsed && !parsed.ok && rawMsg !== undefined) record.raw = rawMsg;
  const agent = parsed?.ok ? agentOf(parsed.message.payload) : '';
  if (agent) record.agent = agent;
  const runAt = num(hash['run']);
  if (runAt !== undefined) record.runAt = runAt;
  const finishedAt = num(hash['fin']);
  if (finishedAt !== undefined) record.finishedAt = finishedAt;
  const timeoutMs = num(hash['to']);
  if (timeoutMs !== undefined) record.timeoutMs = timeoutMs;
  if (hash['res'] !== undefined) record.result = parseJsonField(hash['res']);
  if (hash['err'] !== undefined) record.error = hash['err'];
  if (hash['stk'] !== undefined) record.stack = hash['stk'];
  if (hash['why'] !== undefined) record.reason = hash['why'];
  const progress = parseJsonField(hash['prog']);
  if (progress && typeof progress === 'object' && typeof (progress as { fraction?: unknown }).fraction === 'number') {
    record.progress = progress as { fraction: number; message?: string };
  }
  return record;
}

/** The agent named by a payload, if it is an agent job. */
export function agentOf(payload: unknown): string {
  if (payload && typeof payload === 'object' && typeof (payload as { agent?: unknown }).agent === 'string') {
    return (payload as { agent: string }).agent;
  }
  return '';
}

/** A result that is already JSON text (a worker thread serialized it): stored as is, not encoded twice. */
export class EncodedResult {
  constructor(readonly json: string) {}
}

/** Serializes a job result for storage; undefined becomes null. */
export function encodeResult(result: unknown): string {
  if (result instanceof EncodedResult) return result.json;
  return JSON.stringify(result === undefined ? null : result);
}

/** Error text and stack from anything a job may throw. */
export function describeError(error: unknown): { message: string; stack: string } {
  if (error instanceof Error) return { message: error.message || error.name, stack: error.stack ?? '' };
  if (typeof error === 'string') return { message: error, stack: '' };
  try {
    return { message: JSON.stringify(error) ?? String(error), stack: '' };
  } catch {
    return { message: String(error), stack: '' };
  }
}
