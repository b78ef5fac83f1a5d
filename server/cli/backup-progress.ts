import type { BackupProgress } from '../api/index.js';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** "512 B", "1.5 MiB", "153 MiB": binary units, as restic counts (and the Backups page shows). */
export function formatBytes(bytes: number): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  return `${value < 9.95 ? value.toFixed(1) : String(Math.round(value))} ${UNITS[unit]}`;
}

/** "45s", "3m20s", "2h05m". */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** One line of progress: `42%  1.2 MiB of 3.0 MiB  120 of 300 files  ETA 12s`. */
export function progressText(p: BackupProgress): string {
  const pct = `${Math.floor(p.percent)}%`.padStart(4);
  return `${pct}  ${formatBytes(p.bytesDone)} of ${formatBytes(p.totalBytes)}  ${p.filesDone} of ${p.totalFiles} files  ETA ${formatEta(p.etaSeconds)}`;
}

const BAR_WIDTH = 24;

/**
 * Shows a run's progress: on a terminal one bar redrawn in place (\r, then clear to the end of
 * the line), elsewhere (a log, a pipe) a plain line now and then, so logs stay readable.
 */
export function progressReporter(
  write: (s: string) => void,
  tty: boolean,
  opts: { plainEveryMs?: number; now?: () => number } = {},
) {
  const now = opts.now ?? Date.now;
  const every = opts.plainEveryMs ?? 2000;
  let drawn = false;
  let lastPlain = Number.NEGATIVE_INFINITY;
  let lastText = '';
  return {
    update(p: BackupProgress | null): void {
      if (!p) return;
      const text = progressText(p);
      if (tty) {
        const filled = Math.round((Math.min(100, Math.max(0, p.percent)) / 100) * BAR_WIDTH);
        write(`\r[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${text}\x1b[K`);
        drawn = true;
        return;
      }
      if (text === lastText || now() - lastPlain < every) return;
      lastText = text;
      lastPlain = now();
      write(`backup: ${text}\n`);
    },
    /** Ends the bar's line, so what follows starts on a fresh one. */
    end(): void {
      if (drawn) write('\n');
      drawn = false;
    },
  };
}
