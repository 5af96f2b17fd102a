// Schema migrations, applied in order; PRAGMA user_version records how many ran. Append only: never edit a
// migration that has shipped, add the next one.
export const MIGRATIONS: readonly string[] = [
  // 1: settings and the event log
  `CREATE TABLE settings (
     key TEXT PRIMARY KEY NOT NULL,
     value TEXT NOT NULL,
     updated_at INTEGER NOT NULL
   ) STRICT;
   CREATE TABLE events (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     at INTEGER NOT NULL,          -- unix milliseconds
     kind TEXT NOT NULL,           -- start, stop, connect, disconnect, login, fsd, ...
     source TEXT,                  -- peer address:port, when a client caused it
     detail TEXT                   -- free text, never a secret
   ) STRICT;
   CREATE INDEX events_at ON events(at);`,
];
