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

/** Whether a history field is in metrics.lua's packed format (a '.' before the '|'), not an earlier version's plain one. */
export function isPackedHistoryField(field: string): boolean {
  const dot = field.indexOf('.');
  return dot >= 0 && dot < field.indexOf('|');
}

/**
 * A history hash with metrics.lua's packed fields (`<kind>.<w>.<t>|<agent>`: attempts that ended as
 * kind with wait bucket w and run bucket t, 0 when not known; `W.|<agent>` / `T.|<agent>` the sums)
 * expanded into the plain ones every reader uses: `<kind>|<agent>`, `f|<agent>` (r + d + x),
 * `w<i>|<agent>`, `t<i>|<agent>`, `W|<agent>` and `T|<agent>`. Plain fields (older writers, roll-ups)
 * pass through, so expanding twice changes nothing.
 */
export function expandHistoryFields(hash: Record<string, string>): Record<string, string> {
  const out: Record<string, number> = {};
  const add = (field: string, n: number): void => {
    out[field] = (out[field] ?? 0) + n;
  };
  for (const [field, value] of Object.entries(hash)) {
    const n = Number(value);
    const m = /^([a-zA-Z])\.(?:(\d+)\.(\d+))?(\|.*)$/s.exec(field);
    if (!m) {
      add(field, n);
      continue;
    }
    const [, kind = '', w = '0', t = '0', agent = '|'] = m;
    add(kind + agent, n);
    if (FAILED_KINDS.has(kind)) add('f' + agent, n);
    if (w !== '0') add(`w${w}${agent}`, n);
    if (t !== '0') add(`t${t}${agent}`, n);
  }
  return Object.fromEntries(Object.entries(out).map(([f, v]) => [f, String(v)]));
}
