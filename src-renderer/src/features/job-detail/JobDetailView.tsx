import { useState } from 'react';
import type { AgentPayload } from '../../../../src-shared/job';
import { useApi, useApp, useReader } from '../../app/shell-context';
import { goTo } from '../../app/use-hash-route';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorMessage } from '../../components/ErrorMessage';
import { ProgressBar } from '../../components/ProgressBar';
import { StateBadge } from '../../components/StateBadge';
import { describeError, toUiError } from '../../lib/errors';
import { formatDuration, formatJson, formatRelative, formatTime, humanize } from '../../lib/format';
import { useOfflineReason } from '../../app/use-offline';
import { ActionButton } from '../../components/ActionButton';
import { CodeBlock } from '../../components/CodeBlock';
import { CopyButton } from '../../components/CopyButton';
import { useNow } from '../../hooks/use-now';
import { jobTimes, resultNote } from './job-facts';
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
  const offline = useOfflineReason();
  const now = useNow(5000);
  const earlier = record ? Math.max(record.attempts.length - record.countedAttempts, 0) : 0;
  const times = record ? jobTimes(record, now) : {};

  const promote = async (): Promise<void> => {
    setResult(null);
    try {
      await api.call('jobs.promote', { queue, id });
      setResult({ ok: true, text: 'Moved to waiting: it runs as soon as a worker is free.' });
    } catch (err) {
      setResult({ ok: false, text: describeError(toUiError(err)) });
    } finally {
      void read.detail();
    }
  };

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
        <CopyButton text={id} label="Copy the job id" testId="job-detail-id-copy" />
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
                  {record.reason ? (
                    <span className="muted" data-testid="job-detail-reason">
                      {' '}
                      · {humanize(record.reason)}
                    </span>
                  ) : null}
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
                <dd>
                  <span data-testid="job-detail-attempts">
                    {record.countedAttempts} of {record.maxRetries + 1}
                  </span>
                  {earlier > 0 ? (
                    <span className="muted small" data-testid="job-detail-attempts-earlier">
                      {' '}
                      · {earlier} more before a manual retry or handed back, not counted
                    </span>
                  ) : null}
                </dd>
              </div>
              <TimeFact label="Created" at={record.createdAt} now={now} testId="job-detail-created" />
              {record.runAt !== undefined && (record.state === 'delayed' || record.state === 'waiting') ? (
                <TimeFact label="Due" at={record.runAt} now={now} testId="job-detail-due" />
              ) : null}
              {record.finishedAt ? <TimeFact label="Finished" at={record.finishedAt} now={now} testId="job-detail-finished" /> : null}
              {times.waitMs !== undefined ? (
                <div>
                  <dt>Waited</dt>
                  <dd data-testid="job-detail-wait">{formatDuration(times.waitMs)}</dd>
                </div>
              ) : null}
              {times.runMs !== undefined ? (
                <div>
                  <dt>{record.state === 'active' ? 'Running for' : 'Ran'}</dt>
                  <dd data-testid="job-detail-run">{formatDuration(times.runMs)}</dd>
                </div>
              ) : null}
            </dl>
            <div className="actions">
              {record.state === 'delayed' ? (
                <ActionButton
                  disabledReason={offline}
                  onClick={() => void promote()}
                  data-testid="job-promote"
                  title="Move it to waiting now instead of at its due time"
                >
                  Run now
                </ActionButton>
              ) : null}
              {record.state === 'dead' || record.state === 'cancelled' ? (
                <ActionButton disabledReason={offline} onClick={() => void act('retry')} data-testid="job-retry">
                  Retry
                </ActionButton>
              ) : null}
              {!isFinal(record.state) ? (
                <ActionButton
                  disabledReason={
                    offline ?? (record.cancelRequested ? 'cancel already requested: the job stops at its next check' : undefined)
                  }
                  onClick={() => setConfirm('cancel')}
                  data-testid="job-cancel"
                >
                  Cancel
                </ActionButton>
              ) : null}
              {/* A running job cannot be removed (the queue refuses it): cancel first. */}
              {record.state !== 'active' ? (
                <ActionButton className="danger" disabledReason={offline} onClick={() => setConfirm('remove')} data-testid="job-remove">
                  Remove
                </ActionButton>
              ) : null}
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
          {record.state === 'active' || (record.progress !== undefined && !isFinal(record.state)) || record.state === 'completed' ? (
            <section className="panel" aria-labelledby="job-progress-title">
              <h2 id="job-progress-title">Progress</h2>
              <ProgressBar
                fraction={record.state === 'completed' ? 1 : (record.progress?.fraction ?? 0)}
                label="Job progress"
                testId="job-detail-progress"
              />
              <p className="muted small" data-testid="job-detail-progress-text">
                {Math.round((record.state === 'completed' ? 1 : (record.progress?.fraction ?? 0)) * 100)}%
                {record.progress?.message ? ` · ${record.progress.message}` : ''}
              </p>
            </section>
          ) : null}

          <div className="detail-grid">
            <section className="panel" aria-labelledby="job-payload-title">
              <h2 id="job-payload-title">Payload</h2>
              <CodeBlock
                text={record.item ? formatJson(record.item.message.payload) : (record.raw ?? '')}
                label="payload"
                testId="job-detail-payload"
              />
              {record.raw !== undefined && !record.item ? (
                <p className="muted small">Stored text that could not be parsed (malformed).</p>
              ) : null}
            </section>
            <section className="panel" aria-labelledby="job-result-title">
              <h2 id="job-result-title">Result</h2>
              {record.result === undefined ? (
                <p className="muted" data-testid="job-detail-result-empty">
                  {resultNote(record.state)}
                </p>
              ) : (
                <CodeBlock text={formatJson(record.result)} label="result" testId="job-detail-result" />
              )}
            </section>
          </div>

          {record.error || record.stack ? (
            <section className="panel panel-danger" aria-labelledby="job-error-title">
              <h2 id="job-error-title">Error</h2>
              {record.error ? <CodeBlock text={record.error} label="error" testId="job-detail-error" /> : null}
              {record.stack ? (
                <details open>
                  <summary>Stack</summary>
                  <CodeBlock text={record.stack} label="stack" className="code small" testId="job-detail-stack" />
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
            {confirm === 'remove'
              ? 'The job and its history are deleted for good.'
              : 'A running job is asked to stop; a waiting one will not run.'}
          </ConfirmDialog>
        </>
      )}
    </section>
  );
}

function TimeFact({ label, at, now, testId }: { label: string; at: number; now: number; testId: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>
        <time dateTime={new Date(at).toISOString()} data-testid={testId}>
          {formatTime(at)}
        </time>{' '}
        <span className="muted small" data-testid={`${testId}-relative`}>
          ({formatRelative(at, now)})
        </span>
      </dd>
    </div>
  );
}
