import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('doubles from 1 s to a 30 s ceiling, each delay in the upper half of its ceiling', () => {
    const low = new Backoff(1000, 30_000, () => 0);
    expect(Array.from({ length: 8 }, () => low.next())).toEqual([
      1000, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000,
    ]);
    const high = new Backoff(1000, 30_000, () => 1);
    expect(Array.from({ length: 8 }, () => high.next())).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000,
    ]);
  });

  it('starts over after reset, and keeps going indefinitely', () => {
    const b = new Backoff(1000, 30_000, () => 1);
    for (let i = 0; i < 1000; i++) b.next();
    expect(b.next()).toBe(30_000);
    b.reset();
    expect(b.next()).toBe(1000);
  });
});
