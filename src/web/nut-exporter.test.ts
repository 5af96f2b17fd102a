import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UpsModel } from '../ups/model.ts';
import { writeExposition } from './exposition.ts';
import { DEVICE_INFO_LABELS, STATUS_FLAGS, exporterName, exporterValue, nutExporterFamilies } from './nut-exporter.ts';

function upsWith(vars: Record<string, string>): UpsModel {
  const ups = new UpsModel({ name: 'ups', now: () => 0 });
  for (const [name, value] of Object.entries(vars)) ups.setVariable(name, value);
  ups.markConnected();
  return ups;
}

const render = (ups: UpsModel): string => writeExposition(nutExporterFamilies(ups));

/** flag → value of network_ups_tools_ups_status{flag=...} in the text */
function statusFlags(text: string): Map<string, number> {
  return new Map([...text.matchAll(/^network_ups_tools_ups_status\{flag="([^"]*)"\} (\S+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
}

test("nut_exporter's status list is the fifteen flags of its --nut.statuses default", () => {
  assert.deepEqual([...STATUS_FLAGS], ['OL', 'OB', 'LB', 'HB', 'RB', 'CHRG', 'DISCHRG', 'BYPASS', 'CAL', 'OFF', 'OVER', 'TRIM', 'BOOST', 'FSD', 'SD']);
});

test('a variable is named as nut_exporter names it: namespace, then dots and dashes as underscores', () => {
  assert.equal(exporterName('battery.charge'), 'network_ups_tools_battery_charge');
  assert.equal(exporterName('ups.realpower.nominal'), 'network_ups_tools_ups_realpower_nominal');
  assert.equal(exporterName('outlet.1.x-y'), 'network_ups_tools_outlet_1_x_y');
});

test('values count as go.nut and nut_exporter coerce them, and other strings are skipped', () => {
  const cases: Array<[string, number | undefined]> = [
    ['100', 100], ['232.0', 232], ['-1', -1], ['13.5', 13.5], ['0020', 20], ['1.', 1], ['.5', 0.5], [' 42 ', 42],
    ['enabled', 1], ['disabled', 0], ['ON', 1], ['off', 0], ['true', 1], ['inactive', 0], ['Activated', 1],
    ['1.2.3', undefined], ['.', undefined], ['-', undefined], ['1e5', undefined], ['+5', undefined], ['051d', undefined],
    ['muted', undefined], ['Back-UPS 500', undefined], ['', undefined], ['99999999999999999999', undefined],
  ];
  for (const [value, want] of cases) assert.equal(exporterValue(value), want, JSON.stringify(value));
});

test('numeric variables become gauges with HELP "<description> (<variable>)", strings are left out', () => {
  const text = render(upsWith({ 'battery.charge': '87', 'ups.mfr': 'APC', 'x.unknown': '3' }));
  assert.match(text, /^# HELP network_ups_tools_battery_charge .+ \(battery\.charge\)\n# TYPE network_ups_tools_battery_charge gauge\nnetwork_ups_tools_battery_charge 87$/m);
  assert.match(text, /^# HELP network_ups_tools_x_unknown Description unavailable \(x\.unknown\)$/m);
  assert.doesNotMatch(text, /ups_mfr/);
});

for (const flag of STATUS_FLAGS) {
  test(`ups.status with ${flag} gives network_ups_tools_ups_status{flag="${flag}"} 1 and the other fourteen flags 0`, () => {
    const flags = statusFlags(render(upsWith({ 'ups.status': flag })));
    assert.equal(flags.size, STATUS_FLAGS.length);
    for (const other of STATUS_FLAGS) assert.equal(flags.get(other), other === flag ? 1 : 0, other);
  });
}

test('several status flags are each 1, and a flag outside the list still gets its series', () => {
  const flags = statusFlags(render(upsWith({ 'ups.status': 'OL CHRG ALARM' })));
  assert.equal(flags.get('OL'), 1);
  assert.equal(flags.get('CHRG'), 1);
  assert.equal(flags.get('ALARM'), 1);
  assert.equal(flags.get('OB'), 0);
  assert.equal(flags.size, STATUS_FLAGS.length + 1);
});

test('the FSD latch shows as flag FSD, as GET VAR ups.status shows it to NUT clients', () => {
  const ups = upsWith({ 'ups.status': 'OB LB' });
  ups.setFsd();
  const flags = statusFlags(render(ups));
  assert.equal(flags.get('FSD'), 1);
  assert.equal(flags.get('OB'), 1);
  assert.equal(flags.get('LB'), 1);
});

test('without a ups.status variable there is no ups_status family, as with nut_exporter', () => {
  assert.doesNotMatch(render(upsWith({ 'battery.charge': '50' })), /ups_status/);
});

test('device_info carries the nine device.* labels, empty where the variable is absent, value 1', () => {
  const text = render(upsWith({ 'device.model': 'Back-UPS "RS" 1000G', 'device.mfr': 'APC', 'device.serial': '3B1', 'device.type': 'ups', 'device.uptime': '60' }));
  const line = text.split('\n').find((l) => l.startsWith('network_ups_tools_device_info{'));
  assert.equal(
    line,
    'network_ups_tools_device_info{model="Back-UPS \\"RS\\" 1000G",mfr="APC",serial="3B1",type="ups",description="",contact="",location="",part="",macaddr=""} 1',
  );
  assert.deepEqual([...DEVICE_INFO_LABELS], ['model', 'mfr', 'serial', 'type', 'description', 'contact', 'location', 'part', 'macaddr']);
  assert.match(text, /^network_ups_tools_device_uptime 60$/m, 'a numeric device.* variable is a gauge too');
});

test('no series carries a ups label: the scrape config adds it, as with nut_exporter', () => {
  assert.doesNotMatch(render(upsWith({ 'battery.charge': '5', 'ups.status': 'OL' })), /\bups="/);
});

test('a stale or not-connected UPS exports no network_ups_tools series at all', () => {
  let now = 0;
  const ups = new UpsModel({ name: 'ups', now: () => now, maxAgeMs: 15_000 });
  ups.setVariable('battery.charge', '100');
  assert.deepEqual(nutExporterFamilies(ups), [], 'not connected');
  ups.markConnected();
  assert.notDeepEqual(nutExporterFamilies(ups), []);
  now = 15_001;
  assert.equal(ups.availability(), 'stale');
  assert.deepEqual(nutExporterFamilies(ups), [], 'stale by MAXAGE');
  ups.heard();
  ups.markStale();
  assert.deepEqual(nutExporterFamilies(ups), [], 'stale by the driver');
});
