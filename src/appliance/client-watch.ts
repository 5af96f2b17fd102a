// The roster's watch (issue 16, the Clients page): every CHECK_SECONDS it looks at the NUT connections open now,
// notes which roster clients are there as expected, and writes an event when a client becomes flagged (stale,
// never seen, outside TLS) or is fine again. A login is noted at once too, so a client that connects and leaves
// between two checks (upsc, a poller) is still seen.
//
// Last-seen times live here first and reach walnut.db in one batch every FLUSH_SECONDS and at stop: a connected
// client is "seen" at every check, and writing SQLite at that rate, or on each login or request, would wear the
// unit's flash for nothing. A crash loses at most FLUSH_SECONDS of them, which can only make a client look
// staler than it is, never fresher.
import type { SessionSnapshot } from '../nut/session-snapshot.ts';
import type { ClientRoster, NewRosterEntry, RosterEntry } from '../storage/client-roster.ts';
import type { EventLog } from '../storage/event-log.ts';
import type { Logger } from '../util/log.ts';
import { asExpected, judge } from '../web/client-rules.ts';
import type { ClientDirectory } from '../web/routes-clients.ts';

export const CHECK_SECONDS = 2;
export const FLUSH_SECONDS = 30;

export interface ClientWatchDeps {
  roster: ClientRoster;
  sessions(): SessionSnapshot[];
  events: Pick<EventLog, 'record'>;
  log: Logger;
}

export class ClientWatch implements ClientDirectory {
  readonly checkSeconds = CHECK_SECONDS;
  readonly #d: ClientWatchDeps;
  /** the roster as stored; only this process changes it (there is no CLI command for it), so it is read once */
  #entries: RosterEntry[];
  /** newest last-seen time per entry id, and those not yet written */
  readonly #seen = new Map<number, number>();
  readonly #unsaved = new Map<number, number>();
  /** the problem each flagged entry had at the last check */
  readonly #flagged = new Map<number, string>();
  #timers: NodeJS.Timeout[] = [];

  constructor(d: ClientWatchDeps) {
    this.#d = d;
    this.#entries = d.roster.list();
  }

  start(): void {
    this.check();
    const check = setInterval(() => this.check(), CHECK_SECONDS * 1000);
    const flush = setInterval(() => this.flush(), FLUSH_SECONDS * 1000);
    check.unref();
    flush.unref();
    this.#timers = [check, flush];
  }

  /** Stops the timers and writes the last-seen times still in memory (before the database closes). */
  stop(): void {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    this.flush();
  }

  sessions(): SessionSnapshot[] {
    return this.#d.sessions();
  }

  roster(): RosterEntry[] {
    return this.#entries.map((e) => {
      const seen = this.#seen.get(e.id);
      return seen !== undefined && (e.lastSeenAt === null || seen > e.lastSeenAt) ? { ...e, lastSeenAt: seen } : e;
    });
  }

  add(e: NewRosterEntry): number | 'exists' | 'full' {
    const id = this.#d.roster.add(e);
    this.#entries = this.#d.roster.list();
    return id;
  }

  remove(id: number): RosterEntry | undefined {
    const entry = this.#entries.find((e) => e.id === id);
    if (!entry || !this.#d.roster.remove(id)) return undefined;
    this.#entries = this.#entries.filter((e) => e.id !== id);
    this.#seen.delete(id);
    this.#unsaved.delete(id);
    this.#flagged.delete(id);
    return entry;
  }

  /** A LOGIN (or a ticket login) just succeeded on this connection. */
  noteLogin(s: SessionSnapshot, now = Date.now()): void {
    for (const e of this.#entries) if (asExpected(e, s)) this.#note(e.id, now);
  }

  /** Notes who is here as expected, then records each change of verdict as an event. */
  check(now = Date.now()): void {
    const sessions = this.#d.sessions();
    for (const e of this.#entries) if (sessions.some((s) => asExpected(e, s))) this.#note(e.id, now);
    for (const e of this.roster()) {
      const j = judge(e, sessions, now);
      const before = this.#flagged.get(e.id);
      if (j.flagged && before !== j.problem) {
        this.#flagged.set(e.id, j.problem!);
        this.#d.log.warn(`client ${JSON.stringify(e.name)} ${j.problem}`);
        this.#d.events.record('client-flagged', undefined, `${JSON.stringify(e.name)} ${j.problem}`);
      } else if (!j.flagged && before !== undefined) {
        this.#flagged.delete(e.id);
        this.#d.log.info(`client ${JSON.stringify(e.name)} logs in as expected again`);
        this.#d.events.record('client-ok', undefined, `${JSON.stringify(e.name)} logs in as expected again`);
      }
    }
  }

  flush(): void {
    if (this.#unsaved.size === 0) return;
    const batch = new Map(this.#unsaved);
    this.#unsaved.clear();
    try {
      this.#d.roster.saveSeen(batch);
    } catch (err) {
      // a busy or failing disk: keep the times for the next flush rather than lose them
      for (const [id, at] of batch) if (!this.#unsaved.has(id)) this.#unsaved.set(id, at);
      this.#d.log.warn(`cannot save the clients' last-seen times: ${(err as Error).message}`);
    }
  }

  #note(id: number, now: number): void {
    this.#seen.set(id, now);
    this.#unsaved.set(id, now);
  }
}
