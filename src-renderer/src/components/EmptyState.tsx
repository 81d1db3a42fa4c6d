import type { ReactNode } from 'react';

/** Says what is missing and what to do next. */
export function EmptyState({ title, children, testId }: { title: string; children?: ReactNode; testId: string }) {
  return (
    <div className="empty" data-testid={testId} role="status">
      <p className="empty-title">{title}</p>
      {children ? <div className="empty-body">{children}</div> : null}
    </div>
  );
}
