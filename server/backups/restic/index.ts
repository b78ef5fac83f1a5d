/**
 * The restic driver: one function per restic command the backups capability runs, with
 * `--json` output parsed, a clean environment, and failures classified into ResticError codes.
 * Written against restic 0.14 (Debian's), whose output it was checked with.
 */
export type { BackupProgress } from '../../api/index.js';
export { type BackupOptions, type BackupSummary, resticBackup } from './backup.js';
export { ResticError, type ResticErrorCode } from './errors.js';
export { resticCheck, resticForget } from './maintenance.js';
export { ensureRepo } from './repo.js';
export { type RestoreOptions, resticRestore } from './restore.js';
export { type ResticSnapshot, resticSnapshots } from './snapshots.js';
export type { ResticRepo } from './spawn.js';
