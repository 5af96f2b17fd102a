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
  // 2: principals, the key database (src/auth/principals.ts). Accounts use it now; the authentication server
  // (Plan 9 authsrv-style tickets) takes it over later, adding key purposes, not tables. Names are raw bytes
  // (a NUT word, no case folding: upsd.users is case-sensitive). Secrets are only ever verifiers.
  `CREATE TABLE principals (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     name BLOB NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),
     status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
     created_at INTEGER NOT NULL,  -- unix milliseconds
     updated_at INTEGER NOT NULL   -- any change to the principal, its keys or its roles
   ) STRICT;
   CREATE TABLE principal_keys (
     principal_id INTEGER NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
     purpose TEXT NOT NULL,        -- 'nut-password': verifier of the NUT PASSWORD word
     algorithm TEXT NOT NULL,      -- 'scrypt'
     params TEXT NOT NULL,         -- JSON, e.g. {"N":32768,"r":8,"p":1}: kept so the cost can be raised later
     salt BLOB NOT NULL,
     material BLOB NOT NULL,       -- the verifier itself; never a password
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (principal_id, purpose)
   ) STRICT, WITHOUT ROWID;
   CREATE TABLE principal_roles (
     principal_id INTEGER NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
     kind TEXT NOT NULL CHECK (kind IN ('upsmon', 'action', 'instcmd')),
     value TEXT NOT NULL,          -- upsmon: primary|secondary; action: set|fsd|login|primary; instcmd: a name or all
     PRIMARY KEY (principal_id, kind, value),
     CHECK (kind <> 'upsmon' OR value IN ('primary', 'secondary')),
     CHECK (kind <> 'action' OR value IN ('set', 'fsd', 'login', 'primary')),
     CHECK (kind <> 'instcmd' OR value = lower(value))
   ) STRICT, WITHOUT ROWID;
   CREATE UNIQUE INDEX principal_roles_one_upsmon ON principal_roles(principal_id) WHERE kind = 'upsmon';`,
  // 3: client certificates walnut's CA issued (src/tls/client-certs.ts). The serial is the key the NUT server
  // looks up on every TLS handshake that presents a certificate (WITHOUT ROWID: the row is in the primary key's
  // b-tree, one lookup). Never the certificate's private key.
  `CREATE TABLE client_certificates (
     serial TEXT PRIMARY KEY NOT NULL  -- upper-case hex, no leading zero bytes (X509Certificate.serialNumber)
       CHECK (length(serial) BETWEEN 2 AND 40 AND length(serial) % 2 = 0 AND serial NOT GLOB '*[^0-9A-F]*'),
     common_name TEXT NOT NULL CHECK (length(common_name) BETWEEN 1 AND 64),
     issued_at INTEGER NOT NULL,   -- unix milliseconds
     not_after INTEGER NOT NULL,   -- unix milliseconds
     revoked_at INTEGER,           -- unix milliseconds; NULL while valid
     revoked_reason TEXT,          -- free text from the operator, never a secret
     CHECK (revoked_reason IS NULL OR revoked_at IS NOT NULL)
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX client_certificates_name ON client_certificates(common_name);`,
  // 4: password verifiers leave this file: the authentication server (src/authsrv/keystore.ts, its own database
  // that the NUT server cannot open) holds every key now. Verifiers made before (scrypt, random salt) cannot be
  // turned into its keys without the passwords: such users need \`walnut user passwd\` once.
  `DROP TABLE principal_keys;`,
  // 5: the history of the main numeric variables (src/storage/history.ts, issue 15). Three resolutions, each kept
  // a little longer than the chart range that reads it (src/storage/history-buckets.ts TIERS): samples at the
  // sampling interval for 48 h (the 24 h chart), 5-minute buckets for 8 days (7 d), 1-hour buckets for 35 days
  // (30 d). One row per variable and time, not one column per variable: a UPS reports only some of them, and a
  // new one needs no migration. WITHOUT ROWID with the time first: every query and every retention delete is a
  // time range. Power-event marks are their own table, not read back from \`events\`: the event log keeps its
  // newest 100 000 rows of every kind (a busy NUT port pushes a month's power events out), its 'power' rows exist
  // only while walnut is the shutdown primary, and their detail is free text for people.
  `CREATE TABLE history_samples (
     at INTEGER NOT NULL,          -- unix milliseconds
     variable TEXT NOT NULL,       -- a NUT name from HISTORY_VARIABLES
     value REAL NOT NULL,
     PRIMARY KEY (at, variable)
   ) STRICT, WITHOUT ROWID;
   CREATE TABLE history_buckets (
     width INTEGER NOT NULL CHECK (width IN (300000, 3600000)),  -- milliseconds: 5 minutes, 1 hour
     start INTEGER NOT NULL CHECK (start % width = 0),            -- unix milliseconds, aligned to the width
     variable TEXT NOT NULL,
     min REAL NOT NULL,
     avg REAL NOT NULL,
     max REAL NOT NULL,
     samples INTEGER NOT NULL CHECK (samples > 0),                -- how many samples the bucket summarises
     CHECK (min <= avg AND avg <= max),
     PRIMARY KEY (width, start, variable)
   ) STRICT, WITHOUT ROWID;
   CREATE TABLE history_marks (
     id INTEGER PRIMARY KEY,
     at INTEGER NOT NULL,          -- unix milliseconds
     kind TEXT NOT NULL CHECK (kind IN ('on-battery', 'low-battery', 'fsd', 'on-line'))
   ) STRICT;
   CREATE INDEX history_marks_at ON history_marks(at);`,
  // 6: the roster of NUT clients the owner expects (src/storage/client-roster.ts, issue 16: the Clients page). What
  // each should look like when it logs in, and when it was last seen doing so. last_seen_at is written in batches
  // (src/appliance/client-watch.ts), not on each login or request; the name is for people, the id for the API.
  `CREATE TABLE client_roster (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),
     user TEXT NOT NULL CHECK (length(user) BETWEEN 1 AND 64),   -- the NUT user it logs in as
     address TEXT CHECK (address IS NULL OR length(address) BETWEEN 2 AND 45),  -- canonical IP; NULL: any
     tls INTEGER NOT NULL CHECK (tls IN (0, 1)),                  -- 1: it must be inside TLS
     seen_within_s INTEGER NOT NULL CHECK (seen_within_s BETWEEN 5 AND 2592000),
     created_at INTEGER NOT NULL,  -- unix milliseconds
     last_seen_at INTEGER          -- unix milliseconds; NULL: never seen
   ) STRICT;`,
];
