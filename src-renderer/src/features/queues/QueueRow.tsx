import { memo, useState } from 'react';
import { HistoryPanel } from '../history/HistoryPanel';
import { useApi, useApp, useReader, useStoreApi } from '../../app/shell-context';
import { Badge } from '../../components/Badge';
import { ActionButton } from '../../components/ActionButton';
import { useOfflineReason } from '../../app/use-offline';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { DepthBar } from '../../components/DepthBar';
import { describeError, toUiError } from '../../lib/errors';
import { formatCount, formatDuration } from '../../lib/format';
import { upsertQueue } from '../../store/slices/queues';
import { queuedCount } from '../../../../src-shared/job';

export const QueueRow = memo(function QueueRow({ name, columns }: { name: string; columns: number }) {
  const q = useApp((s) => s.queues.get(name));
  const setJobsFilter = useApp((s) => s.setJobsFilter);
  const api = useApi();
  const read = useReader();
  const store = useStoreApi();
  const [busy, setBusy] = useState(false);
  const offline = useOfflineReason();
  const [confirmDrain, setConfirmDrain] = useState(false);
  const [showHistory, setShowHistory] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  if (!q) return null;

  const run = async (what: () => Promise<string>): Promise<void> => {
    setBusy(true);
    setMessage(null);
    try {
      setMessage({ ok: true, text: await what() });
    } catch (err) {
      setMessage({ ok: false, text: describeError(toUiError(err)) });
    } finally {
      setBusy(false);
      void read.queues();
    }
  };
  const togglePause = (): Promise<void> =>
    run(async () => {
      const summary = await api.call(q.paused ? 'queues.resume' : 'queues.pause', { queue: name });
      store.setState((s) => ({ queues: upsertQueue(s.queues, summary) }));
      return summary.paused ? 'Paused: workers take no new jobs from it.' : 'Resumed.';
    });
  const drain = (): Promise<void> =>
    run(async () => {
      setConfirmDrain(false);
      const { removed } = await api.call('queues.drain', { queue: name });
      return `Drained: removed ${formatCount(removed)} waiting and delayed ${removed === 1 ? 'job' : 'jobs'}.`;
    });

  const o = q.options;
  return (
    <>
      <tr data-testid="queue-row" data-queue={name} data-paused={q.paused} data-full={q.full} className={q.full ? 'is-full' : undefined}>
        <th scope="row">
          <a href="#/jobs" onClick={() => setJobsFilter({ queue: name })} data-testid="queue-name">
            {name}
          </a>{' '}
          {q.paused ? (
            <Badge tone="warn" testId="queue-paused-badge">
              paused
            </Badge>
          ) : null}
          {q.full ? (
            <Badge tone="danger" testId="queue-full-badge" title="Enqueue is refused until workers make room">
              full
            </Badge>
          ) : null}
          {message ? (
            <div
              className={message.ok ? 'row-note' : 'row-note row-error'}
              role={message.ok ? 'status' : 'alert'}
              data-testid="queue-action-result"
            >
              {message.text}
            </div>
          ) : null}
        </th>
        <td>
          <DepthBar queue={name} depth={q.depth} cap={o.maxLength} full={q.full} />
        </td>
        <td data-testid="queue-count-waiting">
          {formatCount(queuedCount(q.counts))}
          {q.counts.paused > 0 ? <span className="muted"> (held)</span> : null}
        </td>
        <td data-testid="queue-count-delayed">{formatCount(q.counts.delayed)}</td>
        <td data-testid="queue-count-active">{formatCount(q.counts.active)}</td>
        <td data-testid="queue-count-completed">{formatCount(q.counts.completed)}</td>
        <td data-testid="queue-count-dead">{formatCount(q.counts.dead)}</td>
        <td data-testid="queue-count-cancelled">{formatCount(q.counts.cancelled)}</td>
        <td className="small" data-testid="queue-settings">
          cap {formatCount(o.maxLength)} · retries {o.maxRetries} · {o.backoff.type} backoff {formatDuration(o.backoff.delayMs)}
          {o.backoff.type === 'exponential' ? `–${formatDuration(o.backoff.maxDelayMs)}` : ''} · lease {formatDuration(o.leaseMs)}
        </td>
        <td className="cell-actions">
          <div className="row-actions">
            <ActionButton
              onClick={() => void togglePause()}
              disabled={busy}
              disabledReason={offline}
              data-testid={q.paused ? 'queue-resume' : 'queue-pause'}
              aria-label={`${q.paused ? 'Resume' : 'Pause'} ${name}`}
            >
              {q.paused ? 'Resume' : 'Pause'}
            </ActionButton>
            <ActionButton
              className="danger"
              onClick={() => setConfirmDrain(true)}
              disabled={busy}
              disabledReason={offline ?? (q.depth === 0 ? 'nothing waiting or delayed to drain' : undefined)}
              data-testid="queue-drain"
              aria-label={`Drain ${name}`}
            >
              Drain…
            </ActionButton>
            <button
              type="button"
              aria-expanded={showHistory}
              aria-controls={`queue-history-${name}`}
              onClick={() => setShowHistory((v) => !v)}
              data-testid="queue-history-toggle"
            >
              History
            </button>
          </div>
          <ConfirmDialog
            open={confirmDrain}
            title={`Drain queue “${name}”?`}
            confirmLabel="Drain"
            danger
            onConfirm={() => void drain()}
            onCancel={() => setConfirmDrain(false)}
          >
            This removes all {formatCount(q.depth)} waiting and delayed jobs. Running jobs finish; finished jobs stay.
          </ConfirmDialog>
        </td>
      </tr>
      {showHistory ? (
        // The queue's own history, fixed to it: the row expands rather than opening another view.
        <tr className="queue-detail" id={`queue-history-${name}`} data-testid="queue-history" data-queue={name}>
          <td colSpan={columns}>
            <HistoryPanel queues={[name]} queue={name} />
          </td>
        </tr>
      ) : null}
    </>
  );
});
