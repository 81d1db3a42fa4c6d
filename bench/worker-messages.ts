import type { ContenderName } from './contender';

/** What a worker process is told on its command line (JSON). */
export interface WorkerSpec {
  contender: ContenderName;
  redisUrl: string;
  prefix: string;
  queue: string;
  /** One of the contender's consumer setups. */
  setup: string;
}

/** Parent → worker process. */
export type ToWorker = { type: 'go' } | { type: 'stop' };
/** Worker process → parent. `count`: jobs completed since the last count. */
export type FromWorker = { type: 'ready' } | { type: 'count'; n: number } | { type: 'error'; message: string };
