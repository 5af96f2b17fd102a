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
    db = addon === undefined ? new Database(file) : new Database(file, { nativeBinding: addon } as unknown as Database.Options);
  } catch (err) {
    throw new StorageError(`cannot open ${file}: ${(err as Error).message}`);
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL'); // with WAL: durable at checkpoints, no fsync per event
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
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
    })();
  }
}
