import type { QueueConfig } from '../../src-shared/config-schema';
import type { QueueOptions } from '../../src-shared/job';
import { resolveConnectionSettings } from '../config/connection-settings';
import type { RedisQueueAdapterOptions } from './redis-queue-adapter';

/** Default options of new queues, from config.yml's `queue:` section. */
export function queueDefaultsFromConfig(queue: QueueConfig): QueueOptions {
  return {
    maxLength: queue.max_length,
    maxRetries: queue.max_retries,
    leaseMs: queue.lease_ms,
    backoff: { type: queue.backoff.type, delayMs: queue.backoff.delay_ms, maxDelayMs: queue.backoff.max_delay_ms },
    retention: {
      completed: { count: queue.retention.completed.count, ageS: queue.retention.completed.age_s },
      dead: { count: queue.retention.dead.count, ageS: queue.retention.dead.age_s },
    },
  };
}

/** Everything the adapter needs from config.yml and the environment (REDIS_URL, password env var). */
export function adapterOptionsFromConfig(
  queue: QueueConfig,
  env: NodeJS.ProcessEnv = process.env,
  baseDir?: string,
): { options: RedisQueueAdapterOptions; warnings: string[] } {
  const { settings, warnings } = resolveConnectionSettings(queue, env, baseDir === undefined ? {} : { baseDir });
  return {
    options: {
      connection: settings,
      keyPrefix: queue.key_prefix,
      defaults: queueDefaultsFromConfig(queue),
      eventsMaxLen: queue.events_max_len,
      maxPayloadBytes: queue.max_payload_bytes,
      waitForFsync: queue.wait_for_fsync,
      waitForReplicas: { count: queue.wait_for_replicas, timeoutMs: queue.wait_for_replicas_timeout_ms },
    },
    warnings,
  };
}
