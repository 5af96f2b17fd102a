// Path strings as NUT prints and reads them (docs/hid-mapping.md §1.3, §1.4; libhid.c path_to_string,
// string_to_path, FindObject_with_Path).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDescriptor } from './descriptor.ts';
import { findField, fieldPath, parsePath, pathName, usageNames } from './usages.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const UPS = 0x00840004;
const generic = usageNames('generic');

test('paths print with the generic Power Device and Battery System names', () => {
  assert.equal(pathName([UPS, 0x00840024, 0x00850066], generic), 'UPS.PowerSummary.RemainingCapacity');
  assert.equal(pathName([UPS, 0x00840024, 0x00840002, 0x008500d0], generic), 'UPS.PowerSummary.PresentStatus.ACPresent');
  assert.equal(pathName([], generic), '');
});

test('a subdriver’s own names come before the generic ones (Tripp Lite’s 0x84-page renames)', () => {
  const path = [UPS, 0x00840024, 0x00840002, 0x00840044];
  assert.equal(pathName(path, generic), 'UPS.PowerSummary.PresentStatus.ConfigActivePower');
  assert.equal(pathName(path, usageNames('tripplite')), 'UPS.PowerSummary.PresentStatus.TLCharging');
  assert.equal(pathName([UPS, 0x008400d0], usageNames('tripplite')), 'UPS.TLACPresent');
});

test('vendor usages are named by the subdriver’s table, not by their page', () => {
  assert.equal(pathName([UPS, 0xff860005, 0xff86007c], usageNames('apc')), 'UPS.APCGeneralCollection.APCDelayBeforeReboot');
  assert.equal(pathName([UPS, 0xff860005], generic), 'UPS.ff860005');
  assert.equal(pathName([UPS, 0xffff0010], usageNames('mge')), 'UPS.Phase');
  assert.equal(pathName([UPS, 0xffff0010], usageNames('tripplite')), 'UPS.TLCustom');
  assert.equal(pathName([UPS, 0x00840024, 0xff0100d0], usageNames('cps')), 'UPS.PowerSummary.CPSFirmwareVersion');
  assert.equal(pathName([UPS, 0x00860026], usageNames('belkin')), 'UPS.BELKINConfig');
  assert.equal(pathName([UPS, 0x00850058], usageNames('apc')), 'UPS.BUPHibernate');
});

test('index nodes print as [n], usage 0 as 00000000 and unknown usages as 8 lower-case hex digits', () => {
  assert.equal(pathName([UPS, 0x0084001e, 0x00ff0004, 0x00840040], generic), 'UPS.Flow.[4].ConfigVoltage');
  assert.equal(pathName([UPS, 0, 0x00840030], generic), 'UPS.00000000.Voltage');
  assert.equal(pathName([UPS, 0xffff00ff, 0xffff00ef], usageNames('apc')), 'UPS.ffff00ff.ffff00ef');
  assert.equal(pathName([0x00860099], generic), '00860099');
});

test('path tokens are names matched ASCII case-insensitively, and the first table entry of a name wins', () => {
  assert.deepEqual(parsePath('ups.powersummary.REMAININGCAPACITY', generic), [UPS, 0x00840024, 0x00850066]);
  // VoltageOutOfRange is on both pages: the 0x84 entry comes first in NUT's table
  assert.deepEqual(parsePath('UPS.PowerSummary.PresentStatus.VoltageOutOfRange', generic).at(-1), 0x00840063);
  const tl = usageNames('tripplite');
  assert.deepEqual(parsePath('UPS.PowerSummary.PresentStatus.TLCharging', tl).at(-1), 0x00840044);
  assert.deepEqual(parsePath('UPS.PowerSummary.ConfigActivePower', tl).at(-1), 0x00840044);
  assert.deepEqual(parsePath('UPS.Undefined', usageNames('mge')), [UPS, 0xffff0000]);
  assert.deepEqual(parsePath('UPS.Undefined', generic), [UPS, 0x00840000]);
  assert.equal(usageNames('generic').usage('\u212Aelvin'), undefined); // no Unicode case folding
});

