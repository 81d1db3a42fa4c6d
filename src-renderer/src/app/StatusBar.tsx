import { selectReadError } from '../store/selectors';
import { useApp, useAppShallow } from './shell-context';
import { ThemeToggle } from './ThemeToggle';

export function StatusBar() {
  const { state, target } = useAppShallow((s) => ({ state: s.connection?.state ?? 'connecting', target: s.connection?.target }));
  const queues = useApp((s) => s.queues.size);
  const workers = useApp((s) => s.workers.length);
  const pool = useAppShallow((s) => ({
    running: s.pool?.running ?? false,
    threads: s.pool?.threads ?? 0,
    concurrency: s.pool?.concurrency ?? 0,
    active: s.pool?.active ?? 0,
  }));
  const readError = useApp(selectReadError);
  return (
    <footer className="status-bar" data-testid="status-bar">
      <span className={`conn conn-${state}`} data-testid="status-connection">
        <span className="conn-dot" aria-hidden="true" />
        {/* Exactly the state word, so a test can match it whole. */}
        Redis{' '}
        <strong data-testid="connection-state" data-state={state}>
          {state}
        </strong>
        {target ? <span className="muted"> · {target}</span> : null}
      </span>
      <span data-testid="status-queues">
        {queues} {queues === 1 ? 'queue' : 'queues'}
      </span>
      <span data-testid="status-workers">
        {workers} {workers === 1 ? 'worker' : 'workers'}
      </span>
      <span data-testid="status-pool">
        {pool.running ? `local pool ${pool.threads}×${pool.concurrency}, ${pool.active} running` : 'no local pool'}
      </span>
      {readError ? (
        <span className="status-error" data-testid="status-read-error" title={readError}>
          {readError}
        </span>
      ) : null}
      <span className="spacer" />
      <span className="muted" title="Command palette: go to a queue, open a job by id, run an action">
        <kbd>Ctrl</kbd>+<kbd>K</kbd> commands
      </span>
      <ThemeToggle />
    </footer>
  );
}
