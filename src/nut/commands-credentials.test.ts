// The command handlers against docs/nut-protocol.md §2.1, §2.3 and Appendix A's login sections: USERNAME,
// PASSWORD, LOGIN, PRIMARY/MASTER and FSD, the rights each user's roles give, and an authorizer that answers
// asynchronously. The setting (NutServer's CommandContext, UPS models, users) is src/nut/commands-harness.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Authorizer, Right } from '../auth/rights.ts';
import { USERS, AppendixUsers, harness, ask, answer, converse, as } from './commands-harness.ts';

// ---------------------------------------------------------------------------------------------------------
// Credentials (§2.1, §2.3) and Appendix A's login sections

test('every command that needs a login asks for USERNAME first, whatever its arguments', async () => {
  const h = harness();
  const s = h.connect();
  for (const line of [
    'LOGIN myups',
    'LOGIN',
    'LOGIN a b c',
    'PRIMARY myups',
    'PRIMARY',
    'MASTER myups',
    'FSD myups',
    'FSD',
    'SET VAR myups ups.id x',
    'SET',
    'SET TRACKING ON',
    'SET FOO',
    'INSTCMD myups load.off',
    'INSTCMD',
    'INSTCMD nosuch nosuch',
  ]) {
    assert.deepEqual(await ask(h.ctx, s, line), ['ERR USERNAME-REQUIRED'], line);
  }
  assert.deepEqual(h.control.calls, []);
});

test('after USERNAME alone, every command that needs a login asks for PASSWORD, whatever its arguments', async () => {
  const h = harness();
  const s = h.connect();
  assert.deepEqual(await ask(h.ctx, s, 'USERNAME admin'), ['OK']);
  for (const line of ['LOGIN myups', 'LOGIN', 'PRIMARY myups', 'MASTER', 'FSD myups', 'SET VAR myups ups.id x', 'SET', 'SET TRACKING ON', 'INSTCMD myups load.off', 'INSTCMD']) {
    assert.deepEqual(await ask(h.ctx, s, line), ['ERR PASSWORD-REQUIRED'], line);
  }
  assert.deepEqual(h.control.calls, []);
});

test('PASSWORD without USERNAME still leaves USERNAME required', async () => {
  const h = harness();
  await converse(h.ctx, h.connect(), [
    ['PASSWORD adminpass', 'OK'],
    ['LOGIN myups', 'ERR USERNAME-REQUIRED'],
    ['SET VAR myups ups.id x', 'ERR USERNAME-REQUIRED'],
  ]);
});

test('Appendix A: a wrong password is only reported when an action is attempted', async () => {
  const h = harness();
  await converse(h.ctx, h.connect(), [
    ['USERNAME admin', 'OK'],
    ['PASSWORD wrong', 'OK'],
    ['LOGIN myups', 'ERR ACCESS-DENIED'],
    ['SET VAR myups ups.id x', 'ERR ACCESS-DENIED'],
    ['USERNAME other', 'ERR ALREADY-SET-USERNAME'],
  ]);
  assert.deepEqual(h.control.calls, []);
});

test('USERNAME and PASSWORD take exactly one argument, accept anything, and are set once per connection', async () => {
  const h = harness();
  const s = h.connect();
  await converse(h.ctx, s, [
    ['USERNAME', 'ERR INVALID-ARGUMENT'],
    ['USERNAME a b', 'ERR INVALID-ARGUMENT'],
    ['PASSWORD', 'ERR INVALID-ARGUMENT'],
    ['PASSWORD "two words" extra', 'ERR INVALID-ARGUMENT'],
    ['USERNAME nobody-configured', 'OK'],
    ['USERNAME nobody-configured', 'ERR ALREADY-SET-USERNAME'],
    ['PASSWORD "pass with spaces"', 'OK'],
    ['PASSWORD again', 'ERR ALREADY-SET-PASSWORD'],
  ]);
  assert.equal(s.username, 'nobody-configured');
  assert.equal(s.password, 'pass with spaces');
});

