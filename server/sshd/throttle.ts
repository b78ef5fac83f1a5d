/**
 * Per-address authentication-failure throttling: after `maxFailures` failures within `windowMs`
 * an address is blocked for `blockMs`, and the sshd drops its new connections at accept time,
 * before any crypto work. Memory is bounded: old entries are swept, and at most `maxTracked`
 * addresses are remembered (the oldest are forgotten first).
 */
export class FailureThrottle {
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #blockMs: number;
  readonly #maxTracked: number;
  readonly #exempt: ReadonlySet<string>;
  /** address -> failure times in the window, or the time the block ends. Insertion-ordered. */
  readonly #entries = new Map<string, { failures: number[]; blockedUntil: number }>();

  constructor(opts: {
    maxFailures: number;
    windowMs: number;
    blockMs: number;
    maxTracked?: number;
    exempt?: readonly string[];
  }) {
    this.#maxFailures = opts.maxFailures;
    this.#windowMs = opts.windowMs;
    this.#blockMs = opts.blockMs;
    this.#maxTracked = opts.maxTracked ?? 10_000;
    this.#exempt = new Set(opts.exempt ?? []);
  }

  /** Records a failure; returns true if this failure started a block. */
  recordFailure(address: string, now: number = Date.now()): boolean {
    if (this.#exempt.has(address)) return false;
    let e = this.#entries.get(address);
    if (!e) {
      if (this.#entries.size >= this.#maxTracked) this.#sweep(now);
      // Still full after the sweep: forget the oldest, so a flood of addresses cannot grow memory.
      if (this.#entries.size >= this.#maxTracked) {
        const oldest = this.#entries.keys().next();
        if (!oldest.done) this.#entries.delete(oldest.value);
      }
      e = { failures: [], blockedUntil: 0 };
      this.#entries.set(address, e);
    }
    e.failures = e.failures.filter((t) => t > now - this.#windowMs);
    e.failures.push(now);
    if (e.failures.length >= this.#maxFailures && e.blockedUntil <= now) {
      e.blockedUntil = now + this.#blockMs;
      e.failures = [];
      return true;
    }
    return false;
  }

  isBlocked(address: string, now: number = Date.now()): boolean {
    const e = this.#entries.get(address);
    return e !== undefined && e.blockedUntil > now;
  }

  #sweep(now: number): void {
    for (const [address, e] of this.#entries) {
      if (e.blockedUntil <= now && e.failures.every((t) => t <= now - this.#windowMs)) {
        this.#entries.delete(address);
      }
    }
  }
}
