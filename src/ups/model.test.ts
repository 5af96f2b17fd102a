// The UPS model: variables with NUT types, instant commands, the driver link (DATA-STALE,
// DRIVER-NOT-CONNECTED, MAXAGE) and the FSD latch (docs/nut-protocol.md §2.4-§3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_NAME_BYTES, MAX_VALUE_BYTES, UpsModel, type Availability } from './model.ts';

function clocked(maxAgeMs?: number): { ups: UpsModel; clock: { now: number } } {
  const clock = { now: 1_000_000 };
  return { ups: new UpsModel({ name: 'myups', maxAgeMs, now: () => clock.now }), clock };
}

test('a UPS name must be a NUT-shaped ASCII name of at most 64 bytes', () => {
  for (const good of ['myups', 'My-UPS_1.a', '0', 'a'.repeat(MAX_NAME_BYTES)]) {
    assert.equal(new UpsModel({ name: good }).name, good);
  }
  for (const bad of ['', 'my ups', '.ups', '-ups', 'ups@host', 'upsé', 'a'.repeat(MAX_NAME_BYTES + 1)]) {
    assert.throws(() => new UpsModel({ name: bad }), RangeError, JSON.stringify(bad));
  }
});

test('the description is kept as given, or undefined', () => {
  assert.equal(new UpsModel({ name: 'a', description: 'Desk "UPS" #1' }).description, 'Desk "UPS" #1');
  assert.equal(new UpsModel({ name: 'a' }).description, undefined);
});

test('variables are found case-insensitively and keep the spelling they were first set with', () => {
  const { ups } = clocked();
  ups.setVariable('Battery.Charge', '100');
  ups.setVariable('battery.charge', '99');
  const v = ups.getVariable('BATTERY.CHARGE');
  assert.equal(v?.name, 'Battery.Charge');
  assert.equal(v?.value, '99');
  assert.equal(ups.variables().length, 1);
  assert.equal(ups.getVariable('battery.charge.low'), undefined);
});

test('a new variable is a read-only NUMBER unless typed otherwise', () => {
  const { ups } = clocked();
  ups.setVariable('ups.load', '12');
  assert.deepEqual(ups.getVariable('ups.load'), {
    name: 'ups.load',
    value: '12',
    writable: false,
    maxLength: undefined,
    enumValues: undefined,
    ranges: undefined,
  });
});

test('type fields given on update replace the old ones and omitted ones are kept', () => {
  const { ups } = clocked();
  ups.setVariable('input.sensitivity', 'low', { writable: true, maxLength: 10, enumValues: ['low', 'high'] });
  ups.setVariable('input.sensitivity', 'high'); // value only: type kept
  let v = ups.getVariable('input.sensitivity')!;
  assert.equal(v.writable, true);
  assert.equal(v.maxLength, 10);
  assert.deepEqual(v.enumValues, ['low', 'high']);
  ups.setVariable('input.sensitivity', 'high', { ranges: [{ min: 1, max: 2 }] });
  v = ups.getVariable('input.sensitivity')!;
  assert.deepEqual(v.ranges, [{ min: 1, max: 2 }]);
  assert.deepEqual(v.enumValues, ['low', 'high']);
  ups.setVariable('input.sensitivity', 'high', { maxLength: undefined, writable: false });
  v = ups.getVariable('input.sensitivity')!;
  assert.equal(v.maxLength, undefined); // explicitly cleared: now a NUMBER
  assert.equal(v.writable, false);
});

test('values must be printable ASCII of at most 256 bytes', () => {
  const { ups } = clocked();
  ups.setVariable('ups.id', 'x'.repeat(MAX_VALUE_BYTES));
  ups.setVariable('ups.id', ' ~!"#\\ ');
  ups.setVariable('ups.id', '');
  for (const bad of ['x'.repeat(MAX_VALUE_BYTES + 1), 'line\nbreak', 'tab\there', 'caf\u00e9', '\u0000', '\u007f']) {
    assert.throws(() => ups.setVariable('ups.id', bad), RangeError, JSON.stringify(bad));
  }
  assert.equal(ups.getVariable('ups.id')!.value, '');
});

test('variable and command names must be NUT-shaped', () => {
  const { ups } = clocked();
  for (const bad of ['', 'ups status', '.ups', 'ups"x', 'a'.repeat(MAX_NAME_BYTES + 1)]) {
    assert.throws(() => ups.setVariable(bad, '1'), RangeError, JSON.stringify(bad));
    assert.throws(() => ups.addCommand(bad), RangeError, JSON.stringify(bad));
  }
  ups.setVariable('a'.repeat(MAX_NAME_BYTES), '1');
  ups.addCommand('a'.repeat(MAX_NAME_BYTES));
});

test('variables are listed sorted case-insensitively, and the list follows additions, updates and removals', () => {
  const { ups } = clocked();
  for (const name of ['gamma.x', 'Beta.x', 'alpha.x', 'Delta.x']) ups.setVariable(name, '1');
  assert.deepEqual(ups.variables().map((v) => v.name), ['alpha.x', 'Beta.x', 'Delta.x', 'gamma.x']);
  ups.setVariable('Charlie.x', '1');
  ups.removeVariable('ALPHA.X');
  ups.setVariable('gamma.x', '2');
  assert.deepEqual(ups.variables().map((v) => `${v.name}=${v.value}`), ['Beta.x=1', 'Charlie.x=1', 'Delta.x=1', 'gamma.x=2']);
});

