// The one SQLite opener (sqlite.ts) on real files in a temporary folder: folder and file modes, the pragmas
// both databases get, migrations, and the errors a caller sees. walnut.db's own behaviour is storage.test.ts's;
// keys.db's is the authentication server's integration tests' (test/authsrv*.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { immediate, openSqlite, schemaVersion, type Db, type SqliteOptions } from './sqlite.ts';

class TestError extends Error {}

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-sqlite-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const MIGRATIONS = ['CREATE TABLE a (id INTEGER PRIMARY KEY) STRICT', 'CREATE TABLE b (a INTEGER REFERENCES a (id)) STRICT'];

const options = (dir: string, more: Partial<SqliteOptions> = {}): SqliteOptions => ({
  file: 'test.db',
  dirMode: 0o700,
  synchronous: 'NORMAL',
  migrations: MIGRATIONS,
  nativeCacheDir: join(dir, 'cache'),
  folderName: 'test folder',
  error: (message) => new TestError(message),
  ...more,
});

function open(t: { after(fn: () => void): void }, dir: string, more: Partial<SqliteOptions> = {}): Db {
  const db = openSqlite(join(dir, 'data'), options(dir, more));
  t.after(() => {
    if (db.open) db.close();
  });
  return db;
}

test('a new file gets WAL, the busy timeout, foreign keys on and every migration', (t) => {
  const db = open(t, tempDir(t));
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('busy_timeout', { simple: true }), 5000);
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  assert.equal(db.pragma('synchronous', { simple: true }), 1); // NORMAL
  assert.equal(schemaVersion(db), MIGRATIONS.length);
  assert.throws(() => db.prepare('INSERT INTO b VALUES (42)').run(), /FOREIGN KEY/);
});

test('the folder is created with its mode; enforceDirMode also puts an existing one back, and fileMode the file', (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'data'), { mode: 0o755 });
  chmodSync(join(dir, 'data'), 0o755);
  open(t, dir).close();
  assert.equal(statSync(join(dir, 'data')).mode & 0o777, 0o755, 'without enforceDirMode an existing folder keeps its mode');
  open(t, dir, { enforceDirMode: true, fileMode: 0o600, synchronous: 'FULL' }).close();
  assert.equal(statSync(join(dir, 'data')).mode & 0o777, 0o700);
  assert.equal(statSync(join(dir, 'data', 'test.db')).mode & 0o777, 0o600);
});

test('a file from a newer walnut is refused untouched, in the caller\'s error type', (t) => {
  const dir = tempDir(t);
  const db = open(t, dir);
  db.pragma('user_version = 9');
  db.close();
  assert.throws(
    () => open(t, dir),
    (err: unknown) => err instanceof TestError && err.message === `cannot open ${join(dir, 'data', 'test.db')}: schema 9 is newer than this walnut knows (2); refusing to touch it`,
  );
});

test('a folder that cannot be created names the folder', (t) => {
  const dir = tempDir(t);
  open(t, dir).close();
  assert.throws(
    () => openSqlite(join(dir, 'data', 'test.db', 'below'), options(dir)),
    (err: unknown) => err instanceof TestError && err.message.startsWith(`cannot create test folder ${join(dir, 'data', 'test.db', 'below')}: `),
  );
});

test('an exclusive file keeps a second opener out, and the error carries the busy hint', (t) => {
  const dir = tempDir(t);
  const first = open(t, dir, { exclusive: true });
  assert.equal(first.pragma('locking_mode', { simple: true }), 'exclusive');
  // the second opener waits out the busy timeout (5 s) before it gives up: an AS restarting waits for the old one
  const started = Date.now();
  assert.throws(
    () => open(t, dir, { exclusive: true, busyHint: '(who else?)' }),
    (err: unknown) => err instanceof TestError && /locked|busy/i.test(err.message) && err.message.endsWith(' (who else?)'),
  );
  assert.ok(Date.now() - started >= 4000, 'the second opener waited for the busy timeout first');
});

test('immediate runs the work in one transaction and rolls it back when the work throws', (t) => {
  const db = open(t, tempDir(t));
  assert.equal(immediate(db, () => db.prepare('INSERT INTO a VALUES (1)').run().changes), 1);
  assert.throws(() =>
    immediate(db, () => {
      db.prepare('INSERT INTO a VALUES (2)').run();
      throw new Error('half done');
    }),
  );
  assert.deepEqual(db.prepare('SELECT id FROM a').all(), [{ id: 1 }]);
});
