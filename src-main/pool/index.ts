/** `conveyor/pool`: run agent jobs on worker threads from any Node program, or any handler in-process. */
export { WorkerPool, resolveThreadEntry, STOP_MARGIN_MS } from './pool';
export type { PoolOptions, PoolWorkers, PoolEvent, JobEventState } from './pool';
export { processJobs } from './process-jobs';
export type { JobContext, JobHandler, ProcessJobsOptions, ProcessJobsResult } from './process-jobs';
export { PoolError, PoolErrorCode } from './errors';
