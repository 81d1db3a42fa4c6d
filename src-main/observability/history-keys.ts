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
