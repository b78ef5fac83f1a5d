import { useState } from 'react';
import type { TokenView } from '../../../server/api/index.js';
import { useHub } from '../store.js';
import { useNow } from '../use-now.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { RelativeTime } from './RelativeTime.js';

const STATE_LABELS: Record<TokenView['state'], string> = {
  active: 'active',
  expired: 'expired',
  used: 'used up',
  revoked: 'revoked',
};
const STATE_BADGES: Record<TokenView['state'], string> = {
  active: 'badge badge-ok',
  expired: 'badge',
  used: 'badge',
  revoked: 'badge badge-danger',
};

/** Join tokens by prefix (the hub never shows a whole token twice), with Revoke for active ones. */
export function TokensTable({ tokens, labelledBy }: { tokens: TokenView[]; labelledBy: string }) {
  const revokeToken = useHub((s) => s.revokeToken);
  const now = useNow(1000);
  const [revoking, setRevoking] = useState<TokenView | null>(null);
  return (
    <>
      <table className="table tokens-table" aria-labelledby={labelledBy}>
        <thead>
          <tr>
            <th scope="col">Token</th>
            <th scope="col">Name</th>
            <th scope="col">Created</th>
            <th scope="col">Expires</th>
            <th scope="col">Uses left</th>
            <th scope="col">Last used</th>
            <th scope="col">State</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((token) => (
            <tr key={token.id} data-testid={`token-${token.id}`}>
              <th scope="row">
                <span className="mono token-prefix">{token.prefix}</span>
              </th>
              <td data-label="Name">{token.name ?? <span className="muted">—</span>}</td>
              <td data-label="Created" className="nowrap">
                <RelativeTime iso={token.createdAt} now={now} />
              </td>
              <td data-label="Expires" className="nowrap">
                <RelativeTime iso={token.expiresAt} now={now} />
              </td>
              <td data-label="Uses left">{token.usesLeft}</td>
              <td data-label="Last used" className="nowrap">
                {token.lastUsedAt ? (
                  <RelativeTime iso={token.lastUsedAt} now={now} />
                ) : (
                  <span className="muted">never</span>
                )}
              </td>
              <td data-label="State">
                <span className={STATE_BADGES[token.state]}>{STATE_LABELS[token.state]}</span>
              </td>
              <td className="table-actions">
                {token.state === 'active' && (
                  <button
                    type="button"
                    className="button button-small"
                    aria-label={`Revoke token ${token.prefix}`}
                    onClick={() => setRevoking(token)}
                  >
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {revoking && (
        <ConfirmDialog
          title={`Revoke token ${revoking.prefix}?`}
          confirmLabel="Revoke token"
          onConfirm={() => revokeToken(revoking.id)}
          onClose={() => setRevoking(null)}
        >
          <p>No host can join with it any more. Hosts that already joined with it stay.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
