// The write path of the mapping: SET VAR and INSTCMD as usbhid-ups.c setvar() and instcmd() do them
// (docs/hid-mapping.md §2.5): validate, convert to the field's physical value, read-modify-write the Feature
// report, SET_REPORT. Driver-side variables (HU_FLAG_ABSENT) are kept in the model and never sent.
//
// Deliberate differences from NUT 2.8.5 (listed in power-device.test.ts): a SET VAR value that the field
// cannot hold, or a number that does not parse, is refused (NUT clamps or writes atol()'s 0); a command value
// that would turn "−1, never" into "0, now" is refused; a date that cannot be packed is refused (NUT writes 0,
// "not set"); the driver-side delays only take integers; a write reads the report fresh before modifying it.
import { fromPhysical, isSettable, unitFactor, writeLogical } from '../hid/report.ts';
import type { HidField } from '../hid/types.ts';
import { convertWrite } from './conversions.ts';
import type { ConversionContext } from './conversions.ts';
import { MAX_VALUE, noSinks } from './entry.ts';
import type { Entry, OpSinks } from './entry.ts';
import type { DeviceReports } from './report-cache.ts';
import { hasFlag, HU } from './tables/types.ts';
import { PowerDeviceError } from './types.ts';

/** What the write path needs from the device it writes to. */
export interface WriteTarget {
  readonly reports: DeviceReports;
  /** the commands this device offers, as they were added */
  readonly commands: ReadonlySet<string>;
  /** find_nut_info(): the first row of that name that resolved to a field */
  findInfo(name: string): Entry | undefined;
  context(sinks: OpSinks): ConversionContext;
  /** the value this device published, from the UPS model */
  value(name: string): string | undefined;
  publish(name: string, value: string): void;
  /** NUT's data_has_changed: SEMI_STATIC rows are read on the next update */
  written(): void;
  sleep(ms: number): Promise<void>;
}

/** A number as SET VAR / INSTCMD give it: NUT uses atol(), walnut refuses anything that is not a number. */
function parseNumber(text: string): number | undefined {
  const t = text.trim();
  if (!/^[+-]?\d{1,15}(\.\d*)?$/.test(t)) return undefined;
  return Math.trunc(Number(t)); // atol() stops at the decimal point
}

function usable(text: string): boolean {
  return text.length <= MAX_VALUE && /^[\x20-\x7e]*$/.test(text);
}

export class DeviceWriter {
  private readonly target: WriteTarget;

  constructor(target: WriteTarget) {
    this.target = target;
  }

  /** SET VAR (usbhid-ups.c setvar()). Rejects with PowerDeviceError. */
  async setvar(name: string, value: string, sinks: OpSinks): Promise<void> {
    const entry = this.target.findInfo(name);
    if (!entry) throw new PowerDeviceError('VAR-NOT-SUPPORTED', `${name} is not a variable of this UPS`);
    const { row } = entry;
    if (!row.rw) throw new PowerDeviceError('READONLY', `${name} is read-only`);
    if (!usable(value)) {
      throw new PowerDeviceError('INVALID-VALUE', `${name}: not a printable value of at most ${MAX_VALUE} characters`);
    }
    if (row.str !== undefined && row.str >= 1 && value.length > row.str) {
      throw new PowerDeviceError('INVALID-VALUE', `${name}: longer than ${row.str} characters`);
    }
    if (hasFlag(row, HU.ABSENT)) {
      // a driver-side variable: kept in the model, never sent to the device
      const delay = row.name.startsWith('ups.delay.');
      if (delay && parseNumber(value) === undefined) {
        throw new PowerDeviceError('INVALID-VALUE', `${name}: a delay is a whole number of seconds`);
      }
      this.target.publish(row.name, delay ? String(parseNumber(value)) : value);
      return;
    }
    const raw = entry.conv ? ((await convertWrite(entry.conv, value, this.target.context(sinks))) ?? undefined) : parseNumber(value);
    if (raw === undefined || !Number.isFinite(raw)) {
      throw new PowerDeviceError('INVALID-VALUE', `${name}: ${JSON.stringify(value)} is not an accepted value`);
    }
    await this.writeField(entry.field!, raw, 'set', name);
  }

  /** INSTCMD (usbhid-ups.c instcmd()). Rejects with PowerDeviceError. */
  async runCommand(name: string, parameter?: string): Promise<void> {
    const known = [...this.target.commands].find((c) => c.toLowerCase() === name.toLowerCase());
    if (!known) throw new PowerDeviceError('CMD-NOT-SUPPORTED', `${name} is not a command of this UPS`);
    if (parameter !== undefined && !usable(parameter)) {
      throw new PowerDeviceError('INSTCMD-FAILED', `${name}: unusable parameter`);
    }
    await this.instcmd(known, parameter);
  }

