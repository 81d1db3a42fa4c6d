import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import type { LimitState, LimitsView as LimitsData } from '../../../../src-shared/limits-schema';
import { useApi, useApp } from '../../app/shell-context';
import { Cmd } from '../../components/Cmd';
import { EmptyState } from '../../components/EmptyState';
import { QueueSelect } from '../../components/QueueSelect';
import { ViewFrame } from '../../components/ViewFrame';

/** How often the view reads the limits' state (every worker obeys a change within a second; show it at that pace). */
const POLL_MS = 1000;

function describeSpec(s: LimitState): string {
  const parts: string[] = [];
  if (s.spec.rate) parts.push(`rate ${s.spec.rate}${s.spec.burst ? ` burst ${s.spec.burst}` : ''}`);
  if (s.spec.concurrency) parts.push(`concurrency ${s.spec.concurrency}`);
  if (s.spec.points) parts.push(`points ${s.spec.points}`);
  return parts.join(', ') || 'follows the default';
}

function scopeName(s: LimitState): string {
  return s.group === undefined ? '(queue)' : s.group === '*' ? '* (every group)' : s.group;
}

/** Each limit of a queue with its state now (used and remaining, paused until, waiting per group); set and remove limits. */
export function LimitsView() {
  const api = useApi();
  const queueNames = useApp((s) => s.queues);
  const names = useMemo(() => [...queueNames.keys()].sort(), [queueNames]);
  const [queue, setQueue] = useState<string>('');
  const [data, setData] = useState<LimitsData | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [form, setForm] = useState({ group: '', rate: '', burst: '', concurrency: '', points: '' });
  const current = queue || names[0] || '';

  const load = useCallback(async () => {
    if (!current) return;
    try {
      setData(await api.call('limits.list', { queue: current }));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }, [api, current]);

  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), POLL_MS);
    return () => clearInterval(timer);
  }, [load]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const spec: Record<string, unknown> = {};
    if (form.rate) spec.rate = form.rate;
    if (form.burst) spec.burst = Number(form.burst);
    if (form.concurrency) spec.concurrency = Number(form.concurrency);
    if (form.points) spec.points = form.points;
    try {
      setData(await api.call('limits.set', { queue: current, spec, ...(form.group ? { group: form.group } : {}) }));
      setError(null);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  const remove = async (s: LimitState) => {
    try {
      setData(await api.call('limits.remove', { queue: current, ...(s.group !== undefined ? { group: s.group } : {}) }));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  if (names.length === 0) {
    return (
      <ViewFrame name="limits" title="Limits">
        <EmptyState title="No queues yet" testId="limits-empty">
          Create one with <Cmd>conveyor queue create jobs</Cmd>, then limit it with <Cmd>conveyor limit set jobs --rate 10/s</Cmd>.
        </EmptyState>
      </ViewFrame>
    );
  }
  const now = data?.now ?? Date.now();
  const rows = data ? [...data.limits, ...data.groups] : [];
  return (
    <ViewFrame name="limits" title="Limits">
      <QueueSelect names={names} value={current} onChange={setQueue} testId="limits-queue" inline={false} />
      {error && (
        <p role="alert" className="error" data-testid="limits-error">
          {error}
        </p>
      )}
      <div className="table-wrap">
        <table className="table" data-testid="limits-table">
          <caption className="visually-hidden">Limits of queue {current} and their state</caption>
          <thead>
            <tr>
              <th scope="col">Scope</th>
              <th scope="col">Limit</th>
              <th scope="col">Active</th>
              <th scope="col">Points used</th>
              <th scope="col">Next start</th>
              <th scope="col">Paused (429)</th>
              <th scope="col">Waiting</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {rows.map((s) => (
              <tr key={scopeName(s)} data-testid="limit-row" data-scope={scopeName(s)}>
                <th scope="row">{scopeName(s)}</th>
                <td>{describeSpec(s)}</td>
                <td>
                  {s.active}
                  {s.spec.concurrency ? ` / ${s.spec.concurrency} (${Math.max(0, s.spec.concurrency - s.active)} free)` : ''}
                </td>
                <td>
                  {s.pointsUsed !== undefined
                    ? `${s.pointsUsed}${s.pointsWindowEndsAt ? `, resets in ${Math.max(0, s.pointsWindowEndsAt - now)} ms` : ''}`
                    : '—'}
                </td>
                <td>{s.nextAllowedAt !== undefined ? `in ${Math.max(0, s.nextAllowedAt - now)} ms` : 'now'}</td>
                <td>{s.pausedUntil !== undefined ? `${Math.max(0, s.pausedUntil - now)} ms more` : '—'}</td>
                <td>{s.waiting ?? '—'}</td>
                <td>
                  {(s.spec.rate || s.spec.concurrency || s.spec.points || s.spec.burst) && (
                    <button type="button" data-testid="limit-remove" onClick={() => void remove(s)}>
                      Remove
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form onSubmit={(e) => void submit(e)} data-testid="limits-form" className="form-row">
        {(['group', 'rate', 'burst', 'concurrency', 'points'] as const).map((f) => (
          <label key={f}>
            {f}{' '}
            <input
              name={f}
              data-testid={`limit-${f}`}
              value={form[f]}
              placeholder={{ group: '(queue) or * or a group', rate: '10/s', burst: '1', concurrency: '5', points: '200000/m' }[f]}
              onChange={(e) => setForm({ ...form, [f]: e.target.value })}
            />
          </label>
        ))}
        <button type="submit" data-testid="limit-set">
          Set limit
        </button>
      </form>
    </ViewFrame>
  );
}
