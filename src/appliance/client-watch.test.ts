// The roster's watch over a real walnut.db and a list of connections the test changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionSnapshot } from '../nut/session-snapshot.ts';
import { ClientRoster } from '../storage/client-roster.ts';
import { openDatabase } from '../storage/database.ts';
import { logger } from '../util/log.ts';
import { ClientWatch } from './client-watch.ts';

function setup(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-watch-'));
  const db = openDatabase(join(dir, 'data'), join(dir, 'cache'));
  t.after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const roster = new ClientRoster(db);
  const conns: SessionSnapshot[] = [];
  const events: string[] = [];
  const watch = new ClientWatch({ roster, sessions: () => conns, events: { record: (k, _s, d) => void events.push(`${k} ${d}`) }, log: logger('test') });
  return { roster, conns, events, watch };
}

const upsmon: SessionSnapshot = { address: '127.0.0.1', port: 4000, user: 'nas1', tls: true, since: 0, ups: 'ups', upsmon: 'secondary' };

test('a connected client is seen at each check, flagged once it has been gone longer than its time, and fine again when back', (t) => {
  const { roster, conns, events, watch } = setup(t);
  const id = watch.add({ name: 'NAS', user: 'nas1', address: '127.0.0.1', tls: true, seenWithinSeconds: 5 }) as number;
  conns.push(upsmon);
  watch.check(10_000);
  assert.equal(watch.roster()[0]!.lastSeenAt, 10_000);
  assert.equal(roster.list()[0]!.lastSeenAt, null, 'not written on each check');
  conns.length = 0;
  watch.check(15_000);
  assert.deepEqual(events, []);
  watch.check(15_001);
  watch.check(17_000);
  assert.deepEqual(events, ['client-flagged "NAS" not seen for longer than 5 s'], 'one event per change, not per check');
  conns.push(upsmon);
  watch.check(18_000);
  assert.deepEqual(events.slice(1), ['client-ok "NAS" logs in as expected again']);
  watch.stop();
  assert.equal(roster.list().find((e) => e.id === id)!.lastSeenAt, 18_000, 'stop writes what is in memory');
});

test('a login between two checks counts as seen; a clear login of a TLS client does not', (t) => {
  const { watch } = setup(t);
  watch.add({ name: 'NAS', user: 'nas1', address: null, tls: true, seenWithinSeconds: 5 });
  watch.noteLogin({ ...upsmon, tls: false }, 500);
  assert.equal(watch.roster()[0]!.lastSeenAt, null);
  watch.noteLogin(upsmon, 1000);
  assert.equal(watch.roster()[0]!.lastSeenAt, 1000);
});
