import { z } from 'zod';
import { ConveyorError, ErrorCode } from './errors';
import { GROUP_PATTERN, GROUP_RULE } from './queue-options-schema';

/**
 * Limits on a queue and its groups (issue #18), as operators write them:
 * `rate: 10/s`, `concurrency: 5`, `points: 200000/m`. Enforced by the lease
 * script (src-main/queue/lua/limits.lua).
 */

/** What a rate or points window may be written as: `<count>/<window>`, the window a unit with an optional count. */
export const RATE_RULE =
  'N/<window>, N a positive integer and <window> one of ms, s, m, h, d, optionally preceded by a count (10/s, 600/m, 100/10s)';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const RATE = /^\s*(\d+)\s*\/\s*(\d*)\s*(ms|s|m|h|d)\s*$/;

export interface Rate {
  count: number;
  periodMs: number;
}

/** Parses `10/s`, `600/m`, `100/10s`; undefined for anything else (0 or negative counts included). */
export function parseRate(text: string): Rate | undefined {
  const m = RATE.exec(text);
  if (!m) return undefined;
  const count = Number(m[1]);
  const per = m[2] === '' ? 1 : Number(m[2]);
  const periodMs = per * (UNIT_MS[m[3] ?? ''] ?? 0);
  if (!Number.isSafeInteger(count) || count < 1 || !Number.isSafeInteger(periodMs) || periodMs < 1) return undefined;
  return { count, periodMs };
}

/** `count/periodMs` written back the short way (`20/s`, `100/10s`). */
export function formatRate(r: Rate): string {
  for (const [unit, ms] of Object.entries(UNIT_MS).reverse()) {
    if (r.periodMs % ms === 0) {
      const k = r.periodMs / ms;
      return `${r.count}/${k === 1 ? '' : k}${unit}`;
    }
  }
  return `${r.count}/${r.periodMs}ms`;
}

const rateText = (field: string) => z.string().refine((s) => parseRate(s) !== undefined, { message: `${field}: expected ${RATE_RULE}` });

/** One scope's limits; every field optional, at least one given. */
export const limitSpecSchema = z
  .object({
    rate: rateText('rate'),
    /** Jobs the rate lets start at once after a quiet spell (default 1: evenly spaced). */
    burst: z.number().int().min(1).max(1_000_000),
    concurrency: z.number().int().min(1).max(1_000_000),
    points: rateText('points'),
  })
  .partial()
  .strict()
  .refine((s) => Object.keys(s).length > 0, { message: 'give at least one of rate, burst, concurrency, points' });

export type LimitSpec = z.infer<typeof limitSpecSchema>;

/** The default limit for every group of a queue: `--group '*'`. */
export const DEFAULT_GROUP = '*';

export const limitGroupSchema = z.union([
  z.literal(DEFAULT_GROUP),
  z.string().regex(GROUP_PATTERN, `group: use ${GROUP_RULE}, or * for every group's default`),
]);

/** config.yml `limits:`: per queue, the queue's own limit, every group's default, and per-group overrides. */
export const queueLimitsConfigSchema = z
  .object({
    queue: limitSpecSchema,
    default_group: limitSpecSchema,
    groups: z.record(z.string().regex(GROUP_PATTERN, `group names: use ${GROUP_RULE}`), limitSpecSchema),
  })
  .partial()
  .strict();
export const limitsConfigSchema = z.record(z.string(), queueLimitsConfigSchema);
export type LimitsConfig = z.infer<typeof limitsConfigSchema>;

function describe(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const path = i.path.join('.');
      if (i.code === 'unrecognized_keys')
        return `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.join(', ')}: valid are rate, burst, concurrency, points`;
      return path && !i.message.startsWith(`${path}:`) ? `${path}: ${i.message}` : i.message;
    })
    .join('; ');
}

/** A spec checked whole, or one ConveyorError (INVALID_ARGS) naming each bad field and what is valid. */
export function parseLimitSpec(value: unknown): LimitSpec {
  const r = limitSpecSchema.safeParse(value);
  if (!r.success)
    throw new ConveyorError(ErrorCode.InvalidArgs, `invalid limit: ${describe(r.error)}`, { issues: r.error.issues.map((i) => i.message) });
  return r.data;
}

export function parseLimitGroup(value: unknown): string {
  const r = limitGroupSchema.safeParse(value);
  if (!r.success) throw new ConveyorError(ErrorCode.InvalidArgs, `invalid limit: group: use ${GROUP_RULE}, or * for every group's default`);
  return r.data;
}

/** What one scope's limiter holds now, as `limit ls` and the control center show it. */
export interface LimitState {
  /** Absent for the queue's own limit; `*` for the default of every group. */
  group?: string;
  spec: LimitSpec;
  /** Jobs active now (concurrency used). */
  active: number;
  /** Points used in the current window, and the window's end (ms). */
  pointsUsed?: number;
  pointsWindowEndsAt?: number;
  /** When the rate lets the next job start (ms; absent or past: now). */
  nextAllowedAt?: number;
  /** A 429 paused the group until then (ms). */
  pausedUntil?: number;
  /** Jobs of the group waiting now. */
  waiting?: number;
}

export interface LimitsView {
  queue: string;
  /** Server time the state was read at (ms). */
  now: number;
  limits: LimitState[];
  /** Groups with jobs waiting or active that have no limit of their own (they follow the default). */
  groups: LimitState[];
}
