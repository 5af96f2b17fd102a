// Test doubles for the power-device tests: a ReportSource that answers from a UPS fixture
// (test/fixtures/ups/README.md, "nutOracle" rules) and a VariableSink that records what is published.
// No I/O here: the tests read the fixture files and pass the parsed JSON in.
import { parseDescriptor } from '../hid/descriptor.ts';
import { readLogical } from '../hid/report.ts';
import { ReportError } from './types.ts';
import type { PublishedType, ReportSource, UsbIdentity, VariableSink } from './types.ts';

export interface UpsFixture {
  readonly model: string;
  readonly usb: { vendorId: string; productId: string; manufacturer?: string; product?: string; serialNumber?: string };
  readonly strings: Readonly<Record<string, string>>;
  readonly descriptor: string;
  readonly feature: Readonly<Record<string, string>>;
  readonly input: Readonly<Record<string, string>>;
  readonly nutOracle: {
    readonly version: string;
    readonly subdriver: string;
    readonly variables: Readonly<Record<string, string>>;
    readonly commands: readonly string[];
  };
}

const I_MANUFACTURER = 0x008400fd;
const I_PRODUCT = 0x008400fe;
const I_SERIAL = 0x008400ff;

/**
 * GET_REPORT(Feature) answered from `feature` (short reports as recorded; missing IDs fail like a stalled
 * request: ReportError('io')), SET_REPORT recorded, USB strings from `strings` plus the manufacturer / product /
 * serial strings at the index the device's own iManufacturer / iProduct / iSerialNumber item holds, else 1/2/3.
 */
export class FixtureSource implements ReportSource {
  readonly usb: UsbIdentity;
  readonly descriptor: Buffer;
  readonly features = new Map<number, Buffer>();
  readonly writes: Buffer[] = [];
  readonly gets: number[] = [];
  private readonly strings = new Map<number, string>();
  /** when set, every transfer fails this way */
  failure: 'io' | 'gone' | undefined;

  constructor(fixture: UpsFixture) {
    this.usb = { ...fixture.usb };
    this.descriptor = Buffer.from(fixture.descriptor, 'hex');
    for (const [id, hex] of Object.entries(fixture.feature)) this.features.set(parseInt(id, 16), Buffer.from(hex, 'hex'));
    for (const [index, text] of Object.entries(fixture.strings)) this.strings.set(Number(index), text);
    const parsed = parseDescriptor(this.descriptor);
    const indexOf = (usage: number, fallback: number): number => {
      const field = parsed.fields.find((f) => f.type === 'feature' && f.usages[f.usages.length - 1] === usage);
      const bytes = field && this.features.get(field.reportId);
      if (!field || !bytes) return fallback;
      const buffer = Buffer.alloc(Math.max(bytes.length, parsed.reportLength('feature', field.reportId)));
      bytes.copy(buffer);
      const index = readLogical(field, buffer);
      return index > 0 ? index : fallback;
    };
    const place = (usage: number, fallback: number, text: string | undefined): void => {
      if (text === undefined) return;
      const index = indexOf(usage, fallback);
      if (!this.strings.has(index)) this.strings.set(index, text);
    };
    place(I_MANUFACTURER, 1, fixture.usb.manufacturer);
    place(I_PRODUCT, 2, fixture.usb.product);
    place(I_SERIAL, 3, fixture.usb.serialNumber);
  }

  async getFeature(reportId: number, _length: number): Promise<Buffer> {
    this.gets.push(reportId);
    if (this.failure) throw new ReportError(this.failure, `GET_REPORT 0x${reportId.toString(16)} failed`);
    const bytes = this.features.get(reportId);
    if (!bytes) throw new ReportError('io', `GET_REPORT 0x${reportId.toString(16)}: stalled`);
    return Buffer.from(bytes);
  }

  async setFeature(report: Buffer): Promise<void> {
    if (this.failure) throw new ReportError(this.failure, 'SET_REPORT failed');
    this.writes.push(Buffer.from(report));
    // the device now answers with what was written
    this.features.set(report[0]!, Buffer.from(report));
  }

  async getString(index: number): Promise<string | undefined> {
    const text = this.strings.get(index);
    if (text === undefined) throw new ReportError('io', `string ${index}: no such string`);
    return text;
  }

  /** The Input reports of the fixture, as the interrupt endpoint delivers them. */
  static inputs(fixture: UpsFixture): Buffer[] {
    return Object.values(fixture.input).map((hex) => Buffer.from(hex, 'hex'));
  }
}

/** Records variables, their types and the commands, like the UPS model does. */
export class RecordingSink implements VariableSink {
  readonly vars = new Map<string, string>();
  readonly types = new Map<string, PublishedType>();
  readonly commands = new Set<string>();

  setVariable(name: string, value: string, type?: PublishedType): void {
    this.vars.set(name, value);
    if (type) this.types.set(name, { ...this.types.get(name), ...type });
  }

  getVariable(name: string): { value: string } | undefined {
    const value = this.vars.get(name);
    return value === undefined ? undefined : { value };
  }

  removeVariable(name: string): void {
    this.vars.delete(name);
    this.types.delete(name);
  }

  addCommand(name: string): void {
    this.commands.add(name);
  }

  /** variables as a plain sorted object, for deepEqual against nutOracle.variables */
  snapshot(): Record<string, string> {
    return Object.fromEntries([...this.vars.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  commandList(): string[] {
    return [...this.commands].sort();
  }
}
