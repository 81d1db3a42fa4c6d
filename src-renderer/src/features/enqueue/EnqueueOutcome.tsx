import { ErrorMessage } from '../../components/ErrorMessage';
import { describeError, queueFullFacts, describeQueueFull, type UiError } from '../../lib/errors';

/** A refused enqueue in words; the queue-full case with its cap and depth. */
export function EnqueueError({ error, jobs, prefix = '' }: { error: UiError; jobs: number; prefix?: string }) {
  const full = queueFullFacts(error);
  if (full) {
    return (
      <ErrorMessage testId="queue-full-error">
        {prefix}
        {describeQueueFull(full, jobs)}
      </ErrorMessage>
    );
  }
  return (
    <ErrorMessage testId="enqueue-error">
      {prefix}
      {describeError(error, jobs)}
    </ErrorMessage>
  );
}
