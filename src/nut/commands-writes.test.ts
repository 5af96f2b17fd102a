// The command handlers against docs/nut-protocol.md §2.5, §2.7 and §2.8: SET VAR, INSTCMD and tracking, with a
// recording device that succeeds, refuses, fails at once or holds its answer. The setting (NutServer's
// CommandContext, UPS models, users) is src/nut/commands-harness.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, ask, converse, as, settle, trackingId } from './commands-harness.ts';

// ---------------------------------------------------------------------------------------------------------
// SET VAR (§2.7)

test('SET and SET VAR argument errors', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  await converse(h.ctx, s, [
    ['SET', 'ERR INVALID-ARGUMENT'],
    ['SET FOO', 'ERR INVALID-ARGUMENT'],
    ['SET FOO bar', 'ERR INVALID-ARGUMENT'],
    ['SET VAR', 'ERR INVALID-ARGUMENT'],
    ['SET VAR myups', 'ERR INVALID-ARGUMENT'],
    ['SET VAR myups ups.id', 'ERR INVALID-ARGUMENT'],
    ['SET VAR nosuch ups.id x', 'ERR UNKNOWN-UPS'],
  ]);
});

test('SET VAR checks the right before the variable: ACCESS-DENIED comes before VAR-NOT-SUPPORTED', async () => {
  const h = harness();
  const noSet = await as(h, 'monsec', 'secret');
  const wrong = await as(h, 'admin', 'wrong');
  const setonly = await as(h, 'setonly', 'setpass');
  assert.deepEqual(await ask(h.ctx, noSet, 'SET VAR myups nosuch.var x'), ['ERR ACCESS-DENIED']);
  assert.deepEqual(await ask(h.ctx, wrong, 'SET VAR myups nosuch.var x'), ['ERR ACCESS-DENIED']);
  assert.deepEqual(await ask(h.ctx, noSet, 'SET VAR myups ups.mfr x'), ['ERR ACCESS-DENIED']);
  assert.deepEqual(await ask(h.ctx, setonly, 'SET VAR myups nosuch.var x'), ['ERR VAR-NOT-SUPPORTED']);
  assert.deepEqual(await ask(h.ctx, setonly, 'SET VAR myups ups.id Fine'), ['OK']);
  assert.deepEqual(h.control.calls, ['set ups.id=Fine']);
  assert.deepEqual(
    h.audits.filter((e) => e.kind === 'denied').map((e) => (e.kind === 'denied' ? e.command : '')),
    ['SET VAR', 'SET VAR', 'SET VAR'],
  );
});

test('SET VAR value checks come in spec order: READONLY, SET-FAILED for no room, TOO-LONG, then INVALID-VALUE', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  await converse(h.ctx, s, [
    ['SET VAR myups nosuch.var x', 'ERR VAR-NOT-SUPPORTED'],
    ['SET VAR myups ups.mfr "a value far too long for anything"', 'ERR READONLY'],
    ['SET VAR myups ups.status OB', 'ERR READONLY'],
    ['SET VAR myups device.location x', 'ERR SET-FAILED'],
    ['SET VAR myups device.location ""', 'ERR SET-FAILED'],
    ['SET VAR myups input.sensitivity veryveryhigh', 'ERR TOO-LONG'], // 12 > 10, and not in the enum either
    ['SET VAR myups input.sensitivity extreme', 'ERR INVALID-VALUE'],
  ]);
  assert.deepEqual(h.control.calls, []);
});

test('SET VAR of a string accepts exactly its maximum length', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  await converse(h.ctx, s, [
    ['SET VAR myups ups.id "1234567890123456"', 'OK'],
    ['SET VAR myups ups.id "Hello World"', 'OK'],
    ['SET VAR myups ups.id ""', 'OK'],
  ]);
  assert.deepEqual(h.control.calls, ['set ups.id=1234567890123456', 'set ups.id=Hello World', 'set ups.id=']);
});

test('SET VAR of an ENUM variable needs an exact, case-sensitive match', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  await converse(h.ctx, s, [
    ['SET VAR myups input.sensitivity low', 'OK'],
    ['SET VAR myups input.sensitivity LOW', 'ERR INVALID-VALUE'],
    ['SET VAR myups input.sensitivity " low"', 'ERR INVALID-VALUE'],
    ['SET VAR myups input.frequency.nominal 60', 'OK'],
    ['SET VAR myups input.frequency.nominal 55', 'ERR INVALID-VALUE'], // in range, not in the enum
  ]);
  assert.deepEqual(h.control.calls, ['set input.sensitivity=low', 'set input.frequency.nominal=60']);
});

