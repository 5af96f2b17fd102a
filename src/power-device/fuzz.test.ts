// Bad input for the driver's pure layers: 100,000 mutated descriptors (bit flips, truncation, unbalanced
// collections, huge counts and sizes, wrong report IDs) and 100,000 mutated reports (short, long, wrong ID,
// random) from the real fixtures. Each descriptor parses or fails with HidDescriptorError; each report is
// decoded into values the UPS model accepts (printable, ≤ 256 bytes) or skipped; nothing else is thrown, and
// every loop is bounded in count and time. Seeded, so a failure can be replayed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { parseDescriptor } from '../hid/descriptor.ts';
import { fixReportDescriptor } from '../hid/fixes.ts';
import { HidDescriptorError } from '../hid/types.ts';
import { UpsModel } from '../ups/model.ts';
import { mulberry32 } from '../../test/helpers/random.ts';
import { PowerDevice } from './power-device.ts';
import { ReportError, type ReportSource } from './types.ts';

const DIR = new URL('../../test/fixtures/ups/', import.meta.url);
interface Raw {
  usb: { vendorId: string; productId: string; manufacturer?: string; product?: string; serialNumber?: string };
  descriptor: string;
  feature: Record<string, string>;
  input: Record<string, string>;
}
const fixtures = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => ({ file: f, raw: JSON.parse(readFileSync(new URL(f, DIR), 'utf8')) as Raw }));

/** Items that break parsers: huge Report Count / Size, IDs 0 and 255, stray collections, 4-byte usages and
 *  ranges, a long item, a truncated 4-byte item. */
const HOSTILE_ITEMS = ['95ff', '96ffff', '97ffffffff', '75ff', '7520', 'a101', 'a181', 'c0', '85ff', '8500', '0bffffffff', '27ffffffff', '17ffffffff', 'fe0500', '55ff', '67ffffffff', 'b102', '8102', '0b'].map(
  (h) => Buffer.from(h, 'hex'),
);

function mutate(bytes: Buffer, rnd: () => number): Buffer {
  const pick = (n: number): number => Math.floor(rnd() * n);
  let b = Buffer.from(bytes);
  const rounds = 1 + pick(4);
  for (let r = 0; r < rounds; r++) {
    switch (pick(6)) {
      case 0: // flip bits
        if (b.length > 0) b[pick(b.length)]! ^= 1 << pick(8);
        break;
      case 1: // truncate
        b = b.subarray(0, pick(b.length + 1));
        break;
      case 2: {
        // insert a hostile item
        const at = pick(b.length + 1);
        b = Buffer.concat([b.subarray(0, at), HOSTILE_ITEMS[pick(HOSTILE_ITEMS.length)]!, b.subarray(at)]);
        break;
      }
      case 3: {
        // delete a slice
        const at = pick(b.length + 1);
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + pick(16))]);
        break;
      }
      case 4: {
        // duplicate a slice (repeated collections, repeated main items)
        const at = pick(b.length + 1);
        const slice = b.subarray(at, at + 1 + pick(64));
        b = Buffer.concat([b.subarray(0, at), slice, slice, b.subarray(at)]);
        break;
      }
      default: // random bytes
        b = Buffer.concat([b, Buffer.from(Array.from({ length: pick(32) }, () => pick(256)))]);
    }
  }
  return b;
}

test('100,000 mutated descriptors either parse or fail with a HidDescriptorError, quickly', () => {
  const rnd = mulberry32(0x5eed_d35c);
  const deadline = Date.now() + 120_000;
  let parsed = 0;
  let refused = 0;
  const reasons = new Map<string, number>();
  for (let i = 0; i < 100_000; i++) {
    const { raw } = fixtures[i % fixtures.length]!;
    const bytes = mutate(Buffer.from(raw.descriptor, 'hex'), rnd);
    try {
      const d = parseDescriptor(bytes);
      fixReportDescriptor(d, { vendorId: raw.usb.vendorId, productId: raw.usb.productId });
      for (const f of d.fields) {
        assert.ok(f.bitSize >= 0 && f.bitOffset >= 0 && Number.isFinite(f.logicalMin) && Number.isFinite(f.logicalMax));
      }
      parsed++;
    } catch (err) {
      if (!(err instanceof HidDescriptorError)) throw new Error(`case ${i} (${bytes.toString('hex')}): ${(err as Error).stack}`);
      assert.ok(err.message.length > 0 && err.message.length < 300);
      const key = err.message.replace(/\d+/g, 'N');
      reasons.set(key, (reasons.get(key) ?? 0) + 1);
      refused++;
    }
    if (Date.now() > deadline) assert.fail(`too slow: ${i} descriptors in 120 s`);
  }
  assert.equal(parsed + refused, 100_000);
  assert.ok(parsed > 10_000 && refused > 1000, `both outcomes are exercised (${parsed} parsed, ${refused} refused)`);
});

