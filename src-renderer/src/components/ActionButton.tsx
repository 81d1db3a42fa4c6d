import type { ButtonHTMLAttributes } from 'react';

/**
 * A button that, when it cannot act, says why: `aria-disabled` (it stays
 * focusable, so a keyboard user reaches the reason), a tooltip, and the
 * reason as its accessible description. Clicks do nothing while disabled.
 */
export function ActionButton({
  disabledReason,
  onClick,
  className,
  ...rest
}: ButtonHTMLAttributes<HTMLButtonElement> & { disabledReason?: string | undefined }) {
  const off = disabledReason !== undefined;
  return (
    <button
      type="button"
      {...rest}
      className={[className, off ? 'is-disabled' : undefined].filter(Boolean).join(' ') || undefined}
      aria-disabled={off || undefined}
      title={off ? disabledReason : rest.title}
      {...(off ? { 'aria-description': disabledReason } : {})}
      data-disabled-reason={disabledReason}
      onClick={off ? (e) => e.preventDefault() : onClick}
    />
  );
}
