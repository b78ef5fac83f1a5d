import type { HealthCheck, HealthReport } from '../api/index.js';
import { summarize } from './summary.js';
import type { CheckResult } from './types.js';

/**
 * Turns successive rounds of check results into reports: keeps each check's `since` while its
 * status stays, and says whether anything a person would notice changed (a status, a message,
 * a check that appeared or went away), so listeners are not woken every 30 s for nothing.
 */
export class HealthTracker {
  #byId = new Map<string, HealthCheck>();
  #report: HealthReport;

  constructor(now: Date = new Date()) {
    this.#report = { summary: 'ready', checkedAt: now.toISOString(), checks: [] };
  }

  get report(): HealthReport {
    return this.#report;
  }

  /** Records one full round; true when the report changed in status, message or membership. */
  update(results: readonly CheckResult[], now: Date = new Date()): boolean {
    const next = new Map<string, HealthCheck>();
    let changed = results.length !== this.#byId.size;
    for (const r of results) {
      const prev = this.#byId.get(r.id);
      const same = prev !== undefined && prev.status === r.status;
      if (!prev || !same || prev.message !== r.message) changed = true;
      next.set(r.id, { ...r, since: same ? prev.since : now.toISOString() });
    }
    this.#byId = next;
    const checks = [...next.values()];
    this.#report = { summary: summarize(checks), checkedAt: now.toISOString(), checks };
    return changed;
  }
}
