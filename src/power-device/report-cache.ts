// The device's reports as the mapping reads and writes them (docs/hid-mapping.md §2.5, §3.3): GET_REPORT once
// per walk or write, the last bytes seen per report ID for a write's read-modify-write, and USB strings.
//
// Deliberate differences from NUT 2.8.5 (listed in power-device.test.ts): a GET_REPORT result is kept for one
// operation, not for `pollinterval` seconds, and a report that failed is not asked for again in the same
// operation; the buffer is zero-filled on every read instead of keeping stale bytes past a short answer, and its
// length is the true declared one (NUT's 8-bit offsets wrap past 32 bytes).
import { readLogical, reportBuffer, toPhysical } from '../hid/report.ts';
import type { HidField, ParsedDescriptor } from '../hid/types.ts';
import { PowerDeviceError, ReportError } from './types.ts';
import type { ReportSource } from './types.ts';

/** GET_REPORT results for one operation: a buffer, or 'io' for a report that failed. */
export type ReportCache = Map<number, Buffer | 'io'>;

/** A device that is unplugged or unusable (ReportError 'gone') aborts the operation. */
export class Gone extends Error {}

/** Characters NUT cannot show become '?'. */
export function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

export class DeviceReports {
  private readonly source: ReportSource;
  private readonly parsed: ParsedDescriptor;
  /** APC Back-UPS ES 525 / CS send more than they declare: ask for 64 bytes (NUT's max_report_size) */
  private readonly askForMore: boolean;
  /** the last bytes seen per report ID (GET or Input), for the read-modify-write of a SET */
  private readonly lastReport = new Map<number, Buffer>();

  constructor(source: ReportSource, parsed: ParsedDescriptor, askForMore: boolean) {
    this.source = source;
    this.parsed = parsed;
    this.askForMore = askForMore;
  }

  /** GET_REPORT(Feature) once per operation; 'io' for a failed one; throws Gone when the device is gone. */
  async get(id: number, cache: ReportCache): Promise<Buffer | 'io'> {
    const cached = cache.get(id);
    if (cached !== undefined) return cached;
    // the length of NUT's one buffer for this ID, whatever its type (drivers/libhid.c new_report_buffer)
    const length = Math.max(...(['feature', 'input', 'output'] as const).map((t) => this.parsed.reportLength(t, id)));
    let result: Buffer | 'io';
    try {
      const bytes = await this.source.getFeature(id, this.askForMore ? Math.max(length, 64) : length);
      result = reportBuffer(this.parsed, 'any', id, bytes);
      this.lastReport.set(id, result);
    } catch (err) {
      if (err instanceof ReportError && err.failure === 'gone') throw new Gone(err.message);
      result = 'io'; // the item is skipped (§3.3)
    }
    cache.set(id, result);
    return result;
  }

  /** HIDGetDataValue(): the value of a Feature field, undefined when its report cannot be read. */
  async read(field: HidField, cache: ReportCache): Promise<number | undefined> {
    const report = await this.get(field.reportId, cache);
    if (report === 'io') return undefined;
    return toPhysical(field, readLogical(field, report));
  }

  /** An Input report as the interrupt endpoint gave it, kept as the last bytes of its ID. */
  received(report: Buffer): Buffer {
    const id = report[0]!;
    const buffer = reportBuffer(this.parsed, 'any', id, report);
    this.lastReport.set(id, buffer);
    return buffer;
  }

  /** The report as it is now (a fresh GET), or the last bytes seen when the GET fails, for read-modify-write
   *  (NUT modifies whatever its cache holds). */
  async current(id: number, failed: 'SET-FAILED' | 'INSTCMD-FAILED'): Promise<Buffer> {
    let fresh: Buffer | 'io';
    try {
      fresh = await this.get(id, new Map());
    } catch {
      throw new PowerDeviceError(failed, 'the UPS is gone');
    }
    if (fresh !== 'io') return Buffer.from(fresh);
    const last = this.lastReport.get(id);
    return last ? Buffer.from(last) : reportBuffer(this.parsed, 'any', id);
  }

  /** SET_REPORT(Feature); the bytes written are then the last bytes seen. Rejects as the source does. */
  async set(buffer: Buffer): Promise<void> {
    await this.source.setFeature(buffer);
    this.lastReport.set(buffer[0]!, buffer);
  }

  /** HIDGetIndexString(): the string into a `size`-byte buffer, "" when the device has none. */
  async usbString(index: number, size: number): Promise<string> {
    if (!Number.isInteger(index) || index < 1 || index > 255) return '';
    let text: string | undefined;
    try {
      text = await this.source.getString(index);
    } catch {
      return '';
    }
    if (text === undefined) return '';
    return printable(text.slice(0, Math.max(0, size - 1)).replace(/\n+$/, ''));
  }
}
