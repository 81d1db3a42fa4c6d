/** A worker process as the registry in Redis shows it. */
export interface WorkerInfo {
  id: string;
  host: string;
  pid: number;
  queues: string[];
  threads: number;
  /** Async jobs per thread. */
  concurrency: number;
  /** `queue/id` of every job running now. */
  running: string[];
  processed: number;
  failed: number;
  /** ms since epoch. */
  startedAt: number;
  lastHeartbeat: number;
  /** Names of the agents its threads loaded (absent from workers of earlier versions, empty until its first thread is ready). */
  agents?: string[];
}
