// Eaton / MGE value conversions (NUT 2.8.5 drivers/mge-hid.c, "MGE HID 1.58"; docs/hid-mapping.md §2.4, §2.6):
// model-gated battery voltages, Advanced Battery Monitoring (ABM, which takes CHRG/DISCHRG out of ups.status when
// enabled), the computed realpower, nominal output voltage limits per region, the outlet and alarm words, and the
// ECO / ESS / bypass helpers. Several of them only record state (country, ABM) and publish nothing.
import { clip, formatFixed, padInt } from './format.ts';
import { MGE_TYPE, strtod, toLong } from './conversion-core.ts';
import type { Conversion, ConversionContext } from './conversion-core.ts';
import { atoi } from './status.ts';

const ABM_UNKNOWN = -1;
const ABM_DISABLED = 0;
const ABM_ENABLED = 1;
const ABM_PATH_UNKNOWN = -1;
const ABM_PATH_STATUS = 0;
const ABM_PATH_MODE = 1;

/** mge_scratch_buf is 20 bytes */
function scratch(text: string): string {
  return clip(text, 20);
}

function family(ctx: ConversionContext): number {
  return ctx.vendor.mgeType & 0xff00; // ignore the model byte
}

function abmOff(ctx: ConversionContext): boolean {
  return ctx.vendor.mgeAbm === ABM_UNKNOWN || ctx.vendor.mgeAbm === ABM_DISABLED;
}

/** Models with ECO control (Protection Station, Ellipse ECO, 3S). NUT switches on (type & 0xff00), so its
 *  MGE_3S case (0x110) is unreachable and every 3S counts as PEGASUS, European or not; kept the same here. */
function ecoControl(ctx: ConversionContext): boolean {
  return family(ctx) === MGE_TYPE.PEGASUS;
}

/** UPS.BatterySystem.Charger.ABMEnable: remember whether ABM is on; publishes nothing. */
function abmEnabled(value: number, ctx: ConversionContext): null {
  const v = toLong(value);
  ctx.vendor.mgeAbm = v === ABM_DISABLED ? ABM_DISABLED : v === ABM_ENABLED ? ABM_ENABLED : ABM_UNKNOWN;
  return null;
}

/** Charger.Mode / Charger.Status: the first one seen while ABM is on decides which path the words follow. */
function abmPath(path: number): (value: number, ctx: ConversionContext) => null {
  return (_value, ctx) => {
    if (abmOff(ctx)) {
      ctx.vendor.mgeAbmPath = ABM_PATH_UNKNOWN;
      return null;
    }
    if (ctx.vendor.mgeAbmPath === ABM_PATH_UNKNOWN) ctx.vendor.mgeAbmPath = path;
    return null;
  };
}

const ABM_STATUS_WORDS: Readonly<Record<number, readonly (string | undefined)[]>> = {
  // index = value; Charger.Status path (9-series) and Charger.Mode path (the common one)
  [ABM_PATH_STATUS]: [undefined, 'charging', 'floating', 'resting', 'discharging', undefined, 'off'],
  [ABM_PATH_MODE]: [undefined, 'charging', 'discharging', 'floating', 'resting', undefined, 'off'],
};

/** battery.charger.status, only while ABM is on. */
function abmStatus(value: number, ctx: ConversionContext): string | null {
  if (abmOff(ctx)) {
    ctx.remove('battery.charger.status'); // the user switched ABM off: drop what was published
    return null;
  }
  const words = ABM_STATUS_WORDS[ctx.vendor.mgeAbmPath === ABM_PATH_STATUS ? ABM_PATH_STATUS : ABM_PATH_MODE];
  const v = toLong(value);
  const word = v >= 0 ? words?.[v] : undefined;
  return word === undefined ? null : scratch(word);
}

