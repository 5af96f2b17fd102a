// The database-backed NUT credential check, continued (src/auth/authorizer.test.ts has the rest): the throttle in
// front of every check, and legacy client entries. The shared setting is src/auth/authorizer-harness.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DbAuthorizer, type PasswordCheck } from './authorizer.ts';
import { LoginThrottle } from './throttle.ts';
import { rolesFromUserConfig } from './roles.ts';
import { LOGIN, PRIMARY, FSD, SET, cmd, peer, logLines, setup, fakeAs, addUser } from './authorizer-harness.ts';

test('failures slow their source down exponentially; another source is not slowed', async (t) => {
  const { store, sink, events } = setup(t);
  addUser(store, 'admin', rolesFromUserConfig({ actions: ['SET'] }));
  const as = fakeAs({ admin: 'adminpass' });
  const slept: [string, number][] = [];
  let current = '';
  const auth = await DbAuthorizer.create({
    store,
    events: sink,
    check: as.check,
    throttle: new LoginThrottle({ freeFailures: 2, baseDelayMs: 10, maxDelayMs: 80 }),
    sleep: async (ms) => void slept.push([current, ms]),
  });
  for (let i = 0; i < 8; i++) {
    current = 'attacker';
    assert.equal(await auth.allowed('admin', `guess${i}`, SET, peer('10.6.6.6')), false);
  }
  current = 'user';
  assert.equal(await auth.allowed('admin', 'adminpass', SET, peer('10.0.0.7')), true);
  assert.deepEqual(slept, [
    ['attacker', 10],
    ['attacker', 20],
    ['attacker', 40],
    ['attacker', 80],
    ['attacker', 80],
    ['attacker', 80],
  ]);
  assert.equal(events.filter((e) => e.kind === 'login-throttled').length, 1);
  assert.equal(events.filter((e) => e.kind === 'login-failed').length, 8);
});

test('concurrent attempts from one source are checked one at a time; other sources run alongside', async (t) => {
  const { store } = setup(t);
  const order: string[] = [];
  // the AS call marks where each check starts; it answers a little later, as a real one does
  const check: PasswordCheck = async () => {
    order.push('check starts');
    await new Promise((resolve) => setTimeout(resolve, 20));
    return undefined;
  };
  const auth = await DbAuthorizer.create({ store, check, throttle: new LoginThrottle({ freeFailures: 1000 }) });
  const attempt = async (label: string, address: string): Promise<void> => {
    await auth.allowed('x', 'y', SET, peer(address));
    order.push(`end ${label}`);
  };
  await Promise.all([attempt('a1', '10.0.0.1'), attempt('a2', '10.0.0.1'), attempt('b1', '10.0.0.2')]);
  const starts = order.flatMap((e, i) => (e === 'check starts' ? [i] : []));
  assert.equal(starts.length, 3, order.join(', '));
  assert.ok(starts[1]! < order.indexOf('end a1'), `b1 is checked while a1 is: ${order.join(', ')}`);
  assert.ok(order.indexOf('end a1') < starts[2]!, `a2 waits for a1: ${order.join(', ')}`);
});

test('an attempt whose connection closed while it waited is dropped without a check or a count', async (t) => {
  const { store, events, sink } = setup(t);
  const as = fakeAs({ x: 'y' });
  const throttle = new LoginThrottle({ freeFailures: 0, baseDelayMs: 5, maxDelayMs: 5 });
  const p = peer('10.0.0.9');
  const auth = await DbAuthorizer.create({
    store,
    events: sink,
    check: as.check,
    throttle,
    sleep: async () => {
      p.closed = true;
    },
  });
  throttle.failure('10.0.0.9', 'x');
  const before = throttle.sourceFailures('10.0.0.9');
  assert.equal(await auth.allowed('x', 'y', SET, p), false);
  assert.equal(as.calls.length, 0, 'the AS was not asked');
  assert.equal(events.filter((e) => e.kind === 'login-failed').length, 0);
  assert.ok(throttle.sourceFailures('10.0.0.9') <= before);
});

