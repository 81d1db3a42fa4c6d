/**
 * `conveyor worker --metrics-port N`: the Prometheus endpoint of a worker
 * process (observability/prometheus.ts), over the queues it serves.
 */
import { MetricsServer } from '../../observability/metrics-server';
import { ConveyorMetrics, type PoolMetricsSource, type QueueMetricsSource } from '../../observability/prometheus';
import type { MetricsConfig } from '../../../src-shared/config-schema';
import { setHistoryRetention } from '../../observability/history';

export interface MetricsFlags {
  metricsPort?: number;
  metricsHost?: string;
}

/**
 * Applies config.yml's history retention to the worker's queues (metrics.lua
 * reads it per call), then starts the metrics server when asked; its close
 * also detaches it from the pool.
 */
export async function serveMetrics(
  adapter: QueueMetricsSource,
  pool: PoolMetricsSource,
  queues: string[],
  flags: MetricsFlags,
  say: (line: string) => void,
  config: MetricsConfig,
): Promise<{ close(): Promise<void> } | undefined> {
  for (const q of queues) await setHistoryRetention(adapter.redis, adapter.keyPrefix, q, config.history_days);
  if (flags.metricsPort === undefined) return undefined;
  const metrics = new ConveyorMetrics({ adapter, pool, queues: () => queues });
  const host = flags.metricsHost ?? '127.0.0.1';
  const server = await MetricsServer.listen(metrics, flags.metricsPort, host);
  say(`metrics at http://${host.includes(':') ? `[${host}]` : host}:${server.port}/metrics`);
  return {
    close: async () => {
      metrics.close();
      await server.close();
    },
  };
}
