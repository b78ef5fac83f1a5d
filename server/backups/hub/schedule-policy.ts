/**
 * When a project's next scheduled backup is due: pure, so the schedule is tested with a clock
 * of its own. Times are unix milliseconds.
 */

/** Waits before retrying a failed scheduled backup: the 1st, 2nd and any later retry. */
export const RETRY_BACKOFF_MS: readonly number[] = [5 * 60_000, 15 * 60_000, 60 * 60_000];

export interface ScheduleFacts {
  /** Only running projects are backed up on schedule (a stopped one's files do not change). */
  running: boolean;
  lastSuccessAt: number | null;
  /** Runs that failed since the last success (any kind: a failed manual run also means "no fresh backup"). */
  failuresSinceSuccess: number;
  lastFailureAt: number | null;
}

export interface SchedulePolicy {
  intervalMs: number;
  backoffMs?: readonly number[];
}

/**
 * The time the next scheduled backup is due (may be in the past: due now), or null when none is
 * scheduled. Due `interval` after the last success, at once for a project never backed up; after
 * failures not before the backoff (5 min, 15 min, 1 h…), which never exceeds the interval, so a
 * host that is down for a day is still tried once per interval at least.
 */
export function nextBackupAt(f: ScheduleFacts, p: SchedulePolicy): number | null {
  if (!f.running) return null;
  const base = f.lastSuccessAt === null ? 0 : f.lastSuccessAt + p.intervalMs;
  if (f.failuresSinceSuccess === 0 || f.lastFailureAt === null) return base;
  const backoff = p.backoffMs ?? RETRY_BACKOFF_MS;
  const step = backoff[Math.min(f.failuresSinceSuccess, backoff.length) - 1] ?? 0;
  return Math.max(base, f.lastFailureAt + Math.min(step, p.intervalMs));
}

/** Whether weekly maintenance (forget, check) is due, given when it last ran. */
export function maintenanceDue(lastAt: number | null, everyMs: number, now: number): boolean {
  return lastAt === null || now - lastAt >= everyMs;
}
