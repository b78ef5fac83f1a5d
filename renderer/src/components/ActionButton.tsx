import { type ReactNode, useState } from 'react';

/** A button running an async action: disabled while it runs, and says so when it fails. */
export function ActionButton({ action, children }: { action: () => Promise<void>; children: ReactNode }) {
  const [state, setState] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  const run = async () => {
    setState({ busy: true, error: null });
    try {
      await action();
      setState({ busy: false, error: null });
    } catch (err) {
      setState({ busy: false, error: err instanceof Error ? err.message : String(err) });
    }
  };
  return (
    <span className="action-button">
      <button type="button" className="button" onClick={run} disabled={state.busy}>
        {children}
      </button>
      {state.error && (
        <span className="field-error" role="alert">
          {state.error}
        </span>
      )}
    </span>
  );
}
