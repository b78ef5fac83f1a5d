import type { HealthCheck, HealthSummary } from '../api/index.js';

/**
 * Error when the hub itself is broken (any hub-scope error); Degraded when something is off but
 * the hub serves (any warning, or one host or project in error); Ready otherwise.
 */
export function summarize(checks: readonly Pick<HealthCheck, 'scope' | 'status'>[]): HealthSummary {
  if (checks.some((c) => c.scope === 'hub' && c.status === 'error')) return 'error';
  if (checks.some((c) => c.status !== 'ok')) return 'degraded';
  return 'ready';
}
