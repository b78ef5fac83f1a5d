import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/index.js';
import { healthIntervalFromEnv } from './interval.js';

describe('COCALC_HEALTH_INTERVAL_MS', () => {
  it('defaults to 30 s and takes milliseconds', () => {
    expect(healthIntervalFromEnv({})).toBe(30_000);
    expect(healthIntervalFromEnv({ COCALC_HEALTH_INTERVAL_MS: '' })).toBe(30_000);
    expect(healthIntervalFromEnv({ COCALC_HEALTH_INTERVAL_MS: ' 2000 ' })).toBe(2000);
  });

  it.each([
    ['fast', /not a whole number/],
    ['-5', /not a whole number/],
    ['10', /out of range/],
    ['99999999', /out of range/],
  ])('%s is refused with a ConfigError naming the variable', (raw, message) => {
    let err: unknown;
    try {
      healthIntervalFromEnv({ COCALC_HEALTH_INTERVAL_MS: raw });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe('COCALC_HEALTH_INTERVAL_MS');
    expect((err as Error).message).toMatch(message);
  });
});
