import { useState } from 'react';
import { asApiError, useHub } from '../store.js';

type Step = { step: 'idle' } | { step: 'confirm' } | { step: 'busy' } | { step: 'failed'; message: string };

/** Sign out here, or (after a confirmation, since it also ends the desktop window's session) everywhere. */
export function AccountActions() {
  const signOut = useHub((s) => s.signOut);
  const [state, setState] = useState<Step>({ step: 'idle' });

  const run = async (everywhere: boolean) => {
    setState({ step: 'busy' });
    try {
      await signOut(everywhere);
    } catch (err) {
      setState({ step: 'failed', message: asApiError(err).message });
    }
  };

  if (state.step === 'confirm') {
    return (
      <div className="account">
        <p className="account-note">End every session, in all browsers and the desktop app?</p>
        <div className="account-buttons">
          <button type="button" className="button button-danger button-small" onClick={() => run(true)}>
            Sign out everywhere
          </button>
          <button type="button" className="button button-small" onClick={() => setState({ step: 'idle' })}>
            Cancel
          </button>
        </div>
      </div>
    );
  }
  const busy = state.step === 'busy';
  return (
    <div className="account">
      <div className="account-buttons">
        <button type="button" className="button button-small" onClick={() => run(false)} disabled={busy}>
          Sign out
        </button>
        <button
          type="button"
          className="button button-small button-quiet"
          onClick={() => setState({ step: 'confirm' })}
          disabled={busy}
        >
          Sign out everywhere…
        </button>
      </div>
      {state.step === 'failed' && (
        <p className="field-error" role="alert">
          {state.message}
        </p>
      )}
    </div>
  );
}
