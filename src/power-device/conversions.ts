// Value conversions of the mapping tables (NUT's hid2info, docs/hid-mapping.md §2.4): lookup tables that turn a
// HID value into a word ("disabled", "Done and passed", or a status word such as "online" for BOOL rows) and
// functions for dates, temperatures, USB string indices and the vendor scalings, each with its reverse for writes
// where NUT has one. The Eaton/MGE ones live in conversions-mge.ts; this file holds the registry of all of them.
//
// Semantics kept from usbhid-ups.c (hu_find_infoval / hu_find_valinfo):
// - reading: a conversion function wins over the table; a table matches on the value truncated to an integer
//   ((long)value), exactly; no match means "no value" (the row publishes nothing, the next row may try);
// - writing: a reverse function wins; otherwise the text must equal a table word exactly;
// - the ENUM list of an RW+ENUM row is the table's words whose value the read side accepts.
import { clip, formatFixed, padInt } from './format.ts';
import { MGE_CONVERSIONS } from './conversions-mge.ts';
import { strtod, toLong } from './conversion-core.ts';
import type { Conversion, ConversionContext, VendorState } from './conversion-core.ts';

export { convertRead, convertWrite, enumValues, MGE_TYPE, newVendorState, strtod, toLong } from './conversion-core.ts';
export type { Conversion, ConversionContext, ReadResult, VendorState, WriteResult } from './conversion-core.ts';

function lookup(table: readonly (readonly [number, string])[]): Conversion {
  return { table };
}

/** A BOOL table: 1 → `on`, 0 → `off` (NUT lists them in this order). */
function bits(on: string, off: string): Conversion {
  return lookup([
    [1, on],
    [0, off],
  ]);
}

// ---- date_conversion: PDC ManufacturerDate, (year-1980)*512 + month*32 + day (§2.4) ----

export function packedDateToText(value: number): string {
  const v = toLong(value);
  if (v === 0) return 'not set';
  const year = 1980 + Math.floor(v / 512); // arithmetic shift, also for the pre-1980 negative values
  const month = Math.floor(v / 32) & 0x0f;
  const day = v & 0x1f;
  return clip(`${padInt(year, 4)}/${padInt(month, 2)}/${padInt(day, 2)}`, 32);
}

const DATE_TEXT = /^(\d{1,4})\/(\d{1,2})\/(\d{1,2})$/;

/** Reverse of the packed date. NUT writes 0 ("not set") for a date it cannot pack; walnut refuses it instead. */
export function textToPackedDate(text: string): number | null {
  const m = DATE_TEXT.exec(text);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (year < 1980 || year - 1980 > 127 || month > 12 || day > 31) return null;
  return (year - 1980) * 512 + month * 32 + day;
}

// ---- apc_date_conversion: 0xMMDDYY read as decimal digits (§2.4) ----

function nibbles(v: number, shift: number): number {
  return Math.floor(v / 2 ** shift) & 0xf;
}

export function apcDateToText(value: number): string {
  const v = toLong(value);
  if (v === 0) return 'not set';
  let year = nibbles(v, 0) + 10 * nibbles(v, 4);
  const month = nibbles(v, 16) + 10 * nibbles(v, 20);
  const day = nibbles(v, 8) + 10 * nibbles(v, 12);
  year += year >= 70 ? 1900 : 2000; // NUT's Y2K window
  return clip(`${padInt(year, 4)}/${padInt(month, 2)}/${padInt(day, 2)}`, 20);
}

export function textToApcDate(text: string): number | null {
  const m = DATE_TEXT.exec(text);
  if (!m) return null;
  let year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (year < 1970 || year >= 2070 || month > 12 || day > 31) return null;
  year %= 100;
  const digit = (n: number, shift: number): number => n * 2 ** shift;
  return (
    digit(Math.floor(year / 10), 4) + (year % 10) +
    digit(Math.floor(month / 10), 20) + digit(month % 10, 16) +
    digit(Math.floor(day / 10), 12) + digit(day % 10, 8)
  );
}

// ---- kelvin_celsius_conversion (§1.6): 273..373 is Kelvin, anything else is already Celsius (HP bug) ----

export function kelvinToCelsiusText(value: number): string {
  const celsius = value >= 273 && value <= 373 ? value - 273.15 : value;
  return clip(formatFixed(celsius, 1), 20);
}

function hexText(value: number): string {
  // (unsigned long)value with "%08lx": negative values wrap as 64-bit two's complement
  const n = BigInt.asUintN(64, BigInt(toLong(value)));
  return clip(n.toString(16).padStart(8, '0'), 20);
}