/** CHRG/DISCHRG from the ABM charger state, only while ABM is on. */
function abmChargeFlag(value: number, ctx: ConversionContext): string | null {
  if (abmOff(ctx)) return null;
  const v = toLong(value);
  if (ctx.vendor.mgeAbmPath === ABM_PATH_STATUS) {
    if (v === 1 || v === 2) return 'chrg';
    if (v === 4) return 'dischrg';
    return null;
  }
  if (v === 1 || v === 3) return 'chrg';
  if (v === 2) return 'dischrg';
  return null;
}

/** PresentStatus.Charging / Discharging: used as is without ABM; with ABM the flag is only ever cleared. */
function abmCheck(word: string): (value: number, ctx: ConversionContext) => string {
  return (value, ctx) => (abmOff(ctx) && value === 1 ? word : `!${word}`);
}

/** UPS.PowerSummary.Time is Unix time; NUT shows it in local time as ups.date and ups.time. */
function localDate(value: number): string | null {
  const d = new Date(toLong(value) * 1000);
  if (Number.isNaN(d.getTime())) return null;
  const text = `${padInt(d.getFullYear(), 4)}/${padInt(d.getMonth() + 1, 2)}/${padInt(d.getDate(), 2)}`;
  return text.length === 10 ? text : null; // strftime must give exactly 10 characters
}

function localTime(value: number): string | null {
  const d = new Date(toLong(value) * 1000);
  if (Number.isNaN(d.getTime())) return null;
  return `${padInt(d.getHours(), 2)}:${padInt(d.getMinutes(), 2)}:${padInt(d.getSeconds(), 2)}`;
}

/** strptime("%Y/%m/%d %H:%M:%S") + mktime() in local time. NUT writes 0 for text it cannot parse; walnut refuses. */
function parseLocal(date: string | undefined, time: string | undefined): number | null {
  const d = date === undefined ? null : /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(date);
  const t = time === undefined ? null : /^(\d{1,2}):(\d{1,2}):(\d{1,2})$/.exec(time);
  if (!d || !t) return null;
  const [y, mo, da] = [Number(d[1]), Number(d[2]), Number(d[3])];
  const [h, mi, s] = [Number(t[1]), Number(t[2]), Number(t[3])];
  if (mo < 1 || mo > 12 || da < 1 || da > 31 || h > 23 || mi > 59 || s > 60) return null;
  const ms = new Date(y, mo - 1, da, h, mi, s).getTime();
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}

function batteryVoltageNominal(value: number, ctx: ConversionContext): string | null {
  let v = value;
  switch (family(ctx)) {
    case MGE_TYPE.EVOLUTION:
      if (ctx.vendor.mgeType === MGE_TYPE.EVOLUTION_650) v = 12.0;
      break;
    case MGE_TYPE.PULSAR_M:
    case MGE_TYPE.EATON_5P:
    case MGE_TYPE.EATON_9E:
      break;
    default:
      return null; // other series report something else on this path
  }
  return scratch(formatFixed(v, 0));
}

function batteryVoltage(value: number, ctx: ConversionContext): string | null {
  switch (family(ctx)) {
    case MGE_TYPE.EVOLUTION:
    case MGE_TYPE.PULSAR_M:
    case MGE_TYPE.EATON_5P:
    case MGE_TYPE.EATON_9E:
      return scratch(formatFixed(value, 1));
    default:
      return null;
  }
}

function pegasusThreshold(value: number, ctx: ConversionContext): string | null {
  if (!ecoControl(ctx)) return null;
  return scratch(formatFixed(value, 0));
}

function pegasusYesNoRead(value: number, ctx: ConversionContext): string | null {
  if (!ecoControl(ctx)) return null;
  return value === 0 ? 'no' : 'yes';
}

function pegasusYesNoWrite(text: string, ctx: ConversionContext): number {
  if (!ecoControl(ctx)) return 0;
  return text.startsWith('yes') ? 1 : 0;
}

