// The vendor report-descriptor fixes NUT's subdrivers apply right after parsing (`fix_report_desc`,
// docs/hid-mapping.md §2.6, check-list §1.8.9). They only widen logical ranges the firmware declared too narrow;
// the layout (offsets, sizes, lengths) never changes. NUT turns them off with `disable_fix_report_desc`.
//
// Like NUT, each fix finds its field by report ID and last usage only (FindObject_with_ID_Node): the first field
// in descriptor order, whatever its report type. When an ID is declared both Input and Feature, only the first
// of the two is changed, exactly as in NUT.
import { withFields } from './descriptor.ts';
import type { HidField, ParsedDescriptor } from './types.ts';

export interface FixTarget {
  /** USB IDs as numbers or as 4 hex digits ("051d") */
  readonly vendorId: number | string;
  readonly productId: number | string;
}

export interface FixOptions {
  /** NUT's `disable_fix_report_desc` */
  readonly disable?: boolean;
  /** receives what NUT logs at debug level 3 when it changes a range */
  readonly log?: (message: string) => void;
}

const APC_VENDOR = 0x051d;
const CPS_VENDOR = 0x0764;

const VOLTAGE = 0x00840030;
const CONFIG_VOLTAGE = 0x00840040;
const CONFIG_ACTIVE_POWER = 0x00840044;
const HIGH_VOLTAGE_TRANSFER = 0x00840054;

// cps-hid.c
const CPS_VOLTAGE_LOGMIN = 0;
/** "includes safety margin" */
const CPS_VOLTAGE_LOGMAX = 511;
/** NUT 2.8.4+ (commit c883e506, nut#2917): the nominal power was clipped by a too small LogMax */
const CPS_NOMINALPWR_LOGMAX = 2048;

function usbId(id: number | string): number {
  return typeof id === 'number' ? id : parseInt(id, 16);
}

/** The fields being fixed: the original list, copied on first change (fields are readonly). */
class Editor {
  private readonly original: readonly HidField[];
  private copy: HidField[] | undefined;

  constructor(fields: readonly HidField[]) {
    this.original = fields;
  }

  get fields(): readonly HidField[] {
    return this.copy ?? this.original;
  }

  get changed(): boolean {
    return this.copy !== undefined;
  }

  /** index of NUT's FindObject_with_ID_Node: first non-padding field with this report ID and last usage */
  find(reportId: number, usage: number): number {
    const fields = this.fields;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      if (!f.padding && f.reportId === reportId && f.usages[f.usages.length - 1] === usage) return i;
    }
    return -1;
  }

  at(i: number): HidField {
    return this.fields[i]!;
  }

  set(i: number, change: Partial<Pick<HidField, 'logicalMin' | 'logicalMax'>>): void {
    this.copy ??= this.original.slice();
    this.copy[i] = { ...this.copy[i]!, ...change };
  }
}

/** apc-hid.c apc_fix_report_desc, PID 0002 only: 230 V Back-UPS models declare their input voltages with an
 *  8-bit range below the high transfer voltage (§2.6). */
function fixApc(ed: Editor, log: (m: string) => void): void {
  const hvt = ed.find(0x33, HIGH_VOLTAGE_TRANSFER);
  if (hvt < 0) return;
  const hvtMax = ed.at(hvt).logicalMax;
  const voltage = ed.find(0x31, VOLTAGE);
  if (voltage >= 0 && hvtMax > ed.at(voltage).logicalMax) {
    ed.set(voltage, { logicalMin: 0, logicalMax: hvtMax * 2 });
    log(`Fixing Report Descriptor. Set voltage LogMin = 0, LogMax = ${hvtMax * 2}`);
  }
  const config = ed.find(0x30, CONFIG_VOLTAGE);
  if (config >= 0 && hvtMax > ed.at(config).logicalMax) {
    ed.set(config, { logicalMax: 255 });
    log(`Fixing Report Descriptor. Set configVoltage LogMin = ${ed.at(config).logicalMin}, LogMax = 255`);
  }
}

/** cps-hid.c cps_fix_report_desc, PIDs 0501 and 0601 (§2.6): (a) voltages declared with the high-transfer
 *  range, (b) voltage maxima that were re-read as unsigned, (c) the nominal power maximum. */
