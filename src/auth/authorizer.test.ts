// The database-backed NUT credential check: every password goes to the authentication server (a fake AS here,
// built from a map of names to passwords), walnut.db decides status and roles, one AS check per connection
// while the principal is unchanged, ticket sessions (allowedUser), and the event log (never a password in it).
// The throttle and legacy client entries are in src/auth/authorizer-throttle-legacy.test.ts; the shared setting
// is src/auth/authorizer-harness.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../storage/database.ts';
import { CHECK_REUSE_MS, DbAuthorizer, type PasswordCheck } from './authorizer.ts';
import { PrincipalStore } from './principals.ts';
import { LoginThrottle } from './throttle.ts';
import { rolesFromUserConfig } from './roles.ts';
import { utf8, word, LOGIN, PRIMARY, FSD, SET, cmd, peer, logLines, setup, fakeAs, addUser } from './authorizer-harness.ts';

test('the right password gets exactly the rights the roles give', async (t) => {
  const { store, sink } = setup(t);
  addUser(store, 'admin', rolesFromUserConfig({ actions: ['SET', 'FSD'], instcmds: ['ALL'] }));
  addUser(store, 'monsec', rolesFromUserConfig({ upsmon: 'secondary' }));
  const as = fakeAs({ admin: 'adminpass', monsec: 'secret' });
  const auth = await DbAuthorizer.create({ store, events: sink, check: as.check });
  const p = peer('192.168.1.5');
  assert.equal(await auth.allowed('admin', 'adminpass', SET, p), true);
  assert.equal(await auth.allowed('admin', 'adminpass', cmd('load.off'), p), true);
  assert.equal(await auth.allowed('admin', 'adminpass', LOGIN, p), false, 'no upsmon role: no LOGIN (Appendix A)');
  assert.equal(await auth.allowed('monsec', 'secret', LOGIN, p), true);
  assert.equal(await auth.allowed('monsec', 'secret', PRIMARY, p), false);
  assert.equal(await auth.allowed('monsec', 'secret', FSD, p), false);
  assert.deepEqual(as.calls[0], { name: 'admin', password: 'adminpass', source: '192.168.1.5' }, 'the AS is given the words and the source');
});

test('a wrong password, an unknown user and a disabled user are all refused and logged as failed logins', async (t) => {
  const { store, sink, events } = setup(t);
  addUser(store, 'admin', rolesFromUserConfig({ actions: ['SET'] }));
  addUser(store, 'off', rolesFromUserConfig({ actions: ['SET'] }));
  store.setStatus(utf8('off'), 'disabled');
  const as = fakeAs({ admin: 'adminpass', off: 'offpass' });
  const auth = await DbAuthorizer.create({ store, events: sink, check: as.check });
  logLines.length = 0;
  assert.equal(await auth.allowed('admin', 'Adminpass', SET, peer('10.1.1.1', 5555)), false);
  assert.equal(await auth.allowed('nobody', 'adminpass', SET, peer('10.1.1.2', 5556)), false);
  assert.equal(await auth.allowed('off', 'offpass', SET, peer('::ffff:10.1.1.3', 5557)), false, 'the AS says yes; walnut.db says disabled');
  assert.deepEqual(
    events.map((e) => [e.kind, e.source, e.detail]),
    [
      ['login-failed', '10.1.1.1:5555', 'user admin: wrong password (for SET)'],
      ['login-failed', '10.1.1.2:5556', 'user nobody: unknown user (for SET)'],
      ['login-failed', '::ffff:10.1.1.3:5557', 'user off: user disabled (for SET)'],
    ],
  );
  assert.equal(logLines.filter((l) => / warn auth: .*failed login/.test(l)).length, 3);
  for (const text of [...logLines, ...events.map((e) => `${e.source} ${e.detail}`)]) {
    assert.equal(/Adminpass|adminpass|offpass/.test(text), false, text);
  }
});

