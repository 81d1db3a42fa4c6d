import { z } from 'zod';

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

export const enqueueOptionsSchema = z
  .object({
    priority: z.number().int().min(-1_000_000).max(1_000_000),
    delayMs: int(0),
    jobId: z.string().min(1).max(256),
    maxRetries: int(0),
    timeoutMs: int(1),
    waitMs: int(0),
  })
  .partial()
  .strict();
