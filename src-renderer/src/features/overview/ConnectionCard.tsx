import { useAppShallow } from '../../app/shell-context';
import { formatTime } from '../../lib/format';

const TEXT = { connecting: 'Connecting', connected: 'Connected', disconnected: 'Unreachable' } as const;

export function ConnectionCard() {
  const c = useAppShallow((s) => ({
    state: s.connection?.state ?? 'connecting',
    target: s.connection?.target ?? '',
    error: s.connection?.error,
    since: s.connection?.since,
  }));
  return (
    <div className={`conn-card conn-${c.state}`} data-testid="overview-redis" data-state={c.state}>
      <span className="conn-dot" aria-hidden="true" />
      <span>
        Redis <strong>{TEXT[c.state]}</strong>
        {c.target ? (
          <>
            {' '}
            · <code>{c.target}</code>
          </>
        ) : null}
        {c.since ? <span className="muted"> · since {formatTime(c.since)}</span> : null}
        {c.error ? <span className="conn-error"> · {c.error}</span> : null}
      </span>
    </div>
  );
}
