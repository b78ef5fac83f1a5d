import { type ReactNode, useEffect, useId, useRef, useState } from 'react';

interface Props {
  title: string;
  children: ReactNode;
  /** The destructive button's label, e.g. "Remove host". */
  confirmLabel: string;
  /** 'primary' for an action that destroys nothing (a restore into a new folder); 'danger' by default. */
  tone?: 'danger' | 'primary';
  /** Runs the action; a rejection keeps the dialog open with the message. */
  onConfirm: () => Promise<void> | void;
  onClose: () => void;
}

/**
 * A modal confirmation for destructive actions. The native <dialog> keeps focus inside and closes
 * on Escape; Cancel takes focus first, so Enter never destroys anything by accident.
 */
export function ConfirmDialog({ title, children, confirmLabel, tone = 'danger', onConfirm, onClose }: Props) {
  const id = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const [state, setState] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });

  useEffect(() => {
    const el = dialog.current;
    if (!el) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    el.showModal();
    cancel.current?.focus();
    return () => {
      if (el.open) el.close();
      // Back where the user was, unless the action removed that element (a deleted row).
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  const confirm = async () => {
    setState({ busy: true, error: null });
    try {
      await onConfirm();
      onClose();
    } catch (err) {
      setState({ busy: false, error: err instanceof Error ? err.message : String(err) });
    }
  };

  return (
    <dialog
      ref={dialog}
      className="dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-body`}
      onCancel={(e) => {
        // Escape: close through React state, and not while the action is running.
        e.preventDefault();
        if (!state.busy) onClose();
      }}
    >
      <h2 id={`${id}-title`}>{title}</h2>
      <div id={`${id}-body`} className="dialog-body">
        {children}
      </div>
      {state.error && (
        <p className="form-error" role="alert">
          {state.error}
        </p>
      )}
      <div className="button-row dialog-buttons">
        <button type="button" className={`button button-${tone}`} onClick={confirm} disabled={state.busy}>
          {state.busy ? 'Working…' : confirmLabel}
        </button>
        <button ref={cancel} type="button" className="button" onClick={onClose} disabled={state.busy}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
