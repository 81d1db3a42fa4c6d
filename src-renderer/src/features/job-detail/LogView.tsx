import { Fragment, useEffect, useRef } from 'react';
import { formatTime } from '../../lib/format';
import { datedLines, type LogTime } from '../../store/slices/detail';

/**
 * The job's log; follows new lines while scrolled to the bottom, stays put
 * when the reader scrolled up. Lines seen arrive while the job is open carry
 * their time, and a separator starts each attempt; earlier lines were stored
 * without a time and say so.
 */
export function LogView({ lines, times }: { lines: readonly string[]; times: readonly LogTime[] }) {
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
  const dated = datedLines(lines, times);
  const firstDated = dated.findIndex((l) => l.ts !== undefined);
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
      {dated.map((l, i) => {
        const prev = dated[i - 1];
        const newAttempt = l.attempt !== undefined && (prev?.attempt !== l.attempt || i === firstDated);
        return (
          <Fragment key={i}>
            {i === 0 && firstDated !== 0 && firstDated !== -1 ? <div className="log-sep">earlier lines (stored without a time)</div> : null}
            {newAttempt ? (
              <div className="log-sep" data-testid="log-attempt-separator">
                attempt {l.attempt}
              </div>
            ) : null}
            <div className="log-line">
              {l.ts !== undefined ? <span className="log-time">{formatTime(l.ts).slice(11)} </span> : null}
              {l.text}
            </div>
          </Fragment>
        );
      })}
    </div>
  );
}