/** C's str_to_double() into a variable that keeps its old value (here 0) on failure. */
function num(text: string | undefined): number {
  if (text === undefined) return 0;
  const t = text.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return 0;
  return Number(t);
}

/** eaton_input_eco_mode_check_range(): may the UPS go to ECO with the current bypass voltage and frequency? */
function ecoCheckRange(value: number, ctx: ConversionContext): string | null {
  if (toLong(value) !== 1) return null;
  const bypassV = ctx.get('input.bypass.voltage');
  const bypassF = ctx.get('input.bypass.frequency');
  const nomV = ctx.get('output.voltage.nominal');
  const nomF = ctx.get('output.frequency.nominal');
  if (bypassV === undefined || bypassF === undefined || nomV === undefined || nomF === undefined) {
    ctx.set('input.eco.switchable', 'normal');
    return null;
  }
  const range = num(ctx.get('input.transfer.frequency.eco.range'));
  const ecoLow = num(ctx.get('input.transfer.eco.low'));
  const ecoHigh = num(ctx.get('input.transfer.eco.high'));
  const outF = num(nomF);
  const outV = num(nomV);
  const pct = range > 0 ? range : 5;
  const fLow = outF - (outF / 100) * pct;
  const fHigh = outF + (outF / 100) * pct;
  const vLow = ecoLow > 0 && ecoHigh > 0 ? ecoLow : outV * 0.95;
  const vHigh = ecoLow > 0 && ecoHigh > 0 ? ecoHigh : outV * 1.05;
  const bv = num(bypassV);
  const bf = num(bypassF);
  if (bv >= vLow && bv <= vHigh && bf >= fLow && bf <= fHigh) {
    ctx.buzzword('vendor:mge-hid:ECO');
    return 'ECO';
  }
  ctx.set('input.eco.switchable', 'normal');
  ctx.buzzword('vendor:mge-hid:normal');
  return null;
}

/** input.eco.switchable: 0 normal, 1 ECO (when the input allows it), 2 ESS. */
function ecoModeRead(value: number, ctx: ConversionContext): string | null {
  switch (toLong(value)) {
    case 0:
      return 'normal';
    case 1:
      return ecoCheckRange(value, ctx);
    case 2:
      ctx.buzzword('vendor:mge-hid:ESS');
      return 'ESS';
    default:
      return null;
  }
}

function ecoModeWrite(text: string): number | null {
  if (text === 'normal' || text === 'vendor:mge-hid:normal') return 0;
  if (text === 'ECO' || text === 'vendor:mge-hid:ECO') return 1;
  if (text === 'ESS' || text === 'vendor:mge-hid:ESS') return 2;
  return null;
}

/** eaton_input_bypass_check_range(): may the UPS go to bypass with the current bypass voltage and frequency? */
function bypassCheckRange(value: number, ctx: ConversionContext): string | null {
  if (value === 0) return 'disabled';
  if (value !== 1) return null;
  const bypassV = ctx.get('input.bypass.voltage');
  const bypassF = ctx.get('input.bypass.frequency');
  const nomV = ctx.get('output.voltage.nominal');
  const nomF = ctx.get('output.frequency.nominal');
  if (bypassV === undefined || bypassF === undefined || nomV === undefined || nomF === undefined) {
    ctx.set('input.bypass.switch.off', 'off');
    return null;
  }
  const range = num(ctx.get('input.transfer.frequency.bypass.range'));
  const low = num(ctx.get('input.transfer.bypass.low'));
  const high = num(ctx.get('input.transfer.bypass.high'));
  const outF = num(nomF);
  const outV = num(nomV);
  const pct = range > 0 ? range : 10;
  const fLow = outF - (outF / 100) * pct;
  const fHigh = outF + (outF / 100) * pct;
  const vLow = low > 0 && high > 0 ? low : outV * 0.8;
  const vHigh = low > 0 && high > 0 ? high : outV * 1.15;
  const bv = num(bypassV);
  const bf = num(bypassF);
  if (bv >= vLow && bv <= vHigh && bf >= fLow && bf <= fHigh) return 'on';
  ctx.set('input.bypass.switch.off', 'off');
  return null;
}

