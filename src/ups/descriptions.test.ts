import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  COMMAND_DESCRIPTIONS,
  VARIABLE_DESCRIPTIONS,
  describeCommand,
  describeVariable,
} from './descriptions.ts';

/**
 * Every VARDESC name in NUT 2.8.0's /usr/share/nut/cmdvartab, in file order. Only the names are
 * listed here (names are facts, the GPL description text is not copied), so the test runs anywhere.
 */
const CMDVARTAB_VARIABLES: readonly string[] = [
  'ups.alarm', 'ups.status', 'ups.time', 'ups.date', 'ups.efficiency', 'ups.model', 'ups.mfr', 'ups.mfr.date',
  'ups.serial', 'ups.vendorid', 'ups.productid', 'ups.firmware', 'ups.firmware.aux', 'ups.temperature',
  'ups.load', 'ups.load.energysave', 'ups.load.high', 'ups.id', 'ups.delay.start', 'ups.delay.reboot',
  'ups.delay.shutdown', 'ups.timer.start', 'ups.timer.reboot', 'ups.timer.shutdown', 'ups.test.interval',
  'ups.test.result', 'ups.display.language', 'ups.contacts', 'ups.power', 'ups.power.nominal', 'ups.realpower',
  'ups.realpower.nominal', 'ups.beeper.status', 'ups.type', 'ups.start.auto', 'ups.start.battery',
  'ups.start.reboot', 'input.voltage', 'input.voltage.extended', 'input.voltage.maximum',
  'input.voltage.minimum', 'input.voltage.status', 'input.voltage.low.warning', 'input.voltage.low.critical',
  'input.voltage.high.warning', 'input.voltage.high.critical', 'input.voltage.nominal',
  'input.transfer.reason', 'input.transfer.low', 'input.transfer.high', 'input.transfer.low.min',
  'input.transfer.low.max', 'input.transfer.high.min', 'input.transfer.high.max', 'input.sensitivity',
  'input.quality', 'input.current', 'input.current.nominal', 'input.current.status',
  'input.current.low.warning', 'input.current.low.critical', 'input.current.high.warning',
  'input.current.high.critical', 'input.frequency', 'input.frequency.extended', 'input.frequency.status',
  'input.frequency.nominal', 'input.frequency.low', 'input.frequency.high', 'input.transfer.boost.low',
  'input.transfer.boost.high', 'input.transfer.trim.low', 'input.transfer.trim.high', 'input.transfer.delay',
  'input.load', 'input.realpower', 'input.power', 'input.source', 'input.source.preferred', 'output.voltage',
  'output.voltage.nominal', 'output.frequency', 'output.frequency.nominal', 'output.current',
  'output.current.nominal', 'battery.charge', 'battery.charge.approx', 'battery.charge.low',
  'battery.charge.restart', 'battery.charge.warning', 'battery.voltage', 'battery.current', 'battery.capacity',
  'battery.temperature', 'battery.voltage.nominal', 'battery.runtime', 'battery.runtime.low',
  'battery.alarm.threshold', 'battery.date', 'battery.mfr.date', 'battery.packs', 'battery.packs.bad',
  'battery.type', 'battery.protection', 'battery.energysave', 'battery.energysave.load',
  'battery.energysave.delay', 'battery.energysave.realpower', 'battery.charger.status', 'ambient.temperature',
  'ambient.temperature.alarm', 'ambient.temperature.status', 'ambient.temperature.alarm.maximum',
  'ambient.temperature.alarm.minimum', 'ambient.temperature.alarm.enable', 'ambient.temperature.low',
  'ambient.temperature.low.warning', 'ambient.temperature.low.critical', 'ambient.temperature.high',
  'ambient.temperature.high.warning', 'ambient.temperature.high.critical', 'ambient.humidity',
  'ambient.humidity.alarm', 'ambient.humidity.status', 'ambient.humidity.alarm.maximum',
  'ambient.humidity.alarm.minimum', 'ambient.humidity.alarm.enable', 'ambient.humidity.low',
  'ambient.humidity.low.warning', 'ambient.humidity.low.critical', 'ambient.humidity.high',
  'ambient.humidity.high.warning', 'ambient.humidity.high.critical', 'ambient.present',
  'ambient.contacts.1.status', 'ambient.contacts.2.status', 'outlet.id', 'outlet.desc', 'outlet.switch',
  'outlet.status', 'outlet.switchable', 'outlet.autoswitch.charge.low', 'outlet.delay.shutdown',
  'outlet.delay.start', 'outlet.1.id', 'outlet.1.desc', 'outlet.1.switch', 'outlet.1.status',
  'outlet.1.switchable', 'outlet.1.autoswitch.charge.low', 'outlet.1.delay.shutdown', 'outlet.1.delay.start',
  'outlet.2.id', 'outlet.2.desc', 'outlet.2.switch', 'outlet.2.status', 'outlet.2.switchable',
  'outlet.2.autoswitch.charge.low', 'outlet.2.delay.shutdown', 'outlet.2.delay.start', 'driver.name',
  'driver.version', 'driver.version.internal', 'driver.version.usb', 'device.part', 'server.info',
  'server.version',
];

