import type { BackupListResponse, BackupStartResponse, SnapshotListResponse } from '../../api/index.js';
import type { HubApp } from '../../http/index.js';
import type { BackupService } from './backup-service.js';

/** The backups API (admin or a session, like every /api route but joining). */
export function registerBackupRoutes(app: HubApp, backups: BackupService): void {
  app.get('/api/backups', async (): Promise<BackupListResponse> => ({ projects: backups.list() }));

  // 202: the backup runs on; GET /api/backups (or the SSE `backups` event) follows it.
  app.post<{ Params: { id: string } }>('/api/projects/:id/backups', async (req, reply) => {
    const body: BackupStartResponse = { run: backups.start(req.params.id, 'manual') };
    return reply.code(202).send(body);
  });

  app.get<{ Params: { id: string } }>(
    '/api/projects/:id/snapshots',
    async (req): Promise<SnapshotListResponse> => ({ snapshots: await backups.snapshots(req.params.id) }),
  );

  app.post<{ Params: { id: string } }>('/api/projects/:id/restore', async (req) =>
    backups.restore(req.params.id, req.body),
  );
}
