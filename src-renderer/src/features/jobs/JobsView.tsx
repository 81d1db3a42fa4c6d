import { useCallback, useEffect, useMemo } from 'react';
import { useApp, useAppShallow, useReader } from '../../app/shell-context';
import { Cmd } from '../../components/Cmd';
import { EmptyState } from '../../components/EmptyState';
import { ErrorMessage } from '../../components/ErrorMessage';
import { formatCount } from '../../lib/format';
import { selectQueueNames, visibleJobRows } from '../../store/selectors';
import { MAX_JOBS_PER_QUEUE, liveRowsOf } from '../../store/slices/live-jobs';
import { MAX_LIST_ROWS, PAGE_SIZE } from '../../store/slices/job-list';
import { useOfflineReason } from '../../app/use-offline';
import { BulkBar } from './BulkBar';
import { JobFilters } from './JobFilters';
import { JobTable } from './JobTable';
import { ViewFrame } from '../../components/ViewFrame';
import { FlowList } from '../flows/FlowList';
import { NoQueues } from '../../components/NoQueues';

export function JobsView() {
  const names = useApp(selectQueueNames);
  const queuesLoaded = useApp((s) => s.queuesLoaded);
  const { filter, list, live, selection } = useAppShallow((s) => ({
    filter: s.jobsFilter,
    list: s.jobList,
    live: liveRowsOf(s.jobs, s.jobsFilter.queue),
    selection: s.selection,
  }));
  const toggleSelected = useApp((s) => s.toggleSelected);
  const setSelected = useApp((s) => s.setSelected);
  const read = useReader();
  const rows = useMemo(() => visibleJobRows(filter, list, live), [filter, list, live]);
  const onToggleAll = useCallback(
    (select: boolean) =>
      setSelected(
        rows.map((r) => r.id),
        select,
      ),
    [rows, setSelected],
  );
  const onLoadMore = useCallback(() => void read.loadMoreJobs(), [read]);
  const offline = useOfflineReason();
  const searchingNow = filter.search.trim() !== '';
  const isLive = filter.state === 'all' && !searchingNow && !filter.flows;
  // A filtered page can come back short (the server looks at a bounded number of jobs per call): go on until a page is full.
  const shortPage = !isLive && !searchingNow && list.loaded && !list.loading && list.cursor !== undefined && rows.length < PAGE_SIZE;
  useEffect(() => {
    if (shortPage) onLoadMore();
  }, [shortPage, rows.length, list.cursor, onLoadMore]);
  // The live list hears of jobs through events, which carry no input: read the rows that lack it.
  useEffect(() => {
    if (isLive && filter.queue !== null) void read.fillLiveRows(filter.queue);
  }, [isLive, filter.queue, rows, read]);

  if (!queuesLoaded && filter.queue === null) {
    return (
      <ViewFrame name="jobs" title="Jobs">
        <p className="muted" data-testid="jobs-loading">
          {offline ?? 'Loading queues…'}
        </p>
      </ViewFrame>
    );
  }

  if (queuesLoaded && names.length === 0) {
    return (
      <ViewFrame name="jobs" title="Jobs">
        <NoQueues />
      </ViewFrame>
    );
  }

  // The flows listing is a plain table: the view scrolls as a whole, not a virtualized list inside it.
  if (filter.flows) {
    return (
      <ViewFrame name="jobs" title="Jobs">
        <JobFilters />
        <FlowList />
      </ViewFrame>
    );
  }

  const searching = filter.search.trim() !== '';
  const liveMode = filter.state === 'all' && !searching;
  const loading = !liveMode && ((!list.loaded && list.error === undefined) || list.cursor !== undefined) && rows.length === 0;
  return (
    <section className="view view-fill" aria-labelledby="jobs-title" data-testid="view-jobs">
      <header className="view-header">
        <h1 id="jobs-title">Jobs</h1>
      </header>
      <JobFilters />
      <BulkBar rows={rows} />
      {list.error && !liveMode ? <ErrorMessage testId="jobs-error">Could not read the jobs: {list.error}</ErrorMessage> : null}
      {loading ? (
        <p className="muted" data-testid="jobs-loading">
          {list.loaded && filter.agent !== null ? `Looking for jobs of agent “${filter.agent}”…` : 'Loading jobs…'}
        </p>
      ) : rows.length === 0 && offline !== undefined ? (
        <EmptyState
          title={filter.queue === null ? 'Jobs cannot be listed right now' : `Jobs of “${filter.queue}” cannot be listed right now`}
          testId="jobs-empty"
        >
          {offline}
        </EmptyState>
      ) : rows.length === 0 ? (
        <EmptyState
          title={
            searching
              ? `No job matches “${filter.search.trim()}”`
              : `No ${filter.state === 'all' ? '' : `${filter.state} `}jobs${filter.agent === null ? '' : ` of agent “${filter.agent}”`} in “${filter.queue ?? ''}”`
          }
          testId="jobs-empty"
        >
          {searching ? (
            'Search looks at ids, payloads and errors of the newest 10,000 jobs of each state.'
          ) : (
            <>
              Enqueue one in <a href="#/enqueue">Enqueue</a>, or run <Cmd>{`conveyor enqueue ${filter.queue ?? 'jobs'} echo "hello"`}</Cmd>.
            </>
          )}
        </EmptyState>
      ) : (
        <JobTable
          rows={rows}
          selection={selection}
          onToggle={toggleSelected}
          onToggleAll={onToggleAll}
          canLoadMore={!liveMode && !searching && list.cursor !== undefined && !list.loading}
          onLoadMore={onLoadMore}
        />
      )}
      <p className="list-footer muted small" data-testid="jobs-footer">
        {liveMode
          ? `Live: the ${formatCount(rows.length)} most recent jobs of this queue seen by this window (up to ${formatCount(MAX_JOBS_PER_QUEUE)}). Pick a state to page through all of them.`
          : searching
            ? `${formatCount(rows.length)} matching ${rows.length === 1 ? 'job' : 'jobs'} (at most 1,000).`
            : list.truncated
              ? `Showing the first ${formatCount(MAX_LIST_ROWS)} jobs; narrow the filter to see others.`
              : list.cursor !== undefined
                ? `${formatCount(rows.length)} shown; scroll down for more.`
                : `${formatCount(rows.length)} ${rows.length === 1 ? 'job' : 'jobs'}, all shown.`}
        {list.loading && rows.length > 0 ? ' Loading…' : ''}
      </p>
    </section>
  );
}