/** A device answering GET_REPORT with mutated bytes: short, long, another ID, random, or a failed transfer. */
class MutatingSource implements ReportSource {
  readonly usb: Raw['usb'];
  readonly descriptor: Buffer;
  private readonly feature: Map<number, Buffer>;
  private readonly rnd: () => number;
  calls = 0;
  constructor(raw: Raw, rnd: () => number) {
    this.usb = raw.usb;
    this.descriptor = Buffer.from(raw.descriptor, 'hex');
    this.feature = new Map(Object.entries(raw.feature).map(([id, hex]) => [parseInt(id, 16), Buffer.from(hex, 'hex')]));
    this.rnd = rnd;
  }
  async getFeature(reportId: number, length: number): Promise<Buffer> {
    this.calls++;
    const pick = (n: number): number => Math.floor(this.rnd() * n);
    const real = this.feature.get(reportId) ?? Buffer.from([reportId]);
    switch (pick(8)) {
      case 0:
        throw new ReportError('io', 'stall');
      case 1:
        return real.subarray(0, pick(real.length + 1)); // short, maybe empty
      case 2:
        return Buffer.concat([real, Buffer.alloc(pick(600), 0xff)]); // long
      case 3:
        return Buffer.from([pick(256), ...real.subarray(1)]); // another report's ID
      case 4:
        return Buffer.from(Array.from({ length: pick(length + 8) }, () => pick(256)));
      default:
        return mutate(real, this.rnd).subarray(0, 512);
    }
  }
  async setFeature(): Promise<void> {}
  async getString(index: number): Promise<string | undefined> {
    return index % 3 === 0 ? undefined : String.fromCharCode(...Array.from({ length: Math.floor(this.rnd() * 300) }, () => Math.floor(this.rnd() * 256)));
  }
}

test('100,000 mutated reports, polled and as interrupt reports, become valid values or are skipped, never a crash', async () => {
  const rnd = mulberry32(0xbad_4e9);
  const deadline = Date.now() + 120_000;
  let reports = 0;
  for (const { file, raw } of fixtures) {
    const source = new MutatingSource(raw, rnd);
    // the real UPS model as sink: it throws on a value a NUT client could not receive
    const ups = new UpsModel({ name: 'ups' });
    const device = await PowerDevice.open(source, ups).catch((err: Error) => assert.fail(`${file}: open: ${err.stack}`));
    const inputIds = [...new Set([...Object.keys(raw.input), ...Object.keys(raw.feature)].map((id) => parseInt(id, 16)))];
    while (reports < ((fixtures.indexOf(fixtures.find((f) => f.file === file)!) + 1) * 100_000) / fixtures.length) {
      if (rnd() < 0.02) {
        const before = source.calls;
        const result = await device.update(rnd() < 0.5 ? 'quick' : 'full');
        assert.ok(result === 'ok' || result === 'gone');
        reports += source.calls - before;
      } else {
        const id = inputIds.length > 0 && rnd() < 0.8 ? inputIds[Math.floor(rnd() * inputIds.length)]! : Math.floor(rnd() * 256);
        const report = mutate(Buffer.from([id, ...Buffer.from(raw.input[id.toString(16).padStart(2, '0')] ?? '00', 'hex').subarray(1)]), rnd);
        device.onInputReport(report);
        reports++;
      }
      if (Date.now() > deadline) assert.fail(`too slow: ${reports} reports in 120 s`);
    }
    for (const v of ups.variables()) assert.match(v.value, /^[\x20-\x7e]{0,256}$/, `${file}: ${v.name}`);
  }
  assert.ok(reports >= 100_000, `${reports} reports`);
});
