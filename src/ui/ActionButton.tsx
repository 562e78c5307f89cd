import { type ReactNode, useId } from 'react';

/**
 * A button that says why it is disabled: `reason` (null = enabled) is shown beside it and tied to
 * it with aria-describedby, so a sighted user and a screen reader both learn what to do. `quiet`
 * keeps the reason to a tooltip and the accessible description (a Stop with nothing running).
 */
export function ActionButton({
  reason,
  onClick,
  children,
  quiet = false,
  label,
  pressed,
}: {
  reason: string | null;
  onClick: () => void;
  children: ReactNode;
  quiet?: boolean;
  /** aria-label, where the visible text is not the name. */
  label?: string;
  pressed?: boolean;
}) {
  const id = useId();
  return (
    <>
      <button
        type="button"
        disabled={reason !== null}
        aria-label={label}
        aria-pressed={pressed}
        aria-describedby={reason ? id : undefined}
        title={reason ?? undefined}
        onClick={onClick}
      >
        {children}
      </button>
      {reason && (
        <span id={id} className={quiet ? 'visually-hidden' : 'disabled-reason'}>
          {reason}
        </span>
      )}
    </>
  );
}
