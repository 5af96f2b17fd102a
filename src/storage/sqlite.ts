// The one way walnut opens a SQLite file: walnut.db (database.ts, the NUT server and the CLI) and keys.db
// (src/authsrv/keystore.ts, only the authentication server). Each caller says what differs (folder and file
// modes, durability, an exclusive lock, its migrations, the error it throws); the rest is the same for both:
// - better-sqlite3's addon comes out of the single executable (src/native/addons.ts), or from node_modules when
//   the sources run directly;
// - a busy timeout from the first statement on: another process may hold the write lock (the CLI while
//   `serve` writes, and the reverse), and even the journal_mode pragma needs a lock;
// - WAL: readers never block the writer, and a crash loses at most the last transaction;
// - foreign keys on (SQLite leaves them off per connection unless asked);
// - pending migrations applied in order, one IMMEDIATE transaction each, `user_version` counting them; a file
//   from a newer walnut is refused untouched.
import Database from 'better-sqlite3';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadSeaAddon } from '../native/addons.ts';

export type Db = Database.Database;

/** How long a statement waits for another connection's lock before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;

export interface SqliteOptions {
  /** the file's name inside the folder */
  file: string;
  /** the folder's mode when it is created */
  dirMode: number;
  /** also set `dirMode` on a folder that already exists (the key folder: it must stay the AS's alone) */
  enforceDirMode?: boolean;
  /** set on the file at every open; unset: the file keeps the mode it was created with (the umask's) */
  fileMode?: number;
  /** NORMAL: with WAL, durable at checkpoints, no fsync per commit. FULL: every commit survives a power cut. */
  synchronous: 'NORMAL' | 'FULL';
  /** hold the file's lock for the life of the connection (locking_mode EXCLUSIVE): no second process shares it */
  exclusive?: boolean;
  /** the schema, one SQL script per version; `user_version` says how many have run */
  migrations: readonly string[];
  /** where the addon is unpacked (src/native/addons.ts) */
  nativeCacheDir: string;
  /** what the folder is called in an error ("data folder") */
  folderName: string;
  /** said after an error that reads "locked" or "busy" (who else might hold the file) */
  busyHint?: string;
  /** the caller's error type, so that its callers catch one class */
  error: (message: string) => Error;
}

/**
 * Runs `work` in an IMMEDIATE transaction: the write lock is taken at BEGIN. Every transaction that writes uses
 * it. The server and the CLI share walnut.db, and a deferred transaction that reads and then writes gets
 * SQLITE_BUSY at once, without waiting for the busy timeout, when the other process wrote in between ("database
 * is locked"); an IMMEDIATE one waits for the lock at its start instead (sqlite.org/lang_transaction.html).
 */
export function immediate<T>(db: Db, work: () => T): T {
  return db.transaction(work).immediate();
}

/** Opens (creating when needed) `options.file` in `dir`, set up as the header says, with its migrations run. */
export function openSqlite(dir: string, options: SqliteOptions): Db {
  try {
    mkdirSync(dir, { recursive: true, mode: options.dirMode });
    if (options.enforceDirMode) chmodSync(dir, options.dirMode);
  } catch (err) {
    throw options.error(`cannot create ${options.folderName} ${dir}: ${(err as Error).message}`);
  }
  const file = join(dir, options.file);
  const addon = loadSeaAddon('better_sqlite3.node', options.nativeCacheDir);
  let db: Db | undefined;
  try {
    const open = { timeout: BUSY_TIMEOUT_MS, ...(addon === undefined ? {} : { nativeBinding: addon }) };
    db = new Database(file, open as unknown as Database.Options);
    if (options.fileMode !== undefined) chmodSync(file, options.fileMode);
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // before journal_mode: an exclusive WAL database keeps its index in heap memory, with no -shm file for
    // another process to map (sqlite.org/wal.html, "Use of WAL Without Shared-Memory")
    if (options.exclusive) db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous}`);
    db.pragma('foreign_keys = ON');
    migrate(db, options.migrations);
    return db;
  } catch (err) {
    db?.close();
    const why = (err as Error).message;
    const hint = options.busyHint !== undefined && /locked|busy/i.test(why) ? ` ${options.busyHint}` : '';
    throw options.error(`cannot open ${file}: ${why}${hint}`);
  }
}

export const schemaVersion = (db: Db): number => db.pragma('user_version', { simple: true }) as number;

function migrate(db: Db, migrations: readonly string[]): void {
  const current = schemaVersion(db);
  if (current > migrations.length) {
    throw new Error(`schema ${current} is newer than this walnut knows (${migrations.length}); refusing to touch it`);
  }
  for (let v = current; v < migrations.length; v++) {
    immediate(db, () => {
      db.exec(migrations[v]!);
      db.pragma(`user_version = ${v + 1}`);
    });
  }
}
