import type { Attempt, AttemptOutcome, JobRecord } from '../../../../src-shared/job';
import { outcomeText } from './attempt-words';
import { Badge, type Tone } from '../../components/Badge';
import { formatDuration, formatTime } from '../../lib/format';

const OUTCOME_TONE: Record<AttemptOutcome, Tone> = {
  completed: 'ok',
  failed: 'danger',
  stalled: 'warn',
  cancelled: 'warn',
  released: 'neutral',
  crashed: 'danger',
  out_of_memory: 'danger',
  timeout: 'danger',
  suspended: 'neutral',
};

/** How an attempt's story ended, including what came after it: retried, dead-lettered, or still running. */
export function attemptFate(job: JobRecord, attempt: Attempt, isLast: boolean): string | undefined {
  if (attempt.outcome === undefined) return isLast && job.state === 'active' ? 'running' : undefined;
  if (attempt.outcome === 'completed' || attempt.outcome === 'cancelled') return undefined;
  if (!isLast) return 'retried';
  if (job.state === 'waiting' || job.state === 'delayed') return 'retry scheduled';
  if (job.state === 'dead') return 'dead-lettered';
  return undefined;
}

/** Each attempt, oldest first: leased, started, last heartbeat, ended with its outcome, and the worker that ran it. */
export function AttemptTimeline({ job }: { job: JobRecord }) {
  if (job.attempts.length === 0) {
    return (
      <p className="muted" data-testid="attempt-timeline-empty">
        Not attempted yet{job.state === 'delayed' && job.runAt ? ` — due ${formatTime(job.runAt)}` : ''}.
      </p>
    );
  }
  return (
    <ol className="timeline" data-testid="attempt-timeline">
      {job.attempts.map((a, i) => {
        const isLast = i === job.attempts.length - 1;
        const fate = attemptFate(job, a, isLast);
        return (
          <li key={a.number} className="attempt" data-testid="attempt" data-attempt={a.number} data-outcome={a.outcome ?? 'running'}>
            <div className="attempt-head">
              <strong>Attempt {a.number}</strong>
              <span>
                on <span data-testid="attempt-worker">{a.worker ?? 'no worker yet'}</span>
              </span>
              {a.outcome ? (
                <Badge tone={OUTCOME_TONE[a.outcome]} testId="attempt-outcome">
                  {outcomeText(a)}
                </Badge>
              ) : null}
              {fate ? (
                <Badge tone={fate === 'dead-lettered' ? 'danger' : 'info'} testId="attempt-fate">
                  {fate}
                </Badge>
              ) : null}
            </div>
            <dl className="attempt-steps">
              <Step label="leased" at={a.leasedAt} testId="attempt-leased" />
              <Step label="started" at={a.startedAt} since={a.leasedAt} testId="attempt-started" />
              <Step label="heartbeat" at={a.heartbeatAt} since={a.startedAt} testId="attempt-heartbeat" />
              <Step label="ended" at={a.endedAt} since={a.startedAt ?? a.leasedAt} testId="attempt-ended" />
            </dl>
            {a.error ? (
              <pre className="attempt-error" data-testid="attempt-error">
                {a.error}
              </pre>
            ) : null}
          </li>
        );
      })}
    </ol>
  );
}

function Step({ label, at, since, testId }: { label: string; at: number | undefined; since?: number | undefined; testId: string }) {
  if (at === undefined) return null;
  return (
    <div data-testid={testId}>
      <dt>{label}</dt>
      <dd>
        {formatTime(at)}
        {since !== undefined ? <span className="muted"> (+{formatDuration(at - since)})</span> : null}
      </dd>
    </div>
  );
}
