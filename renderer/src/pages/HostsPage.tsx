import { useEffect } from 'react';
import type { HostView, TokenView } from '../../../server/api/index.js';
import { AddHostPanel } from '../components/AddHostPanel.js';
import { HostsTable } from '../components/HostsTable.js';
import { PageHeader } from '../components/PageHeader.js';
import { EmptyState, ErrorPanel, Loading } from '../components/Panels.js';
import { TokensTable } from '../components/TokensTable.js';
import { Link, ROUTES } from '../router.js';
import { useHub } from '../store.js';

/** Hosts that joined this hub, the join tokens, and the way to add another host. */
export function HostsPage() {
  const plus = useHub((s) => s.status?.product === 'plus');
  if (plus) {
    return (
      <>
        <PageHeader title="Hosts" />
        <NotOnPlus />
      </>
    );
  }
  return (
    <>
      <PageHeader title="Hosts">
        <p>
          Machines that run projects for this hub. A machine joins once with a token, then keeps an SSH tunnel
          to the hub and reconnects by itself.
        </p>
      </PageHeader>
      <HostsContent />
    </>
  );
}

function HostsContent() {
  const hosts = useHub((s) => s.hosts);
  const loadHosts = useHub((s) => s.loadHosts);
  useEffect(() => {
    void loadHosts();
  }, [loadHosts]);

  if (hosts.state === 'error') {
    if (hosts.error.code === 'not_a_launchpad_hub') return <NotOnPlus />;
    return (
      <ErrorPanel title="Could not load the hosts" error={hosts.error} onRetry={() => void loadHosts()} />
    );
  }
  if (hosts.state !== 'ready') return <Loading label="Loading hosts…" />;
  return (
    <>
      <HostsCard hosts={hosts.data.hosts} />
      <AddHostPanel />
      <TokensCard tokens={hosts.data.tokens} />
    </>
  );
}

function HostsCard({ hosts }: { hosts: HostView[] }) {
  const online = hosts.filter((h) => h.state === 'online').length;
  const joined = hosts.some((h) => !h.thisMachine);
  return (
    <section className="card table-card" aria-labelledby="hosts-title">
      <div className="card-title-row">
        <h2 id="hosts-title">Hosts</h2>
        {hosts.length > 0 && (
          <span className="muted">
            {online} of {hosts.length} online
          </span>
        )}
      </div>
      {hosts.length > 0 && <HostsTable hosts={hosts} labelledBy="hosts-title" />}
      {!joined && <NoHostsYet />}
    </section>
  );
}

/** The empty state: how a machine becomes a host, in the order it happens. */
function NoHostsYet() {
  return (
    <EmptyState title="No hosts have joined yet">
      <ol className="steps">
        <li>
          <p>
            Under <strong>Add a host</strong>, create a token. It is shown once, with the command that uses
            it.
          </p>
        </li>
        <li>
          <p>
            On the machine that should join (Linux with Node.js 20.19 or newer and Launchpad installed), run
            that command.
          </p>
        </li>
        <li>
          <p>The host appears here within seconds, online with its round-trip time, and stays connected.</p>
        </li>
      </ol>
    </EmptyState>
  );
}

function TokensCard({ tokens }: { tokens: TokenView[] }) {
  return (
    <section className="card table-card" aria-labelledby="tokens-title">
      <h2 id="tokens-title">Join tokens</h2>
      {tokens.length > 0 ? (
        <TokensTable tokens={tokens} labelledBy="tokens-title" />
      ) : (
        <p className="muted">No tokens yet. Tokens you create under Add a host are listed here by prefix.</p>
      )}
    </section>
  );
}

function NotOnPlus() {
  return (
    <EmptyState title="No hosts on Plus">
      <p>
        Hosts are part of Launchpad (local network or cloud); this hub runs Plus. To let other machines join,{' '}
        <Link to={ROUTES.setup}>run the setup wizard</Link> and choose Launchpad.
      </p>
    </EmptyState>
  );
}
