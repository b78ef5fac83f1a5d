import { formatDate, formatRelative } from '../format.js';

/**
 * "12 s ago" relative to `now` (one useNow clock per table, so rows tick together), with the
 * exact time on hover and in `dateTime`.
 */
export function RelativeTime({ iso, now }: { iso: string; now: number }) {
  return (
    <time dateTime={iso} title={formatDate(iso)}>
      {formatRelative(iso, now)}
    </time>
  );
}
