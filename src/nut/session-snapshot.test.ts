import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newSession } from './session.ts';
import { snapshotSession } from './session-snapshot.ts';

test('a connection that only sent USERNAME shows no user and no upsmon part: a bare USERNAME proves nothing', () => {
  const s = newSession('192.0.2.7', 40000, 1000);
  s.username = 'nas1';
  s.password = 'secret';
  assert.deepEqual(snapshotSession(s), { address: '192.0.2.7', port: 40000, user: null, tls: false, since: 1000, ups: null, upsmon: null });
});

test('a LOGIN makes a secondary with its checked user, and PRIMARY makes it the primary', () => {
  const s = newSession('192.0.2.7', 40000, 1000);
  s.username = 'nas1';
  s.password = 'secret';
  s.tls = true;
  s.loginUps = 'ups';
  assert.deepEqual(snapshotSession(s), { address: '192.0.2.7', port: 40000, user: 'nas1', tls: true, since: 1000, ups: 'ups', upsmon: 'secondary' });
  s.primary = true;
  assert.equal(snapshotSession(s).upsmon, 'primary');
});

test('a ticket user is shown without a LOGIN, and the snapshot carries no password, exporter or AUTH state', () => {
  const s = newSession('2001:db8::1', 3493, 5);
  s.ticketUser = 'admin';
  s.password = 'never-shown';
  s.tlsExporter = new Uint8Array(32);
  const snap = snapshotSession(s);
  assert.equal(snap.user, 'admin');
  assert.equal(snap.upsmon, null);
  assert.doesNotMatch(JSON.stringify(snap), /never-shown|password|exporter|auth/i);
});
