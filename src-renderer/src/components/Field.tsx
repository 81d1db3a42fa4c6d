import { useId, type ReactNode } from 'react';

/**
 * A labelled form control with its hint (constraints) and error, wired for
 * assistive tech: the control gets `id`, `aria-describedby` and `aria-invalid`.
 */
export function Field({
  label,
  hint,
  error,
  testId,
  children,
}: {
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  /** Prefix of the hint and error test ids (`<testId>-hint`, `<testId>-error`). */
  testId?: string;
  children: (props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ReactNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ');
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, ...(describedBy ? { 'aria-describedby': describedBy } : {}), ...(error ? { 'aria-invalid': true } : {}) })}
      {hint ? (
        <div className="field-hint" id={hintId} data-testid={testId ? `${testId}-hint` : undefined}>
          {hint}
        </div>
      ) : null}
      {error ? (
        <div className="field-error" id={errorId} role="alert" data-testid={testId ? `${testId}-error` : undefined}>
          {error}
        </div>
      ) : null}
    </div>
  );
}
