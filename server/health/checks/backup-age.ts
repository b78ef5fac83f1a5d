import { type CheckResult, result } from '../types.js';

/**
 * What the backup-age check needs of the backup service; kept this small so health does not
 * depend on how backups work.
 */
export interface BackupAgeSource {
  /** When the project's last backup succeeded, or null when it never did. */
  lastSuccessAt(projectId: string): Date | null;
  /** The schedule: hours between scheduled backups. */
  intervalHours(): number;
}

const HOUR_MS = 3_600_000;

function ago(ms: number): string {
  const hours = ms / HOUR_MS;
  return hours < 48 ? `${Math.round(hours)} h` : `${Math.round(hours / 24)} days`;
}

/** A project's last successful backup: older than twice the schedule is a warning. */
export function checkBackupAge(
  project: { id: string; name: string; createdAt: string },
  backups: BackupAgeSource,
  now: Date = new Date(),
): CheckResult {
  const b = {
    id: `backup-age:${project.id}`,
    title: `Backups of ${project.name}`,
    scope: 'project' as const,
    subject: { kind: 'project' as const, id: project.id, name: project.name },
  };
  const limitMs = 2 * backups.intervalHours() * HOUR_MS;
  const last = backups.lastSuccessAt(project.id);
  const fix = `Open Backups, run a backup of ${project.name} now and read why the last runs failed (host offline, repository full or read-only)`;
  if (last === null) {
    // A project younger than the limit has simply not reached its first scheduled backup yet.
    const age = now.getTime() - Date.parse(project.createdAt);
    if (!(age > limitMs)) return result(b, 'ok', 'No backup yet; the first one is scheduled');
    return result(b, 'warn', `Never backed up (created ${ago(age)} ago)`, fix);
  }
  const age = now.getTime() - last.getTime();
  if (age > limitMs) {
    return result(
      b,
      'warn',
      `Last successful backup ${ago(age)} ago (schedule: every ${backups.intervalHours()} h)`,
      fix,
    );
  }
  return result(b, 'ok', `Last successful backup ${ago(age)} ago`);
}
