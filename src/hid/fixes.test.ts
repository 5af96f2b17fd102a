// The APC and CyberPower report-descriptor fixes (docs/hid-mapping.md §2.6), with hand-made descriptors for each
// condition. The real descriptors (BK650M2 triggers the APC fix, RS 1000G does not, EC850LCD gets the CPS power
// fix) are in fixtures.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDescriptor } from './descriptor.ts';
import { fixReportDescriptor } from './fixes.ts';
import type { HidField, ParsedDescriptor } from './types.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const ups = (body: string): Buffer => hex(`05 84 09 04 a1 01 ${body} c0`);

const VOLTAGE = 0x00840030;
const CONFIG_VOLTAGE = 0x00840040;

function range(parsed: ParsedDescriptor, reportId: number, usage: number, type = 'feature'): [number, number] {
  const f = parsed.fields.find((x: HidField) => x.reportId === reportId && x.type === type && x.usages.at(-1) === usage);
  assert.ok(f, `no field ${reportId}/${usage.toString(16)}`);
  return [f.logicalMin, f.logicalMax];
}

// 230 V Back-UPS: Input.ConfigVoltage 0x30 0..250, Input.Voltage 0x31 0..255, HighVoltageTransfer 0x33 0..278
const APC_230V = ups(
  '09 1a a1 00 75 08 95 01 85 30 09 40 15 00 26 fa 00 b1 02 ' +
    '85 31 75 10 09 30 26 ff 00 b1 02 85 33 09 54 26 16 01 b1 02 c0',
);
const APC = { vendorId: '051d', productId: '0002' };

test('APC 051d:0002: a HighVoltageTransfer LogMax above the input voltage ranges widens them (0..2·HVT, ConfigVoltage ..255)', () => {
  const parsed = parseDescriptor(APC_230V);
  const log: string[] = [];
  const fixed = fixReportDescriptor(parsed, APC, { log: (m) => log.push(m) });
  assert.notEqual(fixed, parsed);
  assert.deepEqual(range(fixed, 0x31, VOLTAGE), [0, 556]);
  assert.deepEqual(range(fixed, 0x30, CONFIG_VOLTAGE), [0, 255]);
  assert.equal(log.length, 2);
  // the input is not changed, and the layout and warnings of the fixed descriptor are the parsed ones
  assert.deepEqual(range(parsed, 0x31, VOLTAGE), [0, 255]);
  assert.deepEqual(fixed.warnings, parsed.warnings);
  for (const id of [0x30, 0x31, 0x33]) assert.equal(fixed.reportLength('feature', id), parsed.reportLength('feature', id));
  assert.deepEqual(
    fixed.fields.map((f) => [f.reportId, f.bitOffset, f.bitSize]),
    parsed.fields.map((f) => [f.reportId, f.bitOffset, f.bitSize]),
  );
});

test('APC: the fix keeps LogMin of ConfigVoltage and only raises LogMax', () => {
  const parsed = parseDescriptor(
    ups('75 10 95 01 85 30 09 40 15 64 26 fa 00 b1 02 85 33 09 54 15 00 26 16 01 b1 02'),
  );
  assert.deepEqual(range(fixReportDescriptor(parsed, APC), 0x30, CONFIG_VOLTAGE), [100, 255]);
});

test('APC: nothing changes for another product ID, when disabled, or when HVT is within the voltage ranges', () => {
  const parsed = parseDescriptor(APC_230V);
  assert.equal(fixReportDescriptor(parsed, { vendorId: 0x051d, productId: 0x0003 }), parsed);
  assert.equal(fixReportDescriptor(parsed, APC, { disable: true }), parsed);
  // a 120 V model (RS 1000G): HVT 136..142, below the voltage LogMax 255
  const low = parseDescriptor(
    ups('75 10 95 01 15 00 26 ff 00 85 30 09 40 b1 02 85 31 09 30 b1 02 85 33 09 54 16 88 00 26 8e 00 b1 02'),
  );
  assert.equal(fixReportDescriptor(low, APC), low);
});

test('APC: like NUT, only the first field with the report ID and usage is fixed, whatever its type', () => {
  const parsed = parseDescriptor(
    ups('75 10 95 01 15 00 26 ff 00 85 31 09 30 81 02 09 30 b1 02 85 33 09 54 26 16 01 b1 02'),
  );
  const fixed = fixReportDescriptor(parsed, APC);
  assert.deepEqual(range(fixed, 0x31, VOLTAGE, 'input'), [0, 556]);
  assert.deepEqual(range(fixed, 0x31, VOLTAGE, 'feature'), [0, 255]);
});

