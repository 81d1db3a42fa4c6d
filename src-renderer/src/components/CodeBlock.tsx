import { useState } from 'react';
import { CopyButton } from './CopyButton';

/** Longer than this many lines, a block opens collapsed to its first lines. */
export const COLLAPSE_LINES = 24;

/** Preformatted text (JSON, an error) with a copy button; a long one is collapsed until asked. */
export function CodeBlock({
  text,
  label,
  testId,
  className = 'code',
}: {
  text: string;
  label: string;
  testId?: string;
  className?: string;
}) {
  const lines = text.split('\n');
  const long = lines.length > COLLAPSE_LINES;
  const [open, setOpen] = useState(!long);
  return (
    <div className="code-block">
      <div className="code-tools">
        {long ? (
          <button
            type="button"
            className="link small"
            aria-expanded={open}
            onClick={() => setOpen(!open)}
            data-testid={testId ? `${testId}-toggle` : undefined}
          >
            {open ? 'Collapse' : `Show all ${lines.length} lines`}
          </button>
        ) : null}
        <CopyButton text={text} label={`Copy ${label}`} {...(testId ? { testId: `${testId}-copy` } : {})} />
      </div>
      <pre className={className} data-testid={testId} data-collapsed={!open || undefined}>
        {open ? text : `${lines.slice(0, COLLAPSE_LINES).join('\n')}\n…`}
      </pre>
    </div>
  );
}
