import type { Attempt, AttemptOutcome, JobRecord, ReleaseReason } from '../../../../src-shared/job';
import { Badge, type Tone } from '../../components/Badge';
import { formatDuration, formatTime } from '../../lib/format';

const OUTCOME_TEXT: Record<AttemptOutcome, string> = {
  completed: 'completed',
  failed: 'failed',
  stalled: 'stalled (lost its lease)',
  cancelled: 'cancelled',
  released: 'released',
  crashed: 'crashed (its worker thread died)',
  out_of_memory: 'out of memory',
  timeout: 'timed out',
};

const OUTCOME_TONE: Record<AttemptOutcome, Tone> = {
  completed: 'ok',
  failed: 'danger',
  stalled: 'warn',
  cancelled: 'warn',
  released: 'neutral',
  crashed: 'danger',
  out_of_memory: 'danger',
  timeout: 'danger',
};

/** Why a worker handed a job back unrun or unfinished; none of these counts against its retries. */
export const RELEASE_TEXT: Record<ReleaseReason, string> = {
  shutdown: 'released (handed back at shutdown)',
  prefetch_hold: 'released (held too long before it could start)',
  neighbour_killed: 'released (its thread was replaced after another job crashed it)',
  resize: 'released (handed back when the pool shrank)',
  outage: 'released (handed back during a Redis outage)',
};

/** An attempt's outcome in words; a release says why when the data says (older data: just "released"). */
export function outcomeText(a: Attempt): string | undefined {
  if (a.outcome === undefined) return undefined;
  if (a.outcome === 'released' && a.releaseReason !== undefined) return RELEASE_TEXT[a.releaseReason] ?? OUTCOME_TEXT.released;
  return OUTCOME_TEXT[a.outcome];
}

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
