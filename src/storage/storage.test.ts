// walnut's SQLite storage on real files in a temporary folder: opening and migrating, WAL, settings, and the
// batched, bounded event log. Outside a single executable better-sqlite3 loads its own prebuilt addon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { StorageError, openDatabase, schemaVersion, type Db } from './database.ts';
import { EventLog } from './event-log.ts';
import { MIGRATIONS } from './migrations.ts';
import { Settings } from './settings.ts';

/** A fresh temporary folder, removed after the test. */
function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-storage-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Opens the database in `dir`/data, closed after the test. */
function open(t: { after(fn: () => void): void }, dir: string): Db {
  const db = openDatabase(join(dir, 'data'), join(dir, 'cache'));
  t.after(() => {
    if (db.open) db.close();
  });
  return db;
}

interface Row {
  id: number;
  at: number;
  kind: string;
  source: string | null;
  detail: string | null;
}

const rows = (db: Db): Row[] => db.prepare('SELECT id, at, kind, source, detail FROM events ORDER BY id').all() as Row[];

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('opening creates the data folder (mode 0700) and walnut.db in it', (t) => {
  const dir = tempDir(t);
  open(t, dir);
  const data = join(dir, 'data');
  assert.equal(statSync(data).mode & 0o777, 0o700);
  assert.ok(existsSync(join(data, 'walnut.db')));
});

test('migrations run and user_version records how many', (t) => {
  const db = open(t, tempDir(t));
  assert.equal(MIGRATIONS.length >= 1, true);
  assert.equal(schemaVersion(db), MIGRATIONS.length);
  assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map(
    (r) => r.name,
  );
  assert.ok(tables.includes('settings'), tables.join(','));
  assert.ok(tables.includes('events'), tables.join(','));
});

test('the database is in WAL mode with foreign keys on', (t) => {
  const dir = tempDir(t);
  const db = open(t, dir);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  assert.equal(db.pragma('busy_timeout', { simple: true }), 5000);
  new Settings(db).set('k', 'v');
  assert.ok(existsSync(join(dir, 'data', 'walnut.db-wal')));
});

test('reopening an existing database keeps its data and does not migrate again', (t) => {
  const dir = tempDir(t);
  const first = openDatabase(join(dir, 'data'), join(dir, 'cache'));
  new Settings(first).set('instance.name', 'garage');
  const log = new EventLog(first, { flushIntervalMs: 60_000 });
  log.record('start', undefined, 'first run');
  log.close();
  first.close();

  const again = open(t, dir);
  assert.equal(schemaVersion(again), MIGRATIONS.length);
  assert.equal(new Settings(again).get('instance.name'), 'garage');
  assert.deepEqual(
    rows(again).map((r) => [r.kind, r.detail]),
    [['start', 'first run']],
  );
});

test('a database from a newer walnut is refused and left untouched', (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'data'));
  const file = join(dir, 'data', 'walnut.db');
  const raw = new Database(file);
  raw.pragma(`user_version = ${MIGRATIONS.length + 5}`);
  raw.close();
  assert.throws(
    () => openDatabase(join(dir, 'data'), join(dir, 'cache')),
    (err: unknown) => err instanceof StorageError && /newer than this walnut knows/.test(err.message),
  );
  const check = new Database(file, { readonly: true });
  try {
    assert.equal(check.pragma('user_version', { simple: true }), MIGRATIONS.length + 5);
    assert.deepEqual(check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all(), []);
  } finally {
    check.close();
  }
});

test('a data folder that cannot be created is a StorageError naming it', (t) => {
  const dir = tempDir(t);
  const blocker = join(dir, 'file');
  writeFileSync(blocker, 'not a folder');
  assert.throws(
    () => openDatabase(join(blocker, 'data'), join(dir, 'cache')),
    (err: unknown) => err instanceof StorageError && err.message.startsWith(`cannot create data folder ${join(blocker, 'data')}`),
  );
});

