import type { QueueKeys } from '../queue/keys';

/**
 * Names and buckets of the metrics history (written by lua/metrics.lua, read
 * by history.ts). Kept apart so tests and the reader share one definition.
 */

/** Upper bounds (ms) of the wait and run time buckets; metrics.lua's MX_BOUNDS, which a unit test compares. */
export const HISTORY_BOUNDS_MS = [
  1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 900000, 3600000,
] as const;

/** Minute hash: `<prefix>:{<queue>}:m:<minute>`, minute = Redis ms // 60000. */
export function metricsKey(k: QueueKeys, minute: number): string {
  return `${k.base}m:${minute}`;
}

/** Hourly roll-up of 60 minute hashes: `<prefix>:{<queue>}:h:<hour>`, hour = ms // 3600000. */
export function rollupKey(k: QueueKeys, hour: number): string {
  return `${k.base}h:${hour}`;
}

/** Meta field holding the minute hashes' lifetime in seconds (metrics.lua reads it). */
export const HISTORY_TTL_FIELD = 'mx_ttl';

const FAILED_KINDS = new Set(['r', 'd', 'x']);

/** Whether a history field is in metrics.lua's layout (`<name>.|<agent>`), not an earlier version's (`<name>|<agent>`). */
export function isDottedHistoryField(field: string): boolean {
  const bar = field.indexOf('|');
  return bar > 0 && field[bar - 1] === '.';
}

/**
 * A history hash in the plain names every reader uses, whichever version wrote it: metrics.lua's
 * `<name>.|<agent>` as `<name>|<agent>`, plus `f|<agent>` (failed attempts: r + d + x), which it does
 * not write. Plain fields (earlier writers, roll-ups) pass through, so expanding twice changes nothing.
 */
export function expandHistoryFields(hash: Record<string, string>): Record<string, string> {
  const out: Record<string, number> = {};
  const add = (field: string, n: number): void => {
    out[field] = (out[field] ?? 0) + n;
  };
  for (const [field, value] of Object.entries(hash)) {
    const n = Number(value);
    if (!isDottedHistoryField(field)) {
      add(field, n);
      continue;
    }
    const bar = field.indexOf('|');
    const name = field.slice(0, bar - 1);
    const agent = field.slice(bar);
    add(name + agent, n);
    if (FAILED_KINDS.has(name)) add('f' + agent, n);
  }
  return Object.fromEntries(Object.entries(out).map(([f, v]) => [f, String(v)]));
}
