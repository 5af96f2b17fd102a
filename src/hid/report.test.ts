// The report codec against NUT's arithmetic (docs/hid-mapping.md §1.5 GetValue, §1.6 physical/exponent, §2.5 the
// way HIDSetDataValue writes), with hand-made fields and byte vectors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDescriptor } from './descriptor.ts';
import { fromPhysical, isSettable, readLogical, reportBuffer, toPhysical, unitFactor, writeLogical } from './report.ts';
import type { HidField } from './types.ts';

const VOLT = 0x00f0d121;
const VA = 0x0000d121;
const SECOND = 0x00001001;
const HERTZ = 0x0000f001;
const AMPERE = 0x00100001;

function field(f: Partial<HidField>): HidField {
  return {
    usages: [0x00840004, 0x00840030],
    reportId: 1,
    type: 'feature',
    bitOffset: 0,
    bitSize: 8,
    logicalMin: 0,
    logicalMax: 255,
    physicalMin: undefined,
    physicalMax: undefined,
    unit: 0,
    unitExponent: 0,
    attributes: 0x02,
    assumedLogMax: false,
    padding: false,
    ...f,
  };
}

const bytes = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** NUT's exponent(10, b) for b < 0: 0.1 multiplied in one factor at a time */
function tenths(n: number): number {
  let r = 1;
  for (let i = 0; i < n; i++) r = 0.1 * r;
  return r;
}

test('field bits are assembled little-endian from byte 1, across byte boundaries', () => {
  const f = field({ bitOffset: 3, bitSize: 12, logicalMax: 4095 });
  assert.equal(readLogical(f, bytes('01 e0 55')), 0xabc);
  assert.equal(readLogical(field({ bitOffset: 10, bitSize: 1, logicalMax: 1 }), bytes('16 00 04')), 1);
  // APC Back-UPS CS 500 report 0x0c: RemainingCapacity 24 bits at 0, RunTimeToEmpty 16 bits at 24
  assert.equal(readLogical(field({ bitSize: 24, logicalMax: 16777214 }), bytes('0c 64 00 00 14 0a')), 100);
  assert.equal(readLogical(field({ bitOffset: 24, bitSize: 16, logicalMax: 65534 }), bytes('0c 64 00 00 14 0a')), 2580);
});

test('bytes missing from a short report read as 0', () => {
  const f = field({ bitOffset: 8, bitSize: 16, logicalMax: 65535 });
  assert.equal(readLogical(f, bytes('01 ff 34')), 0x34);
  assert.equal(readLogical(f, bytes('01')), 0);
  assert.equal(readLogical(f, Buffer.alloc(0)), 0);
});

test('only the bits LogMin/LogMax need are kept: a 16-bit field with LogMax 255 keeps its low 8 bits', () => {
  assert.equal(readLogical(field({ bitSize: 16, logicalMax: 255 }), bytes('01 ff 01')), 255);
  assert.equal(readLogical(field({ bitSize: 16, logicalMax: 255 }), bytes('01 07 01')), 7);
  // APC Back-UPS BF500 (§1.5): a 32-bit 0..0xffff field returning 0x80080a00 reads 0x0a00
  assert.equal(readLogical(field({ bitSize: 32, logicalMax: 0xffff }), bytes('01 00 0a 08 80')), 0x0a00);
});

test('a sign bit is used only when LogMin < 0, at the position LogMin/LogMax give it', () => {
  assert.equal(readLogical(field({ bitSize: 16, logicalMin: -1, logicalMax: 32767 }), bytes('15 ff ff')), -1);
  assert.equal(readLogical(field({ bitSize: 16, logicalMin: 0, logicalMax: 65535 }), bytes('15 ff ff')), 65535);
  // the sign bit of -1..32767 is bit 15: an 8-bit field never has it
  assert.equal(readLogical(field({ bitSize: 8, logicalMin: -1, logicalMax: 32767 }), bytes('15 ff')), 255);
  assert.equal(readLogical(field({ bitSize: 8, logicalMin: -128, logicalMax: 127 }), bytes('01 80')), -128);
  assert.equal(readLogical(field({ bitSize: 8, logicalMin: -1, logicalMax: 0 }), bytes('01 01')), -1);
});

test('values outside [LogMin, LogMax] are clamped', () => {
  // CyberPower `12 79 00` before the CPS fix: 121 with LogMin 136 / LogMax 142 reads 136 (§1.5)
  assert.equal(readLogical(field({ bitSize: 16, logicalMin: 136, logicalMax: 142 }), bytes('12 79 00')), 136);
  assert.equal(readLogical(field({ logicalMax: 100 }), bytes('01 65')), 100);
  assert.equal(readLogical(field({ logicalMin: 5, logicalMax: 3 }), bytes('01 04')), 5); // NUT tests LogMin first
});

