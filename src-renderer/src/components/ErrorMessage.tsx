import type { ReactNode } from 'react';

export function ErrorMessage({ children, testId }: { children: ReactNode; testId: string }) {
  return (
    <div className="error-message" role="alert" data-testid={testId}>
      {children}
    </div>
  );
}
