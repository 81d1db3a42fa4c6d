import { formatTime } from '../lib/format';
import { useAppShallow } from './shell-context';

/** Shown while Redis is unreachable: what is wrong, and that the views show the last known state. */
export function ConnectionBanner() {
  const { state, target, error, since } = useAppShallow((s) => ({
    state: s.connection?.state,
    target: s.connection?.target,
    error: s.connection?.error,
    since: s.connection?.since,
  }));
  if (state !== 'disconnected') return null;
  return (
    <div className="banner banner-danger" role="alert" data-testid="redis-banner">
      <strong>Redis is unreachable</strong>
      {target ? (
        <>
          {' '}
          at <code>{target}</code>
        </>
      ) : null}
      {error ? <>: {error}</> : null}. Conveyor keeps trying to reconnect; the views show the last known state
      {since ? <> (since {formatTime(since)})</> : null}. Jobs already in Redis are safe.
    </div>
  );
}
