// The power-device mapping engine: NUT usbhid-ups's walk over a subdriver table, for one device
// (docs/hid-mapping.md §2 and §3). It owns no timer and no handle: the driver loop calls update() on NUT's
// schedule, hands Input reports to onInputReport(), and forwards SET VAR / INSTCMD.
//
//   open()          parse the descriptor, apply the vendor fix, pick the subdriver, publish the USB identity,
//                   run the INIT walk (§2.1), add the composite commands, then NUT's first update;
//   update()        a quick walk (QUICK_POLL rows) or a full walk (all but STATIC/SEMI_STATIC/ABSENT/commands),
//                   then ups.status; a walk where every read failed means the device is gone (§3.1, §3.3);
//   onInputReport() every Input field of the report is an event for the Feature row of the same path (§3.2);
//   setVariable() / runCommand()   the write path, writes.ts (§2.5); reports and strings: report-cache.ts.
//
// The UPS model behind the sink holds every value; this object only remembers which names it published.
//
// Deliberate differences from NUT 2.8.5 (each also listed in power-device.test.ts; the report cache's and the
// write path's are in their files):
//   - an Input report republishes ups.status at once instead of at the next 2 s cycle;
//   - ups.alarm sentences raised by Input events are dropped, as NUT's next full walk drops them anyway.
import { parseDescriptor } from '../hid/descriptor.ts';
import { fixReportDescriptor } from '../hid/fixes.ts';
import { readLogical, toPhysical } from '../hid/report.ts';
import type { ParsedDescriptor } from '../hid/types.ts';
import { findField, usageNames } from '../hid/usages.ts';
import type { UsageNames } from '../hid/usages.ts';
import { CONVERSIONS, convertRead, enumValues, newVendorState } from './conversions.ts';
import type { ConversionContext, VendorState } from './conversions.ts';
import { MAX_VALUE, noSinks } from './entry.ts';
import type { Entry, OpSinks } from './entry.ts';
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
import type { DeviceInfo, SubdriverDef, Tweaks } from './subdrivers.ts';
import { hasFlag, HU } from './tables/types.ts';
import type { MappingRow } from './tables/types.ts';
import { FieldIndex } from './field-index.ts';
import { deviceInfo, hex4 } from './identity.ts';
import { POLL_INTERVAL_MS } from './options.ts';
import type { PowerDeviceOptions } from './options.ts';
import { DeviceReports, Gone, printable } from './report-cache.ts';
import type { ReportCache } from './report-cache.ts';
import { PowerDeviceError, ReportError } from './types.ts';
import type { PublishedType, ReportSource, VariableSink } from './types.ts';
import { DeviceWriter } from './writes.ts';

export type { PowerDeviceOptions } from './options.ts';

type WalkMode = 'init' | 'quick' | 'full';

/** What open() has worked out before the device object exists. */
interface DeviceParts {
  readonly source: ReportSource;
  readonly sink: VariableSink;
  readonly options: PowerDeviceOptions;
  readonly parsed: ParsedDescriptor;
  readonly dev: DeviceInfo;
  readonly vendor: VendorState;
  readonly def: SubdriverDef;
  readonly tweaks: Tweaks;
}

export class PowerDevice {
  private readonly sink: VariableSink;
  private readonly options: PowerDeviceOptions;
  private readonly parsed: ParsedDescriptor;
  private readonly names: UsageNames;
  private readonly def: SubdriverDef;
  private readonly dev: DeviceInfo;
  private readonly vendor: VendorState;
  private readonly entries: Entry[];
  private readonly statusOptions: StatusOptions;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly useInterruptPipe: boolean;
  private readonly reports: DeviceReports;
  private readonly writer: DeviceWriter;
  /** the names this device published (NUT's dstate tree as far as it wrote it); the values are in the sink's
   *  model only. Kept because the model outlives a device: after a reconnect it still holds the last session's
   *  values, and NUT's walk starts from an empty tree ("first row wins", driver-side defaults). */
  private readonly published = new Set<string>();
  private readonly commands = new Set<string>();
  private readonly index: FieldIndex;
  private flags = new Set<StatusFlag>();
  private timers: LbRbTimers = NO_TIMERS;
  private alarmActive = false;
  /** NUT's data_has_changed: a write happened, so SEMI_STATIC rows are read on the next (full) update */
  private dataChanged = false;
  private previousCharge: number | undefined;

