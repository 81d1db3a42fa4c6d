import {
  ConveyorError,
  ErrorCode,
  InvalidStateError,
  JobNotFoundError,
  LeaseLostError,
  QueueFullError,
  QueueNotFoundError,
} from '../../src-shared/errors';

/**
 * The negative codes the Lua scripts answer (common.lua names them too), and
 * the one place each becomes a typed error.
 */
export const ScriptCode = {
  QueueNotFound: -1,
  QueueFull: -2,
  JobNotFound: -3,
  LeaseLost: -4,
  InvalidState: -5,
} as const;
export type ScriptCode = (typeof ScriptCode)[keyof typeof ScriptCode];

const CODES: ReadonlySet<unknown> = new Set(Object.values(ScriptCode));

export function isScriptCode(value: unknown): value is ScriptCode {
  return CODES.has(value);
}

/** What the error names: the queue, and where it applies the job, its state, the queue's depth and cap. */
export interface CodeContext {
  queue: string;
  id?: string;
  /** INVALID_STATE: the job's state now, and what the verb wanted. */
  state?: string;
  wanted?: string;
  /** QUEUE_FULL */
  depth?: number;
  limit?: number;
}

export function scriptError(code: ScriptCode, ctx: CodeContext): ConveyorError {
  const id = ctx.id ?? '';
  switch (code) {
    case ScriptCode.QueueNotFound:
      return new QueueNotFoundError(ctx.queue);
    case ScriptCode.QueueFull:
      return new QueueFullError(ctx.queue, ctx.depth ?? 0, ctx.limit ?? 0);
    case ScriptCode.JobNotFound:
      return new JobNotFoundError(ctx.queue, id);
    case ScriptCode.LeaseLost:
      return new LeaseLostError(ctx.queue, id, 'the lease expired, was re-leased, or belongs to another worker');
    case ScriptCode.InvalidState:
      return new InvalidStateError(ctx.queue, id, ctx.state ?? 'unknown', ctx.wanted ?? 'not allowed in this state');
  }
}

/** A reply that should be a code or a value of its own: the typed error for an unexpected one. */
export function unexpectedReply(what: string, reply: unknown): ConveyorError {
  return new ConveyorError(ErrorCode.Internal, `${what}: unexpected script reply ${JSON.stringify(reply)}`);
}
