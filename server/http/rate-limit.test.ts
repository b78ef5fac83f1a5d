import { describe, expect, it } from 'vitest';
import { FailureLimiter } from './rate-limit.js';

describe('FailureLimiter', () => {
  it('refuses a key after max failures in the window, until the oldest ages out', () => {
    const l = new FailureLimiter(3, 60_000);
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) {
      expect(l.retryAfter('1.2.3.4', t0 + i)).toBe(0);
      l.fail('1.2.3.4', t0 + i);
    }
    expect(l.retryAfter('1.2.3.4', t0 + 10)).toBe(60);
    expect(l.retryAfter('5.6.7.8', t0 + 10)).toBe(0);
    expect(l.retryAfter('1.2.3.4', t0 + 60_001)).toBe(0);
  });
});
