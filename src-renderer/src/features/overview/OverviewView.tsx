import { lazy, Suspense, useEffect, useState } from 'react';

// The charts (recharts, most of the bundle) load when first shown, not with the app.
const ThroughputChart = lazy(() => import('./ThroughputChart').then((m) => ({ default: m.ThroughputChart })));
const LatencyHistogram = lazy(() => import('./LatencyHistogram').then((m) => ({ default: m.LatencyHistogram })));
import { useApp } from '../../app/shell-context';
import { useOfflineReason } from '../../app/use-offline';
import { formatTime } from '../../lib/format';
import { selectMostRelevantQueue, selectQueueNames } from '../../store/selectors';
import { ConnectionCard } from './ConnectionCard';
import { QueueCard } from './QueueCard';
import { ViewFrame } from '../../components/ViewFrame';
import { NoQueues } from '../../components/NoQueues';
import { QueueSelect } from '../../components/QueueSelect';
import { HistoryPanel } from '../history/HistoryPanel';

export function OverviewView() {
  const names = useApp(selectQueueNames);
  const loaded = useApp((s) => s.queuesLoaded);
  const asOf = useApp((s) => s.queuesAsOf);
  const offline = useOfflineReason();
  const [picked, setPicked] = useState<string | null>(null);
  // Settles on the busiest queue once, so the chart does not jump between queues as their rates move.
  const relevant = useApp(selectMostRelevantQueue);
  const [initial, setInitial] = useState<string | null>(null);
  useEffect(() => {
    if (initial === null && relevant !== null) setInitial(relevant);
  }, [initial, relevant]);
  const chartQueue = picked !== null && names.includes(picked) ? picked : initial !== null && names.includes(initial) ? initial : relevant;

  return (
    <ViewFrame name="overview" title="Overview">
      <ConnectionCard />
      {asOf !== null ? (
        <p className="muted small" data-testid="last-known-note">
          Queues as last read at {formatTime(asOf)}; they refresh once Redis is back.
        </p>
      ) : null}
      {!loaded ? (
        <p className="muted" data-testid="queues-loading">
          {offline ?? 'Loading queues…'}
        </p>
      ) : names.length === 0 ? (
        <NoQueues />
      ) : (
        <>
          <div className="card-grid" data-testid="overview-queues">
            {names.map((name) => (
              <QueueCard key={name} name={name} />
            ))}
          </div>
          <section className="panel" aria-labelledby="metrics-title" data-testid="overview-metrics">
            <header className="panel-header">
              <h2 id="metrics-title">Throughput and latency</h2>
              <QueueSelect names={names} value={chartQueue ?? ''} onChange={setPicked} testId="metrics-queue-select" />
            </header>
            {chartQueue ? <QueueMetrics queue={chartQueue} /> : null}
          </section>
          <HistoryPanel queues={names} />
        </>
      )}
    </ViewFrame>
  );
}

function QueueMetrics({ queue }: { queue: string }) {
  const m = useApp((s) => s.metrics?.queues.find((q) => q.queue === queue));
  const hasMetrics = useApp((s) => s.metrics !== null);
  if (!hasMetrics)
    return (
      <p className="muted" data-testid="metrics-waiting">
        Waiting for the first metrics tick…
      </p>
    );
  if (!m)
    return (
      <p className="muted" data-testid="metrics-none">
        No metrics for “{queue}” yet: they start with its first finished job.
      </p>
    );
  return (
    <Suspense fallback={<p className="muted">Loading charts…</p>}>
      <div className="metrics-grid">
        <ThroughputChart metrics={m} />
        <LatencyHistogram title="Wait time (enqueued → started)" histogram={m.waitMs} testId="wait-histogram" />
        <LatencyHistogram title="Run time (started → finished)" histogram={m.runMs} testId="run-histogram" />
      </div>
    </Suspense>
  );
}
