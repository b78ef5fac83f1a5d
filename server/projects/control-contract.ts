import { z } from 'zod';
import { projectStateSchema } from '../api/index.js';

/**
 * Hub → host control of projects, on the host service (signed like every hub request; the
 * signature's project is the project acted on). These paths never collide with `/<uuid>/…`.
 *
 *   GET    /_lp/projects                 → HostProjectsResponse (what runs on this host now)
 *   POST   /_lp/projects/<id>/start      body StartProjectRequest → HostProjectStatus once running
 *                                          (or state 'error' with the reason; waits up to 30 s)
 *   POST   /_lp/projects/<id>/stop       → HostProjectStatus (state 'stopped')
 *   DELETE /_lp/projects/<id>?files=true → HostProjectStatus (stopped; the directory deleted when files=true)
 */
export const CONTROL_PREFIX = '/_lp/projects';

export const startProjectRequestSchema = z.object({ name: z.string().max(100) }).strict();
export type StartProjectRequest = z.infer<typeof startProjectRequestSchema>;

export const hostProjectStatusSchema = z.object({
  id: z.string(),
  state: projectStateSchema,
  error: z.string().nullable(),
});
export type HostProjectStatus = z.infer<typeof hostProjectStatusSchema>;

export const hostProjectsResponseSchema = z.object({ projects: z.array(hostProjectStatusSchema) });
export type HostProjectsResponse = z.infer<typeof hostProjectsResponseSchema>;

/** The request header the host service adds for a project server (it refuses requests without it). */
export const PROJECT_TOKEN_HEADER = 'x-launchpad-project-token';
/** The signed-in user the hub vouched for, passed on to the project server. */
export const PROJECT_USER_HEADER = 'x-launchpad-user';

/**
 * Backups run on the host that has the files (hub → host, signed, project in the signature):
 *
 *   POST /_lp/projects/<id>/backup   body {}                      → 200, NDJSON stream of BackupEvent
 *   POST /_lp/projects/<id>/restore  body HostRestoreRequest      → 200, NDJSON stream of BackupEvent
 *
 * The stream ends with exactly one `done` or `error` line; a stream that ends without one failed
 * (the host or the tunnel went away). A host that is already backing up the project answers 409
 * `backup_running`. The host backs up `<projects dir>/<id>/` with `--host project-<id> --tag <id>`
 * into the hub's repository: over SFTP through the hub's sshd (an agent, with its sftp key and a
 * known_hosts that pins the hub's host key) or at its local path ("this machine").
 */
export const hostRestoreRequestSchema = z
  .object({
    snapshotId: z.string().regex(/^[0-9a-f]{8,64}$/),
    path: z.string().min(1).max(4096).optional(),
  })
  .strict();
export type HostRestoreRequest = z.infer<typeof hostRestoreRequestSchema>;

export type BackupEvent =
  | {
      type: 'progress';
      percent: number;
      bytesDone: number;
      totalBytes: number;
      filesDone: number;
      totalFiles: number;
      etaSeconds: number | null;
    }
  /** Backup: the snapshot made. Restore: where the files went (a folder inside the project). */
  | {
      type: 'done';
      snapshotId?: string;
      summary?: {
        filesNew: number;
        filesChanged: number;
        dataAdded: number;
        totalFiles: number;
        totalBytes: number;
      };
      restoredTo?: string;
      files?: number;
      bytes?: number;
    }
  /** `code`: repository_unreachable | wrong_password | disk_full | not_found | restic_failed | … */
  | { type: 'error'; code: string; message: string };
