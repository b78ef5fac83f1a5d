import type { BackupProgress, BackupRunView } from '../../api/index.js';
import type { BackupRunRecord } from './runs-repo.js';

export const iso = (ms: number): string => new Date(ms).toISOString();

/** restic's `--host` for a project's snapshots (the contract: `project-<id>`). */
export const resticHostOf = (projectId: string): string => `project-${projectId}`;

export function runView(r: BackupRunRecord, progress: BackupProgress | null): BackupRunView {
  return {
    id: r.id,
    projectId: r.projectId,
    kind: r.kind,
    state: r.state,
    startedAt: iso(r.startedAt),
    finishedAt: r.finishedAt === null ? null : iso(r.finishedAt),
    error: r.error,
    snapshotId: r.snapshotId,
    progress: r.state === 'running' ? progress : null,
    summary: r.summary,
  };
}

/** Why a project's host cannot back up now, in the words the run records. */
export function offlineReason(host: { name: string; lastSeenAt: number | null } | null, now: number): string {
  if (!host) return "the project's host was removed from this hub";
  if (host.lastSeenAt === null) return `${host.name} is offline (never seen)`;
  return `${host.name} is offline (last seen ${iso(host.lastSeenAt)}, ${ago(now - host.lastSeenAt)})`;
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} days ago`;
}
