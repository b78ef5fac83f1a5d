/**
 * Delays between restarts of a crashing project server: initial, doubled per consecutive crash,
 * capped (1 s → 30 s by default). No jitter: these are local processes, not many hosts
 * reconnecting to one hub. A server that stayed up `resetAfterMs` counts as healthy again.
 */
export class RestartBackoff {
  #attempt = 0;

  constructor(
    readonly initialMs = 1000,
    readonly maxMs = 30_000,
    readonly resetAfterMs = 60_000,
  ) {}

  /** The delay before the next restart; each call counts one more crash. */
  next(): number {
    const delay = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.#attempt, 30));
    this.#attempt++;
    return delay;
  }

  reset(): void {
    this.#attempt = 0;
  }
}
