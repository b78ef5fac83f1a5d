import type { ReactNode } from 'react';
import { formatDate } from '../format.js';
import type { Diagnosis } from '../host-troubleshooting.js';
import { useHub } from '../store.js';

/** What to check for a host that is not online, built from what the hub knows about it. */
export function HostTroubleshooting({ diagnosis, hostName }: { diagnosis: Diagnosis; hostName: string }) {
  return (
    <div className="troubleshooting">
      <Advice diagnosis={diagnosis} hostName={hostName} />
      {diagnosis.lastError && (
        <p className="troubleshooting-error">
          Last error from the host: <span className="mono">{diagnosis.lastError}</span>
        </p>
      )}
    </div>
  );
}

function Advice({ diagnosis, hostName }: { diagnosis: Diagnosis; hostName: string }) {
  switch (diagnosis.kind) {
    case 'wrong-hub':
      return (
        <AdviceBlock title="The token is for another hub">
          <p>
            {hostName} checked this hub’s certificate or SSH host key against the fingerprints in its token,
            and they differ: the token was made by another hub, or this hub’s certificate or key changed
            since. Remove the host, create a new token here and run its command on {hostName}.
          </p>
        </AdviceBlock>
      );
    case 'token-expired':
      return (
        <AdviceBlock title="The token expired">
          <p>
            The token expired before {hostName} could use it. Create a new token below and run its command on{' '}
            {hostName}.
          </p>
        </AdviceBlock>
      );
    case 'never-connected':
      return <NeverConnected hostName={hostName} />;
    case 'lost':
      return (
        <AdviceBlock
          title={diagnosis.lostAt ? `Connection lost at ${formatDate(diagnosis.lostAt)}` : 'Connection lost'}
        >
          <p>
            Check that {hostName} is running and on the network (<code>launchpad --server</code> on it, or its
            service). The agent reconnects on its own, with the same ports, as soon as it can reach the hub.
          </p>
        </AdviceBlock>
      );
  }
}

function NeverConnected({ hostName }: { hostName: string }) {
  const status = useHub((s) => s.status);
  const host = status?.detail?.publicHost ?? 'the hub';
  const sshd = status?.ports.sshd;
  const https = status?.ports.https;
  return (
    <AdviceBlock title="The tunnel never came up">
      <p>
        {hostName} joined, but its tunnel has not come up. On {hostName}, check that it can reach{' '}
        <code>
          {host}:{sshd}
        </code>{' '}
        (SSH) and{' '}
        <code>
          {host}:{https}
        </code>{' '}
        (HTTPS), for example with{' '}
        <code>
          nc -vz {host} {sshd}
        </code>
        ; a firewall on either machine may block them. Then run the command again (once a host has joined,{' '}
        <code>launchpad --server</code> is enough).
      </p>
    </AdviceBlock>
  );
}

function AdviceBlock({ title, children }: { title: string; children: ReactNode }) {
  return (
    <>
      <h3 className="troubleshooting-title">{title}</h3>
      {children}
    </>
  );
}
