import type { HealthCheck, HealthReport, HealthStatus, HealthSummary } from '../../server/api/index.js';

export const SUMMARY_LABELS: Record<HealthSummary, string> = {
  ready: 'Ready',
  degraded: 'Degraded',
  error: 'Error',
};

export const STATUS_LABELS: Record<HealthStatus, string> = { ok: 'OK', warn: 'Warning', error: 'Error' };

export type HealthGroupId = HealthCheck['scope'];

export const GROUP_TITLES: Record<HealthGroupId, string> = { hub: 'Hub', host: 'Hosts', project: 'Projects' };

const RANK: Record<HealthStatus, number> = { error: 0, warn: 1, ok: 2 };

/**
 * The checks by scope, in the page's order (Hub, Hosts, Projects); within a group problems come
 * first (errors, then warnings) and the hub's order otherwise stays (sort is stable).
 */
export function groupChecks(report: HealthReport): { id: HealthGroupId; checks: HealthCheck[] }[] {
  return (['hub', 'host', 'project'] as const).map((id) => ({
    id,
    checks: report.checks.filter((c) => c.scope === id).sort((a, b) => RANK[a.status] - RANK[b.status]),
  }));
}

/** Counts for a one-line summary: "2 errors, 1 warning" (empty when everything is ok). */
export function problemCounts(report: HealthReport): string {
  const errors = report.checks.filter((c) => c.status === 'error').length;
  const warnings = report.checks.filter((c) => c.status === 'warn').length;
  const parts = [];
  if (errors > 0) parts.push(`${errors} error${errors === 1 ? '' : 's'}`);
  if (warnings > 0) parts.push(`${warnings} warning${warnings === 1 ? '' : 's'}`);
  return parts.join(', ');
}

/** The worst problem, for the Overview banner: a hub error before a host's, errors before warnings. */
export function worstProblem(report: HealthReport): HealthCheck | null {
  const problems = report.checks
    .filter((c) => c.status !== 'ok')
    .sort((a, b) => RANK[a.status] - RANK[b.status] || Number(a.scope !== 'hub') - Number(b.scope !== 'hub'));
  return problems[0] ?? null;
}
