// The power-device mapping engine: NUT usbhid-ups's walk over a subdriver table, for one device
// (docs/hid-mapping.md §2 and §3). It owns no timer and no handle: the driver loop calls update() on NUT's
// schedule, hands Input reports to onInputReport(), and forwards SET VAR / INSTCMD.
//
//   open()          parse the descriptor, apply the vendor fix, pick the subdriver, publish the USB identity,
//                   run the INIT walk (§2.1), add the composite commands, then NUT's first update;
//   update()        a quick walk (QUICK_POLL rows) or a full walk (all but STATIC/SEMI_STATIC/ABSENT/commands),
//                   then ups.status; a walk where every read failed means the device is gone (§3.1, §3.3);
//   onInputReport() every Input field of the report is an event for the Feature row of the same path (§3.2);
//   setVariable() / runCommand()   validate, read-modify-write the Feature report, SET_REPORT (§2.5).
//
// Deliberate differences from NUT 2.8.5 (each also listed in power-device.test.ts):
//   - GET_REPORT results are cached for one walk or one write, not for `pollinterval` seconds, and a report that
//     failed is not asked for again in the same walk;
//   - the report buffer is zero-filled on every read instead of keeping stale bytes past a short answer, and its
//     length is the true declared one (NUT's 8-bit offsets wrap past 32 bytes);
//   - an Input report republishes ups.status at once instead of at the next 2 s cycle;
//   - a SET VAR value that the field cannot hold, or a number that does not parse, is refused (NUT clamps or
//     writes atol()'s 0); a command value that would turn "−1, never" into "0, now" is refused; a date that
//     cannot be packed is refused (NUT writes 0, "not set"); the driver-side delays only take integers;
//   - a write reads the report fresh before modifying it (NUT modifies whatever its cache holds);
//   - ups.alarm sentences raised by Input events are dropped, as NUT's next full walk drops them anyway.
import { parseDescriptor } from '../hid/descriptor.ts';
import { fixReportDescriptor } from '../hid/fixes.ts';
import { fromPhysical, isSettable, readLogical, toPhysical, unitFactor, writeLogical } from '../hid/report.ts';
import type { HidField, ParsedDescriptor, ReportType } from '../hid/types.ts';
import { findField, usageNames } from '../hid/usages.ts';
import type { UsageNames } from '../hid/usages.ts';
import { CONVERSIONS, convertRead, convertWrite, enumValues, newVendorState } from './conversions.ts';
import type { Conversion, ConversionContext, VendorState } from './conversions.ts';
import { formatWithDfl } from './format.ts';
import {
  applyBoolean,
  buildStatus,
  commitStatus,
  DEFAULT_STATUS_OPTIONS,
  flagAlarms,
  NO_TIMERS,
  parseWholeNumber,
} from './status.ts';
import type { LbRbTimers, StatusFlag, StatusOptions } from './status.ts';
import { apcLbRbBlipModel, selectSubdriver } from './subdrivers.ts';
import type { DeviceInfo, SubdriverDef, SubdriverId, Tweaks } from './subdrivers.ts';
import { hasFlag, HU } from './tables/types.ts';
import type { MappingRow } from './tables/types.ts';
import { PowerDeviceError, ReportError } from './types.ts';
import type { PublishedType, ReportSource, UsbIdentity, VariableSink } from './types.ts';

