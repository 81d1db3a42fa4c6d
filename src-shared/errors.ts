/**
 * Typed errors shared by every layer. Each carries a stable `code`, and
 * `toErrorShape` turns any of them into the one serializable shape that
 * crosses process and IPC boundaries.
 */

export const ErrorCode = {
  ConfigInvalid: 'CONFIG_INVALID',
  ConfigIo: 'CONFIG_IO',
  RedisUnavailable: 'REDIS_UNAVAILABLE',
  RedisAuth: 'REDIS_AUTH',
  QueueFull: 'QUEUE_FULL',
  QueueNotFound: 'QUEUE_NOT_FOUND',
  QueueNameInvalid: 'QUEUE_NAME_INVALID',
  JobNotFound: 'JOB_NOT_FOUND',
  ItemInvalid: 'ITEM_INVALID',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  LeaseLost: 'LEASE_LOST',
  InvalidState: 'INVALID_STATE',
  Pool: 'POOL',
  UnknownCommand: 'UNKNOWN_COMMAND',
  InvalidArgs: 'INVALID_ARGS',
  Unauthorized: 'UNAUTHORIZED',
  Internal: 'INTERNAL',
  ScheduleInvalid: 'SCHEDULE_INVALID',
  ScheduleNotFound: 'SCHEDULE_NOT_FOUND',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export type ErrorDetails = Record<string, unknown>;

/** The serializable error shape used across every boundary. */
export interface ErrorShape {
  code: ErrorCode;
  message: string;
  details?: ErrorDetails;
}

export class ConveyorError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails | undefined;

  constructor(code: ErrorCode, message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }

  toShape(): ErrorShape {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export interface ConfigIssue {
  /** Dotted path, e.g. `queue.redis_port`. */
  path: string;
  message: string;
}

export class ConfigError extends ConveyorError {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[], source?: string) {
    const where = source ? `${source}: ` : '';
    super(ErrorCode.ConfigInvalid, where + issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '), {
      issues,
      ...(source ? { source } : {}),
    });
    this.issues = issues;
  }
}

export class RedisUnavailableError extends ConveyorError {
  constructor(message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(ErrorCode.RedisUnavailable, message, details, options);
  }
}

export class QueueFullError extends ConveyorError {
  readonly queue: string;
  readonly depth: number;
  readonly limit: number;
  constructor(queue: string, depth: number, limit: number) {
    super(ErrorCode.QueueFull, `queue "${queue}" is full: ${depth} ${depth === 1 ? 'job' : 'jobs'} waiting or delayed, limit ${limit}`, {
      queue,
      depth,
      limit,
    });
    this.queue = queue;
    this.depth = depth;
    this.limit = limit;
  }
}

export class JobNotFoundError extends ConveyorError {
  constructor(queue: string, id: string) {
    super(ErrorCode.JobNotFound, `job "${id}" not found in queue "${queue}"`, { queue, id });
  }
}

export class QueueNotFoundError extends ConveyorError {
  constructor(queue: string) {
    super(ErrorCode.QueueNotFound, `queue "${queue}" does not exist`, { queue });
  }
}

export class LeaseLostError extends ConveyorError {
  constructor(queue: string, id: string, reason: string) {
    super(ErrorCode.LeaseLost, `lease on job "${id}" in queue "${queue}" is not held: ${reason}`, { queue, id, reason });
  }
}

export class InvalidStateError extends ConveyorError {
  constructor(queue: string, id: string, state: string, wanted: string) {
    super(ErrorCode.InvalidState, `job "${id}" in queue "${queue}" is ${state}; ${wanted}`, { queue, id, state });
  }
}

export function isErrorShape(value: unknown): value is ErrorShape {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

/** Any thrown value to the serializable error shape; unknown errors become INTERNAL. */
export function toErrorShape(err: unknown): ErrorShape {
  if (err instanceof ConveyorError) return err.toShape();
  if (err instanceof Error) return { code: ErrorCode.Internal, message: err.message };
  return { code: ErrorCode.Internal, message: String(err) };
}
