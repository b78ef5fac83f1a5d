export {
  type BackupProjectsSource,
  BackupService,
  type BackupServiceOptions,
  HUB_STOPPED,
  type HubRepo,
  type RepoSnapshot,
} from './backup-service.js';
export { registerBackupRoutes } from './routes.js';
export { nextBackupAt, RETRY_BACKOFF_MS } from './schedule-policy.js';
export { BackupScheduler, type RepoMaintenance, type SchedulerOptions } from './scheduler.js';
