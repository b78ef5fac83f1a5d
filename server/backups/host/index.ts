// The host side of backups: a host's projects into the hub's repository, and restores back.
export { HostBackups, type HostBackupsOptions, snapshotHostOf } from './host-backups.js';
export { type AgentRepoOptions, agentBackupRepo, localBackupRepo } from './repo-config.js';
export { checkRestorePath, RestorePathError } from './restore-folder.js';
