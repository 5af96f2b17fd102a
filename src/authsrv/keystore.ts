// The key database: the one file only `walnut authsrv` opens (docs/auth-protocol.md §1, item 7). User keys
// K_u, server keys, the keyseed for fake keys, the auth domain, the lockout records, and which config users'
// passwords were taken over. It lives in its own folder (mode 0700, the AS's user), apart from walnut.db,
// which the NUT server opens: a NUT server that is broken into reads no key.
//
// SQLite through walnut's one opener (src/storage/sqlite.ts), in WAL mode with an EXCLUSIVE lock held for the
// life of the process: a second AS on the same folder waits and then fails instead of sharing the file.
import { randomBytes } from 'node:crypto';
import { immediate, openSqlite, type Db } from '../storage/sqlite.ts';
import { KEYLEN } from './constants.ts';
import { afterFailure, atAttempt, nameWideLock, worthKeeping, type LockoutOptions, type LockoutRecord } from './lockout.ts';

export class KeyStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyStoreError';
  }
}

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE meta (name TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL) STRICT;
   CREATE TABLE user_keys (
     name BLOB PRIMARY KEY NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
     key BLOB NOT NULL CHECK (length(key) = 32),      -- K_u = scrypt(password, salt(DN, name)); never a password
     updated_at INTEGER NOT NULL
   ) STRICT, WITHOUT ROWID;
   CREATE TABLE server_keys (
     name BLOB PRIMARY KEY NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
     key BLOB NOT NULL CHECK (length(key) = 32),      -- random, never password-derived
     created_at INTEGER NOT NULL
   ) STRICT, WITHOUT ROWID;
   CREATE TABLE lockout (
     name BLOB PRIMARY KEY NOT NULL,                  -- any name tried, known or not (bounded by pruning)
     failures INTEGER NOT NULL,
     last_failure_at INTEGER NOT NULL,
     locked_until INTEGER NOT NULL,
     locks INTEGER NOT NULL
   ) STRICT, WITHOUT ROWID;
   CREATE TABLE config_users_taken (
     name BLOB PRIMARY KEY NOT NULL,                  -- a config user whose password became a key once
     at INTEGER NOT NULL
   ) STRICT, WITHOUT ROWID;`,
  // 2: lockout records per name and source address (lockout.ts): a guesser locks a name for its own address only
  `DROP TABLE lockout;
   CREATE TABLE lockout (
     name BLOB NOT NULL,                              -- any name tried, known or not (bounded by pruning)
     source TEXT NOT NULL,                            -- the address that failed it
     failures INTEGER NOT NULL,
     last_failure_at INTEGER NOT NULL,
     locked_until INTEGER NOT NULL,
     locks INTEGER NOT NULL,
     PRIMARY KEY (name, source)
   ) STRICT, WITHOUT ROWID;`,
];

interface LockRow {
  failures: number;
  last_failure_at: number;
  locked_until: number;
  locks: number;
}

const toRecord = (r: LockRow): LockoutRecord => ({ failures: r.failures, lastFailureAt: r.last_failure_at, lockedUntil: r.locked_until, locks: r.locks });

/** Most lockout records kept: a flood of made-up names cannot grow the file without bound. */
export const MAX_LOCKOUT_RECORDS = 10_000;

export class KeyStore {
  readonly #db: Db;
  readonly #lockout: LockoutOptions;
  readonly #now: () => number;
  readonly #getUser;
  readonly #getServer;
  readonly #getLock;
  readonly #getLocks;

  private constructor(db: Db, lockout: LockoutOptions, now: () => number) {
    this.#db = db;
    this.#lockout = lockout;
    this.#now = now;
    this.#getUser = db.prepare<[Buffer], { key: Buffer }>('SELECT key FROM user_keys WHERE name = ?');
    this.#getServer = db.prepare<[Buffer], { key: Buffer }>('SELECT key FROM server_keys WHERE name = ?');
    this.#getLock = db.prepare<[Buffer, string], LockRow>('SELECT failures, last_failure_at, locked_until, locks FROM lockout WHERE name = ? AND source = ?');
    this.#getLocks = db.prepare<[Buffer], LockRow>('SELECT failures, last_failure_at, locked_until, locks FROM lockout WHERE name = ?');
  }

  static open(dir: string, nativeCacheDir: string, lockout: LockoutOptions, now: () => number = Date.now): KeyStore {
    const db = openSqlite(dir, {
      file: 'keys.db',
      // the AS's alone: an existing folder is put back to 0700, the file to 0600, at every start
      dirMode: 0o700,
      enforceDirMode: true,
      fileMode: 0o600,
      synchronous: 'FULL', // a password change or a lockout must survive a power cut
      exclusive: true,
      migrations: MIGRATIONS,
      nativeCacheDir,
      folderName: 'the key folder',
      busyHint: '(is another walnut authsrv running on it?)',
      error: (message) => new KeyStoreError(message),
    });
    return new KeyStore(db, lockout, now);
  }

  close(): void {
    this.#db.close();
  }

  meta(name: string): Buffer | undefined {
    return this.#db.prepare<[string], { value: Buffer }>('SELECT value FROM meta WHERE name = ?').get(name)?.value;
  }

  /** The stored value, or `make()` stored now. */
  metaOrCreate(name: string, make: () => Buffer): Buffer {
    return immediate(this.#db, () => {
      const have = this.meta(name);
      if (have !== undefined) return have;
      const value = make();
      this.#db.prepare('INSERT INTO meta (name, value) VALUES (?, ?)').run(name, value);
      return value;
    });
  }

  /** Stores `value` under `name`, replacing what was there. */
  setMeta(name: string, value: Buffer): void {
    this.#db.prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value').run(name, value);
  }

  keyseed(): Uint8Array {
    return new Uint8Array(this.metaOrCreate('keyseed', () => randomBytes(32)));
  }

  userKey(name: Uint8Array): Uint8Array | undefined {
    const row = this.#getUser.get(Buffer.from(name));
    return row ? new Uint8Array(row.key) : undefined;
  }

  setUserKey(name: Uint8Array, key: Uint8Array): void {
    if (key.length !== KEYLEN) throw new RangeError('a user key is 32 bytes');
    this.#db
      .prepare('INSERT INTO user_keys (name, key, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET key = excluded.key, updated_at = excluded.updated_at')
      .run(Buffer.from(name), Buffer.from(key), this.#now());
  }

  removeUser(name: Uint8Array): boolean {
    return immediate(this.#db, () => {
      this.#db.prepare('DELETE FROM lockout WHERE name = ?').run(Buffer.from(name));
      return this.#db.prepare('DELETE FROM user_keys WHERE name = ?').run(Buffer.from(name)).changes > 0;
    });
  }

  userNames(): Buffer[] {
    return this.#db.prepare<[], { name: Buffer }>('SELECT name FROM user_keys ORDER BY name').all().map((r) => r.name);
  }

  serverKey(name: Uint8Array): Uint8Array | undefined {
    const row = this.#getServer.get(Buffer.from(name));
    return row ? new Uint8Array(row.key) : undefined;
  }

  /** The server's key, made (random) the first time. */
  ensureServerKey(name: Uint8Array): Uint8Array {
    return immediate(this.#db, () => {
      const have = this.serverKey(name);
      if (have) return have;
      const key = randomBytes(KEYLEN);
      this.#db.prepare('INSERT INTO server_keys (name, key, created_at) VALUES (?, ?, ?)').run(Buffer.from(name), key, this.#now());
      return new Uint8Array(key);
    });
  }

  // ---- lockout (lockout.ts) ----

  #record(name: Uint8Array, source: string): LockoutRecord | undefined {
    const r = this.#getLock.get(Buffer.from(name), source);
    return r ? toRecord(r) : undefined;
  }

  #put(name: Uint8Array, source: string, r: LockoutRecord | undefined): void {
    if (r === undefined) {
      this.#db.prepare('DELETE FROM lockout WHERE name = ? AND source = ?').run(Buffer.from(name), source);
      return;
    }
    this.#db
      .prepare(
        `INSERT INTO lockout (name, source, failures, last_failure_at, locked_until, locks) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (name, source) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at,
           locked_until = excluded.locked_until, locks = excluded.locks`,
      )
      .run(Buffer.from(name), source, r.failures, r.lastFailureAt, r.lockedUntil, r.locks);
  }

  /** At the start of an attempt from `source`: locked (for this address, or name-wide)? `lockedFor` (seconds)
   *  when this check started a lock for the address. */
  attempt(name: Uint8Array, source: string): { locked: boolean; lockedFor?: number; nameWide?: boolean } {
    return immediate(this.#db, () => {
      const now = this.#now();
      const at = atAttempt(this.#record(name, source), now, this.#lockout);
      if (at.record) this.#put(name, source, at.record);
      if (at.locked) return at.lockedFor === undefined ? { locked: true } : { locked: true, lockedFor: at.lockedFor };
      if (nameWideLock(this.#getLocks.all(Buffer.from(name)).map(toRecord), now, this.#lockout)) return { locked: true, nameWide: true };
      return { locked: false };
    });
  }

  failed(name: Uint8Array, source: string): void {
    immediate(this.#db, () => {
      const now = this.#now();
      this.#put(name, source, afterFailure(this.#record(name, source), now, this.#lockout));
      this.#prune(now);
    });
  }

  /** A confirmed success forgets this address's failures for the name (lockout.ts afterSuccess). */
  succeeded(name: Uint8Array, source: string): void {
    this.#put(name, source, undefined);
  }

  /** Ends every lock of a name at once (`walnut auth unlock`). */
  unlock(name: Uint8Array): boolean {
    return this.#db.prepare('DELETE FROM lockout WHERE name = ?').run(Buffer.from(name)).changes > 0;
  }

  lockedNames(): { name: Buffer; source: string; until: number }[] {
    return this.#db
      .prepare<[number], { name: Buffer; source: string; locked_until: number }>(
        'SELECT name, source, locked_until FROM lockout WHERE locked_until > ? ORDER BY name, source',
      )
      .all(this.#now())
      .map((r) => ({ name: r.name, source: r.source, until: r.locked_until }));
  }

  #prune(now: number): void {
    const count = (this.#db.prepare('SELECT count(*) AS n FROM lockout').get() as { n: number }).n;
    if (count <= MAX_LOCKOUT_RECORDS) return;
    const rows = this.#db.prepare<[], LockRow & { name: Buffer; source: string }>('SELECT * FROM lockout').all();
    for (const r of rows) if (!worthKeeping(toRecord(r), now, this.#lockout)) this.#put(r.name, r.source, undefined);
    // still too many: the oldest unlocked ones go
    const excess = (this.#db.prepare('SELECT count(*) AS n FROM lockout').get() as { n: number }).n - MAX_LOCKOUT_RECORDS;
    if (excess <= 0) return;
    const oldest = this.#db
      .prepare<[number, number], { name: Buffer; source: string }>(
        // never the records of real users: a flood of made-up names must not wipe a guesser's count on a real one
        'SELECT name, source FROM lockout WHERE locked_until <= ? AND name NOT IN (SELECT name FROM user_keys) ORDER BY last_failure_at LIMIT ?',
      )
      .all(now, excess);
    for (const r of oldest) this.#put(r.name, r.source, undefined);
  }

  // ---- config users (taken over once) ----

  configUserTaken(name: Uint8Array): boolean {
    return this.#db.prepare('SELECT 1 FROM config_users_taken WHERE name = ?').get(Buffer.from(name)) !== undefined;
  }

  /** Stores the key of a config user the first time only. False when it was taken before. */
  takeConfigUser(name: Uint8Array, key: Uint8Array): boolean {
    return immediate(this.#db, () => {
      if (this.configUserTaken(name)) return false;
      this.#db.prepare('INSERT INTO config_users_taken (name, at) VALUES (?, ?)').run(Buffer.from(name), this.#now());
      if (this.userKey(name) === undefined) this.setUserKey(name, key);
      return true;
    });
  }
}