test('a legacy client works only from its addresses, only as upsmon secondary, and every use is logged', async (t) => {
  const { store, sink, events } = setup(t);
  const from = ['192.168.1.10', '10.0.0.0/24', '::1'];
  const as = fakeAs({}, { username: 'monuser', password: 'secret', from });
  const auth = await DbAuthorizer.create({ store, events: sink, check: as.check, legacyClients: [{ username: 'monuser', from }] });
  logLines.length = 0;
  assert.equal(await auth.allowed('monuser', 'secret', LOGIN, peer('192.168.1.10', 1001)), true);
  assert.equal(await auth.allowed('monuser', 'secret', LOGIN, peer('::ffff:10.0.0.77', 1002)), true);
  assert.equal(await auth.allowed('monuser', 'secret', LOGIN, peer('::1', 1003)), true);
  const one = peer('192.168.1.10', 1004);
  for (const right of [PRIMARY, FSD, SET, cmd('load.off')]) {
    assert.equal(await auth.allowed('monuser', 'secret', right, one), false, JSON.stringify(right));
  }
  assert.equal(await auth.allowed('monuser', 'secret', LOGIN, peer('192.168.1.11', 1005)), false);
  assert.equal(await auth.allowed('monuser', 'wrong', LOGIN, peer('192.168.1.10', 1006)), false);
  assert.deepEqual(
    events.map((e) => [e.kind, e.source, e.detail]),
    [
      ['legacy-login', '192.168.1.10:1001', 'legacy client monuser (upsmon secondary only): LOGIN allowed'],
      ['legacy-login', '::ffff:10.0.0.77:1002', 'legacy client monuser (upsmon secondary only): LOGIN allowed'],
      ['legacy-login', '::1:1003', 'legacy client monuser (upsmon secondary only): LOGIN allowed'],
      ['legacy-login', '192.168.1.10:1004', 'legacy client monuser (upsmon secondary only): PRIMARY refused'],
      ['legacy-login', '192.168.1.10:1004', 'legacy client monuser (upsmon secondary only): FSD refused'],
      ['legacy-login', '192.168.1.10:1004', 'legacy client monuser (upsmon secondary only): SET refused'],
      ['legacy-login', '192.168.1.10:1004', 'legacy client monuser (upsmon secondary only): INSTCMD load.off refused'],
      ['login-failed', '192.168.1.11:1005', 'user monuser: legacy client not allowed from this address (for LOGIN)'],
      ['login-failed', '192.168.1.10:1006', 'user monuser: wrong password for a legacy client (for LOGIN)'],
    ],
  );
  assert.equal(logLines.filter((l) => / warn auth: .*legacy client monuser/.test(l)).length, 7);
  assert.equal(logLines.some((l) => l.includes('secret')), false);
  assert.equal(as.calls.length, 6, 'one AS check per connection: the four refused rights share one');
});

test('away from its addresses a legacy name is an ordinary database user, if there is one', async (t) => {
  const { store, sink } = setup(t);
  addUser(store, 'monuser', rolesFromUserConfig({ upsmon: 'primary' }));
  const from = ['192.168.1.10'];
  const as = fakeAs({ monuser: 'long-random-password' }, { username: 'monuser', password: 'secret', from });
  const auth = await DbAuthorizer.create({ store, events: sink, check: as.check, legacyClients: [{ username: 'monuser', from }] });
  assert.equal(await auth.allowed('monuser', 'secret', LOGIN, peer('192.168.1.10')), true);
  assert.equal(await auth.allowed('monuser', 'long-random-password', FSD, peer('192.168.1.10')), false);
  assert.equal(await auth.allowed('monuser', 'secret', LOGIN, peer('192.168.1.99')), false);
  assert.equal(await auth.allowed('monuser', 'long-random-password', FSD, peer('192.168.1.99')), true);
});

test('a wrong password repeated on one connection is logged each time but counted and checked once', async (t) => {
  const { store, sink, events } = setup(t);
  addUser(store, 'admin', rolesFromUserConfig({ actions: ['SET'] }));
  const as = fakeAs({ admin: 'adminpass' });
  const throttle = new LoginThrottle();
  const auth = await DbAuthorizer.create({ store, events: sink, check: as.check, throttle });
  const session = peer('10.0.0.2');
  for (let i = 0; i < 10; i++) assert.equal(await auth.allowed('admin', 'wrong', SET, session), false);
  assert.equal(Math.round(throttle.sourceFailures('10.0.0.2')), 1, 'one guess, however often it is repeated');
  assert.equal(as.calls.length, 1);
  assert.equal(events.filter((e) => e.kind === 'login-failed').length, 10);
  assert.equal(await auth.allowed('admin', 'wrong', SET, peer('10.0.0.2')), false);
  assert.equal(Math.round(throttle.sourceFailures('10.0.0.2')), 2, 'a new connection is a new guess');
  assert.equal(as.calls.length, 2);
});
