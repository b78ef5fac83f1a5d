import type { Status } from '../../../server/api/index.js';
import { ActionButton } from '../components/ActionButton.js';
import { CopyButton } from '../components/CopyButton.js';
import { DataList, DataRow } from '../components/DataList.js';
import { Fingerprint } from '../components/Fingerprint.js';
import { HealthBanner } from '../components/HealthBanner.js';
import { PageHeader } from '../components/PageHeader.js';
import { Loading } from '../components/Panels.js';
import { desktopBridge } from '../desktop-bridge.js';
import { formatDate, formatDuration } from '../format.js';
import { MODE_NAMES, modeLabel, PRODUCT_NAMES } from '../modes.js';
import { useHub } from '../store.js';
import { useNow } from '../use-now.js';

type Detail = NonNullable<Status['detail']>;

export function OverviewPage() {
  const status = useHub((s) => s.status);
  const connection = useHub((s) => s.connection);
  if (!status?.detail) return <Loading label="Loading the hub’s status…" />;
  const detail = status.detail;
  return (
    <>
      <PageHeader title="Overview">
        <p>{modeLabel(status.product, status.deploymentMode)} hub on this computer.</p>
      </PageHeader>
      {connection === 'reconnecting' && (
        <p className="notice" role="status">
          The hub is not answering, so these values may be out of date. Reconnecting…
        </p>
      )}
      <HealthBanner />
      <div className="cards">
        <HubCard status={status} detail={detail} />
        <AddressesCard status={status} detail={detail} />
        <TlsCard status={status} detail={detail} />
        <DataCard detail={detail} />
      </div>
    </>
  );
}

interface CardProps {
  status: Status;
  detail: Detail;
}

function Uptime({ startedAt, fallbackSeconds }: { startedAt: string; fallbackSeconds: number }) {
  const now = useNow(1000);
  const started = Date.parse(startedAt);
  const seconds = Number.isNaN(started) ? fallbackSeconds : (now - started) / 1000;
  return <>{formatDuration(seconds)}</>;
}

function HubCard({ status, detail }: CardProps) {
  return (
    <section className="card" aria-labelledby="card-hub">
      <h2 id="card-hub">Hub</h2>
      <DataList>
        <DataRow label="Product">{PRODUCT_NAMES[status.product]}</DataRow>
        <DataRow label="Mode">
          {status.deploymentMode ? MODE_NAMES[status.deploymentMode] : <span className="muted">—</span>}
        </DataRow>
        <DataRow label="Uptime">
          <Uptime startedAt={detail.startedAt} fallbackSeconds={status.uptimeSeconds} />
        </DataRow>
        <DataRow label="Started">{formatDate(detail.startedAt)}</DataRow>
        <DataRow label="Version">{status.version}</DataRow>
        <DataRow label="Signed-in sessions">{detail.activeSessions}</DataRow>
      </DataList>
    </section>
  );
}

function AddressesCard({ status, detail }: CardProps) {
  const { loopback, lan } = detail.urls;
  return (
    <section className="card" aria-labelledby="card-addresses">
      <h2 id="card-addresses">Addresses</h2>
      <DataList>
        <DataRow label="This computer" action={<CopyButton text={loopback} label="Copy loopback URL" />}>
          <a className="mono" href={loopback}>
            {loopback}
          </a>
        </DataRow>
        <DataRow
          label="Local network"
          action={lan ? <CopyButton text={lan} label="Copy local network URL" /> : undefined}
        >
          {lan ? (
            <a className="mono" href={lan}>
              {lan}
            </a>
          ) : (
            <span className="muted">
              Not reachable from other machines: this hub listens on 127.0.0.1 only.
            </span>
          )}
        </DataRow>
        <DataRow label="Public host">
          <span className="mono">{detail.publicHost}</span>
        </DataRow>
        <DataRow label="HTTPS port">{status.ports.https}</DataRow>
        <DataRow label="SSH server">
          {status.sshd === null ? (
            <span className="muted">Not running: Plus needs no SSH server.</span>
          ) : status.sshd.listening ? (
            <span data-testid="sshd-state">
              Listening on port {status.sshd.port} · {status.sshd.connections} connected
            </span>
          ) : (
            <span className="text-warning" data-testid="sshd-state">
              Not listening on port {status.sshd.port}
              {status.sshd.lastError ? `: ${status.sshd.lastError}` : ''} (retrying)
            </span>
          )}
        </DataRow>
        {status.sshd && (
          <DataRow
            label="SSH host key"
            action={
              <CopyButton text={status.sshd.hostKeyFingerprint} label="Copy SSH host key fingerprint" />
            }
          >
            <span className="mono">{status.sshd.hostKeyFingerprint}</span>
          </DataRow>
        )}
        <DataRow label="HTTP redirect">{status.ports.http ?? <span className="muted">off</span>}</DataRow>
      </DataList>
    </section>
  );
}

function TlsCard({ status, detail }: CardProps) {
  const { leafFingerprint, caFingerprint, custom } = status.tls;
  return (
    <section className="card card-wide" aria-labelledby="card-tls">
      <h2 id="card-tls">TLS certificate</h2>
      <DataList>
        <DataRow label="Issued by">{custom ? 'Your certificate' : 'The hub’s local CA'}</DataRow>
        <DataRow
          label="Certificate SHA-256"
          action={<CopyButton text={leafFingerprint} label="Copy certificate fingerprint" />}
        >
          <Fingerprint value={leafFingerprint} testId="leaf-fingerprint" />
        </DataRow>
        <DataRow
          label="CA SHA-256"
          action={caFingerprint ? <CopyButton text={caFingerprint} label="Copy CA fingerprint" /> : undefined}
        >
          {caFingerprint ? (
            <Fingerprint value={caFingerprint} />
          ) : (
            <span className="muted">none (custom certificate)</span>
          )}
        </DataRow>
        <DataRow label="Valid until">{formatDate(detail.tlsNotAfter)}</DataRow>
      </DataList>
      {!custom && (
        <p className="card-note">
          Browsers warn about the local CA until you trust it: compare the fingerprint they show with the one
          above, or import <code>tls/ca.crt</code> from the data dir.
        </p>
      )}
    </section>
  );
}

function DataCard({ detail }: { detail: Detail }) {
  const bridge = desktopBridge();
  return (
    <section className="card card-wide" aria-labelledby="card-data">
      <h2 id="card-data">Data</h2>
      <DataList>
        <DataRow label="Data dir" action={<CopyButton text={detail.dataDir} label="Copy data dir path" />}>
          <span className="mono path">{detail.dataDir}</span>
        </DataRow>
        <DataRow label="Process">PID {detail.pid}</DataRow>
      </DataList>
      {bridge && (
        <div className="button-row">
          <ActionButton action={() => bridge.openDataFolder()}>Open data folder</ActionButton>
          <ActionButton action={() => bridge.revealLogs()}>Show logs</ActionButton>
        </div>
      )}
    </section>
  );
}
