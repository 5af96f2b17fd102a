import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RosterEntry } from '../storage/client-roster.ts';
import { describeSeconds, judge, type SessionView } from './client-rules.ts';

const entry: RosterEntry = { id: 1, name: 'NAS', user: 'nas1', address: '192.0.2.10', tls: true, seenWithinSeconds: 10, createdAt: 0, lastSeenAt: null };
const conn = (over: Partial<SessionView> = {}): SessionView => ({ address: '192.0.2.10', port: 5000, user: 'nas1', tls: true, since: 0, ups: 'ups', upsmon: 'secondary', ...over });

test('a client connected as expected is connected and not flagged, an IPv4-mapped address counting as its IPv4 one', () => {
  assert.deepEqual(judge(entry, [conn()], 1_000_000), { state: 'connected', flagged: false, problem: null });
  assert.equal(judge(entry, [conn({ address: '::ffff:192.0.2.10' })], 1_000_000).state, 'connected');
});

test('a client never seen is waiting until its time has passed since it was added, then flagged as never seen', () => {
  assert.equal(judge(entry, [], 10_000).state, 'waiting');
  const j = judge(entry, [], 10_001);
  assert.equal(j.state, 'never-seen');
  assert.equal(j.flagged, true);
  assert.match(j.problem!, /within 10 s/);
});

test('a client last seen within its time is fine, and flagged as stale once longer ago', () => {
  const seen = { ...entry, lastSeenAt: 50_000 };
  assert.equal(judge(seen, [], 60_000).state, 'seen');
  assert.equal(judge(seen, [], 60_000).flagged, false);
  assert.equal(judge(seen, [], 60_001).state, 'stale');
  assert.equal(judge(seen, [], 60_001).flagged, true);
});

test('the same user from another address, or a connection that proved no user, is not this client', () => {
  assert.equal(judge(entry, [conn({ address: '192.0.2.11' }), conn({ user: null })], 20_000).state, 'never-seen');
  assert.equal(judge({ ...entry, address: null }, [conn({ address: '198.51.100.1' })], 20_000).state, 'connected', 'no address: any');
});

test('a client that must use TLS but logs in in clear is flagged, and TLS is not asked of one that need not use it', () => {
  const j = judge(entry, [conn({ tls: false })], 1);
  assert.equal(j.state, 'not-as-expected');
  assert.equal(j.flagged, true);
  assert.match(j.problem!, /without TLS/);
  assert.equal(judge({ ...entry, tls: false }, [conn({ tls: false })], 1).state, 'connected');
});

test('times read in whole units', () => {
  assert.deepEqual([5, 90, 300, 7200, 259200].map(describeSeconds), ['5 s', '90 s', '5 min', '2 h', '3 d']);
});
