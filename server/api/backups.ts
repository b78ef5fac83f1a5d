import { z } from 'zod';

/** Live progress of a backup or restore (restic's `--json` status lines, as the hub passes them on). */
export const backupProgressSchema = z.object({
  /** 0..100 */
  percent: z.number(),
  bytesDone: z.number(),
  totalBytes: z.number(),
  filesDone: z.number(),
  totalFiles: z.number(),
  /** Seconds left as restic estimates them; null before it knows. */
  etaSeconds: z.number().nullable(),
});
export type BackupProgress = z.infer<typeof backupProgressSchema>;

export const backupRunStateSchema = z.enum(['running', 'succeeded', 'failed']);
export const backupRunViewSchema = z.object({
  id: z.string(),
  projectId: z.string(),
  kind: z.enum(['scheduled', 'manual']),
  state: backupRunStateSchema,
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  /** Why it failed, in words a person can act on (host offline, repository unreachable, disk full…). */
  error: z.string().nullable(),
  snapshotId: z.string().nullable(),
  /** While running. */
  progress: backupProgressSchema.nullable(),
  /** restic's summary of a finished backup. */
  summary: z
    .object({
      filesNew: z.number(),
      filesChanged: z.number(),
      dataAdded: z.number(),
      totalFiles: z.number(),
      totalBytes: z.number(),
    })
    .nullable(),
});
export type BackupRunView = z.infer<typeof backupRunViewSchema>;

/** One project on the Backups page. */
export const backupProjectViewSchema = z.object({
  projectId: z.string(),
  projectName: z.string(),
  hostName: z.string(),
  /** 'never': no backup yet; 'failed': the last run failed (see lastRun.error). */
  status: z.enum(['never', 'ok', 'running', 'failed']),
  lastSuccessAt: z.string().nullable(),
  nextScheduledAt: z.string().nullable(),
  /** Size of the project in its latest snapshot (restic's total of the files backed up). */
  sizeBytes: z.number().nullable(),
  lastRun: backupRunViewSchema.nullable(),
});
export type BackupProjectView = z.infer<typeof backupProjectViewSchema>;

/** GET /api/backups */
export const backupListResponseSchema = z.object({ projects: z.array(backupProjectViewSchema) });
export type BackupListResponse = z.infer<typeof backupListResponseSchema>;

/** POST /api/projects/:id/backups → 202 (409 backup_running when one runs for the project) */
export const backupStartResponseSchema = z.object({ run: backupRunViewSchema });
export type BackupStartResponse = z.infer<typeof backupStartResponseSchema>;

export const snapshotViewSchema = z.object({
  id: z.string(),
  shortId: z.string(),
  time: z.string(),
  /** restic's --host: `project-<project_id>`. */
  host: z.string(),
  tags: z.array(z.string()),
  /** From the run that made it, when the hub recorded it. */
  sizeBytes: z.number().nullable(),
  files: z.number().nullable(),
});
export type SnapshotView = z.infer<typeof snapshotViewSchema>;

/** GET /api/projects/:id/snapshots (newest first) */
export const snapshotListResponseSchema = z.object({ snapshots: z.array(snapshotViewSchema) });
export type SnapshotListResponse = z.infer<typeof snapshotListResponseSchema>;

/**
 * POST /api/projects/:id/restore: the whole snapshot, or one path of it, into a new folder
 * `restore-<snapshot time>/` inside the project (never over existing files).
 */
export const restoreRequestSchema = z
  .object({
    snapshotId: z.string().regex(/^[0-9a-f]{8,64}$/, 'must be a snapshot id'),
    /** A path inside the project, relative to it (e.g. `notes/a.md`); the whole project when left out. */
    path: z.string().min(1).max(4096).optional(),
  })
  .strict();
export type RestoreRequest = z.infer<typeof restoreRequestSchema>;
export const restoreResponseSchema = z.object({
  /** The folder inside the project the files went to, e.g. `restore-2026-11-22T10-00-00Z/`. */
  restoredTo: z.string(),
  files: z.number(),
  bytes: z.number(),
});
export type RestoreResponse = z.infer<typeof restoreResponseSchema>;
