import type { ValueSource } from '../../../server/api/index.js';

const LABELS: Record<ValueSource, string> = {
  setting: 'setting',
  env: 'env',
  cli: 'command line',
  default: 'default',
  detected: 'detected',
};

const TITLES: Record<ValueSource, string> = {
  setting: 'Stored in this hub’s settings',
  env: 'From the environment variable',
  cli: 'From a command-line flag',
  default: 'Built-in default',
  detected: 'Detected on this machine',
};

/** Where a setting's value comes from (stored setting, environment, default, …). */
export function SourceBadge({ source }: { source: ValueSource }) {
  return (
    <span className={`badge badge-${source}`} title={TITLES[source]}>
      {LABELS[source]}
    </span>
  );
}
