import type { ReactNode } from 'react';
import type { ApiError } from '../api/client.js';

export function Loading({ label }: { label: string }) {
  return (
    <div className="panel panel-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

/** An error with what happened and a way out (Retry); unreachable hubs get their own wording. */
export function ErrorPanel({
  title,
  error,
  onRetry,
}: {
  title: string;
  error: ApiError;
  onRetry?: () => void;
}) {
  return (
    <div className="panel panel-error" role="alert">
      <h2>{error.unreachable ? 'Cannot reach the hub' : title}</h2>
      {error.unreachable ? (
        <p>
          The hub did not answer. It may be stopped or restarting: start it with{' '}
          <code>launchpad --server</code> on its machine, then try again.
        </p>
      ) : (
        <p>{error.message}</p>
      )}
      {onRetry && (
        <button type="button" className="button" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="panel panel-empty">
      <h2>{title}</h2>
      {children}
    </div>
  );
}