test('every attempt is put to the AS, whatever walnut.db says of the name', async (t) => {
  const { store } = setup(t);
  addUser(store, 'admin', rolesFromUserConfig({ actions: ['SET'] }));
  addUser(store, 'off', rolesFromUserConfig({ actions: ['SET'] }));
  store.setStatus(utf8('off'), 'disabled');
  const as = fakeAs({ admin: 'adminpass', off: 'offpass' });
  const auth = await DbAuthorizer.create({ store, check: as.check, throttle: new LoginThrottle({ freeFailures: 1000 }) });
  // an unknown or disabled name costs what a wrong password costs: the AS runs the same check for each
  assert.equal(await auth.allowed('admin', 'wrong', SET, peer('10.0.0.1')), false);
  assert.equal(await auth.allowed('nobody', 'wrong', SET, peer('10.0.0.1')), false);
  assert.equal(await auth.allowed('off', 'wrong', SET, peer('::ffff:10.0.0.1')), false);
  assert.deepEqual(as.calls, [
    { name: 'admin', password: 'wrong', source: '10.0.0.1' },
    { name: 'nobody', password: 'wrong', source: '10.0.0.1' },
    { name: 'off', password: 'wrong', source: '10.0.0.1' },
  ]);
});

test('names and passwords are matched as the bytes the client sent', async (t) => {
  const { store, sink } = setup(t);
  const name = 'we ird "nâme" #1 \\';
  const password = 'p a"s#s\\wörd ✓';
  addUser(store, name, rolesFromUserConfig({ upsmon: 'secondary' }));
  const as = fakeAs({ [name]: password });
  const auth = await DbAuthorizer.create({ store, events: sink, check: as.check });
  assert.equal(await auth.allowed(word(name), word(password), LOGIN, peer('10.0.0.1')), true);
  assert.deepEqual(as.calls[0], { name, password, source: '10.0.0.1' }, 'the AS is given the UTF-8 bytes the client sent');
  // what a client that dropped the non-ASCII bytes (as upsd's tokenizer does) would present
  assert.equal(await auth.allowed(word('we ird "nme" #1 \\'), word(password), LOGIN, peer('10.0.0.1')), false);
  assert.equal(await auth.allowed(word(name), word('p a"s#s\\wrd '), LOGIN, peer('10.0.0.1')), false);
  // latin1 text is not the same bytes as UTF-8 text
  assert.equal(await auth.allowed(name, password.replace('✓', ''), LOGIN, peer('10.0.0.1')), false);
});

test('a change made through another connection applies to the very next check', async (t) => {
  const { store, sink, db, clock } = setup(t);
  const as = fakeAs({ late: 'pw' });
  const auth = await DbAuthorizer.create({ store, events: sink, check: as.check });
  const other = openDatabase(db.name.replace(/walnut\.db$/, ''), '/nonexistent-cache');
  t.after(() => other.close());
  const cli = new PrincipalStore(other, clock.now);
  const p = peer('10.0.0.1');
  assert.equal(await auth.allowed('late', 'pw', SET, p), false, 'the AS knows the name; walnut.db does not yet');
  clock.tick();
  cli.add(utf8('late'), rolesFromUserConfig({ actions: ['SET'] }));
  assert.equal(await auth.allowed('late', 'pw', SET, p), true);
  assert.equal(await auth.allowed('late', 'pw', cmd('load.off'), p), false);
  clock.tick();
  cli.setRoles(utf8('late'), { instcmds: new Set(['load.off']) });
  assert.equal(await auth.allowed('late', 'pw', cmd('load.off'), p), true);
  as.passwords.set('late', 'new');
  clock.tick();
  assert.equal(cli.passwordChanged(utf8('late')), true);
  assert.equal(await auth.allowed('late', 'pw', SET, p), false);
  assert.equal(await auth.allowed('late', 'new', SET, p), true);
  cli.remove(utf8('late'));
  assert.equal(await auth.allowed('late', 'new', SET, p), false, 'removed from walnut.db: refused whatever the AS says');
});