test('a variable event fires on a new variable, a changed value and a removal, not on a repeat', () => {
  const { ups } = clocked();
  const events: [string, string | undefined][] = [];
  ups.on('variable', (name, value) => events.push([name, value]));
  ups.setVariable('ups.load', '10');
  ups.setVariable('UPS.LOAD', '10');
  ups.setVariable('ups.load', '11');
  ups.removeVariable('ups.load');
  ups.removeVariable('ups.load');
  assert.deepEqual(events, [
    ['ups.load', '10'],
    ['ups.load', '11'],
    ['ups.load', undefined],
  ]);
});

test('status tokens are the ups.status words split on blanks and upper-cased', () => {
  const { ups } = clocked();
  assert.deepEqual(ups.statusTokens(), []);
  ups.setVariable('ups.status', 'OL CHRG');
  assert.deepEqual(ups.statusTokens(), ['OL', 'CHRG']);
  ups.setVariable('ups.status', '  ob dischrg  LB ');
  assert.deepEqual(ups.statusTokens(), ['OB', 'DISCHRG', 'LB']);
  ups.setVariable('ups.status', '   ');
  assert.deepEqual(ups.statusTokens(), []);
});

test('commands are found case-insensitively, keep their first spelling and are listed sorted case-insensitively', () => {
  const { ups } = clocked();
  let changes = 0;
  ups.on('commands', () => changes++);
  for (const c of ['zeta.run', 'Load.Off', 'load.off', 'beta.run']) ups.addCommand(c);
  assert.equal(changes, 3);
  assert.equal(ups.findCommand('LOAD.OFF'), 'Load.Off');
  assert.equal(ups.findCommand('load.on'), undefined);
  assert.deepEqual(ups.commands(), ['beta.run', 'Load.Off', 'zeta.run']);
  ups.removeCommand('LOAD.off');
  ups.removeCommand('nosuch');
  assert.equal(changes, 4);
  assert.deepEqual(ups.commands(), ['beta.run', 'zeta.run']);
});

test('a new UPS is not connected until the driver says so', () => {
  const { ups } = clocked();
  assert.equal(ups.availability(), 'not-connected');
  ups.heard(); // hearing without a connection does not connect
  assert.equal(ups.availability(), 'not-connected');
  ups.markConnected();
  assert.equal(ups.availability(), 'ok');
});

test('data is stale when the device stops answering, and fresh again once heard', () => {
  const { ups } = clocked();
  ups.markConnected();
  ups.markStale();
  assert.equal(ups.availability(), 'stale');
  ups.heard();
  assert.equal(ups.availability(), 'ok');
});

test('data is stale after MAXAGE (default 15 s) without news', () => {
  const { ups, clock } = clocked();
  ups.markConnected();
  clock.now += 15_000;
  assert.equal(ups.availability(), 'ok');
  clock.now += 1;
  assert.equal(ups.availability(), 'stale');
  ups.heard();
  assert.equal(ups.availability(), 'ok');
});

test('MAXAGE can be configured', () => {
  const { ups, clock } = clocked(2000);
  ups.markConnected();
  clock.now += 2001;
  assert.equal(ups.availability(), 'stale');
});

test('a lost driver is not-connected even when stale, and reconnecting clears the stale flag', () => {
  const { ups } = clocked();
  ups.markConnected();
  ups.markStale();
  ups.markDisconnected();
  assert.equal(ups.availability(), 'not-connected');
  ups.markConnected();
  assert.equal(ups.availability(), 'ok');
});

test('availability events fire once per change, including MAXAGE expiry noticed by checkAvailability', () => {
  const { ups, clock } = clocked();
  const seen: Availability[] = [];
  ups.on('availability', (a) => seen.push(a));
  ups.markConnected();
  ups.heard();
  clock.now += 15_001;
  assert.equal(ups.checkAvailability(), 'stale');
  assert.equal(ups.checkAvailability(), 'stale');
  ups.heard();
  ups.markStale();
  ups.markStale();
  ups.markDisconnected();
  assert.deepEqual(seen, ['ok', 'stale', 'ok', 'stale', 'not-connected']);
});

test('FSD is a latch that prefixes ups.status, and only ups.status, as clients see it', () => {
  const { ups } = clocked();
  const events: boolean[] = [];
  ups.on('fsd', (set) => events.push(set));
  ups.setVariable('UPS.Status', 'OB LB');
  ups.setVariable('ups.load', '10');
  const status = ups.getVariable('ups.status')!;
  assert.equal(ups.visibleValue(status), 'OB LB');
  ups.setFsd();
  ups.setFsd();
  assert.equal(ups.fsd, true);
  assert.equal(ups.visibleValue(ups.getVariable('ups.status')!), 'FSD OB LB');
  assert.equal(ups.visibleValue(ups.getVariable('ups.load')!), '10');
  assert.equal(ups.getVariable('ups.status')!.value, 'OB LB'); // the stored value is unchanged
  ups.clearFsd();
  ups.clearFsd();
  assert.equal(ups.fsd, false);
  assert.equal(ups.visibleValue(ups.getVariable('ups.status')!), 'OB LB');
  assert.deepEqual(events, [true, false]);
});
