// Formatting for the Backups page: sizes as restic counts them (binary units), counts, and the
// folder a restore goes to.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** "512 B", "1.5 MiB", "153 MiB": one decimal below 10 of a unit, none above. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  // 9.96 rounds to "10.0": show it as "10" like the values above it.
  const rounded = value < 9.95 ? value.toFixed(1) : String(Math.round(value));
  return `${rounded} ${UNITS[unit]}`;
}

/** "1,234 files", "1 file". */
export function formatFiles(count: number): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? 'file' : 'files'}`;
}

/** "1,234". */
export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

/**
 * The folder a restore of the snapshot taken at `time` goes to, as the hub names it:
 * `restore-<UTC time to the second, colons as dashes>Z/`, e.g. `restore-2026-11-22T10-00-00Z/`.
 */
export function restoreFolderFor(time: string): string {
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) return 'restore-…/';
  return `restore-${date.toISOString().slice(0, 19).replace(/:/g, '-')}Z/`;
}

/**
 * A path inside the project as the restore form takes it: trimmed, without a leading `./`;
 * null when it is empty (the whole snapshot). Throws with a message a person can act on when it
 * points outside the project.
 */
export function restorePath(input: string): string | null {
  const path = input.trim().replace(/^(\.\/)+/, '');
  if (path === '' || path === '.') return null;
  if (path.startsWith('/') || path.startsWith('~')) {
    throw new Error('Give the path relative to the project, e.g. notes/a.md (no leading / or ~).');
  }
  if (path.split('/').includes('..')) throw new Error('The path must stay inside the project (no “..”).');
  return path;
}
