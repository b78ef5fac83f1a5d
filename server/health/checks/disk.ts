import { statfs } from 'node:fs/promises';
import { type CheckResult, describeError, result } from '../types.js';

/** What the check needs of statfs(2): block size, total blocks and blocks free for us. */
export type StatFs = (path: string) => Promise<{ bsize: number; blocks: number; bavail: number }>;

export const DISK_WARN_PERCENT = 5;
export const DISK_ERROR_PERCENT = 1;

const BASE = { id: 'disk', title: 'Disk space', scope: 'hub', subject: null } as const;

/** Coarse sizes on purpose: the message is compared between rounds, and a changed one is an event. */
function size(bytes: number): string {
  const g = bytes / 1024 ** 3;
  if (g >= 10) return `${Math.round(g)} GiB`;
  if (g >= 1) return `${g.toFixed(1)} GiB`;
  return `${Math.round(bytes / 1024 ** 2)} MiB`;
}

/** Free space on the disk of the data dir (sqlite, backups, projects): < 5 % warn, < 1 % error. */
export async function checkDisk(dataDir: string, fs: StatFs = statfs): Promise<CheckResult> {
  let s: Awaited<ReturnType<StatFs>>;
  try {
    s = await fs(dataDir);
  } catch (err) {
    return result(
      BASE,
      'error',
      `Cannot read the free space of ${dataDir}: ${describeError(err)}`,
      'Check that the data dir exists and its disk is mounted',
    );
  }
  const total = s.blocks * s.bsize;
  const free = s.bavail * s.bsize;
  const percent = total > 0 ? (free / total) * 100 : 0;
  const shown = percent < 10 ? percent.toFixed(1) : String(Math.round(percent));
  const message = `${size(free)} free of ${size(total)} (${shown} %) on the disk of ${dataDir}`;
  const fix =
    'Free space on that disk (old backups, logs, unused projects) or move the data dir to a larger disk';
  if (percent < DISK_ERROR_PERCENT) return result(BASE, 'error', message, fix);
  if (percent < DISK_WARN_PERCENT) return result(BASE, 'warn', message, fix);
  return result(BASE, 'ok', message);
}
