// Every real descriptor in test/fixtures/ups (format and sources: README there): it parses, its
// collections balance, the parse warnings and report lengths are the ones the fixture's quirks and notes state,
// and the values decoded from its report bytes are the numbers behind what NUT 2.8.5 published (`nutOracle`) or
// what the notes say, for the variables that come straight from one HID path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { parseDescriptor } from './descriptor.ts';
import { fixReportDescriptor } from './fixes.ts';
import { readLogical, reportBuffer, toPhysical } from './report.ts';
import { findField, usageNames, type Subdriver, type UsageNames } from './usages.ts';
import type { HidField, ParsedDescriptor, ReportType } from './types.ts';

interface FixtureFile {
  model: string;
  usb: { vendorId: string; productId: string };
  descriptor: string;
  feature: Record<string, string>;
  input: Record<string, string>;
  expected: Record<string, string>;
  quirks: string;
  notes: string;
  nutOracle: { variables: Record<string, string>; commands: string[] };
}

const DIR = new URL('../../test/fixtures/ups/', import.meta.url);

function load(name: string): FixtureFile {
  return JSON.parse(readFileSync(new URL(name, DIR), 'utf8')) as FixtureFile;
}

/** the subdriver NUT picks by vendor ID, for the name tables */
const SUBDRIVER: Record<string, Subdriver> = { '051d': 'apc', '0764': 'cps', '0463': 'mge', '09ae': 'tripplite' };

interface Device {
  fx: FixtureFile;
  parsed: ParsedDescriptor;
  names: UsageNames;
}

function device(name: string): Device {
  const fx = load(name);
  const parsed = fixReportDescriptor(parseDescriptor(Buffer.from(fx.descriptor, 'hex')), fx.usb);
  return { fx, parsed, names: usageNames(SUBDRIVER[fx.usb.vendorId]!) };
}

function fieldAt(d: Device, path: string, type: ReportType = 'feature'): HidField {
  const f = findField(d.parsed, path, type, d.names);
  assert.ok(f, `${d.fx.model}: no ${type} field ${path}`);
  return f;
}

/** the value NUT computes for a path from the fixture's report bytes (zero-filled to the declared length) */
function value(d: Device, path: string, type: ReportType = 'feature', reports?: Record<string, string>): number {
  const f = fieldAt(d, path, type);
  const source = reports ?? (type === 'input' ? d.fx.input : d.fx.feature);
  const bytes = source[f.reportId.toString(16).padStart(2, '0')];
  assert.ok(bytes !== undefined, `${d.fx.model}: no ${type} report 0x${f.reportId.toString(16)} for ${path}`);
  return toPhysical(f, readLogical(f, reportBuffer(d.parsed, type, f.reportId, Buffer.from(bytes, 'hex'))));
}

/** printf("%.Nf") */
const fmt = (v: number, decimals: number): string => v.toFixed(decimals);

