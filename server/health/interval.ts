import { ConfigError } from '../config/index.js';
import { DEFAULT_HEALTH_INTERVAL_MS } from './service.js';

export const HEALTH_INTERVAL_ENV = 'COCALC_HEALTH_INTERVAL_MS';
const MIN_MS = 1000;
const MAX_MS = 3_600_000;

/**
 * The time between health rounds: COCALC_HEALTH_INTERVAL_MS, or 30 s. An env variable rather
 * than a setting: nobody needs to tune it in the UI, and tests need it short before the hub's
 * first start (a setting lives in a database that does not exist yet). Checked at start-up like
 * the other COCALC_* variables: a bad value stops the hub with a message naming it.
 */
export function healthIntervalFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env[HEALTH_INTERVAL_ENV];
  if (raw === undefined || raw.trim() === '') return DEFAULT_HEALTH_INTERVAL_MS;
  const v = raw.trim();
  if (!/^\d+$/.test(v)) {
    throw new ConfigError(
      HEALTH_INTERVAL_ENV,
      `"${raw}" is not a whole number of milliseconds`,
      'Use e.g. 30000, or unset it',
    );
  }
  const ms = Number(v);
  if (ms < MIN_MS || ms > MAX_MS) {
    throw new ConfigError(
      HEALTH_INTERVAL_ENV,
      `${ms} is out of range`,
      `Use ${MIN_MS} to ${MAX_MS} (milliseconds), or unset it for 30000`,
    );
  }
  return ms;
}
