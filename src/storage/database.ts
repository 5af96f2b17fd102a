// Opens walnut's SQLite database in the data folder, walnut.db, through the one opener (sqlite.ts): WAL, busy
// timeout, foreign keys on, pending migrations applied. The NUT server and the CLI share the file, so writes
// use IMMEDIATE transactions (sqlite.ts `immediate`). This is the only file that opens walnut.db.
import { MIGRATIONS } from './migrations.ts';
import { openSqlite, schemaVersion, type Db } from './sqlite.ts';

export type { Db };
export { schemaVersion };

export class StorageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageError';
  }
}

export function openDatabase(dataDir: string, nativeCacheDir: string): Db {
  return openSqlite(dataDir, {
    file: 'walnut.db',
    dirMode: 0o700,
    // events and settings: durable at checkpoints is enough, and an fsync per event is not
    synchronous: 'NORMAL',
    migrations: MIGRATIONS,
    nativeCacheDir,
    folderName: 'data folder',
    error: (message) => new StorageError(message),
  });
}
