/**
 * Errors agents throw. Both are ConveyorErrors, so they keep a stable code
 * across the thread boundary; `retryable` tells the pool whether another
 * attempt could succeed (it reads the property off any error).
 */
import { ConveyorError, ErrorCode, type ErrorDetails } from '../../src-shared/errors';

/** How a job's input is shown in a message: JSON, shortened. */
export function describeInput(value: unknown): string {
  if (value === undefined) return 'nothing';
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  if (json === undefined) return typeof value;
  return json.length > 62 ? `${json.slice(0, 58)}…` : json;
}

/** The job's input is not what the agent takes: no retry can fix that. */
export class AgentInputError extends ConveyorError {
  readonly retryable = false;
  constructor(agent: string, expected: string, got: unknown) {
    super(ErrorCode.ItemInvalid, `${agent}: expected input ${expected}, got ${describeInput(got)}`, { agent });
  }
}

export interface LlmErrorDetails extends ErrorDetails {
  agent: string;
  /** The endpoint, password masked. */
  url: string;
  /** HTTP status, when the server answered. */
  status?: number;
}

/** An LLM request that failed: unreachable server, HTTP error, or a reply that cannot be read. */
export class LlmAgentError extends ConveyorError {
  readonly retryable: boolean;
  constructor(message: string, details: LlmErrorDetails, options: { retryable: boolean; cause?: unknown }) {
    super(ErrorCode.Internal, `${details.agent}: ${message}`, details, { cause: options.cause });
    this.retryable = options.retryable;
  }
}

/**
 * The service the agent calls said "too many requests, retry after X" (an
 * HTTP 429, say). The job waits again without spending an attempt, and its
 * group (not the whole queue) pauses for `retryAfterMs` (issue #18).
 */
export class RateLimitedError extends ConveyorError {
  readonly retryable = true;
  constructor(
    message: string,
    readonly retryAfterMs: number,
    details?: ErrorDetails,
  ) {
    super(ErrorCode.Internal, message, { ...details, retryAfterMs });
  }
}
