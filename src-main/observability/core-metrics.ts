import { ConveyorError, ErrorCode } from '../../src-shared/errors';
import type { RedisQueueAdapter } from '../queue/redis-queue-adapter';
import { ConveyorMetrics, type QueueMetricsSource } from './prometheus';

/**
 * `conveyor serve`'s /metrics: the queue-wide series of every queue, read
 * through whichever adapter the control core holds now (it reconnects when
 * config.yml changes; while it has none, a scrape answers 503).
 */
export function coreMetrics(core: {
  readonly adapter: RedisQueueAdapter | undefined;
}): () => Promise<{ contentType: string; body: string }> {
  const current = (): RedisQueueAdapter => {
    const a = core.adapter;
    if (!a) throw new ConveyorError(ErrorCode.RedisUnavailable, 'not connected to Redis');
    return a;
  };
  const source: QueueMetricsSource = {
    get redis() {
      return current().redis;
    },
    get keyPrefix() {
      return current().keyPrefix;
    },
    listQueues: () => current().listQueues(),
    counts: (q) => current().counts(q),
    listWorkers: () => current().listWorkers(),
  };
  const metrics = new ConveyorMetrics({ adapter: source });
  return async () => ({ contentType: metrics.contentType, body: await metrics.render() });
}
