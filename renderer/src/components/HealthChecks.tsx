import type { HealthCheck, HealthStatus, HealthSummary } from '../../../server/api/index.js';
import { GROUP_TITLES, type HealthGroupId, STATUS_LABELS, SUMMARY_LABELS } from '../health-view.js';
import { RelativeTime } from './RelativeTime.js';

/** A dot in the status's colour; the word is there for screen readers (and in the row's text). */
export function HealthDot({ status }: { status: HealthStatus | HealthSummary }) {
  return <span className={`health-dot health-dot-${status}`} aria-hidden="true" />;
}

export function SummaryBadge({ summary }: { summary: HealthSummary }) {
  return (
    <span className={`health-summary health-summary-${summary}`} data-testid="health-summary">
      <HealthDot status={summary} />
      {SUMMARY_LABELS[summary]}
    </span>
  );
}

/** One check: dot, title and status, message, since when, and the fix when it is not ok. */
function HealthCheckRow({ check, now }: { check: HealthCheck; now: number }) {
  return (
    <li className={`health-check health-check-${check.status}`} data-testid={`health-check-${check.id}`}>
      <div className="health-check-head">
        <HealthDot status={check.status} />
        <span className="health-check-title">{check.title}</span>
        <span className={`health-check-status health-status-${check.status}`}>
          {STATUS_LABELS[check.status]}
        </span>
        <span className="health-check-since muted">
          since <RelativeTime iso={check.since} now={now} />
        </span>
      </div>
      <p className="health-check-message">{check.message}</p>
      {check.fix && (
        <p className="health-check-fix">
          <strong>Fix:</strong> {check.fix}
        </p>
      )}
    </li>
  );
}

const EMPTY: Record<HealthGroupId, string> = {
  hub: 'No checks of the hub yet.',
  host: 'No hosts have joined this hub, so there are no tunnels to check.',
  project: 'No projects yet: the age of each project’s last backup is checked here.',
};

/** One group (Hub, Hosts or Projects) as a card; an empty group says why it is empty. */
export function HealthGroup({
  id,
  checks,
  now,
  emptyText,
}: {
  id: HealthGroupId;
  checks: HealthCheck[];
  now: number;
  emptyText?: string;
}) {
  const titleId = `health-group-${id}`;
  const problems = checks.filter((c) => c.status !== 'ok').length;
  return (
    <section className="card health-group" aria-labelledby={titleId}>
      <div className="card-title-row">
        <h2 id={titleId}>{GROUP_TITLES[id]}</h2>
        {checks.length > 0 && (
          <span className="muted">
            {problems === 0 ? `${checks.length} ok` : `${problems} of ${checks.length} need attention`}
          </span>
        )}
      </div>
      {checks.length > 0 ? (
        <ul className="health-checks">
          {checks.map((c) => (
            <HealthCheckRow key={c.id} check={c} now={now} />
          ))}
        </ul>
      ) : (
        <p className="muted">{emptyText ?? EMPTY[id]}</p>
      )}
    </section>
  );
}