test('a database file that cannot be opened is a StorageError naming it', (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'data', 'walnut.db'), { recursive: true }); // a folder where the file should be
  assert.throws(
    () => openDatabase(join(dir, 'data'), join(dir, 'cache')),
    (err: unknown) => err instanceof StorageError && err.message.startsWith(`cannot open ${join(dir, 'data', 'walnut.db')}`),
  );
});

test('settings round-trip, overwrite, and read undefined when absent', (t) => {
  const db = open(t, tempDir(t));
  const settings = new Settings(db);
  assert.equal(settings.get('claimed'), undefined);
  settings.set('claimed', 'no');
  settings.set('name', 'Ünïcödé "quoted" \\ #');
  assert.equal(settings.get('claimed'), 'no');
  settings.set('claimed', 'yes');
  assert.equal(settings.get('claimed'), 'yes');
  assert.equal(settings.get('name'), 'Ünïcödé "quoted" \\ #');
  settings.set('empty', '');
  assert.equal(settings.get('empty'), '');
  assert.equal((db.prepare('SELECT count(*) AS n FROM settings').get() as { n: number }).n, 3);
});

test('a setting records when it was last written', (t) => {
  const db = open(t, tempDir(t));
  const before = Date.now();
  new Settings(db).set('k', 'v');
  const { updated_at } = db.prepare('SELECT updated_at FROM settings WHERE key = ?').get('k') as { updated_at: number };
  assert.ok(updated_at >= before && updated_at <= Date.now(), String(updated_at));
});

test('recorded events reach the table only when flushed, all in order', (t) => {
  const db = open(t, tempDir(t));
  const log = new EventLog(db, { flushIntervalMs: 60_000 });
  t.after(() => log.close());
  const before = Date.now();
  log.record('start', undefined, 'walnut test');
  log.record('connect', '127.0.0.1:5000');
  log.record('disconnect', '127.0.0.1:5000', 'logout');
  assert.deepEqual(rows(db), []);
  log.flush();
  const written = rows(db);
  assert.deepEqual(
    written.map((r) => [r.kind, r.source, r.detail]),
    [
      ['start', null, 'walnut test'],
      ['connect', '127.0.0.1:5000', null],
      ['disconnect', '127.0.0.1:5000', 'logout'],
    ],
  );
  for (const r of written) assert.ok(r.at >= before && r.at <= Date.now());
});

test('the event log flushes on its own every interval', async (t) => {
  const db = open(t, tempDir(t));
  const log = new EventLog(db, { flushIntervalMs: 20 });
  t.after(() => log.close());
  log.record('connect', '10.0.0.1:1');
  for (let i = 0; i < 100 && rows(db).length === 0; i++) await sleep(10);
  assert.deepEqual(
    rows(db).map((r) => r.kind),
    ['connect'],
  );
});

test('close flushes what is queued', (t) => {
  const db = open(t, tempDir(t));
  const log = new EventLog(db, { flushIntervalMs: 60_000 });
  log.record('stop');
  log.close();
  assert.deepEqual(
    rows(db).map((r) => r.kind),
    ['stop'],
  );
});

test('the table keeps only the newest maxRows events', (t) => {
  const db = open(t, tempDir(t));
  const log = new EventLog(db, { flushIntervalMs: 60_000, maxRows: 5 });
  t.after(() => log.close());
  for (let i = 0; i < 8; i++) log.record('e', undefined, `n${i}`);
  log.flush();
  assert.deepEqual(
    rows(db).map((r) => r.detail),
    ['n3', 'n4', 'n5', 'n6', 'n7'],
  );
  for (let i = 8; i < 10; i++) log.record('e', undefined, `n${i}`);
  log.flush();
  assert.deepEqual(
    rows(db).map((r) => r.detail),
    ['n5', 'n6', 'n7', 'n8', 'n9'],
  );
});