test('32-bit fields decode without JavaScript’s signed 32-bit bitwise arithmetic', () => {
  const signed = field({ bitSize: 32, logicalMin: -1, logicalMax: 2147483647 });
  assert.equal(readLogical(signed, bytes('09 ff ff ff ff')), -1);
  assert.equal(readLogical(signed, bytes('09 ff ff ff 7f')), 2147483647);
  const full = field({ bitSize: 32, logicalMin: -2147483648, logicalMax: 2147483647 });
  assert.equal(readLogical(full, bytes('09 00 00 00 80')), -2147483648);
  const unsigned = field({ bitSize: 32, logicalMin: 0, logicalMax: 4294967295, assumedLogMax: true });
  assert.equal(readLogical(unsigned, bytes('09 fe ff ff ff')), 4294967294);
  // a range wider than 32 bits (the APC fix doubles LogMax): 33 bits are read
  const wide = field({ bitOffset: 4, bitSize: 40, logicalMin: 0, logicalMax: 2 ** 33 - 2 });
  const report = Buffer.alloc(7);
  writeLogical(wide, report, 2 ** 33 - 3);
  assert.equal(readLogical(wide, report), 2 ** 33 - 3);
});

test('the unit exponent is applied as 10^(UnitExp − k), with k = 7 for Volt and VA/W and 0 otherwise', () => {
  // APC battery `26 46 05` = 1350, Volt exponent 5 → 13.5 (§1.6), with NUT's last bit: 1350 · (0.1 · 0.1)
  const battery = field({ bitSize: 16, logicalMax: 65535, unit: VOLT, unitExponent: 5 });
  assert.equal(toPhysical(battery, 1350), 1350 * tenths(2));
  assert.equal(toPhysical(battery, 1350).toFixed(1), '13.5');
  assert.equal(toPhysical(field({ unit: VOLT, unitExponent: 7 }), 232), 232);
  assert.equal(toPhysical(field({ unit: VOLT, unitExponent: 6, bitSize: 16, logicalMax: 65535 }), 1200).toFixed(1), '120.0');
  assert.equal(toPhysical(field({ unit: VA, unitExponent: 7 }), 390), 390);
  assert.equal(toPhysical(field({ unit: SECOND, unitExponent: 0 }), 300), 300);
  // Hertz with exponent 0x0F (−1): Eaton 5E, Tripp Lite 4003 `19 58 02` = 600 → 60.0
  assert.equal(toPhysical(field({ unit: HERTZ, unitExponent: -1 }), 600).toFixed(1), '60.0');
  assert.equal(toPhysical(field({ unit: AMPERE, unitExponent: -2 }), 150), 150 * tenths(2));
  // an unknown unit code has k = 0
  assert.equal(toPhysical(field({ unit: 0x00012345, unitExponent: 2 }), 3), 300);
  assert.equal(unitFactor(field({ unit: VOLT, unitExponent: 1 })), tenths(6));
});

test('a physical range maps logical to physical and clamps, only when it is a real range', () => {
  // CyberPower delays: LogMin −1, LogMax 32767, PhyMin −60, PhyMax 1966020 → minutes shown as seconds (§1.6)
  const delay = field({ bitSize: 16, logicalMin: -1, logicalMax: 32767, physicalMin: -60, physicalMax: 1966020, unit: SECOND });
  assert.equal(toPhysical(delay, readLogical(delay, bytes('15 ff ff'))), -60);
  assert.equal(toPhysical(delay, 0), 0);
  assert.equal(toPhysical(delay, 2), 120);
  assert.equal(toPhysical(field({ logicalMin: 0, logicalMax: 10, physicalMin: 0, physicalMax: 100 }), 20), 100);
  // NUT's "paranoia": PhyMax ≤ PhyMin or LogMax ≤ LogMin → the logical value as is
  assert.equal(toPhysical(field({ physicalMin: 10, physicalMax: 10 }), 7), 7);
  assert.equal(toPhysical(field({ logicalMin: 5, logicalMax: 5, physicalMin: 0, physicalMax: 100 }), 5), 5);
});

test('fromPhysical truncates toward zero like NUT’s (long) cast, it does not round', () => {
  const delay = field({ bitSize: 16, logicalMin: -1, logicalMax: 32767, physicalMin: -60, physicalMax: 1966020, unit: SECOND });
  // §2.5: writing 20 s gives (20 + 60)/60 → 1, − 1 = 0 minutes
  assert.equal(fromPhysical(delay, 20), 0);
  assert.equal(fromPhysical(delay, 60), 1);
  assert.equal(fromPhysical(delay, 119), 0 + 1);
  assert.equal(fromPhysical(delay, -1), -1);
  // 13.5 V on a Volt field with exponent 5: 13.5 / 0.010000000000000002 = 1349.999… → 1349, as NUT writes it
  assert.equal(fromPhysical(field({ bitSize: 16, logicalMax: 65535, unit: VOLT, unitExponent: 5 }), 13.5), 1349);
  assert.equal(fromPhysical(field({ logicalMin: -128, logicalMax: 127 }), -1.5), -1);
  assert.ok(Object.is(fromPhysical(field({}), -0.5), 0));
  assert.throws(() => fromPhysical(field({}), Number.NaN), RangeError);
});

