export {
  type BackupProjectsSource,
  BackupService,
  type BackupServiceOptions,
  HUB_STOPPED,
  type HubRepo,
  type RepoSnapshot,
} from './backup-service.js';
export { CHECK_SUBSET, type HubRepository, hubRepository, liveIntervalHours, RETENTION } from './hub-repo.js';
export { registerBackupRoutes } from './routes.js';
export { nextBackupAt, RETRY_BACKOFF_MS } from './schedule-policy.js';
export { BackupScheduler, type RepoMaintenance, type SchedulerOptions } from './scheduler.js';
