import { useEffect } from 'react';
import { HealthGroup, SummaryBadge } from '../components/HealthChecks.js';
import { PageHeader } from '../components/PageHeader.js';
import { ErrorPanel, Loading } from '../components/Panels.js';
import { RelativeTime } from '../components/RelativeTime.js';
import { useHealth } from '../health-store.js';
import { groupChecks, problemCounts } from '../health-view.js';
import { useHub } from '../store.js';
import { useNow } from '../use-now.js';
import '../health.css';

/** Every health check of the hub, its hosts and its projects, live from the event stream. */
export function HealthPage() {
  return (
    <>
      <PageHeader title="Health">
        <p>
          What the hub checks about itself, its hosts and its projects: every 30 seconds, and at once when a
          host, a project or the SSH server changes.
        </p>
      </PageHeader>
      <HealthContent />
    </>
  );
}

function HealthContent() {
  const health = useHealth((s) => s.health);
  const loadHealth = useHealth((s) => s.loadHealth);
  const plus = useHub((s) => s.status?.product === 'plus');
  const connection = useHub((s) => s.connection);
  const now = useNow(1000);
  useEffect(() => {
    void loadHealth();
  }, [loadHealth]);

  if (health.state === 'error') {
    return (
      <ErrorPanel
        title="Could not load the health checks"
        error={health.error}
        onRetry={() => void loadHealth()}
      />
    );
  }
  if (health.state !== 'ready') return <Loading label="Loading the health checks…" />;
  const report = health.data;
  const counts = problemCounts(report);
  return (
    <>
      {connection === 'reconnecting' && (
        <p className="notice" role="status">
          The hub is not answering, so these results may be out of date. Reconnecting…
        </p>
      )}
      <section className="card health-overall" aria-label="Summary">
        <SummaryBadge summary={report.summary} />
        <p className="muted">
          {report.checks.length === 0
            ? 'The first checks are running…'
            : `${counts || `All ${report.checks.length} checks pass`} · checked `}
          {report.checks.length > 0 && <RelativeTime iso={report.checkedAt} now={now} />}
        </p>
      </section>
      {groupChecks(report)
        .filter((g) => !(plus && g.id === 'host'))
        .map((g) => (
          <HealthGroup key={g.id} id={g.id} checks={g.checks} now={now} />
        ))}
    </>
  );
}