export interface PowerDeviceOptions {
  /** NUT `subdriver`: force one instead of choosing by USB IDs */
  readonly subdriver?: SubdriverId | undefined;
  /** NUT `explore`: serve the device with the generic (empty) mapping */
  readonly explore?: boolean | undefined;
  /** NUT `productid` given: take a known vendor's unknown product */
  readonly acceptUnknownProduct?: boolean | undefined;
  /** NUT `onlinedischarge_onbattery`: OL+DISCHRG is reported as OB (default: NUT's "OL DISCHRG") */
  readonly onlineDischargeOnBattery?: boolean | undefined;
  /** NUT `onlinedischarge_calibration`: OL+DISCHRG is reported as CAL */
  readonly onlineDischargeCalibration?: boolean | undefined;
  /** NUT `lbrb_log_delay_sec`; default 0, or 3 for the APC models that blip LB/RB (§2.3) */
  readonly lbrbLogDelaySec?: number | undefined;
  readonly lbrbLogDelayWithoutCalibrating?: boolean | undefined;
  /** NUT `ignorelb` (driver.flag.ignorelb) */
  readonly ignoreLb?: boolean | undefined;
  /** NUT `lowbatt` / `ondelay` / `offdelay`: driver-side values of battery.charge.low, ups.delay.start/shutdown */
  readonly lowBatt?: number | undefined;
  readonly onDelay?: number | undefined;
  readonly offDelay?: number | undefined;
  /** NUT `pollfreq` in ms (default 30 s, CyberPower 12 s) */
  readonly fullPollMs?: number | undefined;
  /** NUT `pollonly`: ignore Input reports; STATIC/SEMI_STATIC rows are then read on every full update */
  readonly pollOnly?: boolean | undefined;
  /** NUT `disable_fix_report_desc` */
  readonly disableFixReportDesc?: boolean | undefined;
  readonly now?: (() => number) | undefined;
  /** the pause inside shutdown.return / shutdown.stayoff (125 ms in NUT, for Tripp Lite AVR750U) */
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
}

/** NUT's pollinterval (main loop period) */
export const POLL_INTERVAL_MS = 2000;
/** NUT formats values into a buffer of ST_MAX_VALUE_LEN (256) bytes: at most 255 characters */
const MAX_VALUE = 255;
/** NUT's MAX_EVENT_NUM: Input fields taken from one report */
const MAX_EVENTS = 32;

/** One row of the subdriver table and the field it resolved to (NUT's hiddata; undefined = not used). */
interface Entry {
  readonly row: MappingRow;
  readonly conv: Conversion | undefined;
  field: HidField | undefined;
}

type WalkMode = 'init' | 'quick' | 'full';

/** A device that is unplugged or unusable (ReportError 'gone') aborts the operation. */
class Gone extends Error {}

/** What a walk or a write collects besides variables. */
interface OpSinks {
  readonly alarms: string[];
  readonly buzzwords: string[];
}

/** GET_REPORT results for one operation: a buffer, or 'io' for a report that failed. */
type ReportCache = Map<number, Buffer | 'io'>;

function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

/** USB strings as NUT keeps them: none when empty, characters it cannot show as '?', bounded. */
function usbText(text: string | undefined): string | undefined {
  if (text === undefined || text === '') return undefined;
  return printable(text.slice(0, 255));
}

