// UPS fixtures in the format of test/fixtures/ups/README.md: a real HID report descriptor, report bytes,
// and what NUT's usbhid-ups published for them. Parsing is pure: the caller reads the file.

export interface Fixture {
  model: string;
  usb: { vendorId: string; productId: string; manufacturer?: string; product?: string; serialNumber?: string };
  strings: Record<string, string>;
  /** report descriptor bytes */
  descriptor: Buffer;
  /** report id (2 hex digits) → full GET_REPORT(Feature) bytes, report id first */
  feature: Map<number, Buffer>;
  input: Map<number, Buffer>;
  /** variables upsc printed for a real unit (may be empty) */
  expected: Record<string, string>;
  expectedCommands: string[];
  /** what NUT 2.8.5's usbhid-ups published for exactly these bytes */
  oracle: { variables: Record<string, string>; commands: string[] } | undefined;
}

export class FixtureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FixtureError';
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hexBytes(where: string, v: unknown): Buffer {
  if (typeof v !== 'string' || !/^([0-9a-f]{2})*$/.test(v)) throw new FixtureError(`${where}: expected lower-case hex`);
  return Buffer.from(v, 'hex');
}

function stringMap(where: string, v: unknown): Record<string, string> {
  if (v === undefined) return {};
  if (!isRecord(v)) throw new FixtureError(`${where}: expected an object`);
  for (const [k, x] of Object.entries(v)) if (typeof x !== 'string') throw new FixtureError(`${where}.${k}: expected a string`);
  return v as Record<string, string>;
}

function stringList(where: string, v: unknown): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new FixtureError(`${where}: expected a list of strings`);
  return v as string[];
}

function reportMap(where: string, v: unknown): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  for (const [id, hex] of Object.entries(stringMap(where, v))) {
    if (!/^[0-9a-f]{2}$/.test(id)) throw new FixtureError(`${where}: report id ${JSON.stringify(id)} is not 2 hex digits`);
    out.set(parseInt(id, 16), hexBytes(`${where}.${id}`, hex));
  }
  return out;
}

export function parseFixture(text: string): Fixture {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new FixtureError(`not JSON: ${(err as Error).message}`);
  }
  if (!isRecord(raw)) throw new FixtureError('expected a JSON object');
  if (typeof raw.model !== 'string') throw new FixtureError('model: expected a string');
  if (!isRecord(raw.usb)) throw new FixtureError('usb: expected an object');
  const usb = stringMap('usb', raw.usb);
  if (!/^[0-9a-f]{4}$/.test(usb.vendorId ?? '') || !/^[0-9a-f]{4}$/.test(usb.productId ?? '')) {
    throw new FixtureError('usb.vendorId / usb.productId: expected 4 lower-case hex digits');
  }
  let oracle: Fixture['oracle'];
  if (raw.nutOracle !== undefined) {
    if (!isRecord(raw.nutOracle)) throw new FixtureError('nutOracle: expected an object');
    oracle = {
      variables: stringMap('nutOracle.variables', raw.nutOracle.variables),
      commands: stringList('nutOracle.commands', raw.nutOracle.commands),
    };
  }
  return {
    model: raw.model,
    usb: usb as Fixture['usb'],
    strings: stringMap('strings', raw.strings),
    descriptor: hexBytes('descriptor', raw.descriptor),
    feature: reportMap('feature', raw.feature),
    input: reportMap('input', raw.input),
    expected: stringMap('expected', raw.expected),
    expectedCommands: stringList('expectedCommands', raw.expectedCommands),
    oracle,
  };
}
