// Requests per client address per minute (issue 15: "limits on … requests and ws messages per address"). A
// sliding pair of fixed windows, as nginx's limit_req approximates: cheap, bounded memory, no timers. Pure over
// an injected clock.
export interface RateLimitOptions {
  perMinute: number;
  /** addresses remembered at most; past it the table starts over (a flood of sources forgets, never grows) */
  maxAddresses?: number;
  now?: () => number;
}

interface Window {
  start: number;
  count: number;
  previous: number;
}

const MINUTE = 60_000;

export class RateLimit {
  readonly #o: Required<RateLimitOptions>;
  #table = new Map<string, Window>();
  /** requests refused so far (a counter for /metrics) */
  refused = 0;

  constructor(o: RateLimitOptions) {
    this.#o = { maxAddresses: 10_000, now: Date.now, ...o };
  }

  /** Counts one request from `address`; false when it is over the limit. */
  take(address: string): boolean {
    const now = this.#o.now();
    let w = this.#table.get(address);
    if (!w) {
      if (this.#table.size >= this.#o.maxAddresses) this.#table = new Map();
      w = { start: now, count: 0, previous: 0 };
      this.#table.set(address, w);
    }
    const elapsed = now - w.start;
    if (elapsed >= MINUTE) {
      w.previous = elapsed >= 2 * MINUTE ? 0 : w.count;
      w.start = now - (elapsed % MINUTE);
      w.count = 0;
    }
    // the previous window weighs as much as it still overlaps the last minute
    const weight = 1 - (now - w.start) / MINUTE;
    if (w.count + w.previous * weight >= this.#o.perMinute) {
      this.refused++;
      return false;
    }
    w.count++;
    return true;
  }
}
