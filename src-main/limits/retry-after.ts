/**
 * How long a rate-limited service asks us to wait (issue #18), read from an
 * HTTP 429's headers: Retry-After (seconds or an HTTP date), else the
 * OpenAI-style x-ratelimit-reset-requests / -tokens ("1s", "6m0s", "20ms").
 */

/** What a 429 without any usable header waits. */
export const DEFAULT_RETRY_AFTER_MS = 1000;

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "6m0s", "1.5s", "20ms", or a bare number of seconds; undefined when unreadable. */
export function parseResetDuration(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.ceil(Number(t) * 1000);
  if (!/^(\d+(\.\d+)?(ms|h|m|s))+$/.test(t)) return undefined;
  let ms = 0;
  for (const m of t.matchAll(DURATION_PART)) ms += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0);
  return Math.ceil(ms);
}

/** Retry-After: delay-seconds or an HTTP date, as ms from `now`; undefined when unreadable. */
export function parseRetryAfter(text: string, now = Date.now()): number | undefined {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.ceil(Number(t) * 1000);
  const at = Date.parse(t);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The wait a 429's headers ask for; the longest of the reset headers when there is no Retry-After. */
export function retryAfterMs(headers: { get(name: string): string | null }, now = Date.now()): number {
  const ra = headers.get('retry-after');
  const fromRa = ra === null ? undefined : parseRetryAfter(ra, now);
  if (fromRa !== undefined) return fromRa;
  const resets = ['x-ratelimit-reset-requests', 'x-ratelimit-reset-tokens', 'x-ratelimit-reset']
    .map((h) => headers.get(h))
    .flatMap((v) => (v === null ? [] : [parseResetDuration(v)]))
    .filter((v): v is number => v !== undefined);
  return resets.length > 0 ? Math.max(...resets) : DEFAULT_RETRY_AFTER_MS;
}