/** experimental.bypass.ecomode.start/stop: bypass on then ECO, or ECO off then bypass off (mge-hid.c
 *  eaton_input_eco_mode_auto_on_off_nuf). Returns the value written to Input.[5].Switchable. */
async function ecoAutoWrite(text: string, ctx: ConversionContext): Promise<number> {
  if (text === '1') {
    if (ctx.get('input.bypass.switch.on') !== 'disabled') return 0;
    bypassCheckRange(1, ctx);
    if (ctx.get('input.eco.switchable') !== 'normal') return 0;
    ecoCheckRange(1, ctx);
    return 1;
  }
  if (ctx.get('input.bypass.switch.off') !== 'disabled') return 1;
  await ctx.setvar('input.bypass.switch.off', 'off');
  if (ctx.get('input.eco.switchable') !== 'ECO') return 1;
  await ctx.setvar('input.eco.switchable', 'normal');
  ctx.buzzword('vendor:mge-hid:normal');
  return 0;
}

/** eaton_compute_realpower_fun(): load % × nominal VA × power factor (0.8 when unknown), rounded. */
function computeRealpower(_value: number, ctx: ConversionContext): string | null {
  const load = ctx.get('ups.load');
  const nominal = ctx.get('ups.power.nominal');
  if (load === undefined || nominal === undefined) return null;
  const pfText = ctx.get('output.powerfactor');
  // NUT keeps the power factor in a C float
  const pf = Math.fround(pfText === undefined ? 0.8 : strtod(pfText));
  const raw = atoi(load) * 0.01 * atoi(nominal) * pf;
  const rounded = raw < 0 ? -Math.round(-raw) : Math.round(raw); // C round(): halves away from zero
  return scratch(formatFixed(rounded, 0));
}

const LV = [100, 110, 120, 127];
const HV208 = [200, 208];
const HV230 = [220, 230, 240];

/** nominal_output_voltage_fun(): only the voltages the model's range supports (LV, 208 V, 230 V families),
 *  the family being fixed by the first value read. */
function nominalOutputVoltage(value: number, ctx: ConversionContext): string | null {
  if (ctx.vendor.mgeNominalOutputVoltage < 0) ctx.vendor.mgeNominalOutputVoltage = toLong(value);
  const nominal = ctx.vendor.mgeNominalOutputVoltage;
  const v = toLong(value);
  const onlineCapable = family(ctx) >= MGE_TYPE.DEFAULT;
  if (LV.includes(nominal)) {
    if (!LV.includes(v)) return null;
  } else if (HV208.includes(nominal)) {
    if (HV230.includes(v)) {
      if (!onlineCapable) return null;
    } else if (!HV208.includes(v)) {
      return null;
    }
  } else if (HV230.includes(nominal)) {
    if (HV208.includes(v)) {
      // offline models cannot; NUT's COUNTRY_EUROPE_208 branch and its fall-through both accept the rest
      if (!onlineCapable) return null;
    } else if (!HV230.includes(v)) {
      return null;
    }
  }
  return scratch(formatFixed(value, 0));
}

