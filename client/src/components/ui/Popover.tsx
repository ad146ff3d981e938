import { type ReactNode, useEffect, useId, useRef, useState } from 'react';

/**
 * A button that opens a panel below it (filter pickers, the views menu). Escape and a click outside
 * close it and return focus to the button; the panel is a plain region, so its controls keep their roles.
 */
export function Popover({
  label,
  children,
  active = false,
  align = 'start',
  buttonClassName = 'chip-button',
  panelLabel,
}: {
  label: ReactNode;
  children: (close: () => void) => ReactNode;
  active?: boolean;
  align?: 'start' | 'end';
  buttonClassName?: string;
  panelLabel: string;
}) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panelId = useId();

  useEffect(() => {
    if (!open) return;
    function onPointerDown(event: PointerEvent) {
      if (root.current && !root.current.contains(event.target as Node)) setOpen(false);
    }
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [open]);

  const close = () => {
    setOpen(false);
    button.current?.focus();
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: Escape anywhere inside the popover closes it
    <div
      className="popover"
      ref={root}
      onKeyDown={(event) => {
        if (event.key === 'Escape' && open) {
          event.stopPropagation();
          close();
        }
      }}
    >
      <button
        ref={button}
        type="button"
        className={`${buttonClassName}${active ? ' is-active' : ''}`}
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((value) => !value)}
      >
        {label}
        <svg className="chevron" width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">
          <path
            d="M3 4.5l3 3 3-3"
            stroke="currentColor"
            strokeWidth="1.5"
            fill="none"
            strokeLinecap="round"
          />
        </svg>
      </button>
      {open ? (
        <section id={panelId} className={`popover-panel popover-${align}`} aria-label={panelLabel}>
          {children(close)}
        </section>
      ) : null}
    </div>
  );
}
