import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useRef } from 'react';
import { goTo } from '../../app/use-hash-route';
import { ProgressBar } from '../../components/ProgressBar';
import { StateBadge } from '../../components/StateBadge';
import { formatTime } from '../../lib/format';
import { jobHref } from '../../lib/routes';
import type { JobRow } from '../../store/slices/job-row';

export const ROW_HEIGHT = 40;
/** Start reading the next page this many rows before the end. */
const PREFETCH_ROWS = 40;

/**
 * The job list, virtualized: only the rows in view (plus overscan) are in the
 * DOM, and a row re-renders only when its own row object or selection changes,
 * so thousands of rows and a steady event stream stay smooth.
 */
export function JobTable({
  rows,
  selection,
  onToggle,
  onToggleAll,
  canLoadMore,
  onLoadMore,
}: {
  rows: readonly JobRow[];
  selection: ReadonlySet<string>;
  onToggle: (id: string) => void;
  onToggleAll: (select: boolean) => void;
  canLoadMore: boolean;
  onLoadMore: () => void;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    getItemKey: (i) => rows[i]?.id ?? i,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items[items.length - 1]?.index ?? -1;
  useEffect(() => {
    if (canLoadMore && lastIndex >= rows.length - PREFETCH_ROWS) onLoadMore();
  }, [canLoadMore, lastIndex, rows.length, onLoadMore]);

  const selectedInView = rows.length > 0 && rows.every((r) => selection.has(r.id));
  const someSelected = !selectedInView && rows.some((r) => selection.has(r.id));

  return (
    <div
      className="job-table"
      role="table"
      aria-label="Jobs"
      aria-rowcount={rows.length + 1}
      data-testid="job-list"
      data-count={rows.length}
    >
      <div role="rowgroup">
        <div role="row" className="job-row job-head" aria-rowindex={1}>
          <span role="columnheader" className="c-select">
            <input
              type="checkbox"
              aria-label="Select all jobs in the list"
              checked={selectedInView}
              ref={(el) => {
                if (el) el.indeterminate = someSelected;
              }}
              onChange={(e) => onToggleAll(e.target.checked)}
              data-testid="select-all-jobs"
            />
          </span>
          <span role="columnheader" className="c-id">
            Job
          </span>
          <span role="columnheader" className="c-state">
            State
          </span>
          <span role="columnheader" className="c-agent">
            Agent
          </span>
          <span role="columnheader" className="c-input">
            Input / error
          </span>
          <span role="columnheader" className="c-attempt">
            Try
          </span>
          <span role="columnheader" className="c-worker">
            Worker
          </span>
          <span role="columnheader" className="c-time">
            Time
          </span>
          <span role="columnheader" className="c-progress">
            Progress
          </span>
        </div>
      </div>
      <div ref={scrollRef} className="job-scroll" role="rowgroup" data-testid="job-list-scroll">
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const row = rows[item.index];
            if (!row) return null;
            return (
              <JobRowView key={row.id} row={row} index={item.index} top={item.start} selected={selection.has(row.id)} onToggle={onToggle} />
            );
          })}
        </div>
      </div>
    </div>
  );
}

const JobRowView = memo(function JobRowView({
  row,
  index,
  top,
  selected,
  onToggle,
}: {
  row: JobRow;
  index: number;
  top: number;
  selected: boolean;
  onToggle: (id: string) => void;
}) {
  const href = jobHref(row.queue, row.id);
  const final = row.state === 'completed' || row.state === 'dead' || row.state === 'cancelled';
  const time = final
    ? row.finishedAt
    : row.state === 'delayed'
      ? row.runAt
      : row.state === 'active'
        ? (row.startedAt ?? row.createdAt)
        : row.createdAt;
  const showError = (row.state === 'dead' || row.state === 'waiting' || row.state === 'delayed') && row.error !== undefined;
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      className={`job-row${selected ? ' is-selected' : ''}`}
      style={{ transform: `translateY(${top}px)`, height: ROW_HEIGHT }}
      data-testid="job-row"
      data-job-id={row.id}
      data-state={row.state}
      onDoubleClick={() => goTo({ view: 'jobs', job: { queue: row.queue, id: row.id } })}
    >
      <span role="cell" className="c-select">
        {/* One Tab stop per row (the link): Space on the link toggles this box. */}
        <input
          type="checkbox"
          tabIndex={-1}
          checked={selected}
          onChange={() => onToggle(row.id)}
          aria-label={`Select job ${row.id}`}
          data-testid="job-select"
        />
      </span>
      <span role="cell" className="c-id">
        <a
          href={href}
          data-testid="job-link"
          title={`${row.id} (Space selects)`}
          onKeyDown={(e) => {
            if (e.key === ' ') {
              e.preventDefault();
              onToggle(row.id);
            }
          }}
        >
          {row.id}
        </a>
      </span>
      <span role="cell" className="c-state">
        <StateBadge state={row.state} />
        {row.cancelRequested && !final ? <span className="muted small"> cancelling</span> : null}
      </span>
      <span role="cell" className="c-agent" data-testid="job-agent">
        {row.agent ?? '—'}
      </span>
      <span
        role="cell"
        className={`c-input${showError ? ' is-error' : ''}`}
        title={showError ? row.error : row.preview}
        data-testid="job-input"
      >
        {showError ? row.error : (row.preview ?? '')}
      </span>
      <span role="cell" className="c-attempt">
        {row.attempt || '—'}
      </span>
      <span role="cell" className="c-worker" title={row.worker}>
        {row.worker ?? ''}
      </span>
      <span role="cell" className="c-time" title={time === undefined ? undefined : formatTime(time)}>
        {time === undefined ? '' : formatTime(time).slice(11)}
      </span>
      <span role="cell" className="c-progress">
        {row.progress && row.state === 'active' ? <ProgressBar fraction={row.progress.fraction} label={`Progress of ${row.id}`} /> : null}
      </span>
    </div>
  );
});
