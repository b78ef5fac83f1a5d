import { signInHref } from '../project.js';
import { channel } from '../realtime.js';
import { useWorkspace } from '../store.js';

const LABELS = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  'signed-out': 'Signed out',
} as const;

/** Whether the realtime channel (terminals, file changes) is up; a retry button while it is not. */
export function ConnectionStatus() {
  const connection = useWorkspace((s) => s.connection);
  return (
    <div className="ws-connection">
      <output className={`connection connection-${connection}`} aria-live="polite">
        <span className="connection-dot" aria-hidden="true" />
        {LABELS[connection]}
      </output>
      {connection === 'reconnecting' && (
        <button type="button" className="button button-quiet button-small" onClick={() => channel.retryNow()}>
          Retry now
        </button>
      )}
      {connection === 'signed-out' && (
        <a className="button button-small" href={signInHref()}>
          Sign in
        </a>
      )}
    </div>
  );
}
