import type { PoolStatus } from '../../../../src-shared/contract';
import type { WorkerInfo } from '../../../../src-shared/worker';

export interface WorkersSlice {
  /** Every worker process on every host, from the registry in Redis. */
  workers: readonly WorkerInfo[];
  workersLoaded: boolean;
  /** This process's own pool. */
  pool: PoolStatus | null;
}

export const initialWorkers: WorkersSlice = { workers: [], workersLoaded: false, pool: null };