test('SET VAR of a RANGE variable reads the value as atoi() does and needs it inside some range', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  const cases: [string, string][] = [
    ['80', 'OK'],
    ['100', 'OK'],
    ['115', 'OK'],
    ['95.9', 'OK'], // atoi: 95
    ['79', 'ERR INVALID-VALUE'],
    ['105', 'ERR INVALID-VALUE'],
    ['121', 'ERR INVALID-VALUE'],
  ];
  for (const [value, reply] of cases) {
    assert.deepEqual(await ask(h.ctx, s, `SET VAR myups input.transfer.low ${value}`), [reply], value);
  }
  // a string variable with a range (usbhid-ups declares RW variables as STRING:10): atoi semantics
  const stringCases: [string, string][] = [
    ['"20 s"', 'OK'], // atoi: 20
    ['" +30"', 'OK'],
    ['abc', 'OK'], // atoi: 0, which is in 0..600
    ['600', 'OK'],
    ['601', 'ERR INVALID-VALUE'],
    ['-1', 'ERR INVALID-VALUE'],
  ];
  for (const [value, reply] of stringCases) {
    assert.deepEqual(await ask(h.ctx, s, `SET VAR myups ups.delay.shutdown ${value}`), [reply], value);
  }
});

test('SET VAR of a non-number to a NUMBER variable is INVALID-VALUE (walnut checks what upsd hands to the driver)', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  for (const value of ['abc', '""', '12abc', '"1 2"', '0x10', '.']) {
    assert.deepEqual(await ask(h.ctx, s, `SET VAR myups battery.charge ${value}`), ['ERR INVALID-VALUE'], value);
  }
  for (const value of ['95', '-5', '+7', '9.5', '.5', '" 42 "']) {
    assert.deepEqual(await ask(h.ctx, s, `SET VAR myups battery.charge ${value}`), ['OK'], value);
  }
});

test('SET VAR hands the canonical variable name and the value to the device, and ignores extra words', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  await converse(h.ctx, s, [
    ['set var MYUPS UPS.ID NewId', 'OK'],
    ['SET VAR myups ups.id first second', 'OK'],
  ]);
  assert.deepEqual(h.control.calls, ['set ups.id=NewId', 'set ups.id=first']);
  assert.deepEqual(
    h.audits.map((e) => (e.kind === 'set' ? `${e.ups} ${e.variable}=${e.value}` : e.kind)),
    ['myups ups.id=NewId', 'myups ups.id=first'],
  );
});

test('SET VAR without a way to reach the device, or when the device fails at once, is SET-FAILED', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  h.control.mode = 'throw';
  assert.deepEqual(await ask(h.ctx, s, 'SET VAR myups ups.id x'), ['ERR SET-FAILED']);
  h.myups.control = undefined;
  assert.deepEqual(await ask(h.ctx, s, 'SET VAR myups ups.id y'), ['ERR SET-FAILED']);
  assert.deepEqual(h.control.calls, ['set ups.id=x']);
});

test('SET VAR is OK once handed over, even when the device refuses later', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  h.control.mode = 'reject';
  assert.deepEqual(await ask(h.ctx, s, 'SET VAR myups ups.id x'), ['OK']);
  await settle(); // a rejection nobody handled would fail this test
  assert.deepEqual(h.control.calls, ['set ups.id=x']);
});

// ---------------------------------------------------------------------------------------------------------
// INSTCMD (§2.8)

test('INSTCMD checks, in order: argument count, UPS, CMD-NOT-SUPPORTED, then ACCESS-DENIED', async () => {
  const h = harness();
  const wrong = await as(h, 'admin', 'wrong');
  await converse(h.ctx, wrong, [
    ['INSTCMD', 'ERR INVALID-ARGUMENT'],
    ['INSTCMD myups', 'ERR INVALID-ARGUMENT'],
    ['INSTCMD nosuch load.off', 'ERR UNKNOWN-UPS'],
    ['INSTCMD myups nosuch.cmd', 'ERR CMD-NOT-SUPPORTED'], // before ACCESS-DENIED
    ['INSTCMD myups load.off', 'ERR ACCESS-DENIED'],
  ]);
  assert.deepEqual(h.control.calls, []);
});

test('INSTCMD needs the command in the user\'s instcmds, matched case-insensitively, or ALL', async () => {
  const h = harness();
  const setonly = await as(h, 'setonly', 'setpass');
  const monprimary = await as(h, 'monprimary', 'primpass');
  await converse(h.ctx, setonly, [
    ['INSTCMD myups TEST.BATTERY.START', 'OK'],
    ['INSTCMD myups load.off', 'ERR ACCESS-DENIED'],
  ]);
  await converse(h.ctx, monprimary, [['INSTCMD myups test.battery.start', 'ERR ACCESS-DENIED']]);
  const admin = await as(h, 'admin', 'adminpass');
  await converse(h.ctx, admin, [['INSTCMD myups beeper.toggle', 'OK']]);
  assert.deepEqual(h.control.calls, ['cmd test.battery.start', 'cmd beeper.toggle']);
});

test('INSTCMD passes a parameter only when there are exactly three arguments', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  await converse(h.ctx, s, [
    ['INSTCMD myups load.off 5', 'OK'],
    ['INSTCMD MYUPS LOAD.OFF 10', 'OK'],
    ['INSTCMD myups load.off', 'OK'],
    ['INSTCMD myups load.off a b', 'OK'],
    ['INSTCMD myups load.off "two words"', 'OK'],
  ]);
  assert.deepEqual(h.control.calls, ['cmd load.off 5', 'cmd load.off 10', 'cmd load.off', 'cmd load.off', 'cmd load.off two words']);
  assert.deepEqual(
    h.audits.map((e) => (e.kind === 'instcmd' ? `${e.ups} ${e.command} ${String(e.parameter)}` : e.kind)),
    ['myups load.off 5', 'myups load.off 10', 'myups load.off undefined', 'myups load.off undefined', 'myups load.off two words'],
  );
});

