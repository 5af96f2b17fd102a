// Brute-force throttle for password checks: failures are counted per source address and per user name, and
// an attempt waits an exponentially growing delay before its password is even looked at (ETSI EN 303 645
// 5.1-5; docs/nut-compat.md "repeated failed logins"). Pure: the clock is injected, nothing sleeps here.
//
// - Per source: after `freeFailures` failures (typos are free), each further failure doubles the delay, up to
//   `maxDelayMs`. This is what slows a single-address guesser down.
// - Per user: counts failures for a name from every source, but only throttles once they come from
//   `userDistinctSources` different sources recently. A guesser on one address therefore never slows the real
//   user down on another address, while a guesser spread over many addresses is still slowed for that name.
// - Unknown names are counted exactly like real ones (the throttle never looks at the database), so its
//   behaviour tells nothing about which names exist.
// - Counters decay (a failure's weight halves every `halfLifeSeconds`) and both tables are bounded: when full,
//   the entry with the least decayed weight goes, so a flood of fresh addresses cannot push out the counter of
//   the address that has been guessing all along.

export interface ThrottleOptions {
  /** failures a source (or a user) may have before its attempts are delayed */
  freeFailures: number;
  /** delay after `freeFailures` failures; doubled by each further failure */
  baseDelayMs: number;
  maxDelayMs: number;
  /** a failure's weight halves every this many seconds */
  halfLifeSeconds: number;
  /** the per-user counter throttles only once that user's failures came from this many sources */
  userDistinctSources: number;
  /** sources and user names tracked at most */
  maxTrackedSources: number;
  maxTrackedUsers: number;
}

export const DEFAULT_THROTTLE: ThrottleOptions = {
  freeFailures: 5,
  baseDelayMs: 250,
  maxDelayMs: 60_000,
  halfLifeSeconds: 600,
  userDistinctSources: 3,
  maxTrackedSources: 4096,
  maxTrackedUsers: 1024,
};

/** how many other keys (users of a source, sources of a user) one record remembers */
const MAX_LINKS = 32;

interface Counter {
  /** decayed failure count as of `at` */
  score: number;
  at: number;
  /** the other side of recent failures (users failing from a source, sources failing for a user), with the
   *  time of the latest; bounded by MAX_LINKS */
  links: Map<string, number>;
  /** more distinct links were seen than fit */
  linksOverflowed: boolean;
  /** a delay was already reported for this record (so the caller logs the start of a back-off once) */
  announced: boolean;
}

export interface Delay {
  /** how long to hold the attempt before checking it */
  ms: number;
  /** what imposed it */
  by: 'source' | 'user' | undefined;
  /** first delay since this source/user last had a clean slate: worth a log line */
  started: boolean;
}

export class LoginThrottle {
  readonly options: ThrottleOptions;
  private readonly now: () => number;
  private readonly sources = new Map<string, Counter>();
  private readonly users = new Map<string, Counter>();

  constructor(options: Partial<ThrottleOptions> = {}, now: () => number = Date.now) {
    this.options = { ...DEFAULT_THROTTLE, ...options };
    this.now = now;
  }

  get trackedSources(): number {
    return this.sources.size;
  }

  get trackedUsers(): number {
    return this.users.size;
  }

  /** The current weight of a source's failures (for tests and logs). */
  sourceFailures(source: string): number {
    const c = this.sources.get(source);
    return c ? this.decayed(c) : 0;
  }

  /** How long an attempt by `user` from `source` must wait now. */
  delay(source: string, user: string): Delay {
    const now = this.now();
    const s = this.sources.get(source);
    const u = this.users.get(user);
    const bySource = s ? this.delayFor(this.decayed(s, now)) : 0;
    const byUser = u && this.recentLinks(u, now) >= this.options.userDistinctSources ? this.delayFor(this.decayed(u, now)) : 0;
    if (bySource === 0 && byUser === 0) return { ms: 0, by: undefined, started: false };
    const record = bySource >= byUser ? s! : u!;
    const started = !record.announced;
    record.announced = true;
    return { ms: Math.max(bySource, byUser), by: bySource >= byUser ? 'source' : 'user', started };
  }

  failure(source: string, user: string): void {
    const now = this.now();
    this.bump(this.sources, this.options.maxTrackedSources, source, user, now);
    this.bump(this.users, this.options.maxTrackedUsers, user, source, now);
  }

  /**
   * The right password. The source's slate is wiped only when every recent failure from it was for this same
   * user (a host that had a wrong password configured, then fixed it); a source that also failed for other
   * names keeps its count, so knowing one password (say a legacy client's well-known one) does not reset a
   * guesser's back-off. The user's counter keeps its weight, as its other failing sources are still guessing,
   * but no longer counts this source among them.
   */
  success(source: string, user: string): void {
    const s = this.sources.get(source);
    if (s && !s.linksOverflowed && [...s.links.keys()].every((k) => k === user)) this.sources.delete(source);
    const u = this.users.get(user);
    if (u) {
      u.links.delete(source);
      if (u.links.size === 0 && !u.linksOverflowed) this.users.delete(user);
    }
  }

  private delayFor(failures: number): number {
    const level = Math.round(failures);
    const { freeFailures, baseDelayMs, maxDelayMs } = this.options;
    if (level < freeFailures) return 0;
    // 2^(level - free) overflows to Infinity long before it matters; min() keeps it at the cap
    return Math.min(maxDelayMs, baseDelayMs * 2 ** (level - freeFailures));
  }

  private decayed(c: Counter, now = this.now()): number {
    const elapsed = Math.max(0, now - c.at);
    return c.score * 2 ** (-elapsed / (this.options.halfLifeSeconds * 1000));
  }

  /** links seen within two half-lives: older ones no longer make a distributed attack */
  private recentLinks(c: Counter, now: number): number {
    const horizon = now - 2 * this.options.halfLifeSeconds * 1000;
    let n = c.linksOverflowed ? MAX_LINKS : 0;
    if (n === 0) for (const at of c.links.values()) if (at >= horizon) n++;
    return n;
  }

  private bump(table: Map<string, Counter>, cap: number, key: string, link: string, now: number): void {
    let c = table.get(key);
    if (c) {
      const before = this.decayed(c, now);
      if (before < 0.5) {
        // it had decayed back to a clean slate: old links and the old announcement no longer apply
        c.links.clear();
        c.linksOverflowed = false;
        c.announced = false;
      }
      c.score = before + 1;
      c.at = now;
    } else {
      if (table.size >= cap) this.evictLightest(table, now);
      c = { score: 1, at: now, links: new Map(), linksOverflowed: false, announced: false };
      table.set(key, c);
    }
    if (!c.links.has(link) && c.links.size >= MAX_LINKS) {
      // keep the newest MAX_LINKS, and remember that there were more
      c.linksOverflowed = true;
      let oldest: string | undefined;
      let oldestAt = Infinity;
      for (const [k, at] of c.links) if (at < oldestAt) [oldest, oldestAt] = [k, at];
      if (oldest !== undefined) c.links.delete(oldest);
    }
    c.links.set(link, now);
  }

  private evictLightest(table: Map<string, Counter>, now: number): void {
    let lightest: string | undefined;
    let weight = Infinity;
    for (const [k, c] of table) {
      const w = this.decayed(c, now);
      if (w < weight) [lightest, weight] = [k, w];
      if (w < 0.01) break; // as good as gone already
    }
    if (lightest !== undefined) table.delete(lightest);
  }
}
