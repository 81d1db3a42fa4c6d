import { useEffect, useMemo, useState, type KeyboardEvent } from 'react';
import { JOB_STATES, queuedCount } from '../../../../src-shared/job';
import { useApp, useReader } from '../../app/shell-context';
import { QueueSelect } from '../../components/QueueSelect';
import { useDebounced } from '../../hooks/use-debounced';
import { formatCount } from '../../lib/format';
import { agentNames, selectQueueNames } from '../../store/selectors';
import type { StateFilter } from '../../store/slices/job-list';
import { liveRowsOf } from '../../store/slices/live-jobs';

const STATE_FILTERS: readonly StateFilter[] = ['all', ...JOB_STATES];

/** Queue, state, agent and text filters of the Jobs view, and its switch to the queue's flows. */
export function JobFilters() {
  const names = useApp(selectQueueNames);
  const filter = useApp((s) => s.jobsFilter);
  const setFilter = useApp((s) => s.setJobsFilter);
  const counts = useApp((s) => (filter.queue === null ? undefined : s.queues.get(filter.queue)?.counts));
  // Joined into one string so the filter re-renders when the set of names changes, not on every event batch.
  const agentKey = useApp((s) => agentNames(s.agents, liveRowsOf(s.jobs, s.jobsFilter.queue).values()).join('\u0000'));
  const agentOptions = useMemo(() => (agentKey === '' ? [] : agentKey.split('\u0000')), [agentKey]);
  const read = useReader();

  const [search, setSearch] = useState(filter.search);
  const settledSearch = useDebounced(search, 300);
  useEffect(() => {
    if (settledSearch !== filter.search) setFilter({ search: settledSearch });
    // Only a settled edit of the box pushes into the store.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [settledSearch]);
  useEffect(() => setSearch(filter.search), [filter.search]);

  const onStateKey = (e: KeyboardEvent<HTMLDivElement>): void => {
    const i = STATE_FILTERS.indexOf(filter.state);
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    e.preventDefault();
    const next = STATE_FILTERS[(i + step + STATE_FILTERS.length) % STATE_FILTERS.length];
    if (next) {
      setFilter({ state: next });
      e.currentTarget.querySelector<HTMLButtonElement>(`[data-state-filter="${next}"]`)?.focus();
    }
  };

  return (
    <div className="toolbar" data-testid="job-filters">
      <QueueSelect
        names={names}
        value={filter.queue ?? ''}
        onChange={(queue) => setFilter({ queue: queue || null })}
        testId="jobs-queue-select"
        leading={filter.queue === null ? <option value="">—</option> : null}
      />
      <button
        type="button"
        aria-pressed={filter.flows}
        title="List the queue's flow parents instead of its jobs"
        onClick={() => setFilter({ flows: !filter.flows })}
        data-testid="flows-toggle"
      >
        Flows
        {counts && counts['waiting-children'] > 0 ? <span className="seg-count">{formatCount(counts['waiting-children'])}</span> : null}
      </button>
      {filter.flows ? null : (
        <>
          <div role="radiogroup" aria-label="State" className="segmented" data-testid="state-filter" onKeyDown={onStateKey}>
            {STATE_FILTERS.map((st) => {
              const n = st === 'all' || !counts ? undefined : st === 'waiting' ? queuedCount(counts) : counts[st];
              const checked = filter.state === st;
              return (
                <button
                  key={st}
                  type="button"
                  role="radio"
                  aria-checked={checked}
                  tabIndex={checked ? 0 : -1}
                  data-state-filter={st}
                  data-testid={`state-filter-${st}`}
                  onClick={() => setFilter({ state: st })}
                >
                  {st}
                  {n !== undefined ? <span className="seg-count">{formatCount(n)}</span> : null}
                </button>
              );
            })}
          </div>
          <label className="inline">
            Agent{' '}
            <select value={filter.agent ?? ''} onChange={(e) => setFilter({ agent: e.target.value || null })} data-testid="agent-filter">
              <option value="">any</option>
              {agentOptions.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </label>
          <label className="inline grow">
            <span className="visually-hidden">Search jobs by id, payload or error text</span>
            <input
              type="search"
              placeholder="Search id, payload, error…"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') setFilter({ search });
              }}
              data-testid="jobs-search"
            />
          </label>
        </>
      )}
      <button type="button" onClick={() => void read.jobList()} data-testid="jobs-refresh">
        Refresh
      </button>
    </div>
  );
}
