import { formatCount } from '../lib/format';

/** A queue's depth (waiting + delayed) against its cap; full is red and says so in words too. */
export function DepthBar({ queue, depth, cap, full }: { queue: string; depth: number; cap: number; full: boolean }) {
  const ratio = cap > 0 ? Math.min(depth / cap, 1) : 0;
  const level = full ? 'full' : ratio >= 0.8 ? 'high' : 'ok';
  return (
    <div className="depth">
      <div
        className={`depth-bar depth-${level}`}
        role="meter"
        aria-label={`Depth of ${queue}`}
        aria-valuemin={0}
        aria-valuemax={cap}
        aria-valuenow={Math.min(depth, cap)}
        aria-valuetext={`${formatCount(depth)} of ${formatCount(cap)}${full ? ' (full)' : ''}`}
        data-testid="depth-bar"
        data-full={full ? 'true' : 'false'}
      >
        {/* Any work at all shows: a few jobs against a cap of thousands would round to no bar. */}
        <div className="depth-fill" style={{ width: `${(depth > 0 ? Math.max(ratio * 100, 3) : 0).toFixed(1)}%` }} />
      </div>
      <span className="depth-text" data-testid="depth-text">
        {formatCount(depth)} / {formatCount(cap)}
      </span>
    </div>
  );
}
