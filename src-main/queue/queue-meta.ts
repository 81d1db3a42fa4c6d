import type { QueueOptions } from '../../src-shared/job';

/**
 * A queue's options as the fields of its `meta` hash, and back. The same hash
 * holds `paused`, `created` and the scripts' counters (`seq`, `lseq`, `evn`, `evg`).
 */
export function metaFields(o: Partial<QueueOptions>): Record<string, string | number> {
  const f: Record<string, string | number> = {};
  if (o.maxLength !== undefined) f['max_len'] = o.maxLength;
  if (o.maxRetries !== undefined) f['max_retries'] = o.maxRetries;
  if (o.leaseMs !== undefined) f['lease_ms'] = o.leaseMs;
  if (o.backoff) {
    f['backoff_type'] = o.backoff.type;
    f['backoff_delay'] = o.backoff.delayMs;
    f['backoff_max'] = o.backoff.maxDelayMs;
  }
  if (o.retention) {
    f['completed_count'] = o.retention.completed.count;
    f['completed_age_s'] = o.retention.completed.ageS;
    f['dead_count'] = o.retention.dead.count;
    f['dead_age_s'] = o.retention.dead.ageS;
  }
  return f;
}

/** The fields `metaFields` writes, plus the paused flag: what a rebuilt meta must keep. */
export const SETTINGS_FIELDS = [
  ...Object.keys(
    metaFields({
      maxLength: 0,
      maxRetries: 0,
      leaseMs: 0,
      backoff: { type: 'fixed', delayMs: 0, maxDelayMs: 0 },
      retention: { completed: { count: 0, ageS: 0 }, dead: { count: 0, ageS: 0 } },
    }),
  ),
  'paused',
  'created',
];

export function metaOptions(meta: Record<string, string>): QueueOptions {
  const n = (k: string): number => Number(meta[k] ?? 0);
  return {
    maxLength: n('max_len'),
    maxRetries: n('max_retries'),
    leaseMs: n('lease_ms'),
    backoff: {
      type: meta['backoff_type'] === 'fixed' ? 'fixed' : 'exponential',
      delayMs: n('backoff_delay'),
      maxDelayMs: n('backoff_max'),
    },
    retention: {
      completed: { count: n('completed_count'), ageS: n('completed_age_s') },
      dead: { count: n('dead_count'), ageS: n('dead_age_s') },
    },
  };
}
