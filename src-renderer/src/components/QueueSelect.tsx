import type { ReactNode } from 'react';

/** One `<option>` per queue name. */
export function QueueOptions({ names }: { names: readonly string[] }) {
  return (
    <>
      {names.map((n) => (
        <option key={n} value={n}>
          {n}
        </option>
      ))}
    </>
  );
}

/**
 * The queue picker the views put above what they show: a labelled select of
 * the queue names, `leading` options (such as "all queues") first.
 */
export function QueueSelect({
  names,
  value,
  onChange,
  testId,
  leading,
  inline = true,
}: {
  names: readonly string[];
  value: string;
  onChange: (queue: string) => void;
  testId: string;
  leading?: ReactNode;
  /** Laid out in a toolbar row (`label.inline`). */
  inline?: boolean;
}) {
  return (
    <label className={inline ? 'inline' : undefined}>
      Queue{' '}
      <select value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
        {leading}
        <QueueOptions names={names} />
      </select>
    </label>
  );
}
