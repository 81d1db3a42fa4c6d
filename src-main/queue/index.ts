/**
 * `conveyor/queue`: the queue for any Node program (no Electron, no renderer).
 *
 *   import { connectQueue, agentItem } from 'conveyor/queue';
 *   const queue = await connectQueue();            // config.yml lookup, REDIS_URL, defaults
 *   await queue.createQueue('agents');
 *   const id = await queue.enqueue('agents', agentItem('summarizer', 'Summarise the Q3 earnings call.'));
 */
import { DEFAULT_CONFIG, type QueueConfig } from '../../src-shared/config-schema';
import { loadConfigFile } from '../config/config-file';
import { findConfigFile } from '../config/config-lookup';
import { adapterOptionsFromConfig } from './adapter-options';
import { RedisQueueAdapter, type RedisQueueAdapterOptions } from './redis-queue-adapter';

export { RedisQueueAdapter } from './redis-queue-adapter';
export type {
  RedisQueueAdapterOptions,
  BatchResult,
  LeaseBatch,
  LeaseRef,
  ProgressUpdate,
  DequeueManyOptions,
} from './redis-queue-adapter';
export type { QueuePort, DequeueOptions, EventsOptions } from './port';
export { adapterOptionsFromConfig, queueDefaultsFromConfig } from './adapter-options';
export { agentItem } from '../../src-shared/item-schema';
export * from '../../src-shared/errors';
export type * from '../../src-shared/job';
export { queuedCount, RELEASE_REASONS } from '../../src-shared/job';
export type { WorkerInfo } from '../../src-shared/worker';
// Flows (README "Flows").
export { chain, fanOut, flowFromSpec } from '../flows/flow-helpers';
export { FLOW_LIMITS, FLOW_POLICIES } from '../flows/flow-types';
export type { FlowNode, FlowPolicy, FlowJobRef, FlowTree, ChildResult, ChildOutcome } from '../flows/flow-types';
export type { FlowEngine } from '../flows/flow-engine';
export type { HistoryRange, MetricsHistory } from '../../src-shared/metrics-history';
export type { QueueConfig, ConveyorConfig } from '../../src-shared/config-schema';
// The defaults of config.yml, e.g. `adapterOptionsFromConfig(DEFAULT_CONFIG.queue)` without a config file.
export { DEFAULT_CONFIG } from '../../src-shared/config-schema';

/**
 * Connects with the configuration a user would expect: `options.configPath`,
 * else $CONVEYOR_CONFIG, ./config.yml or the user config folder (defaults when
 * there is none), `REDIS_URL` overriding the connection; `queue` overrides keys.
 */
export async function connectQueue(
  options: { configPath?: string; queue?: Partial<QueueConfig>; env?: NodeJS.ProcessEnv; adapter?: Partial<RedisQueueAdapterOptions> } = {},
): Promise<RedisQueueAdapter> {
  const env = options.env ?? process.env;
  const location = findConfigFile({ ...(options.configPath ? { explicitPath: options.configPath } : {}), env });
  const loaded = await loadConfigFile(location.path);
  const queue: QueueConfig = { ...(loaded.exists ? loaded.config.queue : DEFAULT_CONFIG.queue), ...options.queue };
  const { options: adapterOptions } = adapterOptionsFromConfig(queue, env);
  return RedisQueueAdapter.connect({ ...adapterOptions, ...options.adapter });
}
