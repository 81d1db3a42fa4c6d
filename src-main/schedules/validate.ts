import { Cron } from 'croner';
import { ConveyorError, ErrorCode } from '../../src-shared/errors';
import { NAME_PATTERN, NAME_RULE } from '../../src-shared/names';
import {
  CATCH_UP_POLICIES,
  DEFAULT_CATCH_UP,
  DEFAULT_CATCH_UP_LIMIT,
  MAX_CATCH_UP_LIMIT,
  MIN_INTERVAL_MS,
  type ScheduleDefinition,
  type ScheduleInput,
} from '../../src-shared/schedule';

/** A bad schedule: names the field and says what is valid. Nothing is stored. */
export class ScheduleInvalidError extends ConveyorError {
  constructor(
    readonly field: string,
    message: string,
    details: Record<string, unknown> = {},
  ) {
    super(ErrorCode.ScheduleInvalid, `invalid schedule: ${field}: ${message}`, { field, ...details });
  }
}

export class ScheduleNotFoundError extends ConveyorError {
  constructor(queue: string, id: string) {
    super(ErrorCode.ScheduleNotFound, `no schedule "${id}" on queue "${queue}"`, { queue, id });
  }
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+)(ms|s|m|h|d)$/;

/** "30s" → 30000; a number is ms. Undefined when it is neither. */
export function parseDuration(v: number | string): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v > 0 ? v : undefined;
  const m = DURATION.exec(v.trim());
  return m ? Number(m[1]) * (UNITS[m[2] as string] as number) : undefined;
}

function parseInstant(field: string, v: number | string): number {
  const ms = typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new ScheduleInvalidError(
      field,
      `expected ms since the epoch or an ISO 8601 date (2026-01-31T09:00:00Z), got ${JSON.stringify(v)}`,
    );
  }
  return ms;
}

/** Whether the runtime knows the IANA zone. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Parses a cron expression (5 or 6 fields) in a zone; throws ScheduleInvalidError naming `cron`. */
export function parseCron(expr: string, tz: string | undefined): Cron {
  try {
    return new Cron(expr, { paused: true, mode: '5-or-6-parts', timezone: tz ?? 'UTC' });
  } catch (err) {
    const why = err instanceof Error ? err.message.replace(/^Cron\w*: /, '') : String(err);
    // croner's word on a field's value helps ("Invalid value for minute: 61"); on the field count it would offer 7 fields, which Conveyor refuses.
    const detail = /parts|format/i.test(why) ? '' : ` (${why})`;
    throw new ScheduleInvalidError(
      'cron',
      `${JSON.stringify(expr)} is not a valid cron expression${detail}; expected 5 fields "minute hour day-of-month month day-of-week" (e.g. "0 9 * * 1-5") or 6 with seconds first`,
      { value: expr },
    );
  }
}

function optionalInt(field: string, v: number | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < min || v > max)
    throw new ScheduleInvalidError(field, `expected an integer ${min}-${max}, got ${JSON.stringify(v)}`);
  return v;
}

/** Checks a schedule and fills in its defaults; the first problem throws, naming its field. */
export function validateSchedule(input: ScheduleInput): ScheduleDefinition {
  if (typeof input !== 'object' || input === null) throw new ScheduleInvalidError('schedule', 'expected an object');
  for (const field of ['queue', 'id', 'agent'] as const) {
    const v = input[field];
    if (typeof v !== 'string' || !NAME_PATTERN.test(v))
      throw new ScheduleInvalidError(field, `expected ${NAME_RULE}, got ${JSON.stringify(v)}`);
  }
  const def: ScheduleDefinition = {
    queue: input.queue,
    id: input.id,
    agent: input.agent,
    input: input.input === undefined ? null : input.input,
    catchUp: input.catchUp ?? DEFAULT_CATCH_UP,
    catchUpLimit: input.catchUpLimit ?? DEFAULT_CATCH_UP_LIMIT,
  };
  const hasCron = input.cron !== undefined && input.cron !== '';
  const hasEvery = input.every !== undefined && input.every !== '';
  if (hasCron === hasEvery) {
    throw new ScheduleInvalidError('cron/every', 'give exactly one of cron (e.g. "0 9 * * 1-5") and every (e.g. "30s")');
  }
  if (hasCron) {
    if (typeof input.cron !== 'string') throw new ScheduleInvalidError('cron', `expected a string, got ${JSON.stringify(input.cron)}`);
    const tz = input.tz === undefined || input.tz === '' ? undefined : input.tz;
    if (tz !== undefined && (typeof tz !== 'string' || !isTimeZone(tz))) {
      throw new ScheduleInvalidError(
        'tz',
        `unknown time zone ${JSON.stringify(tz)}; expected an IANA name such as "Europe/Berlin", "America/New_York" or "UTC"`,
        {
          value: tz,
        },
      );
    }
    parseCron(input.cron.trim(), tz);
    def.cron = input.cron.trim().replace(/\s+/g, ' ');
    if (tz !== undefined) def.tz = tz;
  } else {
    if (input.tz !== undefined && input.tz !== '') throw new ScheduleInvalidError('tz', 'a time zone applies to cron only, not to every');
    const every = typeof input.every === 'number' || typeof input.every === 'string' ? parseDuration(input.every) : undefined;
    if (every === undefined) {
      throw new ScheduleInvalidError(
        'every',
        `expected a duration such as "30s", "5m", "1h", "1d" or a number of ms, got ${JSON.stringify(input.every)}`,
      );
    }
    if (every < MIN_INTERVAL_MS)
      throw new ScheduleInvalidError('every', `${every} ms is under the minimum of ${MIN_INTERVAL_MS} ms (1s)`, { value: every });
    def.everyMs = every;
  }
  if (input.start !== undefined && input.start !== '') def.startMs = parseInstant('start', input.start);
  if (input.end !== undefined && input.end !== '') def.endMs = parseInstant('end', input.end);
  if (def.startMs !== undefined && def.endMs !== undefined && def.endMs <= def.startMs) {
    throw new ScheduleInvalidError('end', 'must be after start');
  }
  if (!(CATCH_UP_POLICIES as readonly string[]).includes(def.catchUp)) {
    throw new ScheduleInvalidError('catchUp', `expected one of ${CATCH_UP_POLICIES.join(', ')}, got ${JSON.stringify(def.catchUp)}`);
  }
  optionalInt('catchUpLimit', def.catchUpLimit, 1, MAX_CATCH_UP_LIMIT);
  const priority = optionalInt('priority', input.priority, -1_000_000, 1_000_000);
  if (priority !== undefined) def.priority = priority;
  const maxRetries = optionalInt('maxRetries', input.maxRetries, 0, Number.MAX_SAFE_INTEGER);
  if (maxRetries !== undefined) def.maxRetries = maxRetries;
  const timeoutMs = optionalInt('timeoutMs', input.timeoutMs, 1, Number.MAX_SAFE_INTEGER);
  if (timeoutMs !== undefined) def.timeoutMs = timeoutMs;
  try {
    JSON.stringify(def.input);
  } catch {
    throw new ScheduleInvalidError('input', 'expected JSON-serializable data');
  }
  return def;
}