test('events past maxQueued are dropped, counted, and the count is logged as an event', (t) => {
  const db = open(t, tempDir(t));
  const log = new EventLog(db, { flushIntervalMs: 60_000, maxQueued: 3 });
  t.after(() => log.close());
  for (let i = 0; i < 5; i++) log.record('connect', `10.0.0.${i}:1`);
  assert.equal(log.dropped, 2);
  log.flush();
  assert.equal(log.dropped, 0);
  assert.deepEqual(
    rows(db).map((r) => [r.kind, r.source, r.detail]),
    [
      ['connect', '10.0.0.0:1', null],
      ['connect', '10.0.0.1:1', null],
      ['connect', '10.0.0.2:1', null],
      ['events-dropped', null, '2 events dropped: queue full'],
    ],
  );
  // after the flush the queue takes events again
  log.record('connect', '10.0.0.9:1');
  log.flush();
  assert.equal(rows(db).at(-1)!.source, '10.0.0.9:1');
});

test('a drop count alone is still written', (t) => {
  const db = open(t, tempDir(t));
  const log = new EventLog(db, { flushIntervalMs: 60_000, maxQueued: 0 });
  t.after(() => log.close());
  log.record('connect');
  log.flush();
  assert.deepEqual(
    rows(db).map((r) => [r.kind, r.detail]),
    [['events-dropped', '1 events dropped: queue full']],
  );
});

test('trimming to maxRows counts the drop notice too', (t) => {
  const db = open(t, tempDir(t));
  const log = new EventLog(db, { flushIntervalMs: 60_000, maxQueued: 2, maxRows: 2 });
  t.after(() => log.close());
  for (let i = 0; i < 4; i++) log.record('e', undefined, `n${i}`);
  log.flush();
  assert.deepEqual(
    rows(db).map((r) => r.detail),
    ['n1', '2 events dropped: queue full'],
  );
});

test('recent() flushes first and gives the newest events first', (t) => {
  const db = open(t, tempDir(t));
  const log = new EventLog(db, { flushIntervalMs: 60_000 });
  t.after(() => log.close());
  for (const k of ['a', 'b', 'c', 'd']) log.record(k);
  const recent = log.recent(3);
  assert.deepEqual(
    recent.map((r) => r.kind),
    ['d', 'c', 'b'],
  );
  assert.equal(recent[0]!.source, null);
  assert.equal(rows(db).length, 4);
});

test('a flush with nothing queued writes nothing', (t) => {
  const db = open(t, tempDir(t));
  const log = new EventLog(db, { flushIntervalMs: 60_000 });
  t.after(() => log.close());
  log.flush();
  log.flush();
  assert.deepEqual(rows(db), []);
});

test('a write waits for another process that holds the write lock instead of failing "database is locked"', async () => {
  const { spawn } = await import('node:child_process');
  const dir = mkdtempSync(join(tmpdir(), 'walnut-lock-'));
  try {
    const db = openDatabase(dir, join(dir, 'native'));
    const events = new EventLog(db, { flushIntervalMs: 60_000 });
    // another process (as `walnut serve` is for the CLI, and the CLI for it) writes for 700 ms
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const D = require('better-sqlite3'); const db = new D(${JSON.stringify(join(dir, 'walnut.db'))});
         db.exec('BEGIN IMMEDIATE'); db.prepare("INSERT INTO settings VALUES ('k', 'v', 0)").run(); process.stdout.write('locked\\n');
         setTimeout(() => { db.exec('COMMIT'); db.close(); }, 700);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((res) => holder.stdout!.once('data', () => res()));
    events.record('test', undefined, 'written while another process holds the lock');
    const t0 = Date.now();
    events.flush(); // BEGIN IMMEDIATE: waits (busy timeout) rather than failing
    assert.ok(Date.now() - t0 >= 300, 'it waited for the other writer');
    assert.equal(new Settings(db).get('k'), 'v');
    assert.equal(events.recent(1)[0]!.kind, 'test');
    events.close();
    db.close();
    await new Promise((res) => holder.once('exit', res));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