function deviceInfo(usb: UsbIdentity): DeviceInfo {
  return {
    vendorId: parseInt(usb.vendorId, 16) & 0xffff,
    productId: parseInt(usb.productId, 16) & 0xffff,
    manufacturer: usbText(usb.manufacturer),
    product: usbText(usb.product),
    serial: usbText(usb.serialNumber),
  };
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/** A number as SET VAR / INSTCMD give it: NUT uses atol(), walnut refuses anything that is not a number. */
function parseNumber(text: string): number | undefined {
  const t = text.trim();
  if (!/^[+-]?\d{1,15}(\.\d*)?$/.test(t)) return undefined;
  return Math.trunc(Number(t)); // atol() stops at the decimal point
}

export class PowerDevice {
  private readonly source: ReportSource;
  private readonly sink: VariableSink;
  private readonly options: PowerDeviceOptions;
  private readonly parsed: ParsedDescriptor;
  private readonly names: UsageNames;
  private readonly def: SubdriverDef;
  private readonly tweaks: Tweaks;
  private readonly dev: DeviceInfo;
  private readonly vendor: VendorState;
  private readonly entries: Entry[];
  private readonly statusOptions: StatusOptions;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly useInterruptPipe: boolean;
  /** published values, NUT's dstate tree as far as this device wrote it */
  private readonly vars = new Map<string, string>();
  private readonly commands = new Set<string>();
  /** the last bytes seen per report ID (GET or Input), for the read-modify-write of a SET */
  private readonly lastReport = new Map<number, Buffer>();
  /** "type|u1,u2,…" for every usage-path prefix → first field, NUT's FindObject_with_Path */
  private readonly prefixIndex = new Map<string, HidField>();
  private readonly inputFields = new Map<number, HidField[]>();
  private flags = new Set<StatusFlag>();
  private timers: LbRbTimers = NO_TIMERS;
  private alarmActive = false;
  /** NUT's data_has_changed: a write happened, so SEMI_STATIC rows are read on the next (full) update */
  private dataChanged = false;
  private previousCharge: number | undefined;

  private constructor(
    source: ReportSource,
    sink: VariableSink,
    options: PowerDeviceOptions,
    parsed: ParsedDescriptor,
    dev: DeviceInfo,
    vendor: VendorState,
    def: SubdriverDef,
    tweaks: Tweaks,
  ) {
    this.source = source;
    this.sink = sink;
    this.options = options;
    this.parsed = parsed;
    this.dev = dev;
    this.vendor = vendor;
    this.def = def;
    this.tweaks = tweaks;
    this.names = usageNames(def.usages);
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.useInterruptPipe = tweaks.useInterruptPipe && !options.pollOnly;
    this.statusOptions = {
      ...DEFAULT_STATUS_OPTIONS,
      onlineDischargeOnBattery: options.onlineDischargeOnBattery ?? false,
      onlineDischargeCalibration: options.onlineDischargeCalibration ?? false,
      lbrbLogDelaySec: Math.max(0, options.lbrbLogDelaySec ?? (apcLbRbBlipModel(dev) ? 3 : 0)),
      lbrbLogDelayWithoutCalibrating: options.lbrbLogDelayWithoutCalibrating ?? false,
    };
    this.entries = def.rows.map((row) => ({
      row,
      conv: row.conv === undefined ? undefined : CONVERSIONS[row.conv],
      field: undefined,
    }));
    for (const field of parsed.fields) {
      if (field.padding) continue;
      let key = `${field.type}|`;
      for (let i = 0; i < field.usages.length; i++) {
        key += (i > 0 ? ',' : '') + field.usages[i]!.toString(16);
        if (!this.prefixIndex.has(key)) this.prefixIndex.set(key, field);
      }
      if (field.type === 'input') {
        const list = this.inputFields.get(field.reportId) ?? [];
        if (list.length < MAX_EVENTS) list.push(field);
        this.inputFields.set(field.reportId, list);
      }
    }
  }

  /** Opens the device: descriptor, subdriver, identity, INIT walk, commands, first update (§2.1, §3.1).
   *  Rejects with HidDescriptorError, UnsupportedDeviceError, or ReportError('gone') if it vanished meanwhile. */
  static async open(source: ReportSource, sink: VariableSink, options: PowerDeviceOptions = {}): Promise<PowerDevice> {
    const dev = deviceInfo(source.usb);
    const vendor = newVendorState();
    const { subdriver, tweaks } = selectSubdriver(dev, vendor, options);
    let parsed = parseDescriptor(source.descriptor);
    // only the chosen subdriver's fix_report_desc runs (APC and CyberPower have one)
    if (subdriver.id === 'apc' || subdriver.id === 'cps') {
      parsed = fixReportDescriptor(parsed, source.usb, { disable: options.disableFixReportDesc ?? false });
    }
    const device = new PowerDevice(source, sink, options, parsed, dev, vendor, subdriver, tweaks);
    try {
      await device.init();
    } catch (err) {
      if (err instanceof Gone) throw new ReportError('gone', 'the device went away while it was being opened');
      throw err;
    }
    return device;
  }

  /** NUT's subdriver name and version, e.g. "APC HID 0.101" */
  get subdriver(): string {
    return this.def.name;
  }

  /** NUT's pollinterval: how often the caller should run update() */
  get pollIntervalMs(): number {
    return POLL_INTERVAL_MS;
  }

  /** NUT's pollfreq: how often update('full') is due */
  get fullPollMs(): number {
    return this.options.fullPollMs ?? this.def.fullPollMs;
  }

  // ------------------------------------------------------------------ open

  private async init(): Promise<void> {
    // usbhid-ups.c callback(): identity from the USB strings, subdriver-specific (MGE reads two HID items)
    const cache: ReportCache = new Map();
    const id = await this.def.identify(
      this.dev,
      {
        value: async (path) => {
          const field = findField(this.parsed, path, 'feature', this.names);
          return field ? this.readField(field, cache) : undefined;
        },
        itemString: async (path, size) => {
          const field = findField(this.parsed, path, 'feature', this.names);
          const index = field ? await this.readField(field, cache) : undefined;
          return index === undefined ? '' : this.usbString(Math.trunc(index), size);
        },
      },
      this.vendor,
    );
    if (id.firmwareAux !== undefined) this.publish('ups.firmware.aux', id.firmwareAux);
    if (id.firmware !== undefined) this.publish('ups.firmware', id.firmware);
    this.publishOrRemove('ups.mfr', id.mfr);
    this.publishOrRemove('ups.model', id.model);
    this.publishOrRemove('ups.serial', id.serial);
    this.publish('ups.vendorid', hex4(this.dev.vendorId));
    this.publish('ups.productid', hex4(this.dev.productId));

    // upsdrv_initinfo()
    await this.walk('init', { alarms: [], buzzwords: [] });

    // the user's lowbatt / ondelay / offdelay replace the values driver-side only, where the variable exists
    const override = (name: string, value: number | undefined): void => {
      if (value !== undefined && this.vars.has(name)) this.publish(name, String(Math.trunc(value)));
    };
    override('battery.charge.low', this.options.lowBatt);
    override('ups.delay.start', this.options.onDelay);
    override('ups.delay.shutdown', this.options.offDelay);

    // composite commands exist where their building blocks have a path (§2.5)
    const canOff = this.findInfo('load.off.delay') !== undefined;
    const canOn = this.findInfo('load.on.delay') !== undefined;
    if (canOff) this.addCommand('load.off');
    if (canOn) this.addCommand('load.on');
    if (canOff && canOn) {
      this.addCommand('shutdown.return');
      this.addCommand('shutdown.stayoff');
    }
    this.addCommand('shutdown.default'); // main.c registers it for every driver

    // main.c: the first update runs before clients are served; a device that answers nothing is found gone by
    // the caller's next update, as NUT finds it at its next cycle
    await this.update('quick');

    this.publish('device.type', 'ups');
    for (const what of ['mfr', 'model', 'serial']) {
      const value = this.vars.get(`ups.${what}`);
      if (value !== undefined) this.publish(`device.${what}`, value);
    }
  }

  // ------------------------------------------------------------------ polling

  /** One poll cycle (upsdrv_updateinfo without the interrupt read): 'gone' when the device must be reopened. */
  async update(kind: 'quick' | 'full'): Promise<'ok' | 'gone'> {
    // main.c remembers battery.charge before each cycle for the charge-trend rule
    const charge = this.vars.get('battery.charge');
    const parsedCharge = charge === undefined ? undefined : parseWholeNumber(charge);
    if (parsedCharge !== undefined && parsedCharge >= 0) this.previousCharge = parsedCharge;

    const sinks: OpSinks = { alarms: [], buzzwords: [] };
    try {
      if (kind === 'full' || this.dataChanged) {
        if (!(await this.walk('full', sinks))) return 'gone';
        this.dataChanged = false;
        const alarms = [...sinks.alarms, ...flagAlarms(this.flags)];
        if (alarms.length > 0) {
          this.publish('ups.alarm', alarms.join(' '));
          this.alarmActive = true;
        } else {
          this.remove('ups.alarm');
          this.alarmActive = false;
        }
      } else if (!(await this.walk('quick', sinks))) {
        return 'gone';
      }
    } catch (err) {
      if (err instanceof Gone) return 'gone';
      throw err;
    }
    this.publishStatus(sinks.buzzwords);
    return 'ok';
  }

  /** hid_ups_walk(): false when rows were polled and none could be read. */
  private async walk(mode: WalkMode, sinks: OpSinks): Promise<boolean> {
    const cache: ReportCache = new Map();
    const ctx = this.context(sinks);
    let polled = 0;
    let succeeded = 0;
    for (const entry of this.entries) {
      const { row } = entry;
      if (mode === 'init') {
        if (entry.field === undefined) {
          entry.field = findField(this.parsed, row.path, 'feature', this.names);
          if (entry.field === undefined) continue;
          if (hasFlag(row, HU.ABSENT)) {
            // driver-side variable: created from its default, never read
            if (!this.vars.has(row.name)) this.publish(row.name, row.dfl ?? '', this.rowType(row));
            continue;
          }
          // the first row that yields a value wins; ups.alarm may have several
          if (row.name !== 'ups.alarm' && this.vars.has(row.name)) {
            entry.field = undefined;
            continue;
          }
        }
      } else if (mode === 'quick') {
        if (!hasFlag(row, HU.QUICK_POLL)) continue;
      } else {
        if (hasFlag(row, HU.ABSENT) || hasFlag(row, HU.CMD)) continue;
        // without Input reports (pollonly) these are read too, so that a dead device is noticed
        if (hasFlag(row, HU.STATIC) && this.useInterruptPipe) continue;
        if (hasFlag(row, HU.SEMI_STATIC) && !this.dataChanged && this.useInterruptPipe) continue;
      }
      const field = entry.field;
      if (field === undefined) continue;
      // Tripp Lite SU3000LCD2UHV: report 0x54 hangs its firmware
      if (this.dev.vendorId === 0x09ae && this.dev.productId === 0x1330 && field.reportId === 0x54) continue;
      polled++;
      const value = await this.readField(field, cache);
      if (value === undefined) continue;
      succeeded++;
      if (hasFlag(row, HU.CMD)) {
        // a command is offered only if its report can be read at start-up
        this.addCommand(row.name);
        continue;
      }
      const set = await this.applyValue(entry, value, ctx, sinks);
      if (set && (mode === 'init' || !this.useInterruptPipe)) this.publishType(entry, ctx);
    }
    if (mode !== 'init' && polled > 0 && succeeded === 0) return false;
    return true;
  }

  /** ups_infoval_set(): true when a variable was set (not for BOOL / ups.alarm rows or "no value"). */
  private applyValue(entry: Entry, value: number, ctx: ConversionContext, sinks: OpSinks): boolean | Promise<boolean> {
    if (entry.conv === undefined) {
      // dstate_setinfo_dynamic(name, dfl, "%f", value): a format that is not "%f"-like publishes nothing
      const text = formatWithDfl(entry.row.dfl, value);
      if (text !== undefined) this.publish(entry.row.name, text);
      return true;
    }
    const text = convertRead(entry.conv, value, ctx);
    if (text instanceof Promise) return text.then((t) => this.applyText(entry.row, t, sinks));
    return this.applyText(entry.row, text, sinks);
  }

  private applyText(row: MappingRow, text: string | null, sinks: OpSinks): boolean {
    if (text === null) return false;
    if (row.name === 'BOOL') {
      this.flags = applyBoolean(this.flags, text);
      return false;
    }
    if (row.name === 'ups.alarm') {
      sinks.alarms.push(text);
      return false;
    }
    this.publish(row.name, text);
    return true;
  }

  /** dstate_setflags / setaux / addenum after a row's value is published. */
  private publishType(entry: Entry, ctx: ConversionContext): void {
    const value = this.vars.get(entry.row.name);
    if (value === undefined) return;
    let type = this.rowType(entry.row);
    if (entry.row.rw && hasFlag(entry.row, HU.ENUM) && entry.conv) {
      type = { ...type, enumValues: enumValues(entry.conv, ctx) };
    }
    this.sink.setVariable(entry.row.name, value, type);
  }

  private rowType(row: MappingRow): PublishedType {
    return { writable: row.rw === true, maxLength: row.str };
  }

  /** ups_status_set() + buzzmode_commit() + status_commit(). */
  private publishStatus(walkBuzzwords: readonly string[] | undefined): void {
    const result = buildStatus({
      flags: this.flags,
      charge: this.vars.get('battery.charge'),
      nowMs: this.now(),
      timers: this.timers,
      options: this.statusOptions,
    });
    this.timers = result.timers;
    this.publishOrRemove('input.transfer.reason', result.transferReason);
    if (walkBuzzwords !== undefined) {
      const words: string[] = [];
      for (const w of [...walkBuzzwords, ...result.buzzwords]) if (!words.includes(w)) words.push(w);
      this.publishOrRemove('experimental.ups.mode.buzzwords', words.length > 0 ? words.join(' ') : undefined);
    }
    this.publish(
      'ups.status',
      commitStatus({
        tokens: result.tokens,
        alarmActive: this.alarmActive,
        ignoreLb: this.options.ignoreLb ?? false,
        charge: this.vars.get('battery.charge'),
        chargeLow: this.vars.get('battery.charge.low'),
        runtime: this.vars.get('battery.runtime'),
        runtimeLow: this.vars.get('battery.runtime.low'),
        previousCharge: this.previousCharge,
      }),
    );
  }

  // ------------------------------------------------------------------ interrupt reports

  /** An Input report from the interrupt endpoint (§3.2): each of its Input fields updates the row of the Feature
   *  field with the same path; status bits change at once and ups.status is republished. */
  onInputReport(report: Buffer): void {
    if (!this.useInterruptPipe || report.length < 1) return;
    const id = report[0]!;
    const fields = this.inputFields.get(id);
    if (!fields) return;
    const buffer = this.reportBuffer(id, report);
    this.lastReport.set(id, buffer);
    const sinks: OpSinks = { alarms: [], buzzwords: [] };
    const ctx = this.context(sinks);
    for (const field of fields) {
      const value = toPhysical(field, readLogical(field, buffer));
      const target = this.byUsages('feature', field.usages) ?? this.byUsages('input', field.usages);
      // find_hid_info(): the first row (driver-side ones aside) that uses this field
      const entry = target && this.entries.find((e) => e.field === target && !hasFlag(e.row, HU.ABSENT));
      if (!entry) continue;
      const done = this.applyValue(entry, value, ctx, sinks);
      if (done instanceof Promise) done.catch(() => undefined); // a USB string that could not be read: no value
    }
    this.publishStatus(undefined);
  }

  private byUsages(type: ReportType, usages: readonly number[]): HidField | undefined {
    return this.prefixIndex.get(`${type}|${usages.map((u) => u.toString(16)).join(',')}`);
  }

  // ------------------------------------------------------------------ writes

  /** SET VAR (usbhid-ups.c setvar()). Rejects with PowerDeviceError. */
  async setVariable(name: string, value: string): Promise<void> {
    await this.setvar(name, value, { alarms: [], buzzwords: [] });
  }

  private async setvar(name: string, value: string, sinks: OpSinks): Promise<void> {
    const entry = this.findInfo(name);
    if (!entry) throw new PowerDeviceError('VAR-NOT-SUPPORTED', `${name} is not a variable of this UPS`);
    const { row } = entry;
    if (!row.rw) throw new PowerDeviceError('READONLY', `${name} is read-only`);
    if (value.length > MAX_VALUE || !/^[\x20-\x7e]*$/.test(value)) {
      throw new PowerDeviceError('INVALID-VALUE', `${name}: not a printable value of at most ${MAX_VALUE} characters`);
    }
    if (row.str !== undefined && row.str >= 1 && value.length > row.str) {
      throw new PowerDeviceError('INVALID-VALUE', `${name}: longer than ${row.str} characters`);
    }
    if (hasFlag(row, HU.ABSENT)) {
      // a driver-side variable: kept here, never sent to the device
      if (row.name.startsWith('ups.delay.') && parseNumber(value) === undefined) {
        throw new PowerDeviceError('INVALID-VALUE', `${name}: a delay is a whole number of seconds`);
      }
      this.publish(row.name, row.name.startsWith('ups.delay.') ? String(parseNumber(value)) : value);
      return;
    }
    const ctx = this.context(sinks);
    let raw: number | undefined;
    if (entry.conv) {
      const converted = await convertWrite(entry.conv, value, ctx);
      raw = converted ?? undefined;
    } else {
      raw = parseNumber(value);
    }
    if (raw === undefined || !Number.isFinite(raw)) {
      throw new PowerDeviceError('INVALID-VALUE', `${name}: ${JSON.stringify(value)} is not an accepted value`);
    }
    await this.writeField(entry.field!, raw, 'set', name);
  }

  /** INSTCMD (usbhid-ups.c instcmd()). Rejects with PowerDeviceError. */
  async runCommand(name: string, parameter?: string): Promise<void> {
    const known = [...this.commands].find((c) => c.toLowerCase() === name.toLowerCase());
    if (!known) throw new PowerDeviceError('CMD-NOT-SUPPORTED', `${name} is not a command of this UPS`);
    if (parameter !== undefined && (parameter.length > MAX_VALUE || !/^[\x20-\x7e]*$/.test(parameter))) {
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
    const entry = this.findInfo(name);
    if (!entry) return this.composite(lower);
    const { row } = entry;
    if (!hasFlag(row, HU.CMD)) throw new PowerDeviceError('CMD-NOT-SUPPORTED', `${name} is not a command`);
    const text = parameter ?? row.dfl;
    if (text === undefined && hasFlag(row, HU.PARAM_REQUIRED)) {
      throw new PowerDeviceError('INSTCMD-FAILED', `${name} needs a parameter`);
    }
    let raw: number | undefined;
    if (entry.conv) {
      raw = (await convertWrite(entry.conv, text ?? '', this.context({ alarms: [], buzzwords: [] }))) ?? undefined;
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
        if (this.vars.has('ups.start.auto')) {
          // NUT ignores whether this works
          await this.setvar('ups.start.auto', stayOff ? 'no' : 'yes', { alarms: [], buzzwords: [] }).catch(() => undefined);
        }
        await this.instcmd('load.on.delay', stayOff ? '-1' : this.vars.get('ups.delay.start'));
        // Tripp Lite AVR750U (3024) ignores commands that come too fast
        await this.sleep(125);
        return this.instcmd('load.off.delay', this.vars.get('ups.delay.shutdown'));
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
    if (purpose === 'set' && !this.representable(field, value, logical)) {
      throw new PowerDeviceError('INVALID-VALUE', `${what}: ${value} is outside what the UPS accepts`);
    }
    if (purpose === 'command' && value < 0 && logical >= 0) {
      // −1 means "cancel" / "never"; clamped to a logical 0 or more it would mean "now" (NUT writes it anyway)
      throw new PowerDeviceError(failed, `${what}: the UPS cannot hold ${value}`);
    }
    const buffer = await this.currentReport(field.reportId, failed);
    writeLogical(field, buffer, logical);
    try {
      await this.source.setFeature(buffer);
    } catch (err) {
      throw new PowerDeviceError(failed, `${what}: the UPS refused the write (${(err as Error).message})`);
    }
    this.lastReport.set(field.reportId, buffer);
    this.dataChanged = true;
  }

  /** The value fits the field without NUT's clamping (physical range) or bit truncation (logical range). */
  private representable(field: HidField, value: number, logical: number): boolean {
    const { physicalMin: pmin, physicalMax: pmax, logicalMin: lmin, logicalMax: lmax } = field;
    if (pmin !== undefined && pmax !== undefined && pmax > pmin && lmax > lmin) {
      const physical = value / unitFactor(field);
      return physical >= pmin && physical <= pmax;
    }
    return logical >= lmin && logical <= lmax;
  }

  /** The report as it is now (a fresh GET), or the last bytes seen when the GET fails, for read-modify-write. */
  private async currentReport(id: number, failed: 'SET-FAILED' | 'INSTCMD-FAILED'): Promise<Buffer> {
    let fresh: Buffer | 'io';
    try {
      fresh = await this.getReport(id, new Map());
    } catch {
      throw new PowerDeviceError(failed, 'the UPS is gone');
    }
    if (fresh !== 'io') return Buffer.from(fresh);
    const last = this.lastReport.get(id);
    return last ? Buffer.from(last) : this.reportBuffer(id, Buffer.from([id]));
  }

  // ------------------------------------------------------------------ reports and strings

  /** NUT keeps one buffer per report ID whatever the type: the longest declared layout, ID byte included. */
  private reportLength(id: number): number {
    const types: ReportType[] = ['feature', 'input', 'output'];
    return Math.max(1, ...types.map((t) => this.parsed.reportLength(t, id)));
  }

  private reportBuffer(id: number, bytes: Buffer): Buffer {
    const buffer = Buffer.alloc(this.reportLength(id));
    bytes.copy(buffer, 0, 0, Math.min(bytes.length, buffer.length));
    buffer[0] = id;
    return buffer;
  }

  /** GET_REPORT(Feature) once per operation; 'io' for a failed one; throws Gone when the device is gone. */
  private async getReport(id: number, cache: ReportCache): Promise<Buffer | 'io'> {
    const cached = cache.get(id);
    if (cached !== undefined) return cached;
    const length = this.reportLength(id);
    let result: Buffer | 'io';
    try {
      // APC Back-UPS ES 525 / CS send more than they declare (max_report_size)
      const bytes = await this.source.getFeature(id, this.tweaks.maxReportSize ? Math.max(length, 64) : length);
      result = this.reportBuffer(id, bytes);
      this.lastReport.set(id, result);
    } catch (err) {
      if (err instanceof ReportError && err.failure === 'gone') throw new Gone(err.message);
      result = 'io'; // the item is skipped (§3.3)
    }
    cache.set(id, result);
    return result;
  }

  /** HIDGetDataValue(): the value of a Feature field, undefined when its report cannot be read. */
  private async readField(field: HidField, cache: ReportCache): Promise<number | undefined> {
    const report = await this.getReport(field.reportId, cache);
    if (report === 'io') return undefined;
    return toPhysical(field, readLogical(field, report));
  }

  /** HIDGetIndexString(): the string into a `size`-byte buffer, "" when the device has none. */
  private async usbString(index: number, size: number): Promise<string> {
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

  // ------------------------------------------------------------------ bookkeeping

  /** find_nut_info(): the first row of that name that resolved to a field. */
  private findInfo(name: string): Entry | undefined {
    const lower = name.toLowerCase();
    return this.entries.find((e) => e.field !== undefined && e.row.name.toLowerCase() === lower);
  }

  private context(sinks: OpSinks): ConversionContext {
    return {
      get: (name) => this.vars.get(name),
      set: (name, value) => this.publish(name, value),
      remove: (name) => this.remove(name),
      flags: () => this.flags,
      buzzword: (word) => {
        if (!sinks.buzzwords.includes(word)) sinks.buzzwords.push(word);
      },
      string: (index, size) => this.usbString(index, size),
      setvar: async (name, value) => {
        try {
          await this.setvar(name, value, sinks);
          return true;
        } catch (err) {
          if (err instanceof PowerDeviceError) return false;
          throw err;
        }
      },
      vendor: this.vendor,
    };
  }

  private publish(name: string, value: string, type?: PublishedType): void {
    const text = printable(value).slice(0, MAX_VALUE);
    this.vars.set(name, text);
    this.sink.setVariable(name, text, type);
  }

  private publishOrRemove(name: string, value: string | undefined): void {
    if (value === undefined) this.remove(name);
    else this.publish(name, value);
  }

  private remove(name: string): void {
    this.vars.delete(name);
    // also when this object never set it: a previous session of the same UPS may have (NUT's dstate_delinfo)
    this.sink.removeVariable(name);
  }

  private addCommand(name: string): void {
    if (this.commands.has(name)) return;
    this.commands.add(name);
    this.sink.addCommand(name);
  }
}
