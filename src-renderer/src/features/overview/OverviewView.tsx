import { useState } from 'react';
import { useApp } from '../../app/shell-context';
import { selectQueueNames } from '../../store/selectors';
import { ConnectionCard } from './ConnectionCard';
import { LatencyHistogram } from './LatencyHistogram';
import { QueueCard } from './QueueCard';
import { ThroughputChart } from './ThroughputChart';
import { ViewFrame } from '../../components/ViewFrame';
import { NoQueues } from '../../components/NoQueues';
import { HistoryPanel } from '../history/HistoryPanel';

export function OverviewView() {
  const names = useApp(selectQueueNames);
  const loaded = useApp((s) => s.queuesLoaded);
  const [picked, setPicked] = useState<string | null>(null);
  const chartQueue = picked !== null && names.includes(picked) ? picked : (names[0] ?? null);

  return (
    <ViewFrame name="overview" title="Overview">
      <ConnectionCard />
      {!loaded ? (
        <p className="muted">Loading queues…</p>
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
              <label className="inline">
                Queue{' '}
                <select value={chartQueue ?? ''} onChange={(e) => setPicked(e.target.value)} data-testid="metrics-queue-select">
                  {names.map((n) => (
                    <option key={n} value={n}>
                      {n}
                    </option>
                  ))}
                </select>
              </label>
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
  if (!hasMetrics) return <p className="muted" data-testid="metrics-waiting">Waiting for the first metrics tick…</p>;
  if (!m) return <p className="muted" data-testid="metrics-none">No metrics for “{queue}” yet: they start with its first finished job.</p>;
  return (
    <div className="metrics-grid">
      <ThroughputChart metrics={m} />
      <LatencyHistogram title="Wait time (enqueued → started)" histogram={m.waitMs} testId="wait-histogram" />
      <LatencyHistogram title="Run time (started → finished)" histogram={m.runMs} testId="run-histogram" />
    </div>
  );
}