const CPS = { vendorId: '0764', productId: '0501' };

test('CyberPower (a): voltages declared with the HighVoltageTransfer range get 0..511', () => {
  // HVT 0x10 135..144; Output.Voltage 0x12 and Input.Voltage 0x0f inherit the same range
  const parsed = parseDescriptor(
    ups(
      '75 10 95 01 09 1a a1 00 85 10 09 54 16 87 00 26 90 00 b1 02 85 0f 09 30 b1 02 c0 ' +
        '09 1c a1 00 85 12 09 30 b1 02 c0',
    ),
  );
  const fixed = fixReportDescriptor(parsed, CPS);
  assert.deepEqual(range(fixed, 0x12, VOLTAGE), [0, 511]);
  assert.deepEqual(range(fixed, 0x0f, VOLTAGE), [0, 511]);
  assert.deepEqual(range(fixed, 0x10, 0x00840054), [135, 144]);
});

test('CyberPower (a) needs Output.Voltage to match: an input voltage alone with the HVT range is left alone', () => {
  const parsed = parseDescriptor(
    ups('75 10 95 01 85 10 09 54 16 87 00 26 90 00 b1 02 85 0f 09 30 b1 02 85 12 09 30 15 00 26 2c 01 b1 02'),
  );
  assert.equal(fixReportDescriptor(parsed, { vendorId: '0764', productId: '0601' }), parsed);
});

test('CyberPower (b): a re-read ("assumed") voltage LogMax is raised to at least 511, aligned, and capped at 2^Size − 1', () => {
  // Input.Voltage 0x0f: 16 bits, `26 ff ff` → 65535 assumed; Output.Voltage 0x12: 16 bits, `25 ff` → 255 assumed
  const parsed = parseDescriptor(
    ups('75 10 95 01 85 0f 09 30 15 00 26 ff ff b1 02 85 12 09 30 25 ff b1 02'),
  );
  assert.equal(parsed.warnings.length, 2);
  const fixed = fixReportDescriptor(parsed, CPS);
  assert.deepEqual(range(fixed, 0x0f, VOLTAGE), [0, 65535]);
  assert.deepEqual(range(fixed, 0x12, VOLTAGE), [0, 65535]);
  // with 8-bit fields the cap keeps 255
  const narrow = parseDescriptor(ups('75 08 95 01 85 0f 09 30 15 00 25 ff b1 02 85 12 09 30 b1 02'));
  assert.equal(fixReportDescriptor(narrow, CPS), narrow);
});

test('CyberPower (b) follows NUT’s sticky flag: after one re-read LogMax anywhere, plain voltage ranges are raised too', () => {
  const parsed = parseDescriptor(
    ups('75 10 95 01 85 01 09 35 15 00 25 ff b1 02 85 0f 09 30 26 2c 01 b1 02 85 12 09 30 b1 02'),
  );
  const fixed = fixReportDescriptor(parsed, CPS);
  assert.deepEqual(range(fixed, 0x0f, VOLTAGE), [0, 511]);
  assert.deepEqual(range(fixed, 0x12, VOLTAGE), [0, 511]);
});

test('CyberPower (c): Output.ConfigActivePower LogMax below 2048 becomes 2048 (NUT 2.8.4+)', () => {
  const parsed = parseDescriptor(ups('75 10 95 01 85 18 09 44 15 ff 26 c2 01 b1 02'));
  const fixed = fixReportDescriptor(parsed, CPS);
  assert.deepEqual(range(fixed, 0x18, 0x00840044), [-1, 2048]);
  const big = parseDescriptor(ups('75 10 95 01 85 18 09 44 15 00 26 00 10 b1 02'));
  assert.equal(fixReportDescriptor(big, CPS), big);
});

test('CyberPower fixes apply only to 0764:0501 and 0764:0601', () => {
  const parsed = parseDescriptor(ups('75 10 95 01 85 18 09 44 15 ff 26 c2 01 b1 02'));
  assert.equal(fixReportDescriptor(parsed, { vendorId: '0764', productId: '0005' }), parsed);
  assert.equal(fixReportDescriptor(parsed, { vendorId: '0483', productId: 'a430' }), parsed);
  assert.equal(fixReportDescriptor(parsed, { vendorId: '051d', productId: '0501' }), parsed);
  assert.equal(fixReportDescriptor(parsed, CPS, { disable: true }), parsed);
});
