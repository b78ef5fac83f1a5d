/**
 * The backups capability's public surface.
 */

// --- Hub side: backup runs, the schedule, snapshots, restore and their API (server/backups/hub) ---
export {
  type BackupProjectsSource,
  BackupScheduler,
  BackupService,
  type BackupServiceOptions,
  HUB_STOPPED,
  type HubRepo,
  nextBackupAt,
  RETRY_BACKOFF_MS,
  type RepoMaintenance,
  type RepoSnapshot,
  registerBackupRoutes,
  type SchedulerOptions,
} from './hub/index.js';
// --- end hub side ---
