import { useState } from 'react';
import type { AgentPayload } from '../../../../src-shared/job';
import { useApi, useApp, useReader } from '../../app/shell-context';
import { goTo } from '../../app/use-hash-route';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorMessage } from '../../components/ErrorMessage';
import { ProgressBar } from '../../components/ProgressBar';
import { StateBadge } from '../../components/StateBadge';
import { describeError, toUiError } from '../../lib/errors';
import { formatJson, formatTime } from '../../lib/format';
import { isFinal } from '../../store/selectors';
import { describeBulk, runBulk, type BulkOp } from '../jobs/bulk-actions';
import { AttemptTimeline } from './AttemptTimeline';
import { LogView } from './LogView';
import { FlowTreePanel } from '../flows/FlowTreePanel';

function agentPayload(p: unknown): AgentPayload | undefined {
  return typeof p === 'object' && p !== null && typeof (p as { agent?: unknown }).agent === 'string' ? (p as AgentPayload) : undefined;
}

export function JobDetailView({ queue, id }: { queue: string; id: string }) {
  const detail = useApp((s) => (s.detail && s.detail.queue === queue && s.detail.id === id ? s.detail : null));
  const api = useApi();
  const read = useReader();
  const [confirm, setConfirm] = useState<BulkOp | null>(null);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const record = detail?.record;

  const act = async (op: BulkOp): Promise<void> => {
    setConfirm(null);
    setResult(null);
    try {
      const r = await runBulk(api, op, queue, [id]);
      const refused = r.failed[0];
      setResult(refused ? { ok: false, text: refused.error.message } : { ok: true, text: describeBulk(op, r) });
      if (op === 'remove' && !refused) goTo({ view: 'jobs' });
    } catch (err) {
      setResult({ ok: false, text: describeError(toUiError(err)) });
    } finally {
      void read.detail();
    }
  };

  return (
    <section className="view" aria-labelledby="job-title" data-testid="job-detail" data-job-id={id}>
      <header className="view-header">
        <a href="#/jobs" className="back" data-testid="job-detail-back">
          ← Jobs
        </a>
        <h1 id="job-title">
          Job <span data-testid="job-detail-id">{id}</span> <span className="muted small">in {queue}</span>
        </h1>
      </header>
      {detail?.error ? <ErrorMessage testId="job-detail-error-read">Could not read the job: {detail.error}</ErrorMessage> : null}
      {record === undefined ? (
        <p className="muted">Loading…</p>
      ) : record === null ? (
        <div className="empty" data-testid="job-not-found" role="status">
          <p className="empty-title">This job does not exist (any more).</p>
          It may have been removed, drained, or trimmed by retention. <a href="#/jobs">Back to the list</a>.
        </div>
      ) : (
        <>
          <div className="detail-summary">
            <dl className="facts">
              <div>
                <dt>State</dt>
                <dd data-testid="job-detail-state" data-state={record.state}>
                  <StateBadge state={record.state} testId="job-detail-state-badge" />
                  {record.cancelRequested && !isFinal(record.state) ? <span className="muted"> cancel requested</span> : null}
                  {record.reason ? <span className="muted" data-testid="job-detail-reason"> · {record.reason}</span> : null}
                </dd>
              </div>
              <div>
                <dt>Agent</dt>
                <dd data-testid="job-detail-agent">{record.agent ?? agentPayload(record.item?.message.payload)?.agent ?? '—'}</dd>
              </div>
              <div>
                <dt>Priority</dt>
                <dd data-testid="job-detail-priority">{record.priority}</dd>
              </div>
              <div>
                <dt>Attempts</dt>
                <dd data-testid="job-detail-attempts">
                  {record.countedAttempts} of {record.maxRetries + 1}
                  {record.attempts.length > record.countedAttempts ? ` (${record.attempts.length} in all)` : ''}
                </dd>
              </div>
              <div>
                <dt>Created</dt>
                <dd data-testid="job-detail-created">{formatTime(record.createdAt)}</dd>
              </div>
              {record.runAt ? (
                <div>
                  <dt>Due</dt>
                  <dd data-testid="job-detail-due">{formatTime(record.runAt)}</dd>
                </div>
              ) : null}
              {record.finishedAt ? (
                <div>
                  <dt>Finished</dt>
                  <dd data-testid="job-detail-finished">{formatTime(record.finishedAt)}</dd>
                </div>
              ) : null}
            </dl>
            <div className="actions">
              {record.state === 'dead' || record.state === 'cancelled' ? (
                <button type="button" onClick={() => void act('retry')} data-testid="job-retry">
                  Retry
                </button>
              ) : null}
              {!isFinal(record.state) ? (
                <button type="button" onClick={() => setConfirm('cancel')} data-testid="job-cancel" disabled={record.cancelRequested}>
                  Cancel
                </button>
              ) : null}
              <button type="button" className="danger" onClick={() => setConfirm('remove')} data-testid="job-remove">
                Remove
              </button>
            </div>
          </div>
          {result ? (
            result.ok ? (
              <p role="status" className="ok-text" data-testid="job-action-result">
                {result.text}
              </p>
            ) : (
              <ErrorMessage testId="job-action-result">{result.text}</ErrorMessage>
            )
          ) : null}

          <FlowTreePanel queue={queue} id={id} state={record.state} />
          <section className="panel" aria-labelledby="job-progress-title">
            <h2 id="job-progress-title">Progress</h2>
            <ProgressBar fraction={record.state === 'completed' ? 1 : (record.progress?.fraction ?? 0)} label="Job progress" testId="job-detail-progress" />
            <p className="muted small" data-testid="job-detail-progress-text">
              {Math.round((record.state === 'completed' ? 1 : (record.progress?.fraction ?? 0)) * 100)}%
              {record.progress?.message ? ` · ${record.progress.message}` : ''}
            </p>
          </section>

          <div className="detail-grid">
            <section className="panel" aria-labelledby="job-payload-title">
              <h2 id="job-payload-title">Payload</h2>
              <pre className="code" data-testid="job-detail-payload">
                {record.item ? formatJson(record.item.message.payload) : (record.raw ?? '')}
              </pre>
              {record.raw !== undefined && !record.item ? <p className="muted small">Stored text that could not be parsed (malformed).</p> : null}
            </section>
            <section className="panel" aria-labelledby="job-result-title">
              <h2 id="job-result-title">Result</h2>
              {record.result === undefined ? (
                <p className="muted" data-testid="job-detail-result-empty">
                  {record.state === 'completed' ? 'The agent returned nothing.' : 'No result yet.'}
                </p>
              ) : (
                <pre className="code" data-testid="job-detail-result">
                  {formatJson(record.result)}
                </pre>
              )}
            </section>
          </div>

          {record.error || record.stack ? (
            <section className="panel panel-danger" aria-labelledby="job-error-title">
              <h2 id="job-error-title">Error</h2>
              {record.error ? (
                <pre className="code" data-testid="job-detail-error">
                  {record.error}
                </pre>
              ) : null}
              {record.stack ? (
                <details open>
                  <summary>Stack</summary>
                  <pre className="code small" data-testid="job-detail-stack">
                    {record.stack}
                  </pre>
                </details>
              ) : null}
            </section>
          ) : null}

          <section className="panel" aria-labelledby="job-attempts-title">
            <h2 id="job-attempts-title">Attempts</h2>
            <AttemptTimeline job={record} />
          </section>

          <section className="panel" aria-labelledby="job-logs-title">
            <h2 id="job-logs-title">Logs ({record.logs.length})</h2>
            <LogView lines={record.logs} />
          </section>

          <ConfirmDialog
            open={confirm !== null}
            title={confirm === 'remove' ? `Remove job ${id}?` : `Cancel job ${id}?`}
            confirmLabel={confirm === 'remove' ? 'Remove' : 'Cancel job'}
            danger={confirm === 'remove'}
            onConfirm={() => confirm && void act(confirm)}
            onCancel={() => setConfirm(null)}
          >
            {confirm === 'remove' ? 'The job and its history are deleted for good.' : 'A running job is asked to stop; a waiting one will not run.'}
          </ConfirmDialog>
        </>
      )}
    </section>
  );
}
