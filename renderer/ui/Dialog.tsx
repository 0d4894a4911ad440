import { useEffect, useId, useRef, type ReactNode } from 'react';

/**
 * A modal on the native <dialog> (role dialog, focus kept inside, Escape closes, the rest
 * of the page inert). `variant="drawer"` slides in from the right.
 */
export function Dialog(props: {
  open: boolean;
  title: ReactNode;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
  testId?: string;
  variant?: 'modal' | 'drawer';
  wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (props.open && !d.open) d.showModal();
    if (!props.open && d.open) d.close();
  }, [props.open]);
  const { onClose } = props;
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    const cancel = (e: Event) => {
      e.preventDefault();
      onClose();
    };
    d.addEventListener('cancel', cancel);
    return () => d.removeEventListener('cancel', cancel);
  }, [onClose]);
  if (!props.open) return null;
  return (
    <dialog
      ref={ref}
      className={`dialog dialog-${props.variant ?? 'modal'}${props.wide ? ' dialog-wide' : ''}`}
      aria-labelledby={titleId}
      data-testid={props.testId}
    >
      <header className="dialog-header">
        <h2 id={titleId}>{props.title}</h2>
        <button
          type="button"
          className="icon-button"
          onClick={onClose}
          aria-label="Close"
          data-testid="dialog-close"
        >
          ✕
        </button>
      </header>
      <div className="dialog-body">{props.children}</div>
      {props.footer && <footer className="dialog-footer">{props.footer}</footer>}
    </dialog>
  );
}
