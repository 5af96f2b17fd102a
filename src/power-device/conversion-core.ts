// The shared vocabulary of the value conversions (conversions.ts, conversions-mge.ts): what a conversion is,
// what it may touch, the per-device state the vendor ones keep, and how NUT applies one (docs/hid-mapping.md
// §2.4, usbhid-ups.c hu_find_infoval / hu_find_valinfo).
import type { StatusFlags } from './status.ts';

/** Per-device state the vendor conversions keep between calls (NUT keeps it in static variables). */
export interface VendorState {
  /** CyberPower 0501: battery voltage ×2/3 and frequency ×0.1 detection (cps-hid.c) */
  cpsMightNeedBatteryScale: boolean;
  cpsMightNeedFrequencyScale: boolean;
  cpsBatteryScale: number;
  cpsBatteryScaleChecked: boolean;
  cpsInputFrequencyScale: number;
  cpsInputFrequencyScaleChecked: boolean;
  cpsOutputFrequencyScale: number;
  cpsOutputFrequencyScaleChecked: boolean;
  /** Tripp Lite scale factors chosen by product ID (tripplite-hid.c) */
  tlBatteryScale: number;
  tlIoVoltageScale: number;
  tlIoFrequencyScale: number;
  tlIoCurrentScale: number;
  /** Eaton/MGE model family (models_type_t), country code and ABM state (mge-hid.c) */
  mgeType: number;
  mgeCountry: number;
  mgeAbm: number;
  mgeAbmPath: number;
  mgeNominalOutputVoltage: number;
}

export const MGE_TYPE = {
  OFFLINE: 0,
  PEGASUS: 0x100,
  THREE_S: 0x110,
  /** line-interactive and online models; every offline type is below it */
  DEFAULT: 0x200,
  EVOLUTION: 0x300,
  EVOLUTION_650: 0x301,
  EVOLUTION_850: 0x302,
  EVOLUTION_1150: 0x303,
  EVOLUTION_S_1250: 0x304,
  EVOLUTION_1550: 0x305,
  EVOLUTION_S_1750: 0x306,
  EVOLUTION_2000: 0x307,
  EVOLUTION_S_2500: 0x308,
  EVOLUTION_S_3000: 0x309,
  PULSAR_M: 0x400,
  PULSAR_M_2200: 0x401,
  PULSAR_M_3000: 0x402,
  PULSAR_M_3000_XL: 0x403,
  EATON_5P: 0x500,
  EATON_9E: 0x900,
} as const;

export function newVendorState(): VendorState {
  return {
    cpsMightNeedBatteryScale: false,
    cpsMightNeedFrequencyScale: false,
    cpsBatteryScale: 1,
    cpsBatteryScaleChecked: false,
    cpsInputFrequencyScale: 1,
    cpsInputFrequencyScaleChecked: false,
    cpsOutputFrequencyScale: 1,
    cpsOutputFrequencyScaleChecked: false,
    tlBatteryScale: 1,
    tlIoVoltageScale: 1,
    tlIoFrequencyScale: 1,
    tlIoCurrentScale: 1,
    mgeType: MGE_TYPE.DEFAULT,
    mgeCountry: -1,
    mgeAbm: -1,
    mgeAbmPath: -1,
    mgeNominalOutputVoltage: -1,
  };
}

/** What a conversion may look at or touch besides the value (NUT's dstate_* and driver globals). */
export interface ConversionContext {
  /** a published variable (dstate_getinfo) */
  get(name: string): string | undefined;
  set(name: string, value: string): void;
  remove(name: string): void;
  /** the sticky status flags collected so far (ups_status_get) */
  flags(): StatusFlags;
  /** add to experimental.ups.mode.buzzwords for this cycle (buzzmode_set) */
  buzzword(word: string): void;
  /** a USB string descriptor by index, as HIDGetIndexString() returns it into a buffer of `size` bytes:
   *  "" when the device has none */
  string(index: number, size: number): Promise<string>;
  /** a SET VAR issued by a conversion itself (the MGE ECO helpers do this); resolves false when it failed */
  setvar(name: string, value: string): Promise<boolean>;
  readonly vendor: VendorState;
}

export type ReadResult = string | null | Promise<string | null>;
export type WriteResult = number | null | Promise<number | null>;

export interface Conversion {
  /** value → word pairs in NUT's order; also the ENUM list of RW+ENUM rows */
  readonly table?: readonly (readonly [number, string])[];
  /** HID value → text; null publishes nothing */
  readonly read?: (value: number, ctx: ConversionContext) => ReadResult;
  /** text → HID value; null means the text is not acceptable */
  readonly write?: (text: string, ctx: ConversionContext) => WriteResult;
}

/** (long)value in C: truncation toward zero. */
export function toLong(value: number): number {
  return Math.trunc(value);
}

/** C's strtod(s, NULL): the longest numeric prefix, 0 when there is none. */
export function strtod(text: string): number {
  const m = /^[\t\n\v\f\r ]*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(text);
  return m ? Number(m[0].trim()) : 0;
}

/** hu_find_infoval(): the text for a HID value, or null. */
export function convertRead(conv: Conversion, value: number, ctx: ConversionContext): ReadResult {
  if (conv.read) return conv.read(value, ctx);
  const key = toLong(value);
  const hit = conv.table?.find(([k]) => k === key);
  return hit ? hit[1] : null;
}

/** hu_find_valinfo(): the HID value for a text, or null when the text is not acceptable. */
export function convertWrite(conv: Conversion, text: string, ctx: ConversionContext): WriteResult {
  if (conv.write) return conv.write(text, ctx);
  const hit = conv.table?.find(([, word]) => word === text);
  return hit ? hit[0] : null;
}

/** The ENUM list of an RW+ENUM row: table words whose value the read side accepts (synchronous reads only). */
export function enumValues(conv: Conversion, ctx: ConversionContext): string[] {
  const out: string[] = [];
  for (const [value, word] of conv.table ?? []) {
    const shown = convertRead(conv, value, ctx);
    if (typeof shown === 'string') out.push(word);
  }
  return out;
}