test('INSTCMD without a way to reach the device, or when the device fails at once, is INSTCMD-FAILED', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  h.control.mode = 'throw';
  assert.deepEqual(await ask(h.ctx, s, 'INSTCMD myups load.off'), ['ERR INSTCMD-FAILED']);
  h.myups.control = undefined;
  assert.deepEqual(await ask(h.ctx, s, 'INSTCMD myups load.on'), ['ERR INSTCMD-FAILED']);
  assert.deepEqual(h.control.calls, ['cmd load.off']);
});

// ---------------------------------------------------------------------------------------------------------
// Tracking (§2.5, §2.7)

test('Appendix A tracking: OFF by default, ids upper-case, results readable in any case', async () => {
  const h = harness();
  const s = h.connect();
  await converse(h.ctx, s, [
    ['GET TRACKING', 'OFF'],
    ['GET TRACKING abc', 'ERR FEATURE-NOT-CONFIGURED'],
    ['USERNAME admin', 'OK'],
    ['PASSWORD adminpass', 'OK'],
    ['SET TRACKING ON', 'OK'],
    ['GET TRACKING', 'ON'],
  ]);
  const setId = trackingId(await ask(h.ctx, s, 'SET VAR myups ups.id T2'));
  await settle();
  assert.deepEqual(await ask(h.ctx, s, `GET TRACKING ${setId}`), ['SUCCESS']);
  h.control.mode = 'reject';
  const cmdId = trackingId(await ask(h.ctx, s, 'INSTCMD myups load.off'));
  assert.notEqual(cmdId, setId);
  await settle();
  assert.deepEqual(await ask(h.ctx, s, `GET TRACKING ${cmdId.toLowerCase()}`), ['ERR FAILED']);
  await converse(h.ctx, s, [
    ['GET TRACKING 00000000-0000-4000-8000-000000000000', 'ERR UNKNOWN'],
    ['SET TRACKING maybe', 'ERR INVALID-ARGUMENT'],
    ['SET TRACKING', 'ERR INVALID-ARGUMENT'],
  ]);
  assert.deepEqual(h.control.calls, ['set ups.id=T2', 'cmd load.off']);
});

test('a tracked operation is PENDING until the device answers', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  await converse(h.ctx, s, [['SET TRACKING on', 'OK']]);
  h.control.mode = 'hold';
  const id = trackingId(await ask(h.ctx, s, 'INSTCMD myups test.battery.start'));
  await settle();
  assert.deepEqual(await ask(h.ctx, s, `GET TRACKING ${id}`), ['PENDING']);
  h.control.release(true);
  await settle();
  assert.deepEqual(await ask(h.ctx, s, `GET TRACKING ${id}`), ['SUCCESS']);
});

test('SET TRACKING needs USERNAME and PASSWORD sent, but not valid ones, and is per connection', async () => {
  const h = harness();
  const s = await as(h, 'nobody', 'nothing');
  const other = h.connect();
  await converse(h.ctx, s, [
    ['SET TRACKING ON', 'OK'],
    ['GET TRACKING', 'ON'],
  ]);
  await converse(h.ctx, other, [['GET TRACKING', 'OFF']]);
  await converse(h.ctx, s, [
    ['SET TRACKING off', 'OK'],
    ['GET TRACKING', 'OFF'],
    ['GET TRACKING 00000000-0000-4000-8000-000000000000', 'ERR FEATURE-NOT-CONFIGURED'],
  ]);
});

test('tracking another connection\'s id works: entries are global', async () => {
  const h = harness();
  const a = await as(h, 'admin', 'adminpass');
  const b = await as(h, 'nobody', 'x');
  await ask(h.ctx, a, 'SET TRACKING ON');
  await ask(h.ctx, b, 'SET TRACKING ON');
  const id = trackingId(await ask(h.ctx, a, 'INSTCMD myups load.on'));
  await settle();
  assert.deepEqual(await ask(h.ctx, b, `GET TRACKING ${id}`), ['SUCCESS']);
});

test('a device that fails at once gives SET-FAILED or INSTCMD-FAILED even with tracking on', async () => {
  // upsd answers ERR INSTCMD-FAILED / SET-FAILED when it cannot hand the request to the driver (§2.7 step 9,
  // §2.8 step 6), tracking or not.
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  await ask(h.ctx, s, 'SET TRACKING ON');
  h.control.mode = 'throw';
  await converse(h.ctx, s, [
    ['INSTCMD myups load.off', 'ERR INSTCMD-FAILED'],
    ['SET VAR myups ups.id x', 'ERR SET-FAILED'],
  ]);
  assert.equal(h.tracking.size, 0, 'no tracking entry is left pending for a request that was never sent');
});
