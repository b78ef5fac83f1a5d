import { useState } from 'react';
import type { HostView } from '../../../server/api/index.js';
import { formatRtt } from '../format.js';
import { diagnoseHost } from '../host-troubleshooting.js';
import { useHub } from '../store.js';
import { useNow } from '../use-now.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { HostTroubleshooting } from './HostTroubleshooting.js';
import { RelativeTime } from './RelativeTime.js';

const STATE_LABELS: Record<HostView['state'], string> = {
  online: 'Online',
  offline: 'Offline',
  'never-connected': 'Never connected',
};

/**
 * One row per host (its own <tbody>, so a troubleshooting panel can follow an offline host and
 * both stack into one card on narrow screens). Times tick locally; the hub pushes everything else.
 */
export function HostsTable({ hosts, labelledBy }: { hosts: HostView[]; labelledBy: string }) {
  const removeHost = useHub((s) => s.removeHost);
  const now = useNow(1000);
  const [removing, setRemoving] = useState<HostView | null>(null);
  return (
    <>
      <table className="table hosts-table" aria-labelledby={labelledBy}>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            <th scope="col">Last seen</th>
            <th scope="col">RTT</th>
            <th scope="col">Ports</th>
            <th scope="col">Version</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        {hosts.map((host) => (
          <HostRows key={host.id} host={host} now={now} onRemove={() => setRemoving(host)} />
        ))}
      </table>
      {removing && (
        <ConfirmDialog
          title={`Remove ${removing.name}?`}
          confirmLabel="Remove host"
          onConfirm={() => removeHost(removing.id)}
          onClose={() => setRemoving(null)}
        >
          <p>
            The hub closes the host’s tunnel, revokes its keys and frees its ports; the agent on{' '}
            {removing.name} stops. To use this machine again, it must re-join with a new token.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

function HostRows({ host, now, onRemove }: { host: HostView; now: number; onRemove: () => void }) {
  const diagnosis = diagnoseHost(host);
  return (
    <tbody className={`host host-${host.state}`} data-testid={`host-${host.id}`}>
      <tr>
        <th scope="row">
          <span className="host-title">
            <span className="host-name">{host.name}</span>
            {host.thisMachine && <span className="badge badge-accent">this machine</span>}
            {host.platform && <span className="host-platform">{host.platform}</span>}
          </span>
        </th>
        <td data-label="Status">
          <HostState state={host.state} />
        </td>
        <td data-label="Last seen" className="nowrap">
          {host.lastSeenAt ? (
            <RelativeTime iso={host.lastSeenAt} now={now} />
          ) : (
            <span className="muted">never</span>
          )}
        </td>
        <td data-label="RTT" className="nowrap">
          {host.rttMs === null ? <span className="muted">—</span> : formatRtt(host.rttMs)}
        </td>
        <td data-label="Ports" className="nowrap">
          {host.ports ? (
            <span className="mono">
              HTTP {host.ports.http} · SSH {host.ports.ssh}
            </span>
          ) : (
            <span className="muted">{host.thisMachine ? 'direct, no tunnel' : '—'}</span>
          )}
        </td>
        <td data-label="Version">{host.agentVersion || <span className="muted">—</span>}</td>
        <td className="table-actions">
          {!host.thisMachine && (
            <button
              type="button"
              className="button button-small"
              aria-label={`Remove host ${host.name}`}
              onClick={onRemove}
            >
              Remove
            </button>
          )}
        </td>
      </tr>
      {diagnosis && (
        <tr className="host-trouble">
          <td colSpan={7}>
            <HostTroubleshooting diagnosis={diagnosis} hostName={host.name} />
          </td>
        </tr>
      )}
    </tbody>
  );
}

/** A status dot with its word: colour alone would not tell everyone. */
function HostState({ state }: { state: HostView['state'] }) {
  return (
    <span className={`host-state host-state-${state}`}>
      <span className="status-dot" aria-hidden="true" />
      {STATE_LABELS[state]}
    </span>
  );
}
