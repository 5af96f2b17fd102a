// Opens walnut's SQLite database in the data folder: WAL (readers never block the writer, a crash loses at
// most the last transaction), foreign keys on, and pending migrations applied in one transaction each.
// This is the only file that opens the database.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS } from './migrations.ts';
import { loadSeaAddon } from '../native/addons.ts';

export type Db = Database.Database;

export class StorageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageError';
  }
}

// Every transaction that writes starts IMMEDIATE (`.immediate()`): the server and the CLI share the file, and a
// deferred transaction that reads and then writes gets SQLITE_BUSY at once, without waiting for the busy timeout,
// when the other process wrote in between ("database is locked").
export function openDatabase(dataDir: string, nativeCacheDir: string): Db {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new StorageError(`cannot create data folder ${dataDir}: ${(err as Error).message}`);
  }
  const file = join(dataDir, 'walnut.db');
  const addon = loadSeaAddon('better_sqlite3.node', nativeCacheDir);
  let db: Db;
  try {
    // the busy timeout from the first statement on: the CLI opens the file while `serve` writes to it, and even
    // the journal_mode pragma below needs a lock ("database is locked" otherwise)
    const options = { timeout: 5000, ...(addon === undefined ? {} : { nativeBinding: addon }) };
    db = new Database(file, options as unknown as Database.Options);
  } catch (err) {
    throw new StorageError(`cannot open ${file}: ${(err as Error).message}`);
  }
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL'); // with WAL: durable at checkpoints, no fsync per event
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function migrate(db: Db): void {
  const current = schemaVersion(db);
  if (current > MIGRATIONS.length) {
    throw new StorageError(`database schema ${current} is newer than this walnut knows (${MIGRATIONS.length}); refusing to touch it`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
