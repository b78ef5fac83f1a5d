import { useEffect } from 'react';
import { useHealth } from '../health-store.js';
import { problemCounts, SUMMARY_LABELS, worstProblem } from '../health-view.js';
import { Link, ROUTES } from '../router.js';
import { HealthDot } from './HealthChecks.js';
import '../health.css';

/**
 * The Overview's health line: a small green line when Ready, an amber (Degraded) or red (Error)
 * banner naming the worst problem otherwise; each links to the Health page. Nothing while the
 * first report loads or when it cannot be had (the Health page explains that).
 */
export function HealthBanner() {
  const health = useHealth((s) => s.health);
  const loadHealth = useHealth((s) => s.loadHealth);
  useEffect(() => {
    void loadHealth();
  }, [loadHealth]);
  if (health.state !== 'ready') return null;
  const report = health.data;
  if (report.summary === 'ready') {
    return (
      <p className="health-ok-line" data-testid="health-banner" data-summary="ready">
        <HealthDot status="ready" />
        <span>
          Ready: all {report.checks.length} health checks pass. <Link to={ROUTES.health}>Details</Link>
        </span>
      </p>
    );
  }
  const worst = worstProblem(report);
  const others = report.checks.filter((c) => c.status !== 'ok').length - 1;
  const tone = report.summary === 'error' ? 'danger' : 'warning';
  return (
    <section
      className={`banner health-banner banner-${tone}`}
      role={report.summary === 'error' ? 'alert' : 'status'}
      aria-labelledby="health-banner-title"
      data-testid="health-banner"
      data-summary={report.summary}
    >
      <div className="banner-text">
        <h2 id="health-banner-title">
          <HealthDot status={report.summary} />
          Health: {SUMMARY_LABELS[report.summary]}
        </h2>
        {worst && (
          <p>
            {worst.title}: {worst.message}
            {others > 0 && ` (and ${others} more: ${problemCounts(report)} in all)`}
          </p>
        )}
      </div>
      <Link to={ROUTES.health} className="button">
        Open Health
      </Link>
    </section>
  );
}
