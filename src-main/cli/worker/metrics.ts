/**
 * `conveyor worker --metrics-port N`: the Prometheus endpoint of a worker
 * process (observability/prometheus.ts), over the queues it serves.
 */
import { MetricsServer } from '../../observability/metrics-server';
import { ConveyorMetrics, type PoolMetricsSource, type QueueMetricsSource } from '../../observability/prometheus';
import type { MetricsConfig } from '../../../src-shared/config-schema';
import { readMetricsHistory, setHistoryRetention } from '../../observability/history';

/** How often a worker rolls finished hours of history up (history.ts), so they outlive their minutes unread. */
const ROLL_UP_MS = 15 * 60_000;

/** Reads the longest minute-backed range now and then: the read writes the hourly roll-ups it finds missing. */
function rollUpEvery(ms: number, adapter: QueueMetricsSource, queues: string[], config: MetricsConfig): NodeJS.Timeout {
  const timer = setInterval(() => {
    for (const q of queues) void readMetricsHistory(adapter, q, { range: '7d', rollupDays: config.rollup_days }).catch(() => undefined);
  }, ms);
  timer.unref();
  return timer;
}

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
): Promise<{ close(): Promise<void> }> {
  for (const q of queues) await setHistoryRetention(adapter.redis, adapter.keyPrefix, q, config.history_days);
  const rollUps = rollUpEvery(ROLL_UP_MS, adapter, queues, config);
  if (flags.metricsPort === undefined) return { close: async () => clearInterval(rollUps) };
  const metrics = new ConveyorMetrics({ adapter, pool, queues: () => queues });
  const host = flags.metricsHost ?? '127.0.0.1';
  const server = await MetricsServer.listen(metrics, flags.metricsPort, host);
  say(`metrics at http://${host.includes(':') ? `[${host}]` : host}:${server.port}/metrics`);
  return {
    close: async () => {
      clearInterval(rollUps);
      metrics.close();
      await server.close();
    },
  };
}
