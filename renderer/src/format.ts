/** "3 d 4 h", "2 h 5 min", "4 min 10 s", "12 s": two units are enough to read at a glance. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${sec} s`;
  return `${sec} s`;
}

/** "12 s ago", "in 59 min 30 s": `iso` relative to `now` (ms), for displays that tick with useNow. */
export function formatRelative(iso: string, now: number): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const seconds = (at - now) / 1000;
  if (Math.abs(seconds) < 1) return 'just now';
  return seconds > 0 ? `in ${formatDuration(seconds)}` : `${formatDuration(-seconds)} ago`;
}

/** Round-trip time: a decimal only where it carries information (loopback and LAN are sub-10 ms). */
export function formatRtt(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

export function formatDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** Quotes a value for a POSIX shell only when it needs it (matches what the hub prints). */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The command that starts this hub again with its stored settings, for a browser that cannot restart it. */
export function restartCommand(dataDir: string): string {
  return `launchpad --server --data-dir ${shellQuote(dataDir)}`;
}
