import { useEffect, useRef } from 'react';
import { formatTime } from '../../lib/format';
import type { LogLine } from '../../../../src-shared/job';
import { logRows } from '../../store/slices/detail';

/**
 * The job's log; follows new lines while scrolled to the bottom, stays put
 * when the reader scrolled up. Each line shows the time it was stored, and a
 * separator starts each attempt; lines stored by older versions have no time
 * and say so.
 */
export function LogView({ lines }: { lines: readonly LogLine[] }) {
  const ref = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  useEffect(() => {
    const el = ref.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [lines]);
  if (lines.length === 0)
    return (
      <p className="muted" data-testid="job-detail-logs-empty">
        No log lines.
      </p>
    );
  return (
    <div
      ref={ref}
      className="code logs"
      tabIndex={0}
      role="log"
      aria-label="Job logs"
      data-testid="job-detail-logs"
      onScroll={(e) => {
        const el = e.currentTarget;
        stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 8;
      }}
    >
      {logRows(lines).map((row, i) =>
        row.kind === 'attempt' ? (
          <div key={i} className="log-sep" data-testid="log-attempt-separator">
            attempt {row.attempt}
          </div>
        ) : row.kind === 'undated' ? (
          <div key={i} className="log-sep">
            stored without a time
          </div>
        ) : (
          <div key={i} className="log-line">
            {row.line.at !== undefined ? <span className="log-time">{formatTime(row.line.at).slice(11)} </span> : null}
            {row.line.line}
          </div>
        ),
      )}
    </div>
  );
}
