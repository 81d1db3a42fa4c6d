import { useMemo } from 'react';
import { useApp } from '../../app/shell-context';
import { Badge } from '../../components/Badge';
import { Cmd } from '../../components/Cmd';
import { EmptyState } from '../../components/EmptyState';
import { useNow } from '../../hooks/use-now';
import { formatAge, formatCount, formatTime } from '../../lib/format';
import { jobHref } from '../../lib/routes';
import { PoolPanel } from './PoolPanel';
import { ViewFrame } from '../../components/ViewFrame';

/** A heartbeat older than this is shown as late (the registry drops a worker some time after). */
const LATE_MS = 15_000;

export function WorkersView() {
  const workers = useApp((s) => s.workers);
  const loaded = useApp((s) => s.workersLoaded);
  const now = useNow(1000);
  const sorted = useMemo(() => [...workers].sort((a, b) => a.host.localeCompare(b.host) || a.pid - b.pid), [workers]);
  return (
    <ViewFrame name="workers" title="Workers">
      <PoolPanel />
      {!loaded ? (
        <p className="muted">Loading workers…</p>
      ) : sorted.length === 0 ? (
        <EmptyState title="No workers are running" testId="workers-empty">
          Start one on any host with <Cmd>conveyor worker jobs</Cmd> (it takes jobs from the queues you name, or those in{' '}
          <code>workers.queues</code>).
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="workers-table">
            <caption className="visually-hidden">Worker processes on every host</caption>
            <thead>
              <tr>
                <th scope="col">Worker</th>
                <th scope="col">Host</th>
                <th scope="col">PID</th>
                <th scope="col">Queues</th>
                <th scope="col">Threads × jobs</th>
                <th scope="col">Running</th>
                <th scope="col">Processed</th>
                <th scope="col">Failed</th>
                <th scope="col">Started</th>
                <th scope="col">Heartbeat</th>
              </tr>
            </thead>
            <tbody>
              {sorted.map((w) => {
                const age = now - w.lastHeartbeat;
                return (
                  <tr key={w.id} data-testid="worker-row" data-worker-id={w.id}>
                    <th scope="row" className="mono small">
                      {w.id}
                    </th>
                    <td data-testid="worker-host">{w.host}</td>
                    <td data-testid="worker-pid">{w.pid}</td>
                    <td data-testid="worker-queues">{w.queues.join(', ')}</td>
                    <td data-testid="worker-capacity">
                      {w.threads}×{w.concurrency} <span className="muted">= {formatCount(w.threads * w.concurrency)}</span>
                    </td>
                    <td data-testid="worker-running">
                      {w.running.length === 0 ? (
                        '0'
                      ) : (
                        <details className="inline-details">
                          <summary>
                            {formatCount(w.running.length)} {w.running.length === 1 ? 'job' : 'jobs'}
                          </summary>
                          <ul className="plain">
                            {w.running.slice(0, 50).map((ref) => {
                              const slash = ref.indexOf('/');
                              const queue = ref.slice(0, slash);
                              const id = ref.slice(slash + 1);
                              return (
                                <li key={ref}>
                                  <a href={jobHref(queue, id)}>{ref}</a>
                                </li>
                              );
                            })}
                          </ul>
                        </details>
                      )}
                    </td>
                    <td data-testid="worker-processed">{formatCount(w.processed)}</td>
                    <td data-testid="worker-failed">{formatCount(w.failed)}</td>
                    <td className="small">{formatTime(w.startedAt)}</td>
                    <td data-testid="worker-heartbeat" data-age-ms={Math.max(0, age)}>
                      {formatAge(age)} {age > LATE_MS ? <Badge tone="warn">late</Badge> : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </ViewFrame>
  );
}