/** Every CMDDESC name in NUT 2.8.0's /usr/share/nut/cmdvartab, in file order. */
const CMDVARTAB_COMMANDS: readonly string[] = [
  'load.off', 'load.on', 'shutdown.return', 'shutdown.stayoff', 'shutdown.stop', 'shutdown.reboot',
  'shutdown.reboot.graceful', 'test.panel.start', 'test.panel.stop', 'test.failure.start', 'test.failure.stop',
  'test.battery.start', 'test.battery.start.quick', 'test.battery.start.deep', 'test.battery.stop',
  'test.system.start', 'calibrate.start', 'calibrate.stop', 'bypass.start', 'bypass.stop',
  'reset.input.minmax', 'reset.watchdog', 'beeper.on', 'beeper.off', 'beeper.enable', 'beeper.disable',
  'beeper.mute', 'beeper.toggle', 'outlet.1.load.off', 'outlet.1.load.on', 'outlet.1.shutdown.return',
  'outlet.2.load.off', 'outlet.2.load.on', 'outlet.2.shutdown.return', 'load.off.delay', 'load.on.delay',
];

/** Names the table must cover even though some NUT releases leave them out of cmdvartab. */
const EXTRA_VARIABLES: readonly string[] = [
  'ups.beeper.status', 'battery.charger.status', 'ups.alarm', 'device.type', 'device.mfr', 'device.model',
  'device.serial', 'ups.vendorid', 'ups.productid', 'ups.timer.reboot',
];
const EXTRA_COMMANDS: readonly string[] = ['test.failure.start', 'test.failure.stop', 'shutdown.reboot.graceful'];

/** Why a text could not be sent inside upsd's unescaped double quotes, or undefined when it can. */
function problemWith(text: string): string | undefined {
  if (text.length === 0) return 'is empty';
  if (Buffer.byteLength(text, 'utf8') > 120) return `is ${Buffer.byteLength(text, 'utf8')} bytes long`;
  if (!/^[\x20-\x7e]*$/.test(text)) return 'has a control or non-ASCII character';
  if (/["\\#]/.test(text)) return 'has a double quote, backslash or hash';
  if (text !== text.trim()) return 'has leading or trailing space';
  return undefined;
}

test('the embedded cmdvartab lists have the expected sizes and no duplicates', () => {
  assert.equal(CMDVARTAB_VARIABLES.length, 167);
  assert.equal(new Set(CMDVARTAB_VARIABLES).size, CMDVARTAB_VARIABLES.length);
  assert.equal(CMDVARTAB_COMMANDS.length, 36);
  assert.equal(new Set(CMDVARTAB_COMMANDS).size, CMDVARTAB_COMMANDS.length);
});

test('every variable named in cmdvartab has a description', () => {
  const missing = CMDVARTAB_VARIABLES.filter((name) => describeVariable(name) === undefined);
  assert.deepEqual(missing, []);
});

test('every command named in cmdvartab has a description', () => {
  const missing = CMDVARTAB_COMMANDS.filter((name) => describeCommand(name) === undefined);
  assert.deepEqual(missing, []);
});

test('the extra variables and commands walnut needs have descriptions', () => {
  assert.deepEqual(EXTRA_VARIABLES.filter((name) => describeVariable(name) === undefined), []);
  assert.deepEqual(EXTRA_COMMANDS.filter((name) => describeCommand(name) === undefined), []);
});

test('every description is short printable ASCII with no quote, backslash or hash', () => {
  const bad: string[] = [];
  for (const [kind, table] of [['variable', VARIABLE_DESCRIPTIONS], ['command', COMMAND_DESCRIPTIONS]] as const) {
    for (const [name, text] of table) {
      const problem = problemWith(text);
      if (problem !== undefined) bad.push(`${kind} ${name} ${problem}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('every table key is a lower-case NUT name', () => {
  for (const table of [VARIABLE_DESCRIPTIONS, COMMAND_DESCRIPTIONS]) {
    for (const name of table.keys()) {
      assert.match(name, /^[a-z0-9]+(\.[a-z0-9]+)+$/, name);
    }
  }
});

test('a variable description is found whatever the case of its name', () => {
  const expected = describeVariable('battery.charge');
  assert.equal(typeof expected, 'string');
  assert.equal(describeVariable('BATTERY.CHARGE'), expected);
  assert.equal(describeVariable('Battery.Charge'), expected);
});

test('a command description is found whatever the case of its name', () => {
  const expected = describeCommand('load.off');
  assert.equal(typeof expected, 'string');
  assert.equal(describeCommand('LOAD.OFF'), expected);
  assert.equal(describeCommand('Load.Off'), expected);
});

test('a leading upstream prefix is ignored when looking up a variable', () => {
  assert.equal(describeVariable('upstream.ups.status'), describeVariable('ups.status'));
  assert.equal(describeVariable('UPSTREAM.ups.status'), describeVariable('ups.status'));
  assert.equal(typeof describeVariable('upstream.ups.status'), 'string');
});

test('a leading upstream prefix is ignored when looking up a command', () => {
  assert.equal(describeCommand('upstream.beeper.mute'), describeCommand('beeper.mute'));
  assert.equal(typeof describeCommand('upstream.beeper.mute'), 'string');
});

test('only one leading upstream prefix is removed, and only at the start', () => {
  assert.equal(describeVariable('upstream.upstream.ups.status'), undefined);
  assert.equal(describeVariable('ups.upstream.status'), undefined);
  assert.equal(describeVariable('upstream.'), undefined);
  assert.equal(describeVariable('upstreamups.status'), undefined);
});

test('unknown names give undefined', () => {
  assert.equal(describeVariable('ups.no.such.variable'), undefined);
  assert.equal(describeVariable(''), undefined);
  assert.equal(describeCommand('no.such.command'), undefined);
  assert.equal(describeCommand(''), undefined);
});

test('variables and commands are looked up in separate tables', () => {
  assert.equal(describeCommand('ups.status'), undefined);
  assert.equal(describeVariable('load.off'), undefined);
});
