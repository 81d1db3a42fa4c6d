import { ConveyorError, ErrorCode } from '../../src-shared/errors';

/** Why the pool itself (not a job) could not go on. */
export const PoolErrorCode = {
  ThreadEntryMissing: 'POOL_THREAD_ENTRY_MISSING',
  ThreadsDyingAtStartup: 'POOL_THREADS_DYING_AT_STARTUP',
  InvalidState: 'POOL_INVALID_STATE',
} as const;
export type PoolErrorCode = (typeof PoolErrorCode)[keyof typeof PoolErrorCode];

export class PoolError extends ConveyorError {
  readonly poolCode: PoolErrorCode;
  constructor(poolCode: PoolErrorCode, message: string, options?: { cause?: unknown }) {
    super(ErrorCode.Pool, message, { pool: poolCode }, options);
    this.poolCode = poolCode;
  }
}
