import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionTable, sessionCookie, sessionIdFrom } from './sessions.ts';

const table = (now: { t: number }, maxSessions = 4) => new SessionTable({ idleMs: 1000, maxMs: 5000, maxSessions, now: () => now.t });

test('a session is found by its id until it sits idle past the idle timeout', () => {
  const now = { t: 0 };
  const t = table(now);
  const s = t.create('admin', 'admin');
  now.t = 900;
  assert.equal(t.get(s.id), s);
  now.t = 1800; // 900 ms after the last use: still alive
  assert.equal(t.get(s.id), s);
  now.t = 2800;
  assert.equal(t.get(s.id), undefined);
  assert.equal(t.size, 0);
});

test('a session in constant use still ends at the absolute timeout', () => {
  const now = { t: 0 };
  const t = table(now);
  const s = t.create('viewer1', 'viewer');
  for (now.t = 500; now.t < 5000; now.t += 500) assert.ok(t.get(s.id));
  now.t = 5000;
  assert.equal(t.get(s.id), undefined);
});

test('when the table is full the oldest login goes first', () => {
  const now = { t: 0 };
  const t = table(now, 2);
  const a = t.create('a', 'viewer');
  const b = t.create('b', 'viewer');
  const c = t.create('c', 'viewer');
  assert.equal(t.get(a.id), undefined);
  assert.ok(t.get(b.id) && t.get(c.id));
});

test('the token is checked exactly; ids and tokens are 256-bit and differ per session', () => {
  const t = table({ t: 0 });
  const s = t.create('admin', 'admin');
  const other = t.create('admin', 'admin');
  assert.equal(s.id.length, 43);
  assert.notEqual(s.id, other.id);
  assert.notEqual(s.token, other.token);
  assert.equal(t.tokenMatches(s, s.token), true);
  assert.equal(t.tokenMatches(s, other.token), false);
  assert.equal(t.tokenMatches(s, undefined), false);
  assert.equal(t.tokenMatches(s, s.token.slice(1)), false);
});

test('ending a user ends all their sessions and no one else\'s', () => {
  const t = table({ t: 0 });
  const a1 = t.create('alice', 'operator');
  const a2 = t.create('alice', 'operator');
  const b = t.create('bob', 'viewer');
  t.destroyUser('alice');
  assert.deepEqual([t.get(a1.id), t.get(a2.id), t.get(b.id)?.user], [undefined, undefined, 'bob']);
});

test('ending a user\'s sessions can keep the one that changed its own password', () => {
  const t = table({ t: 0 });
  const here = t.create('alice', 'viewer');
  const there = t.create('alice', 'viewer');
  t.destroyUser('alice', here.id);
  assert.equal(t.get(here.id), here);
  assert.equal(t.get(there.id), undefined);
});

test('the cookie is __Host-, Secure, HttpOnly and SameSite=Strict, and only a well-formed value of that name is read', () => {
  assert.equal(sessionCookie('x', 60), '__Host-walnut=x; Max-Age=60; Path=/; Secure; HttpOnly; SameSite=Strict');
  const id = 'A'.repeat(43);
  assert.equal(sessionIdFrom(`a=b; __Host-walnut=${id}; c=d`), id);
  assert.equal(sessionIdFrom(`walnut=${id}`), undefined);
  assert.equal(sessionIdFrom(`__Host-walnut=${id}x`), undefined);
  assert.equal(sessionIdFrom('__Host-walnut=../../etc'), undefined);
  assert.equal(sessionIdFrom(undefined), undefined);
});
