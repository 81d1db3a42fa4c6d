import { useEffect, useId, useMemo, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { HistoryRange, MetricsHistory, Percentiles } from '../../../../src-shared/metrics-history';
import { useApi, useApp } from '../../app/shell-context';
import { selectConnectionState } from '../../store/selectors';
import { formatCount, formatDuration } from '../../lib/format';
import { QueueSelect } from '../../components/QueueSelect';
import { historyRows, PANEL_RANGES, stepLabel } from './history-model';

/** How often the shown history is read again. */
const REFRESH_MS = 30_000;

/**
 * Throughput and p50/p95/p99 wait and run time from the history Redis keeps
 * (metrics.history): every process's work, across restarts, for all queues
 * or one, and all agents or one.
 */
export function HistoryPanel({ queues, queue: fixedQueue }: { queues: string[]; queue?: string }) {
  const api = useApi();
  const connected = useApp(selectConnectionState) === 'connected';
  const [picked, setPicked] = useState<string>('all');
  const [range, setRange] = useState<HistoryRange>('1h');
  const [agent, setAgent] = useState<string>('');
  const [history, setHistory] = useState<MetricsHistory | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Several panels can be on a page (one per expanded queue), so the heading id is per instance.
  const titleId = useId();
  const queue = fixedQueue ?? (picked === 'all' || queues.includes(picked) ? picked : 'all');

  useEffect(() => {
    if (!connected) return undefined;
    let live = true;
    const load = (): void => {
      api.call('metrics.history', { queue, range, ...(agent === '' ? {} : { agent }) }).then(
        (h) => live && (setHistory(h), setError(null)),
        (err: unknown) => live && setError(err instanceof Error ? err.message : String(err)),
      );
    };
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [api, connected, queue, range, agent]);

  const rows = useMemo(() => (history ? historyRows(history) : []), [history]);

  return (
    <section className="panel" aria-labelledby={titleId} data-testid="history-panel" data-queue={queue}>
      <header className="panel-header">
        <h2 id={titleId}>{fixedQueue === undefined ? 'History' : `History of ${fixedQueue}`}</h2>
        {fixedQueue === undefined ? (
          <QueueSelect
            names={queues}
            value={queue}
            onChange={setPicked}
            testId="history-queue"
            leading={<option value="all">all queues</option>}
          />
        ) : null}
        <label className="inline">
          Agent{' '}
          <select value={agent} onChange={(e) => setAgent(e.target.value)} data-testid="history-agent">
            <option value="">all agents</option>
            {(history?.agents ?? [])
              .filter((a) => a !== '')
              .map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
          </select>
        </label>
        <div role="group" aria-label="Range" className="inline">
          {PANEL_RANGES.map((r) => (
            <button key={r} type="button" aria-pressed={r === range} onClick={() => setRange(r)} data-testid={`history-range-${r}`}>
              {r}
            </button>
          ))}
        </div>
      </header>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {!history ? (
        <p className="muted">Loading history…</p>
      ) : (
        <div className="metrics-grid">
          <figure className="chart" data-testid="history-chart">
            <figcaption>
              Jobs per minute · {formatCount(history.totals.completed)} completed, {formatCount(history.totals.failed)} failed attempts (
              {formatCount(history.totals.retried)} retried, {formatCount(history.totals.dead)} dead) in {range}
            </figcaption>
            <div className="chart-box" aria-hidden="true">
              <ResponsiveContainer width="100%" height={220}>
                <LineChart data={rows} margin={{ top: 8, right: 12, bottom: 0, left: 0 }} accessibilityLayer={false}>
                  <CartesianGrid stroke="var(--grid)" strokeDasharray="3 3" />
                  <XAxis
                    dataKey="t"
                    tickFormatter={(t: number) => stepLabel(t, history.stepMs)}
                    stroke="var(--muted)"
                    minTickGap={40}
                    fontSize={11}
                  />
                  <YAxis stroke="var(--muted)" width={48} fontSize={11} />
                  <Tooltip
                    labelFormatter={(t) => stepLabel(Number(t), history.stepMs)}
                    contentStyle={{ background: 'var(--surface)', border: '1px solid var(--border)' }}
                  />
                  <Legend />
                  <Line type="monotone" dataKey="completed" name="completed/min" stroke="var(--ok)" dot={false} isAnimationActive={false} />
                  <Line type="monotone" dataKey="failed" name="failed/min" stroke="var(--danger)" dot={false} isAnimationActive={false} />
                </LineChart>
              </ResponsiveContainer>
            </div>
          </figure>
          <table className="table" data-testid="history-percentiles">
            <thead>
              <tr>
                <th scope="col" />
                <th scope="col">p50</th>
                <th scope="col">p95</th>
                <th scope="col">p99</th>
              </tr>
            </thead>
            <tbody>
              <PercentileRow label="Wait (enqueued → leased)" p={history.wait} testId="history-wait" />
              <PercentileRow label="Run (started → finished)" p={history.run} testId="history-run" />
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function PercentileRow({ label, p, testId }: { label: string; p: Percentiles; testId: string }) {
  const cell = (v: number | null): string => (v === null ? '–' : formatDuration(Math.round(v)));
  return (
    <tr data-testid={testId}>
      <th scope="row">{label}</th>
      <td>{cell(p.p50)}</td>
      <td>{cell(p.p95)}</td>
      <td>{cell(p.p99)}</td>
    </tr>
  );
}
