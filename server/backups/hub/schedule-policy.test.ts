import { describe, expect, it } from 'vitest';
import { maintenanceDue, nextBackupAt } from './schedule-policy.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const policy = { intervalMs: 24 * HOUR };
const facts = { running: true, lastSuccessAt: null, failuresSinceSuccess: 0, lastFailureAt: null };

describe('nextBackupAt', () => {
  it('is null for a project that does not run, and "now" (0) for one never backed up', () => {
    expect(nextBackupAt({ ...facts, running: false, lastSuccessAt: 5 }, policy)).toBeNull();
    expect(nextBackupAt(facts, policy)).toBe(0);
  });

  it('is one interval after the last success', () => {
    expect(nextBackupAt({ ...facts, lastSuccessAt: 1000 }, policy)).toBe(1000 + 24 * HOUR);
  });

  it('backs off after failures: 5 min, 15 min, then 1 h for every later one', () => {
    const after = (n: number) =>
      nextBackupAt({ ...facts, lastSuccessAt: 0, failuresSinceSuccess: n, lastFailureAt: 30 * HOUR }, policy);
    expect([1, 2, 3, 4, 9].map(after)).toEqual(
      [5 * MIN, 15 * MIN, HOUR, HOUR, HOUR].map((d) => 30 * HOUR + d),
    );
  });

  it('a failure never delays past the interval, nor brings a backup before it is due', () => {
    const capped = nextBackupAt(
      { ...facts, lastSuccessAt: 0, failuresSinceSuccess: 1, lastFailureAt: 30 * HOUR },
      { intervalMs: 2 * HOUR, backoffMs: [10 * HOUR] },
    );
    expect(capped).toBe(32 * HOUR);
    // A manual run that failed an hour after a success: the schedule still waits for the interval.
    const early = nextBackupAt(
      { ...facts, lastSuccessAt: 0, failuresSinceSuccess: 1, lastFailureAt: HOUR },
      policy,
    );
    expect(early).toBe(24 * HOUR);
  });
});

describe('maintenanceDue', () => {
  it('is due when never run, or a period after the last run', () => {
    expect(maintenanceDue(null, 100, 5)).toBe(true);
    expect(maintenanceDue(0, 100, 99)).toBe(false);
    expect(maintenanceDue(0, 100, 100)).toBe(true);
  });
});
