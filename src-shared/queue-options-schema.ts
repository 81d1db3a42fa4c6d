import { z } from 'zod';
import type { EnqueueOptions } from './job';

/** Validates the options a caller passes to `createQueue` (camelCase, all optional). */

const int = (min: number) => z.number().int().min(min);

export const queueOptionsSchema = z
  .object({
    maxLength: int(1),
    maxRetries: int(0),
    leaseMs: int(1000),
    backoff: z.object({
      type: z.enum(['fixed', 'exponential']),
      delayMs: int(0),
      maxDelayMs: int(0),
    }),
    retention: z.object({
      completed: z.object({ count: int(0), ageS: int(0) }),
      dead: z.object({ count: int(0), ageS: int(0) }),
    }),
  })
  .strict();

export const partialQueueOptionsSchema = queueOptionsSchema.partial().strict();

/** A job's group (issue #18): a tenant, or a provider/model key. */
export const GROUP_PATTERN = /^[A-Za-z0-9._:@/-]{1,128}$/;
export const GROUP_RULE = '1-128 characters of A-Z a-z 0-9 . _ : @ / -';

export const enqueueOptionsSchema = z
  .object({
    priority: z.number().int().min(-1_000_000).max(1_000_000),
    delayMs: int(0),
    jobId: z.string().min(1).max(256),
    maxRetries: int(0),
    timeoutMs: int(1),
    waitMs: int(0),
    group: z.string().regex(GROUP_PATTERN, `group: use ${GROUP_RULE}`),
  })
  .partial()
  .strict();

interface OptionBounds {
  string: boolean;
  min: number;
  max: number;
}

/** Each enqueue option's type and bounds, read off the schema so that the hand check below cannot drift from it. */
const ENQUEUE_OPTION_BOUNDS: ReadonlyMap<string, OptionBounds> = new Map(
  Object.entries(enqueueOptionsSchema.shape).map(([key, optional]): [string, OptionBounds] => {
    const s = optional.unwrap();
    if (s instanceof z.ZodString) return [key, { string: true, min: s.minLength ?? 0, max: s.maxLength ?? Infinity }];
    // Every numeric option is an integer: the check below asks for a safe integer, as the schema's `int()` does.
    if (!s.isInt) throw new TypeError(`enqueue option ${key}: the fast check knows integers only`);
    return [key, { string: false, min: s.minValue ?? -Infinity, max: s.maxValue ?? Infinity }];
  }),
);

/**
 * `enqueueOptionsSchema.parse` for options that are plainly valid, without the
 * schema (every enqueue passes here): the caller's object itself, whose options
 * read as the schema's result would. Undefined for anything else, so that the
 * schema stays the one judge of what is invalid and the one source of its
 * error message (the unit test `item-fast-path` holds the two together).
 */
export function fastParseEnqueueOptions(opts: unknown): EnqueueOptions | undefined {
  if (typeof opts !== 'object' || opts === null) return undefined;
  const proto: unknown = Object.getPrototypeOf(opts);
  if (proto !== Object.prototype && proto !== null) return undefined;
  // for…in, as the schema's strict check: inherited enumerable keys count too.
  for (const key in opts) {
    const bounds = ENQUEUE_OPTION_BOUNDS.get(key);
    if (!bounds) return undefined;
    const v = (opts as Record<string, unknown>)[key];
    if (v === undefined) continue;
    if (bounds.string) {
      if (typeof v !== 'string' || v.length < bounds.min || v.length > bounds.max) return undefined;
    } else if (!Number.isSafeInteger(v) || (v as number) < bounds.min || (v as number) > bounds.max) {
      return undefined;
    }
  }
  return opts as EnqueueOptions;
}