  private async instcmd(name: string, parameter: string | undefined): Promise<void> {
    const lower = name.toLowerCase();
    // the old names are redirected, whatever the table says about them
    if (lower === 'beeper.off') return this.instcmd('beeper.disable', undefined);
    if (lower === 'beeper.on') return this.instcmd('beeper.enable', undefined);
    if (lower === 'shutdown.default') {
      // upsdrv_shutdown(): the first of these that works
      for (const cmd of ['shutdown.return', 'shutdown.reboot', 'load.off.delay', 'shutdown.stayoff']) {
        try {
          await this.instcmd(cmd, undefined);
          return;
        } catch (err) {
          if (!(err instanceof PowerDeviceError)) throw err;
        }
      }
      throw new PowerDeviceError('INSTCMD-FAILED', 'no shutdown command worked');
    }
    const entry = this.target.findInfo(name);
    if (!entry) return this.composite(lower);
    const { row } = entry;
    if (!hasFlag(row, HU.CMD)) throw new PowerDeviceError('CMD-NOT-SUPPORTED', `${name} is not a command`);
    const text = parameter ?? row.dfl;
    if (text === undefined && hasFlag(row, HU.PARAM_REQUIRED)) {
      throw new PowerDeviceError('INSTCMD-FAILED', `${name} needs a parameter`);
    }
    let raw: number | undefined;
    if (entry.conv) {
      raw = (await convertWrite(entry.conv, text ?? '', this.target.context(noSinks()))) ?? undefined;
    } else {
      raw = text === undefined ? 0 : parseNumber(text);
    }
    if (raw === undefined || !Number.isFinite(raw)) {
      throw new PowerDeviceError('INSTCMD-FAILED', `${name}: ${JSON.stringify(text)} is not an accepted value`);
    }
    await this.writeField(entry.field!, raw, 'command', name);
  }

  /** The commands NUT builds from others when the table has no row of that name (§2.5). */
  private async composite(lower: string): Promise<void> {
    switch (lower) {
      case 'load.on':
        return this.instcmd('load.on.delay', '0');
      case 'load.off':
        return this.instcmd('load.off.delay', '0');
      case 'shutdown.return':
      case 'shutdown.stayoff': {
        const stayOff = lower === 'shutdown.stayoff';
        if (this.target.value('ups.start.auto') !== undefined) {
          // NUT ignores whether this works
          await this.setvar('ups.start.auto', stayOff ? 'no' : 'yes', noSinks()).catch(() => undefined);
        }
        await this.instcmd('load.on.delay', stayOff ? '-1' : this.target.value('ups.delay.start'));
        // Tripp Lite AVR750U (3024) ignores commands that come too fast
        await this.target.sleep(125);
        return this.instcmd('load.off.delay', this.target.value('ups.delay.shutdown'));
      }
      default:
        throw new PowerDeviceError('CMD-NOT-SUPPORTED', `${lower} is not a command of this UPS`);
    }
  }

  /** HIDSetDataValue(): value → logical → read-modify-write of the report → SET_REPORT(Feature). */
  private async writeField(field: HidField, value: number, purpose: 'set' | 'command', what: string): Promise<void> {
    const failed = purpose === 'set' ? 'SET-FAILED' : 'INSTCMD-FAILED';
    if (!isSettable(field)) throw new PowerDeviceError(failed, `${what}: the field is constant`);
    let logical: number;
    try {
      logical = fromPhysical(field, value);
    } catch {
      throw new PowerDeviceError(purpose === 'set' ? 'INVALID-VALUE' : failed, `${what}: ${value} cannot be written`);
    }
    if (purpose === 'set' && !representable(field, value, logical)) {
      throw new PowerDeviceError('INVALID-VALUE', `${what}: ${value} is outside what the UPS accepts`);
    }
    if (purpose === 'command' && value < 0 && logical >= 0) {
      // −1 means "cancel" / "never"; clamped to a logical 0 or more it would mean "now" (NUT writes it anyway)
      throw new PowerDeviceError(failed, `${what}: the UPS cannot hold ${value}`);
    }
    const buffer = await this.target.reports.current(field.reportId, failed);
    writeLogical(field, buffer, logical);
    try {
      await this.target.reports.set(buffer);
    } catch (err) {
      throw new PowerDeviceError(failed, `${what}: the UPS refused the write (${(err as Error).message})`);
    }
    this.target.written();
  }
}

/** The value fits the field without NUT's clamping (physical range) or bit truncation (logical range). */
function representable(field: HidField, value: number, logical: number): boolean {
  const { physicalMin: pmin, physicalMax: pmax, logicalMin: lmin, logicalMax: lmax } = field;
  if (pmin !== undefined && pmax !== undefined && pmax > pmin && lmax > lmin) {
    const physical = value / unitFactor(field);
    return physical >= pmin && physical <= pmax;
  }
  return logical >= lmin && logical <= lmax;
}
