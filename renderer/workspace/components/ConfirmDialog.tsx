import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { asWorkspaceError } from '../api.js';

interface Props {
  title: string;
  children: ReactNode;
  /** The destructive button's label, e.g. "Delete". */
  confirmLabel: string;
  /** Runs the action; a rejection keeps the dialog open with the message. */
  onConfirm: () => Promise<void> | void;
  onClose: () => void;
}

/**
 * A modal confirmation (the hub's pattern): the native <dialog> keeps focus inside and closes on
 * Escape; Cancel takes focus first, so Enter never destroys anything by accident.
 */
export function ConfirmDialog({ title, children, confirmLabel, onConfirm, onClose }: Props) {
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
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  const confirm = async () => {
    setState({ busy: true, error: null });
    try {
      await onConfirm();
      onClose();
    } catch (err) {
      setState({ busy: false, error: asWorkspaceError(err).message });
    }
  };

  return (
    <dialog
      ref={dialog}
      className="dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-body`}
      onCancel={(e) => {
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
        <button type="button" className="button button-danger" onClick={confirm} disabled={state.busy}>
          {state.busy ? 'Working…' : confirmLabel}
        </button>
        <button ref={cancel} type="button" className="button" onClick={onClose} disabled={state.busy}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