  private constructor(parts: DeviceParts) {
    const { source, sink, options, parsed, dev, vendor, def, tweaks } = parts;
    this.sink = sink;
    this.options = options;
    this.parsed = parsed;
    this.dev = dev;
    this.vendor = vendor;
    this.def = def;
    this.reports = new DeviceReports(source, parsed, tweaks.maxReportSize);
    this.writer = new DeviceWriter({
      reports: this.reports,
      commands: this.commands,
      findInfo: (name) => this.findInfo(name),
      context: (sinks) => this.context(sinks),
      value: (name) => this.value(name),
      publish: (name, value) => this.publish(name, value),
      written: () => {
        this.dataChanged = true;
      },
      sleep: (ms) => this.sleep(ms),
    });
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
    this.index = new FieldIndex(parsed);
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
    const device = new PowerDevice({ source, sink, options, parsed, dev, vendor, def: subdriver, tweaks });
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
          return field ? this.reports.read(field, cache) : undefined;
        },
        itemString: async (path, size) => {
          const field = findField(this.parsed, path, 'feature', this.names);
          const index = field ? await this.reports.read(field, cache) : undefined;
          return index === undefined ? '' : this.reports.usbString(Math.trunc(index), size);
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
    await this.walk('init', noSinks());

    // the user's lowbatt / ondelay / offdelay replace the values driver-side only, where the variable exists
    const override = (name: string, value: number | undefined): void => {
      if (value !== undefined && this.published.has(name)) this.publish(name, String(Math.trunc(value)));
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
      const value = this.value(`ups.${what}`);
      if (value !== undefined) this.publish(`device.${what}`, value);
    }
  }

  // ------------------------------------------------------------------ polling

  /** One poll cycle (upsdrv_updateinfo without the interrupt read): 'gone' when the device must be reopened. */
  async update(kind: 'quick' | 'full'): Promise<'ok' | 'gone'> {
    // main.c remembers battery.charge before each cycle for the charge-trend rule
    const charge = this.value('battery.charge');
    const parsedCharge = charge === undefined ? undefined : parseWholeNumber(charge);
    if (parsedCharge !== undefined && parsedCharge >= 0) this.previousCharge = parsedCharge;

    const sinks = noSinks();
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
            if (!this.published.has(row.name)) this.publish(row.name, row.dfl ?? '', this.rowType(row));
            continue;
          }
          // the first row that yields a value wins; ups.alarm may have several
          if (row.name !== 'ups.alarm' && this.published.has(row.name)) {
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
      const value = await this.reports.read(field, cache);
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
    const value = this.value(entry.row.name);
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
      charge: this.value('battery.charge'),
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
        charge: this.value('battery.charge'),
        chargeLow: this.value('battery.charge.low'),
        runtime: this.value('battery.runtime'),
        runtimeLow: this.value('battery.runtime.low'),
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
    const fields = this.index.inputsOf(id);
    if (!fields) return;
    const buffer = this.reports.received(report);
    const sinks = noSinks();
    const ctx = this.context(sinks);
    for (const field of fields) {
      const value = toPhysical(field, readLogical(field, buffer));
      const target = this.index.byUsages('feature', field.usages) ?? this.index.byUsages('input', field.usages);
      // find_hid_info(): the first row (driver-side ones aside) that uses this field
      const entry = target && this.entries.find((e) => e.field === target && !hasFlag(e.row, HU.ABSENT));
      if (!entry) continue;
      const done = this.applyValue(entry, value, ctx, sinks);
      if (done instanceof Promise) done.catch(() => undefined); // a USB string that could not be read: no value
    }
    this.publishStatus(undefined);
  }

  // ------------------------------------------------------------------ writes (writes.ts)

  /** SET VAR (usbhid-ups.c setvar()). Rejects with PowerDeviceError. */
  setVariable(name: string, value: string): Promise<void> {
    return this.writer.setvar(name, value, noSinks());
  }

  /** INSTCMD (usbhid-ups.c instcmd()). Rejects with PowerDeviceError. */
  runCommand(name: string, parameter?: string): Promise<void> {
    return this.writer.runCommand(name, parameter);
  }

  // ------------------------------------------------------------------ bookkeeping

  /** find_nut_info(): the first row of that name that resolved to a field. */
  private findInfo(name: string): Entry | undefined {
    const lower = name.toLowerCase();
    return this.entries.find((e) => e.field !== undefined && e.row.name.toLowerCase() === lower);
  }

  private context(sinks: OpSinks): ConversionContext {
    return {
      get: (name) => this.value(name),
      set: (name, value) => this.publish(name, value),
      remove: (name) => this.remove(name),
      flags: () => this.flags,
      buzzword: (word) => {
        if (!sinks.buzzwords.includes(word)) sinks.buzzwords.push(word);
      },
      string: (index, size) => this.reports.usbString(index, size),
      setvar: async (name, value) => {
        try {
          await this.writer.setvar(name, value, sinks);
          return true;
        } catch (err) {
          if (err instanceof PowerDeviceError) return false;
          throw err;
        }
      },
      vendor: this.vendor,
    };
  }

  /** A value this device published in this session, as the model holds it. */
  private value(name: string): string | undefined {
    return this.published.has(name) ? this.sink.getVariable(name)?.value : undefined;
  }

  private publish(name: string, value: string, type?: PublishedType): void {
    const text = printable(value).slice(0, MAX_VALUE);
    this.sink.setVariable(name, text, type);
    this.published.add(name);
  }

  private publishOrRemove(name: string, value: string | undefined): void {
    if (value === undefined) this.remove(name);
    else this.publish(name, value);
  }

  private remove(name: string): void {
    this.published.delete(name);
    // also when this object never set it: a previous session of the same UPS may have (NUT's dstate_delinfo)
    this.sink.removeVariable(name);
  }

  private addCommand(name: string): void {
    if (this.commands.has(name)) return;
    this.commands.add(name);
    this.sink.addCommand(name);
  }
}
