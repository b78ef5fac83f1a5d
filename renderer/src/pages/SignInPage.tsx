import { useEffect } from 'react';
import { CommandLine } from '../components/CommandLine.js';
import { useHub } from '../store.js';

/** Shown whenever there is no session: the hub admits people only through one-time sign-in links. */
export function SignInPage() {
  const version = useHub((s) => s.status?.version);
  const load = useHub((s) => s.load);
  useEffect(() => {
    document.title = 'Sign in · Launchpad';
  }, []);

  return (
    <div className="center-page">
      <main className="card sign-in">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true" />
          <span className="brand-name">Launchpad</span>
        </div>
        <h1>Sign in to this hub</h1>
        <p>You sign in with a one-time link that the hub prints on the machine where it runs.</p>
        <ol className="steps">
          <li>
            <p>On the hub machine, run:</p>
            <CommandLine command="launchpad login-url" />
            <p className="muted">
              Add <code>--data-dir DIR</code> if the hub uses another data dir.{' '}
              <code>launchpad --server</code> prints a link when it starts, too.
            </p>
          </li>
          <li>
            <p>Open the link in this browser. Each link works once, for 24 hours.</p>
          </li>
        </ol>
        <div className="sign-in-footer">
          <button type="button" className="button" onClick={() => void load()}>
            I signed in in another tab
          </button>
          <span className="muted">
            {window.location.host}
            {version ? ` · Launchpad ${version}` : ''}
          </span>
        </div>
      </main>
    </div>
  );
}