// ---- CyberPower (cps-hid.c) ----

/** cps_adjust_battery_scale(): decided once, when battery.voltage.nominal is known. */
function cpsBatteryVoltage(value: number, ctx: ConversionContext): string {
  const s = ctx.vendor;
  if (s.cpsMightNeedBatteryScale && !s.cpsBatteryScaleChecked) {
    const nominalText = ctx.get('battery.voltage.nominal');
    const nominal = nominalText === undefined ? undefined : strtod(nominalText);
    if (nominal !== undefined && nominal !== 0) {
      if (value / nominal > 1.4) s.cpsBatteryScale = 2 / 3;
      s.cpsBatteryScaleChecked = true;
    }
  }
  return clip(formatFixed(s.cpsBatteryScale * value, 1), 8);
}

/** cps_adjust_frequency_scale(): ×1 or ×0.1, whichever puts the reading in the expected band. */
function cpsAdjustFrequencyScale(report: number, input: boolean, ctx: ConversionContext): void {
  const s = ctx.vendor;
  if (input ? s.cpsInputFrequencyScaleChecked : s.cpsOutputFrequencyScaleChecked) return;
  const prefix = input ? 'input' : 'output';
  const read = (name: string): number => {
    const t = ctx.get(`${prefix}.${name}`);
    return t === undefined ? 0 : strtod(t);
  };
  let nominal = read('frequency.nominal');
  let low = read('frequency.low');
  let high = read('frequency.high');
  if (nominal === 0) {
    if (45 < low && low <= 50) nominal = 50;
    else if (50 <= high && high <= 55) nominal = 50;
    else if (45 < report && report <= 55) nominal = 50;
    else if (450 < report && report <= 550) nominal = 50;
    else if (55 < low && low <= 60) nominal = 60;
    else if (60 <= high && high <= 65) nominal = 60;
    else if (55 < report && report <= 65) nominal = 60;
    else if (550 < report && report <= 650) nominal = 60;
  }
  if (low === 0) low = nominal === 0 ? 45 : nominal * 0.95;
  if (high === 0) high = nominal === 0 ? 65 : nominal * 1.05;
  let scale: number | undefined;
  if (low <= report && report <= high) scale = 1;
  else if (low <= report / 10 && report / 10 <= high) scale = 0.1;
  if (scale === undefined) return; // undecided: reported as is, decided later
  if (input) {
    s.cpsInputFrequencyScale = scale;
    s.cpsInputFrequencyScaleChecked = true;
  } else {
    s.cpsOutputFrequencyScale = scale;
    s.cpsOutputFrequencyScaleChecked = true;
  }
}

function cpsFrequency(input: boolean): Conversion {
  return {
    read: (value, ctx) => {
      if (ctx.vendor.cpsMightNeedFrequencyScale) cpsAdjustFrequencyScale(value, input, ctx);
      const scale = input ? ctx.vendor.cpsInputFrequencyScale : ctx.vendor.cpsOutputFrequencyScale;
      return clip(formatFixed(scale * value, 1), 8);
    },
  };
}

// ---- Tripp Lite (tripplite-hid.c): per-model scale factors ----

function scaled(pick: (s: VendorState) => number): Conversion {
  return { read: (value, ctx) => clip(formatFixed(pick(ctx.vendor) * value, 1), 8) };
}

/** USB string by index, NUT's stringid_conversion with its 20-byte buffer. */
function stringId(value: number, ctx: ConversionContext): Promise<string> {
  return ctx.string(toLong(value), 20);
}

