/**
 * The backups capability's public surface.
 */

// --- Hub side: backup runs, the schedule, snapshots, restore and their API (server/backups/hub) ---
export {
  type BackupProjectsSource,
  BackupScheduler,
  BackupService,
  type BackupServiceOptions,
  CHECK_SUBSET,
  HUB_STOPPED,
  type HubRepo,
  type HubRepository,
  hubRepository,
  liveIntervalHours,
  nextBackupAt,
  RETENTION,
  RETRY_BACKOFF_MS,
  type RepoMaintenance,
  type RepoSnapshot,
  registerBackupRoutes,
  type SchedulerOptions,
} from './hub/index.js';
// --- end hub side ---

// --- Restic driver and the host side: a host's projects into the hub's repository (server/backups/{restic,host}) ---
export {
  type AgentRepoOptions,
  agentBackupRepo,
  checkRestorePath,
  HostBackups,
  type HostBackupsOptions,
  localBackupRepo,
  RestorePathError,
  snapshotHostOf,
} from './host/index.js';
export {
  type BackupOptions,
  type BackupSummary,
  ensureRepo,
  ResticError,
  type ResticErrorCode,
  type ResticRepo,
  type ResticSnapshot,
  type RestoreOptions,
  resticBackup,
  resticCheck,
  resticForget,
  resticRestore,
  resticSnapshots,
} from './restic/index.js';
// --- end restic driver and host side ---
