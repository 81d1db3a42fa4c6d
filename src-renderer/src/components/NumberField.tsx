import type { ReactNode } from 'react';
import { Field } from './Field';

/**
 * A form row for a whole number: a `Field` (label, hint, error) around a
 * numeric input kept as text, so a half-typed or empty value stays as typed
 * and the form's own model checks it.
 */
export function NumberField({
  label,
  hint,
  error,
  testId,
  inputTestId = testId,
  value,
  onChange,
  min,
  max,
  placeholder,
  numericKeypad = false,
}: {
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  /** Prefix of the hint and error test ids (see Field). */
  testId: string;
  /** The input's test id (default `testId`). */
  inputTestId?: string;
  value: string;
  onChange: (value: string) => void;
  min?: number;
  max?: number;
  placeholder?: string;
  /** A digits-only keypad on touch screens (`inputMode="numeric"`); not for fields that take a minus sign. */
  numericKeypad?: boolean;
}) {
  return (
    <Field label={label} hint={hint} error={error} testId={testId}>
      {(p) => (
        <input
          {...p}
          type="number"
          min={min}
          max={max}
          step={1}
          {...(numericKeypad ? { inputMode: 'numeric' as const } : {})}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          placeholder={placeholder}
          data-testid={inputTestId}
        />
      )}
    </Field>
  );
}
