// The roster on a real walnut.db in a temporary folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from './database.ts';
import { ClientRoster, ROSTER_LIMITS } from './client-roster.ts';

function open(t: { after(fn: () => void): void }): Db {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-roster-'));
  const db = openDatabase(join(dir, 'data'), join(dir, 'cache'));
  t.after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return db;
}

const nas = { name: 'NAS kitchen', user: 'nas1', address: '192.0.2.10', tls: true, seenWithinSeconds: 60 };

test('an entry is added with its expectations, listed by name, never seen, and removed by id', (t) => {
  const roster = new ClientRoster(open(t));
  const id = roster.add(nas, 1000);
  assert.equal(typeof id, 'number');
  assert.equal(roster.add({ ...nas, user: 'other' }), 'exists', 'names are unique');
  roster.add({ name: 'Alpha', user: 'ha', address: null, tls: false, seenWithinSeconds: 5 }, 2000);
  assert.deepEqual(roster.list().map((e) => e.name), ['Alpha', 'NAS kitchen']);
  assert.deepEqual(roster.list()[1], { id, ...nas, createdAt: 1000, lastSeenAt: null });
  assert.equal(roster.remove(id as number), true);
  assert.equal(roster.remove(id as number), false);
  assert.deepEqual(roster.list().map((e) => e.name), ['Alpha']);
});

test('last-seen times are saved in one batch, never move backwards, and skip removed entries', (t) => {
  const roster = new ClientRoster(open(t));
  const a = roster.add(nas) as number;
  roster.saveSeen(new Map([[a, 5000], [9999, 1]]));
  assert.equal(roster.list()[0]!.lastSeenAt, 5000);
  roster.saveSeen(new Map([[a, 4000]]));
  assert.equal(roster.list()[0]!.lastSeenAt, 5000, 'an older time does not overwrite a newer one');
});

test('the roster holds at most its limit of entries, and the database refuses a seen-within below 5 s', (t) => {
  const db = open(t);
  const roster = new ClientRoster(db);
  for (let i = 0; i < ROSTER_LIMITS.entries; i++) assert.equal(typeof roster.add({ ...nas, name: `c${i}` }), 'number');
  assert.equal(roster.add({ ...nas, name: 'one more' }), 'full');
  assert.throws(() => db.prepare("INSERT INTO client_roster (name, user, tls, seen_within_s, created_at) VALUES ('x', 'u', 0, 4, 0)").run(), /CHECK/);
});
