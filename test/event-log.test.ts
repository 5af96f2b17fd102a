// walnut keeps its state in a real SQLite file in the data folder: WAL, versioned schema, and an event log
// of starts, stops and client connections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { startWalnut } from './helpers/walnut.ts';
import { LineClient } from './helpers/clients.ts';
import { MIGRATIONS } from '../src/storage/migrations.ts';

test('the event log records start, client connects and disconnects, and a clean stop', async () => {
  const walnut = await startWalnut();
  const dataDir = walnut.dataDir;
  try {
    const c = await LineClient.connect(walnut.port);
    assert.match((await c.request('VER'))[0]!, /^walnut \d/);
    c.send('LOGOUT\n');
    await c.waitClosed();
  } finally {
    assert.equal(await walnut.stop(true), 0);
  }
  const db = new Database(join(dataDir, 'walnut.db'), { readonly: true });
  try {
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
    const kinds = (db.prepare('SELECT kind, source, detail FROM events ORDER BY id').all() as { kind: string; source: string | null; detail: string | null }[]);
    assert.deepEqual(
      kinds.map((k) => k.kind).filter((k) => k !== 'ups-availability'),
      ['start', 'connect', 'disconnect', 'stop'],
    );
    const disconnect = kinds.find((k) => k.kind === 'disconnect')!;
    assert.match(disconnect.source ?? '', /^127\.0\.0\.1:\d+$/);
    assert.equal(disconnect.detail, 'logout');
  } finally {
    db.close();
    rmSync(dirname(dataDir), { recursive: true, force: true });
  }
});