test('fromPhysical clamps to [LogMin, LogMax] only when a physical range applies; writeLogical then keeps the low bits', () => {
  const ranged = field({ logicalMin: 0, logicalMax: 100, physicalMin: 0, physicalMax: 1000 });
  assert.equal(fromPhysical(ranged, 5000), 100);
  assert.equal(fromPhysical(ranged, -5), 0);
  const plain = field({ logicalMin: 0, logicalMax: 255 });
  assert.equal(fromPhysical(plain, 300), 300);
  const report = bytes('01 00');
  writeLogical(plain, report, 300);
  assert.equal(report[1], 300 & 0xff);
});

test('writeLogical replaces only the field’s bits, for a read-modify-write SET_REPORT', () => {
  const report = bytes('01 ff ff ff');
  writeLogical(field({ bitOffset: 4, bitSize: 8 }), report, 0);
  assert.equal(report.toString('hex'), '010ff0ff');
  writeLogical(field({ bitOffset: 8, bitSize: 16, logicalMin: -1, logicalMax: 32767 }), report, -1);
  assert.equal(report.toString('hex'), '010fffff');
  writeLogical(field({ bitOffset: 0, bitSize: 1, logicalMax: 1 }), report, 0);
  assert.equal(report.toString('hex'), '010effff');
});

test('writeLogical and readLogical round-trip every size and offset', () => {
  for (let size = 1; size <= 32; size++) {
    for (const offset of [0, 1, 7, 8, 13]) {
      for (const signed of [false, true]) {
        const f = signed
          ? field({ bitOffset: offset, bitSize: size, logicalMin: -(2 ** (size - 1)), logicalMax: 2 ** (size - 1) - 1 })
          : field({ bitOffset: offset, bitSize: size, logicalMin: 0, logicalMax: 2 ** size - 1 });
        for (const v of [f.logicalMin, f.logicalMax, Math.trunc((f.logicalMin + f.logicalMax) / 3) + 0]) {
          const report = Buffer.alloc(1 + Math.ceil((offset + size) / 8), 0xa5);
          writeLogical(f, report, v);
          assert.equal(readLogical(f, report), v, `size ${size} offset ${offset} value ${v}`);
        }
      }
    }
  }
});

test('writeLogical refuses a buffer too short for the field and a value that is not an integer', () => {
  assert.throws(() => writeLogical(field({ bitOffset: 8, bitSize: 16 }), bytes('01 00'), 1), RangeError);
  assert.throws(() => writeLogical(field({}), bytes('01 00'), 1.5), RangeError);
});

test('reportBuffer zero-fills a short report to its declared length and cuts a long one', () => {
  const parsed = parseDescriptor(
    bytes('05 84 09 04 a1 01 85 20 09 30 75 08 95 01 15 00 26 ff 00 b1 02 75 01 95 17 b1 03 85 21 09 31 75 10 81 02 c0'),
  );
  assert.equal(parsed.reportLength('feature', 0x20), 5);
  assert.equal(reportBuffer(parsed, 'feature', 0x20, bytes('20 2a')).toString('hex'), '202a000000');
  assert.equal(reportBuffer(parsed, 'feature', 0x20, bytes('20 01 02 03 04 05 06')).toString('hex'), '2001020304');
  assert.equal(reportBuffer(parsed, 'feature', 0x20).toString('hex'), '2000000000');
  // the padding item left Report Count at 23: report 0x21 is declared 23 × 16 bits (the BK650M2 case)
  const leaked = reportBuffer(parsed, 'input', 0x21, Buffer.alloc(0));
  assert.equal(leaked.length, 47);
  assert.equal(leaked.toString('hex'), '21' + '00'.repeat(46));
  assert.throws(() => reportBuffer(parsed, 'input', 0x20), /not a declared input report/);
});

test('reportBuffer for any type takes the longest layout the report ID has, as NUT keeps one buffer per ID', () => {
  // report 0x20: a 1-byte Feature field and a 3-byte Input field under the same ID
  const parsed = parseDescriptor(bytes('05 84 09 04 a1 01 85 20 09 30 75 08 95 01 15 00 26 ff 00 b1 02 09 31 75 18 81 02 c0'));
  assert.equal(parsed.reportLength('feature', 0x20), 2);
  assert.equal(parsed.reportLength('input', 0x20), 4);
  assert.equal(reportBuffer(parsed, 'any', 0x20, bytes('20 2a')).toString('hex'), '202a0000');
  assert.equal(reportBuffer(parsed, 'feature', 0x20, bytes('20 2a 01')).toString('hex'), '202a');
  assert.throws(() => reportBuffer(parsed, 'any', 0x21), /not a declared report/);
});

test('only fields whose attribute byte is exactly 0x01 are refused for writing, as in NUT', () => {
  assert.equal(isSettable(field({ attributes: 0x01 })), false);
  assert.equal(isSettable(field({ attributes: 0x03 })), true);
  assert.equal(isSettable(field({ attributes: 0xa3 })), true);
  assert.equal(isSettable(field({ attributes: 0x02 })), true);
});