export const MGE_CONVERSIONS: Readonly<Record<string, Conversion>> = {
  eatonAbmEnabled: { read: abmEnabled },
  eatonAbmPathMode: { read: abmPath(ABM_PATH_MODE) },
  eatonAbmPathStatus: { read: abmPath(ABM_PATH_STATUS) },
  eatonAbmStatus: { read: abmStatus },
  eatonChargerType: {
    table: [
      [0, 'None'],
      [1, 'Extended (CLA)'],
      [2, 'Large extension'],
      [3, 'Extra large extension (XL)'],
      [4, 'ABM'],
      [5, 'Constant Charge (CC)'],
    ],
  },
  eatonAbmChrgDischrg: { read: abmChargeFlag },
  eatonDischarging: { read: abmCheck('dischrg') },
  eatonCharging: { read: abmCheck('chrg') },
  mgeDate: {
    read: (v) => localDate(v),
    write: (text, ctx) => parseLocal(text, ctx.get('ups.time')),
  },
  mgeTime: {
    read: (v) => localTime(v),
    write: (text, ctx) => parseLocal(ctx.get('ups.date'), text),
  },
  mgeBatteryVoltageNominal: { read: batteryVoltageNominal },
  mgeBatteryVoltage: { read: batteryVoltage },
  mgePowerFactor: { read: (v) => scratch(formatFixed(v / 100, 2)) },
  mgeBatteryCapacity: { read: (v) => scratch(formatFixed(v / 3600, 2)) }, // A·s → A·h
  eatonEnableDisable: {
    table: [
      [0, 'disabled'],
      [1, 'enabled'],
    ],
  },
  mgeUpsType: {
    table: [
      [1, 'offline / line interactive'],
      [2, 'online'],
      [3, 'online - unitary/parallel'],
      [4, 'online - parallel with hot standy'],
      [5, 'online - hot standby redundancy'],
    ],
  },
  mgeSensitivity: {
    table: [
      [0, 'normal'],
      [1, 'high'],
      [2, 'low'],
    ],
  },
  mgeEmergencyStop: { table: [[1, 'Emergency stop!']] },
  mgeWiringFault: { table: [[1, 'Wiring fault!']] },
  mgeConfigFailure: { table: [[1, 'Fatal EEPROM fault!']] },
  mgeInverterVoltHi: { table: [[1, 'Inverter AC voltage too high!']] },
  mgeInverterVoltLo: { table: [[1, 'Inverter AC voltage too low!']] },
  mgeShortCircuit: { table: [[1, 'Output short circuit!']] },
  mgeOnBatt: {
    table: [
      [1, '!online'],
      [0, 'online'],
    ],
  },
  pegasusThreshold: {
    table: [
      [10, '10'],
      [25, '25'],
      [60, '60'],
    ],
    read: pegasusThreshold,
  },
  pegasusYesNo: { read: pegasusYesNoRead, write: pegasusYesNoWrite },
  outletEcoYesNo: {
    table: [
      [0, 'The outlet is not ECO controlled'],
      [1, 'The outlet is ECO controlled'],
    ],
  },
  eatonEcoMode: { read: ecoModeRead, write: (t) => ecoModeWrite(t) },
  eatonBypassOn: {
    table: [
      [0, 'disabled'],
      [1, 'on'],
    ],
    read: bypassCheckRange,
  },
  eatonBypassOff: {
    table: [
      [0, 'disabled'],
      [1, 'off'],
    ],
  },
  eatonEcoAuto: { write: ecoAutoWrite },
  // UPS.PowerSummary.Country: remembered for the region rules, not published
  eatonCountry: {
    read: (v, ctx) => {
      ctx.vendor.mgeCountry = toLong(v);
      return null;
    },
  },
  eatonRealpower: { read: computeRealpower },
  mgeNominalOutputVoltage: {
    table: [
      [200, '200'],
      [208, '208'],
      [220, '220'],
      [230, '230'],
      [240, '240'],
      [100, '100'],
      [110, '110'],
      [120, '120'],
      [127, '127'],
    ],
    read: nominalOutputVoltage,
  },
  // Input.[1].PresentStatus.Used means "online" only while the UPS is not off
  eatonConverterOnline: {
    read: (v, ctx) => (ctx.flags().has('off') ? null : v === 0 ? '!online' : 'online'),
  },
  eatonOutletProtection: {
    table: [
      [0, 'not powered'],
      [1, 'not protected'],
      [2, 'protected'],
    ],
  },
};