export const CONVERSIONS: Readonly<Record<string, Conversion>> = {
  // status words for BOOL rows (usbhid-ups.c)
  online: bits('online', 'offline'),
  discharging: bits('dischrg', '!dischrg'),
  charging: bits('chrg', '!chrg'),
  lowbatt: bits('lowbatt', '!lowbatt'),
  overload: bits('overload', '!overload'),
  replacebatt: bits('replacebatt', '!replacebatt'),
  trim: bits('trim', '!trim'),
  boost: bits('boost', '!boost'),
  bypassAuto: bits('bypassauto', '!bypassauto'),
  bypassManual: bits('bypassman', '!bypassman'),
  ecoMode: lookup([
    [0, 'normal'],
    [1, 'ecomode'],
    [2, 'essmode'],
  ]),
  // inverted: devices without the usage are "on" / have a battery by default
  off: lookup([
    [0, 'off'],
    [1, '!off'],
  ]),
  calibration: bits('cal', '!cal'),
  nobattery: bits('!nobattery', 'nobattery'),
  fanfail: bits('fanfail', '!fanfail'),
  shutdownimm: bits('shutdownimm', '!shutdownimm'),
  overheat: bits('overheat', '!overheat'),
  awaitingpower: bits('awaitingpower', '!awaitingpower'),
  commfault: bits('commfault', '!commfault'),
  timelimitexpired: bits('timelimitexp', '!timelimitexp'),
  battvoltlo: bits('battvoltlo', '!battvoltlo'),
  battvolthi: bits('battvolthi', '!battvolthi'),
  chargerfail: bits('chargerfail', '!chargerfail'),
  fullycharged: bits('fullycharged', 'notfullycharged'),
  depleted: bits('depleted', '!depleted'),
  vrange: lookup([
    [0, '!vrange'],
    [1, 'vrange'],
  ]),
  frange: lookup([
    [0, '!frange'],
    [1, 'frange'],
  ]),

  // value words (§2.4)
  testWrite: lookup([
    [0, 'No test'],
    [1, 'Quick test'],
    [2, 'Deep test'],
    [3, 'Abort test'],
  ]),
  testRead: lookup([
    [1, 'Done and passed'],
    [2, 'Done and warning'],
    [3, 'Done and error'],
    [4, 'Aborted'],
    [5, 'In progress'],
    [6, 'No test initiated'],
    [7, 'Test scheduled'],
  ]),
  beeper: lookup([
    [1, 'disabled'],
    [2, 'enabled'],
    [3, 'muted'],
  ]),
  yesNo: lookup([
    [0, 'no'],
    [1, 'yes'],
  ]),
  onOff: lookup([
    [0, 'off'],
    [1, 'on'],
  ]),
  date: { read: (v) => packedDateToText(v), write: (t) => textToPackedDate(t) },
  hex: { read: (v) => hexText(v) },
  stringId: { read: stringId },
  divideBy10: { read: (v) => clip(formatFixed(v * 0.1, 1), 20) },
  divideBy100: { read: (v) => clip(formatFixed(v * 0.01, 1), 20) },
  kelvinCelsius: { read: (v) => kelvinToCelsiusText(v) },

  // APC (apc-hid.c)
  apcDate: { read: (v) => apcDateToText(v), write: (t) => textToApcDate(t) },
  // determined empirically by NUT on a Back-UPS LS 500: 8 normal, 16 briefly at power-on
  apcStatusFlag: lookup([
    [8, '!off'],
    [16, '!off'],
    [0, 'off'],
  ]),
  // reason of the last transfer to battery (from apcupsd)
  apcLineFailVrange: lookup([
    [1, 'vrange'],
    [2, 'vrange'],
    [4, 'vrange'],
    [8, 'vrange'],
    [9, 'vrange'],
    [0, '!vrange'],
  ]),
  apcLineFailFrange: lookup([
    [7, 'frange'],
    [0, '!frange'],
  ]),
  apcSensitivity: lookup([
    [0, 'low'],
    [1, 'medium'],
    [2, 'high'],
  ]),

  // CyberPower (cps-hid.c)
  cpsBattCharge: { read: (v) => clip(formatFixed(v < 100 ? v : 100, 0), 8) },
  cpsBattVolt: { read: cpsBatteryVoltage },
  cpsInputFreq: cpsFrequency(true),
  cpsOutputFreq: cpsFrequency(false),
  cpsBattStatus: { read: (v) => clip(`${formatFixed(v, 0)}%`, 8) },
  cpsSensitivity: lookup([
    [0, 'low'],
    [1, 'normal'],
    [2, 'high'],
  ]),

  // Tripp Lite (tripplite-hid.c)
  tlChemistry: {
    read: (value, ctx) => {
      // AVR550U and OMNI1000LCD firmware report a bogus string index
      const pid = ctx.get('ups.productid');
      if (pid === '1003' || pid === '2005') return 'unknown';
      return stringId(value, ctx);
    },
  },
  tlBattVolt: scaled((s) => s.tlBatteryScale),
  tlIoVolt: scaled((s) => s.tlIoVoltageScale),
  tlIoFreq: scaled((s) => s.tlIoFrequencyScale),
  tlIoAmp: scaled((s) => s.tlIoCurrentScale),

  ...MGE_CONVERSIONS,
};

