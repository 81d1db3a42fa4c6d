import { ErrorCode, isErrorShape, type ConfigIssue } from '../../../src-shared/errors';

/**
 * What the UI knows about a failed call. The api client throws `ApiError`
 * ({code, message, details}); we read it by shape rather than by class so the
 * UI works with any client (and with the fake api of the tests).
 */
export interface UiError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export function toUiError(err: unknown): UiError {
  if (isErrorShape(err)) {
    const details = (err as { details?: unknown }).details;
    return typeof details === 'object' && details !== null
      ? { code: err.code, message: err.message, details: details as Record<string, unknown> }
      : { code: err.code, message: err.message };
  }
  if (err instanceof Error) return { code: ErrorCode.Internal, message: err.message };
  return { code: ErrorCode.Internal, message: String(err) };
}

export interface QueueFullFacts {
  queue?: string;
  depth: number;
  limit: number;
}

/** `QUEUE_FULL` details (`{queue, depth, limit}`), or undefined for any other error. */
export function queueFullFacts(error: UiError): QueueFullFacts | undefined {
  if (error.code !== ErrorCode.QueueFull) return undefined;
  const d = error.details ?? {};
  const depth = typeof d['depth'] === 'number' ? d['depth'] : NaN;
  const limit = typeof d['limit'] === 'number' ? d['limit'] : NaN;
  const queue = typeof d['queue'] === 'string' ? d['queue'] : undefined;
  if (!Number.isFinite(depth) || !Number.isFinite(limit)) return undefined;
  return queue === undefined ? { depth, limit } : { queue, depth, limit };
}

const n = (x: number): string => x.toLocaleString('en-US');

/**
 * The queue-full refusal in words a person can act on. `jobs` is how many
 * jobs the refused call carried: enqueueMany is all or nothing.
 */
export function describeQueueFull(facts: QueueFullFacts, jobs = 1): string {
  const name = facts.queue === undefined ? 'The queue' : `Queue "${facts.queue}"`;
  const what = jobs === 1 ? 'The job was not enqueued.' : `None of the ${n(jobs)} jobs were enqueued.`;
  const room = Math.max(facts.limit - facts.depth, 0);
  const fits = jobs > 1 && room > 0 ? ` Only ${n(room)} more would fit.` : '';
  return (
    `${name} is full: ${n(facts.depth)} ${facts.depth === 1 ? 'job is' : 'jobs are'} waiting or delayed, ` +
    `and its cap is ${n(facts.limit)}. ${what}${fits} ` +
    "Wait for workers to work it down, or raise the queue's cap (max length)."
  );
}

/** Config issues carried by a `CONFIG_INVALID` error, if any. */
export function configIssuesOf(error: UiError): ConfigIssue[] {
  const issues = error.details?.['issues'];
  if (!Array.isArray(issues)) return [];
  return issues.filter(
    (i): i is ConfigIssue =>
      typeof i === 'object' && i !== null && typeof (i as ConfigIssue).path === 'string' && typeof (i as ConfigIssue).message === 'string',
  );
}

/** One line for an error, with a hint where the code calls for one. */
export function describeError(error: UiError, jobs = 1): string {
  const full = queueFullFacts(error);
  if (full) return describeQueueFull(full, jobs);
  // Its message already says Redis is unavailable, and where: saying it again only repeats it (issue #17).
  if (error.code === ErrorCode.RedisUnavailable)
    return /redis/i.test(error.message) ? error.message : `Redis is unreachable: ${error.message}`;
  return error.message;
}