test('Appendix A: admin (SET, FSD, instcmds ALL, no upsmon role) may set and run commands but not log in', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  await converse(h.ctx, s, [
    ['LOGIN myups', 'ERR ACCESS-DENIED'],
    ['PRIMARY myups', 'ERR ACCESS-DENIED'],
    ['SET VAR myups ups.id NewId', 'OK'],
    ['SET VAR myups ups.id "12345678901234567"', 'ERR TOO-LONG'],
    ['SET VAR myups ups.id', 'ERR INVALID-ARGUMENT'],
    ['INSTCMD myups load.off 5', 'OK'],
    ['INSTCMD myups nosuch.cmd', 'ERR CMD-NOT-SUPPORTED'],
    ['INSTCMD myups', 'ERR INVALID-ARGUMENT'],
    ['FSD', 'ERR INVALID-ARGUMENT'],
    ['LOGOUT', 'OK Goodbye'],
  ]);
  assert.deepEqual(h.control.calls, ['set ups.id=NewId', 'cmd load.off 5']);
  assert.equal(s.loginUps, undefined);
});

test('Appendix A: upsmon primary and secondary roles, NUMLOGINS and the FSD latch', async () => {
  const h = harness();
  const a = await as(h, 'monprimary', 'primpass');
  const b = await as(h, 'monsec', 'secret');
  const c = await as(h, 'monsec', 'secret', '::1');
  await converse(h.ctx, a, [
    ['LOGIN myups', 'OK'],
    ['PRIMARY myups', 'OK PRIMARY-GRANTED'],
    ['MASTER myups', 'OK MASTER-GRANTED'],
    ['LOGIN second', 'ERR ALREADY-LOGGED-IN'],
  ]);
  await converse(h.ctx, b, [
    ['LOGIN MYUPS', 'OK'],
    ['PRIMARY myups', 'ERR ACCESS-DENIED'],
    ['FSD myups', 'ERR ACCESS-DENIED'],
  ]);
  await converse(h.ctx, c, [['LOGIN myups', 'OK']]);
  await converse(h.ctx, a, [
    ['GET NUMLOGINS myups', 'NUMLOGINS myups 3'],
    ['FSD myups', 'OK FSD-SET'],
  ]);
  await converse(h.ctx, b, [['GET VAR myups ups.status', 'VAR myups ups.status "FSD OL"']]);
  // the login is recorded under the canonical name, whatever spelling LOGIN used
  assert.equal(b.loginUps, 'myups');
  assert.equal(h.myups.fsd, true);
  assert.equal(h.second.fsd, false);
});

test('LOGIN checks, in order: credentials, argument count, an earlier LOGIN, the UPS name, then the right', async () => {
  const h = harness();
  const wrong = await as(h, 'monsec', 'wrong');
  await converse(h.ctx, wrong, [
    ['LOGIN', 'ERR INVALID-ARGUMENT'],
    ['LOGIN myups extra', 'ERR INVALID-ARGUMENT'],
    ['LOGIN nosuch', 'ERR UNKNOWN-UPS'], // before ACCESS-DENIED
    ['LOGIN myups', 'ERR ACCESS-DENIED'],
  ]);
  const ok = await as(h, 'monsec', 'secret');
  await converse(h.ctx, ok, [
    ['LOGIN second', 'OK'],
    ['LOGIN second', 'ERR ALREADY-LOGGED-IN'],
    ['LOGIN nosuch', 'ERR ALREADY-LOGGED-IN'], // before UNKNOWN-UPS
    ['LOGIN', 'ERR INVALID-ARGUMENT'], // the count comes before ALREADY-LOGGED-IN
  ]);
});

test('a denied LOGIN is audited and does not count as a login', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  assert.deepEqual(await ask(h.ctx, s, 'LOGIN myups'), ['ERR ACCESS-DENIED']);
  assert.equal(s.loginUps, undefined);
  assert.deepEqual(await ask(h.ctx, h.connect(), 'GET NUMLOGINS myups'), ['NUMLOGINS myups 0']);
  assert.deepEqual(
    h.audits.map((e) => ({ kind: e.kind, ups: 'ups' in e ? e.ups : undefined, command: 'command' in e ? e.command : undefined })),
    [{ kind: 'denied', ups: 'myups', command: 'LOGIN' }],
  );
});

