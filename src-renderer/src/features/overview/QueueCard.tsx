import { memo } from 'react';
import type { QueueCounts } from '../../../../src-shared/job';
import { useApp } from '../../app/shell-context';
import { Badge } from '../../components/Badge';
import { DepthBar } from '../../components/DepthBar';
import { formatCount, formatRate } from '../../lib/format';

const COUNT_ORDER: ReadonlyArray<keyof QueueCounts> = ['waiting', 'delayed', 'active', 'completed', 'dead', 'cancelled', 'paused'];

/** One queue: counts by state, depth against its cap, live rates. Reads only its own queue and metrics. */
export const QueueCard = memo(function QueueCard({ name }: { name: string }) {
  const q = useApp((s) => s.queues.get(name));
  const setJobsFilter = useApp((s) => s.setJobsFilter);
  const completed = useApp((s) => s.metrics?.queues.find((m) => m.queue === name)?.completedPerSec);
  const failed = useApp((s) => s.metrics?.queues.find((m) => m.queue === name)?.failedPerSec);
  if (!q) return null;
  return (
    <article
      className={`card queue-card${q.full ? ' is-full' : ''}`}
      data-testid="overview-queue-card"
      data-queue={name}
      data-paused={q.paused}
      aria-label={`Queue ${name}`}
    >
      <header className="card-header">
        <h2 className="card-title">
          <a href="#/jobs" onClick={() => setJobsFilter({ queue: name })} data-testid="overview-queue-name" title={`Jobs of ${name}`}>
            {name}
          </a>
        </h2>
        {q.paused ? (
          <Badge tone="warn" testId="queue-paused-badge">
            paused
          </Badge>
        ) : null}
        {q.full ? (
          <Badge tone="danger" testId="queue-full-badge">
            full
          </Badge>
        ) : null}
      </header>
      <DepthBar queue={name} depth={q.depth} cap={q.options.maxLength} full={q.full} />
      <dl className="counts">
        {COUNT_ORDER.map((state) => (
          <div key={state} className={`count count-${state}`}>
            <dt>{state}</dt>
            <dd data-testid={`queue-count-${state}`}>{formatCount(q.counts[state])}</dd>
          </div>
        ))}
      </dl>
      <p className="rates" data-testid="queue-rates">
        <span className="rate-ok">{formatRate(completed ?? 0)} completed</span> ·{' '}
        <span className="rate-bad">{formatRate(failed ?? 0)} failed</span>
      </p>
    </article>
  );
});
