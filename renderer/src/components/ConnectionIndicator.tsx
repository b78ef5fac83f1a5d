import { useHub } from '../store.js';

const LABELS = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' } as const;

/** Whether the live status stream is up; updates on the page are only current while it is. */
export function ConnectionIndicator() {
  const connection = useHub((s) => s.connection);
  return (
    <output className={`connection connection-${connection}`} aria-live="polite">
      <span className="connection-dot" aria-hidden="true" />
      {LABELS[connection]}
    </output>
  );
}