test('PRIMARY and MASTER need no LOGIN first and change no state', async () => {
  const h = harness();
  const s = await as(h, 'monprimary', 'primpass');
  await converse(h.ctx, s, [
    ['MASTER second', 'OK MASTER-GRANTED'],
    ['primary SECOND', 'OK PRIMARY-GRANTED'],
    ['PRIMARY', 'ERR INVALID-ARGUMENT'],
    ['MASTER a b', 'ERR INVALID-ARGUMENT'],
    ['PRIMARY nosuch', 'ERR UNKNOWN-UPS'],
  ]);
  assert.equal(s.loginUps, undefined);
  assert.equal(h.second.fsd, false);
  const wrong = await as(h, 'monprimary', 'nope');
  assert.deepEqual(await ask(h.ctx, wrong, 'PRIMARY nosuch'), ['ERR UNKNOWN-UPS']); // before ACCESS-DENIED
  assert.deepEqual(await ask(h.ctx, wrong, 'MASTER myups'), ['ERR ACCESS-DENIED']);
});

test('FSD checks credentials, argument count, the UPS name, then the fsd right', async () => {
  const h = harness();
  const wrong = await as(h, 'monprimary', 'nope');
  await converse(h.ctx, wrong, [
    ['FSD', 'ERR INVALID-ARGUMENT'],
    ['FSD a b', 'ERR INVALID-ARGUMENT'],
    ['FSD nosuch', 'ERR UNKNOWN-UPS'],
    ['FSD myups', 'ERR ACCESS-DENIED'],
  ]);
  assert.equal(h.myups.fsd, false);
  const admin = await as(h, 'admin', 'adminpass'); // actions FSD
  assert.deepEqual(await ask(h.ctx, admin, 'FSD Second'), ['OK FSD-SET']);
  assert.equal(h.second.fsd, true);
  assert.ok(h.audits.some((e) => e.kind === 'fsd' && e.ups === 'second'));
});

test('FSD is a latch: a second FSD is still OK and the prefix stays', async () => {
  const h = harness();
  const s = await as(h, 'monprimary', 'primpass');
  await converse(h.ctx, s, [
    ['FSD second', 'OK FSD-SET'],
    ['FSD second', 'OK FSD-SET'],
    ['GET VAR second ups.status', 'VAR second ups.status "FSD OB LB"'],
  ]);
});

// ---------------------------------------------------------------------------------------------------------
// An authorizer that answers asynchronously (the Authorizer interface allows it)

test('an authorizer that answers later gives the same replies as one that answers at once', async () => {
  const users = new AppendixUsers(USERS);
  const later: Authorizer = {
    allowed: (u: string, p: string, right: Right) => new Promise<boolean>((resolve) => setImmediate(() => resolve(users.allowed(u, p, right)))),
  };
  const h = harness({ authorizer: later });
  const admin = await as(h, 'admin', 'adminpass');
  const prim = await as(h, 'monprimary', 'primpass');
  await converse(h.ctx, admin, [
    ['LOGIN myups', 'ERR ACCESS-DENIED'],
    ['SET VAR myups ups.id Later', 'OK'],
    ['SET VAR myups nosuch.var x', 'ERR VAR-NOT-SUPPORTED'],
    ['INSTCMD myups load.off', 'OK'],
  ]);
  await converse(h.ctx, prim, [
    ['LOGIN myups', 'OK'],
    ['PRIMARY myups', 'OK PRIMARY-GRANTED'],
    ['FSD myups', 'OK FSD-SET'],
    ['SET VAR myups ups.id x', 'ERR ACCESS-DENIED'],
  ]);
  assert.equal(prim.loginUps, 'myups');
  assert.deepEqual(h.control.calls, ['set ups.id=Later', 'cmd load.off']);
});

test('a LOGIN whose credential check ends after its connection closed does not count in NUMLOGINS', async () => {
  let release: (ok: boolean) => void = () => undefined;
  const later: Authorizer = { allowed: () => new Promise<boolean>((resolve) => (release = resolve)) };
  const h = harness({ authorizer: later });
  const monsec = await as(h, 'monsec', 'secret');
  const pending = answer(h.ctx, monsec, ['LOGIN', 'myups']);
  monsec.closed = true; // the server marks a session closed when its connection goes (server.ts forget)
  release(true);
  await pending;
  assert.equal(h.ctx.logins('myups').length, 0);
  assert.deepEqual(await ask(h.ctx, h.connect(), 'GET NUMLOGINS myups'), ['NUMLOGINS myups 0']);
});
