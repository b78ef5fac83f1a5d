/**
 * Exponential backoff with jitter for reconnecting: a ceiling of 1 s, 2 s, 4 s … up to 30 s, each
 * delay drawn from the ceiling's upper half (never below the minimum), so many hosts dropped by
 * one hub restart do not reconnect in step.
 */
export class Backoff {
  #attempt = 0;

  constructor(
    private readonly minMs = 1000,
    private readonly maxMs = 30_000,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; each call counts as one more failed attempt. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.#attempt, 30));
    this.#attempt++;
    return Math.max(this.minMs, Math.round(ceiling / 2 + (this.random() * ceiling) / 2));
  }

  /** After a success: start over at the shortest delay. */
  reset(): void {
    this.#attempt = 0;
  }
}
