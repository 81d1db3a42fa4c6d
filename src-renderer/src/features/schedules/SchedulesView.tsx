import { useCallback, useEffect, useState } from 'react';
import type { ScheduleInfo } from '../../../../src-shared/schedule';
import { useApi } from '../../app/shell-context';
import { Badge } from '../../components/Badge';
import { Cmd } from '../../components/Cmd';
import { EmptyState } from '../../components/EmptyState';
import { ViewFrame } from '../../components/ViewFrame';
import { describeError, toUiError } from '../../lib/errors';
import { formatDuration, formatTime } from '../../lib/format';
import { jobHref } from '../../lib/routes';
import { ScheduleForm } from './ScheduleForm';

/** The view reads schedules itself, this often, while it is open (they change on their ticks, not through job events). */
const REFRESH_MS = 2000;

const keyOf = (s: { queue: string; id: string }): string => `${s.queue}/${s.id}`;

function when(s: ScheduleInfo): string {
  return s.cron !== undefined ? `${s.cron}${s.tz ? ` (${s.tz})` : ' (UTC)'}` : `every ${formatDuration(s.everyMs ?? 0)}`;
}

export function SchedulesView() {
  const api = useApi();
  const [list, setList] = useState<ScheduleInfo[] | null>(null);
  const [editing, setEditing] = useState<ScheduleInfo | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const refresh = useCallback(async () => {
    try {
      setList(await api.call('schedules.list'));
    } catch (err) {
      setMessage({ ok: false, text: describeError(toUiError(err)) });
    }
  }, [api]);
  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  const act = async (what: () => Promise<string>): Promise<void> => {
    setMessage(null);
    try {
      setMessage({ ok: true, text: await what() });
    } catch (err) {
      setMessage({ ok: false, text: describeError(toUiError(err)) });
    }
    await refresh();
  };

  return (
    <ViewFrame name="schedules" title="Schedules">
      {message ? (
        <div
          className={message.ok ? 'row-note' : 'error-message'}
          role={message.ok ? 'status' : 'alert'}
          data-testid="schedule-action-result"
        >
          {message.text}
        </div>
      ) : null}
      {list === null ? (
        <p className="muted">Loading schedules…</p>
      ) : list.length === 0 ? (
        <EmptyState title="No schedules" testId="schedules-empty">
          Add one below, with <Cmd>conveyor schedule add jobs nightly --cron &quot;0 2 * * *&quot; summarizer</Cmd>, or in the{' '}
          <code>schedules:</code> section of config.yml. Workers and <code>conveyor serve</code> fire them.
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="schedules-table">
            <caption className="visually-hidden">Schedules of every queue</caption>
            <thead>
              <tr>
                <th scope="col">Schedule</th>
                <th scope="col">When</th>
                <th scope="col">Agent</th>
                <th scope="col">Next runs</th>
                <th scope="col">Last runs</th>
                <th scope="col">Runs</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.map((s) => (
                <tr key={keyOf(s)} data-testid="schedule-row" data-schedule={keyOf(s)} data-paused={s.paused}>
                  <th scope="row">
                    {keyOf(s)} {s.paused ? <Badge tone="warn">paused</Badge> : s.next === null ? <Badge tone="neutral">ended</Badge> : null}
                  </th>
                  <td className="mono small">{when(s)}</td>
                  <td>{s.agent}</td>
                  <td data-testid="schedule-next">
                    {s.nextRuns.length === 0 ? (
                      '—'
                    ) : (
                      <ul className="plain">
                        {s.nextRuns.map((t) => (
                          <li key={t}>{formatTime(t)}</li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td data-testid="schedule-last">
                    {s.lastRuns && s.lastRuns.length > 0 ? (
                      <ul className="plain">
                        {s.lastRuns.map((r) => (
                          <li key={r.jobId}>
                            <a href={jobHref(s.queue, r.jobId)} data-testid="schedule-last-run">
                              {formatTime(r.tick)}
                            </a>{' '}
                            <span className="muted small">{r.state}</span>
                          </li>
                        ))}
                      </ul>
                    ) : s.lastJobId ? (
                      <a href={jobHref(s.queue, s.lastJobId)} data-testid="schedule-last-run">
                        {s.lastJobId}
                      </a>
                    ) : (
                      '—'
                    )}
                    {s.lastError ? <div className="row-error small">{s.lastError}</div> : null}
                  </td>
                  <td>{s.runs}</td>
                  <td className="actions">
                    <button
                      type="button"
                      data-testid={s.paused ? 'schedule-resume' : 'schedule-pause'}
                      aria-label={`${s.paused ? 'Resume' : 'Pause'} ${keyOf(s)}`}
                      onClick={() =>
                        void act(async () => {
                          await api.call(s.paused ? 'schedules.resume' : 'schedules.pause', { queue: s.queue, id: s.id });
                          return s.paused ? `Resumed ${keyOf(s)}.` : `Paused ${keyOf(s)}.`;
                        })
                      }
                    >
                      {s.paused ? 'Resume' : 'Pause'}
                    </button>
                    <button
                      type="button"
                      data-testid="schedule-run-now"
                      aria-label={`Run ${keyOf(s)} now`}
                      onClick={() =>
                        void act(async () => `Enqueued ${(await api.call('schedules.runNow', { queue: s.queue, id: s.id })).id}.`)
                      }
                    >
                      Run now
                    </button>
                    <button type="button" data-testid="schedule-edit" aria-label={`Edit ${keyOf(s)}`} onClick={() => setEditing(s)}>
                      Edit
                    </button>
                    <button
                      type="button"
                      className="danger"
                      data-testid="schedule-remove"
                      aria-label={`Remove ${keyOf(s)}`}
                      onClick={() =>
                        void act(async () => {
                          await api.call('schedules.remove', { queue: s.queue, id: s.id });
                          return `Removed ${keyOf(s)}; its jobs stay.`;
                        })
                      }
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ScheduleForm
        key={editing ? keyOf(editing) : 'new'}
        {...(editing ? { editing, onCancel: () => setEditing(null) } : {})}
        onSaved={(s) => {
          setEditing(null);
          setMessage({ ok: true, text: `Saved ${keyOf(s)}; next run ${formatTime(s.nextRuns[0])}.` });
          void refresh();
        }}
      />
    </ViewFrame>
  );
}
