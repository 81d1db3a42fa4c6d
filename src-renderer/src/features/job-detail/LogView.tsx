import { useEffect, useRef } from 'react';

/** The job's log; follows new lines while scrolled to the bottom, stays put when the reader scrolled up. */
export function LogView({ lines }: { lines: readonly string[] }) {
  const ref = useRef<HTMLPreElement>(null);
  const stick = useRef(true);
  useEffect(() => {
    const el = ref.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [lines]);
  if (lines.length === 0) return <p className="muted" data-testid="job-detail-logs-empty">No log lines.</p>;
  return (
    <pre
      ref={ref}
      className="code logs"
      tabIndex={0}
      aria-label="Job logs"
      data-testid="job-detail-logs"
      onScroll={(e) => {
        const el = e.currentTarget;
        stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 8;
      }}
    >
      {lines.join('\n')}
    </pre>
  );
}
