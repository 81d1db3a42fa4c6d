/** `conveyor/pool`: run agent jobs on worker threads from any Node program. */
export { WorkerPool, resolveThreadEntry } from './pool';
export type { PoolOptions, PoolEvent, JobEventState } from './pool';
export { PoolError, PoolErrorCode } from './errors';