test('later actions on one connection reuse its check while the principal is unchanged; a password change asks again', async (t) => {
  const { store, clock } = setup(t);
  addUser(store, 'ops', rolesFromUserConfig({ upsmon: 'primary', actions: ['SET'] }));
  const as = fakeAs({ ops: 'pw' });
  const auth = await DbAuthorizer.create({ store, check: as.check });
  const session = peer('10.0.0.1');
  assert.equal(await auth.allowed('ops', 'pw', LOGIN, session), true);
  assert.equal(await auth.allowed('ops', 'pw', PRIMARY, session), true);
  assert.equal(await auth.allowed('ops', 'pw', SET, session), true);
  assert.equal(await auth.allowed('ops', 'pw', cmd('load.off'), session), false, 'refused by the roles, not by a new check');
  assert.equal(as.calls.length, 1, 'one AS check for the connection');

  // a password changed at the AS alone leaves the open connection's check standing ...
  as.passwords.set('ops', 'new');
  assert.equal(await auth.allowed('ops', 'pw', SET, session), true);
  assert.equal(as.calls.length, 1);
  // ... until walnut.db records the change (what `walnut user passwd` does): then the AS is asked again
  clock.tick();
  assert.equal(store.passwordChanged(utf8('ops')), true);
  assert.equal(await auth.allowed('ops', 'pw', SET, session), false, 'a new password applies to the open connection');
  assert.equal(as.calls.length, 2);
  assert.equal(await auth.allowed('ops', 'pw', LOGIN, session), false);
  assert.equal(as.calls.length, 2, 'the refusal is reused too, while nothing changes');

  const other = peer('10.0.0.2');
  assert.equal(await auth.allowed('ops', 'new', SET, other), true);
  assert.equal(await auth.allowed('ops', 'new', LOGIN, other), true);
  assert.equal(as.calls.length, 3, 'a new connection is checked once of its own');
  clock.tick();
  store.passwordChanged(utf8('ops')); // the same password set again still means a fresh check
  assert.equal(await auth.allowed('ops', 'new', SET, other), true);
  assert.equal(as.calls.length, 4);
  assert.equal(store.passwordChanged(utf8('nobody')), false);
});

test('a connection\'s check is reused for a minute at most: a password changed at the AS alone then stops working', async (t) => {
  const { store, clock } = setup(t);
  addUser(store, 'ops', rolesFromUserConfig({ upsmon: 'primary', actions: ['SET'] }));
  const as = fakeAs({ ops: 'pw' });
  const auth = await DbAuthorizer.create({ store, check: as.check, now: clock.now });
  const session = peer('10.0.0.1');
  assert.equal(await auth.allowed('ops', 'pw', LOGIN, session), true);
  as.passwords.set('ops', 'changed by walnut passwd'); // at the AS; walnut.db never hears of it
  clock.tick(CHECK_REUSE_MS - 1);
  assert.equal(await auth.allowed('ops', 'pw', SET, session), true, 'still within the minute');
  assert.equal(as.calls.length, 1);
  clock.tick(1);
  assert.equal(await auth.allowed('ops', 'pw', SET, session), false, 'checked again after it');
  assert.equal(as.calls.length, 2);
});

test('status and roles are read on every action of an open connection', async (t) => {
  const { store, sink, events, clock } = setup(t);
  addUser(store, 'ops', rolesFromUserConfig({ upsmon: 'secondary' }));
  const as = fakeAs({ ops: 'pw' });
  const auth = await DbAuthorizer.create({ store, events: sink, check: as.check });
  const session = peer('10.0.0.1');
  assert.equal(await auth.allowed('ops', 'pw', LOGIN, session), true);
  assert.equal(await auth.allowed('ops', 'pw', PRIMARY, session), false);
  clock.tick();
  store.setRoles(utf8('ops'), { upsmon: 'primary' });
  assert.equal(await auth.allowed('ops', 'pw', PRIMARY, session), true, 'a grant applies to the open connection');
  clock.tick();
  store.setStatus(utf8('ops'), 'disabled');
  assert.equal(await auth.allowed('ops', 'pw', LOGIN, session), false, 'disabling applies to the open connection');
  clock.tick();
  store.setStatus(utf8('ops'), 'active');
  assert.equal(await auth.allowed('ops', 'pw', LOGIN, session), true);
  store.remove(utf8('ops'));
  assert.equal(await auth.allowed('ops', 'pw', LOGIN, session), false, 'removing applies to the open connection');
  assert.equal(events.filter((e) => e.kind === 'login-failed').length, 2);
});

test('an AS that cannot be reached is a refusal, and the connection is checked again once it answers', async (t) => {
  const { store } = setup(t);
  addUser(store, 'admin', rolesFromUserConfig({ actions: ['SET'] }));
  const as = fakeAs({ admin: 'adminpass' });
  let reachable = false;
  let calls = 0;
  const check: PasswordCheck = async (name, password, source) => {
    calls++;
    if (!reachable) throw new Error('connect ENOENT /run/walnut/authsrv.sock');
    return as.check(name, password, source);
  };
  const throttle = new LoginThrottle();
  const auth = await DbAuthorizer.create({ store, check, throttle });
  const session = peer('10.0.0.3');
  logLines.length = 0;
  assert.equal(await auth.allowed('admin', 'adminpass', SET, session), false);
  assert.equal(calls, 1);
  assert.ok(logLines.some((l) => / error auth: .*cannot check a password: connect ENOENT/.test(l)), logLines.join('\n'));
  assert.equal(logLines.some((l) => l.includes('adminpass')), false);
  assert.equal(throttle.sourceFailures('10.0.0.3'), 0, 'an outage is not a guess');
  reachable = true;
  assert.equal(await auth.allowed('admin', 'adminpass', SET, session), true, 'no answer is not remembered as a refusal');
  assert.equal(calls, 2);
});

