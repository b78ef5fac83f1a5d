import { useEffect, useId, useRef, useState } from 'react';
import { asWorkspaceError } from '../api.js';

interface Props {
  /** The input's label, e.g. "New file name". */
  label: string;
  submitLabel: string;
  initial?: string;
  /** Creates or renames; a rejection shows the server's message under the field. */
  onSubmit: (name: string) => Promise<void>;
  onCancel: () => void;
}

function nameProblem(name: string): string | null {
  if (name === '') return 'Enter a name.';
  if (name.includes('/')) return 'A name cannot contain "/".';
  if (name === '.' || name === '..') return 'That name is reserved.';
  return null;
}

/** One-field form for a new file or folder name, or a rename. Enter submits, Escape cancels. */
export function NameForm({ label, submitLabel, initial = '', onSubmit, onCancel }: Props) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [name, setName] = useState(initial);
  const [state, setState] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });

  useEffect(() => {
    const el = input.current;
    if (!el) return;
    el.focus();
    // Renaming "notes.txt" selects "notes", the part usually changed.
    const dot = initial.lastIndexOf('.');
    el.setSelectionRange(0, dot > 0 ? dot : initial.length);
  }, [initial]);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const trimmed = name.trim();
    const problem = nameProblem(trimmed);
    if (problem) {
      setState({ busy: false, error: problem });
      return;
    }
    if (trimmed === initial) {
      onCancel();
      return;
    }
    setState({ busy: true, error: null });
    try {
      await onSubmit(trimmed);
    } catch (err) {
      setState({ busy: false, error: asWorkspaceError(err).message });
    }
  };

  return (
    <form className="name-form" onSubmit={submit}>
      <label htmlFor={`${id}-name`} className="name-form-label">
        {label}
      </label>
      <input
        ref={input}
        id={`${id}-name`}
        className="mono"
        value={name}
        onChange={(e) => setName(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            onCancel();
          }
        }}
        aria-invalid={state.error ? true : undefined}
        aria-describedby={state.error ? `${id}-error` : undefined}
        autoComplete="off"
        spellCheck={false}
        disabled={state.busy}
      />
      {state.error && (
        <p id={`${id}-error`} className="field-error" role="alert">
          {state.error}
        </p>
      )}
      <div className="button-row">
        <button type="submit" className="button button-primary button-small" disabled={state.busy}>
          {submitLabel}
        </button>
        <button type="button" className="button button-small" onClick={onCancel} disabled={state.busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