function fixCps(ed: Editor, log: (m: string) => void): void {
  // (a) Output.Voltage (0x12) with exactly the range of Input.HighVoltageTransfer (0x10): both voltages get 0..511
  const hvt = ed.find(0x10, HIGH_VOLTAGE_TRANSFER);
  if (hvt >= 0) {
    const { logicalMin: hvtMin, logicalMax: hvtMax } = ed.at(hvt);
    const output = ed.find(0x12, VOLTAGE);
    if (output >= 0 && ed.at(output).logicalMin === hvtMin && ed.at(output).logicalMax === hvtMax) {
      ed.set(output, { logicalMin: CPS_VOLTAGE_LOGMIN, logicalMax: CPS_VOLTAGE_LOGMAX });
      log(`Fixing Report Descriptor: set Output Voltage LogMin = ${CPS_VOLTAGE_LOGMIN}, LogMax = ${CPS_VOLTAGE_LOGMAX}`);
      const input = ed.find(0x0f, VOLTAGE);
      if (input >= 0 && ed.at(input).logicalMin === hvtMin && ed.at(input).logicalMax === hvtMax) {
        ed.set(input, { logicalMin: CPS_VOLTAGE_LOGMIN, logicalMax: CPS_VOLTAGE_LOGMAX });
        log(`Fixing Report Descriptor: set Input Voltage LogMin = ${CPS_VOLTAGE_LOGMIN}, LogMax = ${CPS_VOLTAGE_LOGMAX}`);
      }
    }
  }

  // (b) a re-read ("assumed") LogMax on either voltage: at least 511, the two aligned, at most 2^Size − 1.
  // The flag is NUT's sticky one (descriptor.ts): set for every field after the first re-read LogMax.
  const output = ed.find(0x12, VOLTAGE);
  const input = ed.find(0x0f, VOLTAGE);
  if (output >= 0 && input >= 0) {
    const out = ed.at(output);
    const inp = ed.at(input);
    if (out.assumedLogMax || inp.assumedLogMax) {
      let outMax = out.logicalMax;
      let inMax = inp.logicalMax;
      if (out.assumedLogMax && outMax < CPS_VOLTAGE_LOGMAX) outMax = CPS_VOLTAGE_LOGMAX;
      if (inp.assumedLogMax && inMax < CPS_VOLTAGE_LOGMAX) inMax = CPS_VOLTAGE_LOGMAX;
      if (out.assumedLogMax && outMax < inMax) outMax = inMax;
      else if (inp.assumedLogMax && inMax < outMax) inMax = outMax;
      // NUT caps only sizes 2..64 (1L << Size must fit a long)
      if (inp.assumedLogMax && inp.bitSize > 1 && inp.bitSize < 64) inMax = Math.min(inMax, 2 ** inp.bitSize - 1);
      if (out.assumedLogMax && out.bitSize > 1 && out.bitSize < 64) outMax = Math.min(outMax, 2 ** out.bitSize - 1);
      if (inMax !== inp.logicalMax) {
        ed.set(input, { logicalMax: inMax });
        log(`Fixing Report Descriptor: set Input Voltage LogMax = ${inMax}`);
      }
      if (outMax !== out.logicalMax) {
        ed.set(output, { logicalMax: outMax });
        log(`Fixing Report Descriptor: set Output Voltage LogMax = ${outMax}`);
      }
    }
  }

  // (c) Output.ConfigActivePower (0x18): the firmware's LogMax clips the nominal power (EC850LCD: 450 W, reads 510)
  const power = ed.find(0x18, CONFIG_ACTIVE_POWER);
  if (power >= 0 && ed.at(power).logicalMax < CPS_NOMINALPWR_LOGMAX) {
    ed.set(power, { logicalMax: CPS_NOMINALPWR_LOGMAX });
    log(`Fixing Report Descriptor: set ConfigActivePower LogMax = ${CPS_NOMINALPWR_LOGMAX}`);
  }
}

/**
 * Apply the subdriver's descriptor fix for this device, if any (APC 051d:0002, CyberPower 0764:0501/0601).
 * Returns the same object when nothing applies, else a new ParsedDescriptor with new field objects where a
 * range changed.
 */
export function fixReportDescriptor(
  parsed: ParsedDescriptor,
  usb: FixTarget,
  options: FixOptions = {},
): ParsedDescriptor {
  if (options.disable) return parsed;
  const vendor = usbId(usb.vendorId);
  const product = usbId(usb.productId);
  const log = options.log ?? (() => {});
  const ed = new Editor(parsed.fields);
  if (vendor === APC_VENDOR && product === 0x0002) fixApc(ed, log);
  else if (vendor === CPS_VENDOR && (product === 0x0501 || product === 0x0601)) fixCps(ed, log);
  return ed.changed ? withFields(parsed, ed.fields) : parsed;
}