test('raw hex tokens and [n] tokens are read, and a token that is neither is dropped as NUT drops it', () => {
  assert.deepEqual(parsePath('UPS.ff860024', generic), [UPS, 0xff860024]);
  assert.deepEqual(parsePath('UPS.Flow.[4].ConfigVoltage', generic), [UPS, 0x0084001e, 0x00ff0004, 0x00840040]);
  assert.deepEqual(parsePath('UPS.00000000.Voltage', generic), [UPS, 0, 0x00840030]);
  assert.deepEqual(parsePath('UPS.NoSuchName.Voltage', generic), [UPS, 0x00840030]);
  assert.deepEqual(parsePath('UPS..Voltage', generic), [UPS, 0x00840030]);
  assert.deepEqual(parsePath('UPS.123456789', generic), [UPS]);
  assert.deepEqual(parsePath('', generic), []);
});

test('every printed path of a parsed descriptor reads back to the same usages', () => {
  const parsed = parseDescriptor(
    hex(
      '05 84 09 04 a1 01 09 1e a1 84 85 01 09 40 75 08 95 01 15 00 26 ff 00 b1 02 c0 ' +
        '0b 05 00 86 ff a1 00 85 02 0b 7c 00 86 ff b1 02 c0 a1 02 85 03 09 30 b1 02 c0 c0',
    ),
  );
  for (const names of [generic, usageNames('apc'), usageNames('mge')]) {
    for (const f of parsed.fields) assert.deepEqual(parsePath(fieldPath(f, names), names), f.usages);
  }
});

// UPS.PowerSummary: Voltage (ID 1 input, ID 1 feature), padding, ConfigVoltage (ID 2 feature); UPS.Input.Voltage (ID 3)
const DESCRIPTOR = hex(
  '05 84 09 04 a1 01 09 24 a1 00 75 08 95 01 15 00 26 ff 00 ' +
    '85 01 09 30 81 02 09 30 b1 02 b1 03 85 02 09 40 b1 02 c0 ' +
    '09 1a a1 00 85 03 09 30 b1 02 c0 c0',
);

test('findField finds the field of the requested report type by path', () => {
  const parsed = parseDescriptor(DESCRIPTOR);
  const feature = findField(parsed, 'UPS.PowerSummary.Voltage', 'feature', generic);
  assert.equal(feature?.type, 'feature');
  assert.equal(feature?.reportId, 1);
  assert.equal(findField(parsed, 'UPS.PowerSummary.Voltage', 'input', generic)?.type, 'input');
  assert.equal(findField(parsed, 'UPS.PowerSummary.ConfigVoltage', 'input', generic), undefined);
  assert.equal(findField(parsed, 'UPS.Input.Voltage', 'feature', generic)?.reportId, 3);
  assert.equal(findField(parsed, 'ups.input.voltage', 'feature', generic)?.reportId, 3);
  assert.equal(findField(parsed, 'UPS.Output.Voltage', 'feature', generic), undefined);
  assert.equal(findField(parsed, 'NoSuchName', 'feature', generic), undefined);
  assert.equal(findField(parsed, '', 'feature', generic), undefined);
});

test('findField matches like NUT’s FindObject_with_Path: the first field whose path begins with the given one', () => {
  const parsed = parseDescriptor(DESCRIPTOR);
  // NUT compares only as many nodes as the wanted path has
  assert.equal(findField(parsed, 'UPS.PowerSummary', 'feature', generic)?.usages.at(-1), 0x00840030);
  assert.equal(findField(parsed, 'UPS.Input', 'feature', generic)?.reportId, 3);
  // a dropped token shortens the path: UPS.Bogus.ConfigVoltage is UPS.ConfigVoltage, which no field begins with
  assert.equal(findField(parsed, 'UPS.Bogus.ConfigVoltage', 'feature', generic), undefined);
  // padding fields are never found (NUT does not keep them)
  assert.equal(findField(parsed, 'UPS.PowerSummary.00000000', 'feature', generic), undefined);
});

test('findField looks up Tripp Lite’s renamed usages under either name', () => {
  const parsed = parseDescriptor(
    hex('05 84 09 04 a1 01 09 24 a1 00 09 02 a1 02 85 32 09 44 75 01 95 01 15 00 25 01 b1 02 c0 c0 c0'),
  );
  const tl = usageNames('tripplite');
  const a = findField(parsed, 'UPS.PowerSummary.PresentStatus.TLCharging', 'feature', tl);
  assert.ok(a);
  assert.equal(findField(parsed, 'UPS.PowerSummary.PresentStatus.ConfigActivePower', 'feature', tl), a);
  assert.equal(fieldPath(a, tl), 'UPS.PowerSummary.PresentStatus.TLCharging');
});