test('an answer from the AS that names another user than the one asked is a refusal', async (t) => {
  const { store, sink, events } = setup(t);
  addUser(store, 'admin', rolesFromUserConfig({ actions: ['SET', 'FSD'] }));
  addUser(store, 'ops', rolesFromUserConfig({ actions: ['SET'] }));
  addUser(store, 'adm', rolesFromUserConfig({ actions: ['SET'] }));
  let calls = 0;
  const check: PasswordCheck = async () => {
    calls++;
    return new Uint8Array(utf8('admin'));
  };
  const auth = await DbAuthorizer.create({ store, events: sink, check });
  const session = peer('10.0.0.4');
  assert.equal(await auth.allowed('ops', 'pw', SET, session), false);
  assert.equal(await auth.allowed('ops', 'pw', FSD, session), false, 'and never the named user\u2019s rights');
  assert.equal(calls, 1);
  assert.equal(await auth.allowed('adm', 'pw', SET, peer('10.0.0.4')), false, 'not a prefix either');
  assert.deepEqual(
    events.map((e) => e.detail),
    ['user ops: wrong password (for SET)', 'user ops: wrong password (for FSD)', 'user adm: wrong password (for SET)'],
  );
  assert.equal(await auth.allowed('admin', 'pw', SET, peer('10.0.0.4')), true, 'the named user itself is accepted');
});

test('a ticket user gets what its roles give; a disabled, unknown or legacy name gets nothing', async (t) => {
  const { store, clock } = setup(t);
  addUser(store, 'ops', rolesFromUserConfig({ upsmon: 'secondary', instcmds: ['load.off'] }));
  addUser(store, 'off', rolesFromUserConfig({ upsmon: 'primary', actions: ['SET'] }));
  store.setStatus(utf8('off'), 'disabled');
  addUser(store, 'nas', rolesFromUserConfig({ upsmon: 'primary' }));
  let calls = 0;
  const check: PasswordCheck = async () => {
    calls++;
    return undefined;
  };
  const auth = await DbAuthorizer.create({
    store,
    check,
    legacyClients: [
      { username: 'monuser', from: ['192.168.1.10'] },
      { username: 'nas', from: ['192.168.1.20'] },
    ],
  });
  const p = peer('192.168.1.10');
  assert.equal(auth.allowedUser('ops', LOGIN, p), true);
  assert.equal(auth.allowedUser('ops', cmd('load.off'), p), true);
  assert.equal(auth.allowedUser('ops', PRIMARY, p), false);
  assert.equal(auth.allowedUser('ops', SET, p), false);
  clock.tick();
  store.setRoles(utf8('ops'), { actions: new Set(['set']) });
  assert.equal(auth.allowedUser('ops', SET, p), true, 'roles are read every time');
  assert.equal(auth.allowedUser('off', LOGIN, p), false);
  assert.equal(auth.allowedUser('off', SET, p), false);
  assert.equal(auth.allowedUser('nobody', LOGIN, p), false);
  assert.equal(auth.allowedUser('monuser', LOGIN, p), false, 'a legacy entry never holds a ticket');
  assert.equal(auth.allowedUser('monuser', LOGIN, peer('10.9.9.9')), false);
  assert.equal(auth.allowedUser('nas', LOGIN, peer('192.168.1.20')), false, 'from its addresses the name is the legacy entry');
  assert.equal(auth.allowedUser('nas', PRIMARY, peer('10.9.9.9')), true, 'elsewhere it is the database user');
  clock.tick();
  store.setStatus(utf8('ops'), 'disabled');
  assert.equal(auth.allowedUser('ops', LOGIN, p), false, 'disabling applies to a ticket session at once');
  assert.equal(calls, 0, 'a ticket session never asks for a password check');
});
