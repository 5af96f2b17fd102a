// The roster of NUT clients the owner expects (issue 16, the Clients page): each with a name for people, the NUT
// user it logs in as, the address it comes from (or any), whether it must be inside TLS, and how long it may go
// unseen before the page flags it. Bounded: at most ROSTER_LIMITS.entries rows. The last-seen times are written
// by one batch (saveSeen) that src/appliance/client-watch.ts runs now and then, never once per login or request.
import type { Db } from './database.ts';
import { immediate } from './sqlite.ts';

export const ROSTER_LIMITS = {
  entries: 100,
  nameChars: 64,
  userChars: 64,
  /** the lower bound keeps a test's wait short and is still longer than the 2 s check and upsmon's POLLFREQ 1 */
  seenWithinMin: 5,
  /** 30 days: a client seen less often than that is not monitoring anything */
  seenWithinMax: 2_592_000,
} as const;

export interface RosterEntry {
  id: number;
  name: string;
  user: string;
  /** canonical IP text; null: any address */
  address: string | null;
  /** it must log in inside TLS */
  tls: boolean;
  seenWithinSeconds: number;
  /** unix milliseconds */
  createdAt: number;
  /** unix milliseconds; null: never seen */
  lastSeenAt: number | null;
}

export type NewRosterEntry = Pick<RosterEntry, 'name' | 'user' | 'address' | 'tls' | 'seenWithinSeconds'>;

interface Row {
  id: number;
  name: string;
  user: string;
  address: string | null;
  tls: number;
  seen_within_s: number;
  created_at: number;
  last_seen_at: number | null;
}

export class ClientRoster {
  readonly #db: Db;
  readonly #all;
  readonly #count;
  readonly #byName;
  readonly #insert;
  readonly #delete;
  readonly #seen;

  constructor(db: Db) {
    this.#db = db;
    this.#all = db.prepare<[], Row>('SELECT id, name, user, address, tls, seen_within_s, created_at, last_seen_at FROM client_roster ORDER BY name');
    this.#count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM client_roster');
    this.#byName = db.prepare<[string], { id: number }>('SELECT id FROM client_roster WHERE name = ?');
    this.#insert = db.prepare<[string, string, string | null, number, number, number]>(
      'INSERT INTO client_roster (name, user, address, tls, seen_within_s, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.#delete = db.prepare<[number]>('DELETE FROM client_roster WHERE id = ?');
    // never moves a time backwards: a batch computed before another process's newer write loses
    this.#seen = db.prepare<[number, number, number]>('UPDATE client_roster SET last_seen_at = ? WHERE id = ? AND (last_seen_at IS NULL OR last_seen_at < ?)');
  }

  list(): RosterEntry[] {
    return this.#all.all().map((r) => ({
      id: r.id,
      name: r.name,
      user: r.user,
      address: r.address,
      tls: r.tls === 1,
      seenWithinSeconds: r.seen_within_s,
      createdAt: r.created_at,
      lastSeenAt: r.last_seen_at,
    }));
  }

  /** The new entry's id; 'exists' when the name is taken, 'full' at ROSTER_LIMITS.entries. */
  add(e: NewRosterEntry, now = Date.now()): number | 'exists' | 'full' {
    return immediate(this.#db, () => {
      if (this.#byName.get(e.name)) return 'exists';
      if (this.#count.get()!.n >= ROSTER_LIMITS.entries) return 'full';
      return Number(this.#insert.run(e.name, e.user, e.address, e.tls ? 1 : 0, e.seenWithinSeconds, now).lastInsertRowid);
    });
  }

  /** false when there was no such entry */
  remove(id: number): boolean {
    return immediate(this.#db, () => this.#delete.run(id).changes > 0);
  }

  /** Last-seen times by entry id, in one transaction; ids that were removed meanwhile are skipped. */
  saveSeen(seen: ReadonlyMap<number, number>): void {
    if (seen.size === 0) return;
    immediate(this.#db, () => {
      for (const [id, at] of seen) this.#seen.run(at, id, at);
    });
  }
}