/** NUT's date_conversion: (year − 1980) << 9 | month << 5 | day */
function packedDate(v: number): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${(v >> 9) + 1980}/${p((v >> 5) & 0x0f)}/${p(v & 0x1f)}`;
}

/** NUT's apc_date_conversion: 0xMMDDYY read as decimal digits, YY < 70 → 20YY */
function apcDate(v: number): string {
  const h = v.toString(16).padStart(6, '0');
  const yy = Number(h.slice(4, 6));
  return `${yy < 70 ? 2000 + yy : 1900 + yy}/${h.slice(0, 2)}/${h.slice(2, 4)}`;
}

/** Collection and End Collection items counted by a plain item walk, independent of the parser */
function collectionBalance(bytes: Buffer): [number, number] {
  let open = 0;
  let close = 0;
  for (let pos = 0; pos < bytes.length; ) {
    const prefix = bytes[pos]!;
    if (prefix === 0xfe) {
      pos += 3 + bytes[pos + 1]!;
      continue;
    }
    if ((prefix & 0xfc) === 0xa0) open++;
    if ((prefix & 0xfc) === 0xc0) close++;
    pos += 1 + [0, 1, 2, 4][prefix & 3]!;
  }
  return [open, close];
}

const FILES = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

test('the test fixture folder holds all eight fixtures', () => {
  assert.deepEqual(FILES, [
    'apc-back-ups-bk650m2-ch.json',
    'apc-back-ups-cs-500.json',
    'apc-back-ups-rs-1000g.json',
    'apc-smart-ups-x-750.json',
    'cyberpower-cst135uc2.json',
    'cyberpower-ec850lcd.json',
    'eaton-5e.json',
    'tripplite-09ae-3016.json',
  ]);
});

for (const file of FILES) {
  test(`${file}: parses with balanced collections, and every recorded report is declared with its type`, () => {
    const fx = load(file);
    const bytes = Buffer.from(fx.descriptor, 'hex');
    const parsed = parseDescriptor(bytes);
    const [open, close] = collectionBalance(bytes);
    assert.equal(open, close);
    assert.ok(open > 0);
    assert.ok(!parsed.warnings.some((w) => /Collection/.test(w)), parsed.warnings.join('\n'));
    for (const type of ['feature', 'input'] as const) {
      for (const id of Object.keys(fx[type])) {
        assert.ok(parsed.reportLength(type, parseInt(id, 16)) > 1, `${type} ${id}`);
      }
    }
  });

  test(`${file}: the declared and returned lengths of short reports are the ones the notes state`, () => {
    const fx = load(file);
    const parsed = parseDescriptor(Buffer.from(fx.descriptor, 'hex'));
    const stated = [...fx.notes.matchAll(/\b(feature|input) ([0-9a-f]{2}) (\d+)\/(\d+)/g)];
    if (file === 'apc-back-ups-bk650m2-ch.json') assert.equal(stated.length, 21);
    for (const m of stated) {
      const [, type, id, returned, declared] = m as unknown as [string, 'feature' | 'input', string, string, string];
      assert.equal(parsed.reportLength(type, parseInt(id, 16)) - 1, Number(declared), `${type} ${id} declared`);
      assert.equal(fx[type][id]!.length / 2 - 1, Number(returned), `${type} ${id} returned`);
    }
  });
}

test('every fixture parses with exactly the warnings its quirks state: three LogMax warnings for the BK650M2 only', () => {
  for (const file of FILES) {
    const fx = load(file);
    const parsed = parseDescriptor(Buffer.from(fx.descriptor, 'hex'));
    if (file === 'apc-back-ups-bk650m2-ch.json') {
      assert.deepEqual(
        parsed.warnings,
        ['0x0c', '0x22', '0x40'].map(
          (id) =>
            `LogMax is less than LogMin. Vendor HID report descriptor may be incorrect; interpreting LogMax -1 as 255 in ReportID: ${id}`,
        ),
      );
    } else {
      assert.deepEqual(parsed.warnings, [], file);
    }
  }
});

test('APC BK650M2-CH: report count leaks make Feature reports 23–46 bytes long, and the 71 data fields NUT dumps are found', () => {
  const d = device('apc-back-ups-bk650m2-ch.json');
  const lengths = Object.keys(d.fx.feature).map((id) => d.parsed.reportLength('feature', parseInt(id, 16)) - 1);
  assert.equal(Math.max(...lengths), 46);
  assert.ok(lengths.includes(23));
  assert.equal(d.parsed.fields.filter((f) => !f.padding).length, 71);
});

test('APC BK650M2-CH: values decoded from its reports are the ones NUT published', () => {
  const d = device('apc-back-ups-bk650m2-ch.json');
  const oracle = d.fx.nutOracle.variables;
  const rows: [variable: string, path: string, decimals: number][] = [
    ['battery.charge', 'UPS.PowerSummary.RemainingCapacity', 0],
    ['battery.charge.low', 'UPS.PowerSummary.RemainingCapacityLimit', 0],
    ['battery.runtime', 'UPS.Battery.RunTimeToEmpty', 0],
    ['battery.runtime.low', 'UPS.Battery.RemainingTimeLimit', 0],
    ['battery.voltage', 'UPS.Battery.Voltage', 1], // `26 46 05` = 1350, Volt exponent 5
    ['battery.voltage.nominal', 'UPS.Battery.ConfigVoltage', 1],
    ['input.voltage', 'UPS.Input.Voltage', 1],
    ['input.voltage.nominal', 'UPS.Input.ConfigVoltage', 0],
    ['input.transfer.high', 'UPS.Input.HighVoltageTransfer', 0],
    ['input.transfer.low', 'UPS.Input.LowVoltageTransfer', 0],
    ['ups.load', 'UPS.PowerConverter.PercentLoad', 0],
    ['ups.realpower.nominal', 'UPS.PowerConverter.ConfigActivePower', 0],
    ['ups.timer.reboot', 'UPS.APCGeneralCollection.APCDelayBeforeReboot', 0],
    ['ups.timer.shutdown', 'UPS.PowerSummary.DelayBeforeShutdown', 0], // `15 ff ff`, LogMin −1 → −1
  ];
  for (const [variable, path, decimals] of rows) {
    assert.equal(fmt(value(d, path), decimals), oracle[variable], variable);
  }
  assert.equal(value(d, 'UPS.Battery.Voltage'), 1350 * (0.1 * 0.1));
  assert.equal(packedDate(value(d, 'UPS.Battery.ManufacturerDate')), oracle['battery.mfr.date']);
  assert.equal(packedDate(value(d, 'UPS.ManufacturerDate')), oracle['ups.mfr.date']);
  assert.equal(value(d, 'UPS.PowerSummary.AudibleAlarmControl'), 1); // "disabled"
  assert.equal(value(d, 'UPS.Battery.Test'), 1); // "Done and passed"
  assert.equal(value(d, 'UPS.Input.APCSensitivity'), 0); // "low"
  assert.equal(value(d, 'UPS.PowerSummary.iDeviceChemistry'), 4); // string 4 = "PbAc"
  // `16 0e 00` on the interrupt pipe: ACPresent and Discharging on mains → "OL DISCHRG"
  assert.equal(value(d, 'UPS.PowerSummary.PresentStatus.ACPresent', 'input'), 1);
  assert.equal(value(d, 'UPS.PowerSummary.PresentStatus.Discharging', 'input'), 1);
  assert.equal(value(d, 'UPS.PowerSummary.PresentStatus.Charging', 'input'), 0);
  assert.equal(oracle['ups.status'], 'OL DISCHRG');
});

test('APC BK650M2-CH: the APC fix widens Input.Voltage to 0..2·HVT, so 232 V still reads 232', () => {
  const d = device('apc-back-ups-bk650m2-ch.json');
  const raw = parseDescriptor(Buffer.from(d.fx.descriptor, 'hex'));
  assert.notEqual(d.parsed, raw);
  assert.deepEqual([fieldAt(d, 'UPS.Input.Voltage').logicalMin, fieldAt(d, 'UPS.Input.Voltage').logicalMax], [0, 556]);
});

test('APC Back-UPS CS 500: values decoded from its reports are the ones NUT published, with the leaked Volt unit', () => {
  const d = device('apc-back-ups-cs-500.json');
  const oracle = d.fx.nutOracle.variables;
  const rows: [variable: string, path: string, decimals: number][] = [
    ['battery.charge', 'UPS.PowerSummary.RemainingCapacity', 0],
    ['battery.charge.low', 'UPS.PowerSummary.RemainingCapacityLimit', 0],
    ['battery.charge.warning', 'UPS.PowerSummary.WarningCapacityLimit', 0],
    ['battery.runtime', 'UPS.PowerSummary.RunTimeToEmpty', 0], // bytes 4–5 of report 0c
    ['battery.voltage', 'UPS.PowerSummary.Voltage', 1], // 1358 × 10^(5−7) = 13.58 → 13.6
    ['battery.voltage.nominal', 'UPS.PowerSummary.ConfigVoltage', 1],
    ['ups.timer.reboot', 'UPS.APCGeneralCollection.APCDelayBeforeReboot', 0],
  ];
  for (const [variable, path, decimals] of rows) {
    assert.equal(fmt(value(d, path), decimals), oracle[variable], variable);
  }
  assert.equal(fmt(value(d, 'UPS.PowerSummary.RunTimeToEmpty', 'input'), 0), oracle['battery.runtime']);
  assert.equal(packedDate(value(d, 'UPS.PowerSummary.ManufacturerDate')), oracle['ups.mfr.date']);
  assert.equal(apcDate(value(d, 'UPS.PowerSummary.APCBattReplaceDate')), oracle['battery.mfr.date']);
  // the quirk: Volt and exponent 5 leak into the string-index items
  assert.equal(fmt(value(d, 'UPS.PowerSummary.iManufacturer'), 2), '0.03');
  assert.equal(fmt(value(d, 'UPS.PowerSummary.CapacityMode'), 2), '0.02');
  // status "OL": ACPresent 1, Charging and Discharging 0
  assert.equal(value(d, 'UPS.PowerSummary.ACPresent', 'input'), 1);
  assert.equal(value(d, 'UPS.PowerSummary.Charging', 'input'), 0);
  assert.equal(value(d, 'UPS.PowerSummary.Discharging', 'input'), 0);
  assert.equal(oracle['ups.status'], 'OL');
});

test('APC Back-UPS RS 1000G: the APC fix is evaluated but does not trigger (HVT 136..142 below Input.Voltage 255)', () => {
  const fx = load('apc-back-ups-rs-1000g.json');
  const parsed = parseDescriptor(Buffer.from(fx.descriptor, 'hex'));
  const names = usageNames('apc');
  const hvt = findField(parsed, 'UPS.Input.HighVoltageTransfer', 'feature', names);
  assert.deepEqual([hvt?.reportId, hvt?.logicalMin, hvt?.logicalMax], [0x33, 136, 142]);
  assert.equal(findField(parsed, 'UPS.Input.Voltage', 'feature', names)?.logicalMax, 255);
  assert.equal(fixReportDescriptor(parsed, fx.usb), parsed);
});

test('APC Smart-UPS X 750: no fix for PID 0003, and no load, input- or output-voltage usage, as the notes say', () => {
  const d = device('apc-smart-ups-x-750.json');
  assert.equal(d.parsed, fixReportDescriptor(d.parsed, d.fx.usb));
  for (const path of ['UPS.Input.Voltage', 'UPS.Output.Voltage', 'UPS.Output.PercentLoad', 'UPS.PowerConverter.PercentLoad']) {
    assert.equal(findField(d.parsed, path, 'feature', d.names), undefined, path);
  }
  for (const path of [
    'UPS.PowerSummary.RemainingCapacity',
    'UPS.PowerSummary.RemainingCapacityLimit',
    'UPS.PowerSummary.RunTimeToEmpty',
    'UPS.PowerSummary.AudibleAlarmControl',
  ]) {
    assert.ok(findField(d.parsed, path, 'feature', d.names), path);
  }
});

test('CyberPower EC850LCD: delays go through the physical range (−1 → −60 s) and the nominal power fix lifts 450', () => {
  const d = device('cyberpower-ec850lcd.json');
  // no report bytes were published: these are made-up reports in the device's layout
  assert.equal(value(d, 'UPS.Output.DelayBeforeShutdown', 'feature', { '15': '15ffff' }), -60);
  assert.equal(fmt(value(d, 'UPS.Output.DelayBeforeShutdown', 'feature', { '15': '15ffff' }), 0), d.fx.expected['ups.timer.shutdown']);
  assert.equal(value(d, 'UPS.Output.DelayBeforeStartup', 'feature', { '16': '160000' }), 0);
  const power = fieldAt(d, 'UPS.Output.ConfigActivePower');
  assert.deepEqual([power.logicalMin, power.logicalMax], [-1, 2048]);
  assert.equal(value(d, 'UPS.Output.ConfigActivePower', 'feature', { '18': '18fe01' }), 510);
  // without the fix (NUT 2.8.0) the same bytes clamp to the declared LogMax: upsc showed 450
  const unfixed = parseDescriptor(Buffer.from(d.fx.descriptor, 'hex'));
  const raw = findField(unfixed, 'UPS.Output.ConfigActivePower', 'feature', d.names)!;
  assert.equal(readLogical(raw, Buffer.from('18fe01', 'hex')), Number(d.fx.expected['ups.realpower.nominal']));
  // the "HVT equals output range" fix does not trigger: HVT 135..144, Output.Voltage 0..300
  assert.deepEqual([fieldAt(d, 'UPS.Output.Voltage').logicalMin, fieldAt(d, 'UPS.Output.Voltage').logicalMax], [0, 300]);
});

test('CyberPower CST135UC2: the layout its source asserts, with Constant-flagged fields kept', () => {
  const d = device('cyberpower-cst135uc2.json');
  const at = (path: string) => {
    const f = fieldAt(d, path);
    return [f.reportId, f.bitOffset, f.bitSize];
  };
  assert.deepEqual(at('UPS.PowerSummary.RemainingCapacity'), [0x08, 0, 8]);
  assert.deepEqual(at('UPS.PowerSummary.RunTimeToEmpty'), [0x08, 8, 16]);
  assert.deepEqual(at('UPS.PowerSummary.PresentStatus.ACPresent'), [0x0b, 0, 1]);
  assert.deepEqual(at('UPS.PowerSummary.PresentStatus.Charging'), [0x0b, 1, 1]);
  assert.deepEqual(at('UPS.PowerSummary.PresentStatus.Discharging'), [0x0b, 2, 1]);
  assert.equal(fieldAt(d, 'UPS.Input.Voltage').reportId, 0x0f);
  assert.equal(fieldAt(d, 'UPS.Output.Voltage').reportId, 0x12);
  assert.equal(fieldAt(d, 'UPS.Output.PercentLoad').reportId, 0x13);
  assert.equal(fieldAt(d, 'UPS.Output.Test').reportId, 0x14);
  assert.equal(fieldAt(d, 'UPS.Output.Overload').reportId, 0x17);
  // battery voltage: report 0x0a, Volt exponent 6 → 0.1 V; flagged Constant (0xa3) and still a field
  const battery = fieldAt(d, 'UPS.PowerSummary.Voltage');
  assert.equal(battery.reportId, 0x0a);
  assert.equal(battery.attributes & 0x01, 1);
  assert.equal(fmt(value(d, 'UPS.PowerSummary.Voltage', 'feature', { '0a': '0a8e00' }), 1), '14.2');
  for (const path of ['UPS.Output.DelayBeforeShutdown', 'UPS.Output.DelayBeforeStartup']) {
    const f = fieldAt(d, path);
    assert.deepEqual([f.reportId, f.physicalMin, f.physicalMax], [path.endsWith('Shutdown') ? 0x15 : 0x16, -60, 1966020]);
  }
  // string-table reports with Report Count 62: 63 data bytes declared (NUT's wrapped offsets would say 32)
  assert.equal(d.parsed.reportLength('feature', 0x28), 64);
  assert.equal(d.parsed.reportLength('feature', 0x29), 64);
});

test('Eaton 5E: indexed collections print as [n], and the output frequency has Hertz exponent −1', () => {
  const d = device('eaton-5e.json');
  for (const path of [
    'UPS.Flow.[4].ConfigVoltage',
    'UPS.PowerConverter.Input.[1].Voltage',
    'UPS.PowerConverter.Input.[1].PresentStatus.Boost',
    'UPS.PowerConverter.Input.[3].StartOnBattery',
    'UPS.OutletSystem.Outlet.[1].PresentStatus.Switchable',
  ]) {
    assert.ok(findField(d.parsed, path, 'feature', d.names), path);
  }
  const frequency = fieldAt(d, 'UPS.PowerConverter.Output.Frequency');
  assert.deepEqual([frequency.reportId, frequency.unit, frequency.unitExponent], [0x0e, 0x0000f001, -1]);
  // made-up report 0x0e: input 230 V, output 50.0 Hz, output 230 V
  const report = { '0e': '0ee600f401e600' };
  assert.equal(fmt(value(d, 'UPS.PowerConverter.Output.Frequency', 'feature', report), 1), '50.0');
  assert.equal(value(d, 'UPS.PowerConverter.Input.[1].Voltage', 'feature', report), 230);
  assert.equal(value(d, 'UPS.PowerConverter.Output.Voltage', 'feature', report), 230);
});

test('Tripp Lite 09ae:3016: Volt with exponent 1 gives 1214 × 1e-6, which the subdriver’s ×100000 turns into 121.4', () => {
  const d = device('tripplite-09ae-3016.json');
  const v = value(d, 'UPS.PowerSummary.Input.Voltage');
  let micro = 1;
  for (let i = 0; i < 6; i++) micro = 0.1 * micro;
  assert.equal(v, 1214 * micro);
  assert.equal(fmt(v * 100000, 1), d.fx.nutOracle.variables['input.voltage']);
  // `22 20 00`: only Used is set in UPS.PowerConverter.PresentStatus
  assert.equal(value(d, 'UPS.PowerConverter.PresentStatus.Used'), 1);
  for (const bit of ['VoltageOutOfRange', 'Buck', 'Boost', 'Overload', 'OverTemperature', 'InternalFailure', 'AwaitingPower']) {
    assert.equal(value(d, `UPS.PowerConverter.PresentStatus.${bit}`), 0, bit);
  }
});
