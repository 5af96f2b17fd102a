// Which NUT subdriver serves a device, and what it does besides its mapping table (docs/hid-mapping.md §2.1,
// §2.6): the claim by USB vendor/product ID (NUT's subdriver order: explore when asked, then MGE, APC, CyberPower,
// Tripp Lite), the per-product tweaks NUT's USB tables run when a product is known, the poll frequency and delay
// defaults, and the ups.mfr / ups.model / ups.serial text each one derives from the USB strings.
import type { VendorState } from './conversion-core.ts';
import { mgeModelName } from './mge-models.ts';
import { APC_ROWS } from './tables/apc.ts';
import { CPS_ROWS } from './tables/cps.ts';
import { EXPLORE_ROWS } from './tables/explore.ts';
import { MGE_ROWS } from './tables/mge.ts';
import { TRIPPLITE_ROWS } from './tables/tripplite.ts';
import { CPS_OFF_DELAY, CPS_ON_DELAY, OFF_DELAY, ON_DELAY } from './tables/types.ts';
import type { MappingRow } from './tables/types.ts';

export type SubdriverId = 'explore' | 'mge' | 'apc' | 'cps' | 'tripplite';

/** The device as the subdrivers see it (NUT's HIDDevice_t): IDs as numbers, USB strings already cleaned up
 *  (undefined when the device has none or it is empty, as NUT leaves hd->Vendor NULL). */
export interface DeviceInfo {
  readonly vendorId: number;
  readonly productId: number;
  readonly manufacturer: string | undefined;
  readonly product: string | undefined;
  readonly serial: string | undefined;
}

/** What a claim decided besides "yes": NUT's USB-table hooks (apc-hid.c, cps-hid.c, tripplite-hid.c). */
export interface Tweaks {
  /** APC Back-UPS ES 525 / CS: ask for more than the declared report length (max_report_size) */
  maxReportSize: boolean;
  /** APC 0003/0004 (5G Smart-UPS): the interrupt pipe carries APC's own protocol, so it is not used */
  useInterruptPipe: boolean;
}

/** HID reads the identity formatting may need (MGE looks up its model name with two of them). */
export interface IdentityProbe {
  /** HIDGetItemValue: the value of the Feature item at this path, undefined when absent or unreadable */
  value(path: string): Promise<number | undefined>;
  /** HIDGetItemString: the USB string whose index the item holds, "" when there is none */
  itemString(path: string, size: number): Promise<string>;
}

export interface Identity {
  readonly mfr: string | undefined;
  readonly model: string | undefined;
  readonly serial: string | undefined;
  /** APC puts the firmware versions of its product string here */
  readonly firmware?: string | undefined;
  readonly firmwareAux?: string | undefined;
}

export interface SubdriverDef {
  readonly id: SubdriverId;
  /** NUT's subdriver name and version, what driver.version.data shows */
  readonly name: string;
  readonly rows: readonly MappingRow[];
  /** which usage-name table the paths use (src/hid/usages.ts) */
  readonly usages: 'generic' | 'apc' | 'cps' | 'mge' | 'tripplite';
  /** pollfreq: a full update at least this often (§3.1) */
  readonly fullPollMs: number;
  /** ups.delay.start / ups.delay.shutdown defaults, the same strings as the table's ABSENT rows */
  readonly onDelay: string;
  readonly offDelay: string;
  /** 'supported': known vendor and product; 'possibly': known vendor only; 'no': not ours */
  support(dev: DeviceInfo): 'supported' | 'possibly' | 'no';
  /** the USB-table hook of a supported product: tweaks and vendor state */
  prepare(dev: DeviceInfo, tweaks: Tweaks, vendor: VendorState): void;
  identify(dev: DeviceInfo, probe: IdentityProbe, vendor: VendorState): Promise<Identity>;
}

const APC_VENDOR = 0x051d;
const CPS_VENDOR = 0x0764;
const STMICRO_VENDOR = 0x0483; // Cyber Energy devices by CPS
const MGE_VENDOR = 0x0463;
const DELL_VENDOR = 0x047c;
const POWERWARE_VENDOR = 0x0592;
const HP_VENDOR = 0x03f0;
const AEG_VENDOR = 0x2b2d;
const PHOENIXTEC_VENDOR = 0x06da;
const IBM_VENDOR = 0x04b3;
const KSTAR_VENDOR = 0x09d6;
const TRIPPLITE_VENDOR = 0x09ae;
const DELTA_VENDOR = 0x05dd;

type IdTable = readonly (readonly [number, number])[];

function support(table: IdTable, dev: DeviceInfo): 'supported' | 'possibly' | 'no' {
  let known = false;
  for (const [vid, pid] of table) {
    if (vid !== dev.vendorId) continue;
    known = true;
    if (pid === dev.productId) return 'supported';
  }
  return known ? 'possibly' : 'no';
}

function plain(dev: DeviceInfo): Identity {
  return { mfr: dev.manufacturer, model: dev.product, serial: dev.serial };
}

// ---------------------------------------------------------------- APC (apc-hid.c, "APC HID 0.101")

const APC_IDS: IdTable = [
  [APC_VENDOR, 0x0000], // AP9584 serial→USB kit
  [APC_VENDOR, 0x0002], // most Back-UPS / Smart-UPS
  [APC_VENDOR, 0x0003], // "5G" Smart-UPS
  [APC_VENDOR, 0x0004], // Smart-UPS with firmware 04.3 (nut#1429)
  [APC_VENDOR, 0x0005], // newer APC models, listed by NUT ahead of their release (nut#3047)
];

/** Products that answer with more bytes than their reports declare (apc-hid.c tweak_max_report). */
const APC_MAX_REPORT_PRODUCTS = ['Back-UPS ES 525', 'Back-UPS CS'];

/** apc_format_model(): "<model> FW:<ups fw> USB FW:<usb fw>" split at the markers; the character before
 *  each marker (a space) is dropped, spaces after a marker are kept (" 6.5.I", " c1 "). */
export function splitApcProduct(product: string | undefined): { model: string; firmware?: string; firmwareAux?: string } {
  const text = product ?? 'unknown';
  const fw = text.indexOf('FW:');
  if (fw < 0) return { model: text };
  const model = text.slice(0, Math.max(0, fw - 1));
  let rest = text.slice(fw + 3);
  let firmwareAux: string | undefined;
  const usb = rest.indexOf('USB FW:');
  if (usb >= 0) {
    firmwareAux = rest.slice(usb + 7);
    rest = rest.slice(0, Math.max(0, usb - 1));
  }
  return firmwareAux === undefined ? { model, firmware: rest } : { model, firmware: rest, firmwareAux };
}

const APC: SubdriverDef = {
  id: 'apc',
  name: 'APC HID 0.101',
  rows: APC_ROWS,
  usages: 'apc',
  fullPollMs: 30_000,
  onDelay: ON_DELAY,
  offDelay: OFF_DELAY,
  support: (dev) => support(APC_IDS, dev),
  prepare(dev, tweaks) {
    if (dev.productId === 0x0002) {
      const p = dev.product;
      if (p !== undefined && APC_MAX_REPORT_PRODUCTS.some((prefix) => p.startsWith(prefix))) tweaks.maxReportSize = true;
    } else if (dev.productId === 0x0003 || dev.productId === 0x0004) {
      tweaks.useInterruptPipe = false;
    }
  },
  async identify(dev) {
    const split = splitApcProduct(dev.product);
    return { mfr: dev.manufacturer ?? 'APC', model: split.model, serial: dev.serial, firmware: split.firmware, firmwareAux: split.firmwareAux };
  },
};

// ---------------------------------------------------------------- CyberPower (cps-hid.c, "CyberPower HID 0.85")

const CPS_IDS: IdTable = [
  [CPS_VENDOR, 0x0005], // 900AVR/BC900D
  [CPS_VENDOR, 0x0501], // most consumer models
  [CPS_VENDOR, 0x0601], // OR/PR/OL rackmount
  [STMICRO_VENDOR, 0xa430], // Cyber Energy
];

const CPS: SubdriverDef = {
  id: 'cps',
  name: 'CyberPower HID 0.85',
  rows: CPS_ROWS,
  usages: 'cps',
  fullPollMs: 12_000, // DEFAULT_POLLFREQ_CPS: the firmware tends to fall asleep
  onDelay: CPS_ON_DELAY,
  offDelay: CPS_OFF_DELAY,
  support: (dev) => support(CPS_IDS, dev),
  prepare(dev, _tweaks, vendor) {
    if (dev.vendorId === CPS_VENDOR && dev.productId === 0x0501) {
      // cps_battery_scale: battery ×2/3 and frequency ×0.1 are detected from the first readings
      vendor.cpsMightNeedBatteryScale = true;
      vendor.cpsMightNeedFrequencyScale = true;
    }
  },
  async identify(dev) {
    return { mfr: dev.manufacturer ?? 'CPS', model: dev.product, serial: dev.serial };
  },
};

// ---------------------------------------------------------------- Eaton / MGE (mge-hid.c, "MGE HID 1.58")

const MGE_IDS: IdTable = [
  [MGE_VENDOR, 0x0001],
  [MGE_VENDOR, 0xffff],
  [DELL_VENDOR, 0xffff],
  [POWERWARE_VENDOR, 0x0004], // PW 9140
  [HP_VENDOR, 0x1fe5], // R/T3000
  [HP_VENDOR, 0x1fe6],
  [HP_VENDOR, 0x1fe7],
  [HP_VENDOR, 0x1fe8],
  [AEG_VENDOR, 0xffff], // PROTECT B / NAS
  [PHOENIXTEC_VENDOR, 0xffff],
  [IBM_VENDOR, 0x0001],
  [KSTAR_VENDOR, 0x0001], // MasterPower MF-UPS650VA
];

function mentions(dev: DeviceInfo, word: string, productToo: boolean): boolean {
  return (dev.manufacturer?.includes(word) ?? false) || (productToo && (dev.product?.includes(word) ?? false));
}

const MGE: SubdriverDef = {
  id: 'mge',
  name: 'MGE HID 1.58',
  rows: MGE_ROWS,
  usages: 'mge',
  fullPollMs: 30_000,
  onDelay: ON_DELAY,
  offDelay: OFF_DELAY,
  support(dev) {
    const s = support(MGE_IDS, dev);
    if (s === 'no') return 'no';
    // mge_claim(): 06da belongs to Liebert/Phoenixtec unless the strings say AEG, 09d6 is taken for KSTAR only;
    // when they do, the device is taken even without a known product ID
    if (dev.vendorId === PHOENIXTEC_VENDOR) return mentions(dev, 'AEG', true) ? 'supported' : 'no';
    if (dev.vendorId === KSTAR_VENDOR) return mentions(dev, 'KSTAR', false) ? 'supported' : 'no';
    return s;
  },
  prepare() {},
  async identify(dev, probe, vendor) {
    const base = { mfr: dev.manufacturer ?? 'Eaton', serial: dev.serial };
    if (dev.vendorId === DELL_VENDOR) return { ...base, model: dev.product }; // already a full name
    const product = dev.product ?? 'unknown';
    let model = await probe.itemString('UPS.PowerSummary.iModel', 512);
    if (model.length < 1) {
      // no iModel: the nominal VA ("2000") stands in for it
      const va = await probe.value('UPS.Flow.[4].ConfigApparentPower');
      if (va !== undefined) model = String(Math.trunc(va) | 0);
    }
    if (model.length < 1) return { ...base, model: dev.product };
    const found = mgeModelName(product, model);
    if (found.type !== undefined) vendor.mgeType = found.type;
    return { ...base, model: found.name };
  },
};

// ---------------------------------------------------------------- Tripp Lite (tripplite-hid.c, "TrippLite HID 0.85")

interface TlScale {
  readonly battery: number;
  readonly ioVoltage?: number;
  readonly ioFrequency?: number;
  readonly ioCurrent?: number;
}

const TL_TENTH: TlScale = { battery: 0.1 };
const TL_ONE: TlScale = { battery: 1 };
/** 3016 / 3024 declare Volt with exponent 1 etc.: NUT compensates with these factors (§2.6) */
const TL_SMART1500LCDT: TlScale = { battery: 100000, ioVoltage: 100000, ioFrequency: 0.01, ioCurrent: 0.01 };

const TL_IDS: readonly (readonly [number, number, TlScale])[] = [
  ...[0x1003, 0x1007, 0x1008, 0x1009, 0x1010].map((p) => [TRIPPLITE_VENDOR, p, TL_TENTH] as const),
  [TRIPPLITE_VENDOR, 0x1330, TL_ONE],
  ...[0x2005, 0x2007, 0x2008, 0x2009, 0x2010, 0x2011, 0x2012, 0x2013, 0x2014].map((p) => [TRIPPLITE_VENDOR, p, TL_TENTH] as const),
  ...[0x3008, 0x3009, 0x3010, 0x3011, 0x3012, 0x3013, 0x3014, 0x3015].map((p) => [TRIPPLITE_VENDOR, p, TL_ONE] as const),
  [TRIPPLITE_VENDOR, 0x3016, TL_SMART1500LCDT],
  [TRIPPLITE_VENDOR, 0x3024, TL_SMART1500LCDT],
  ...[0x4001, 0x4002, 0x4003, 0x4004, 0x4005, 0x4006, 0x4007, 0x4008].map((p) => [TRIPPLITE_VENDOR, p, TL_ONE] as const),
  ...[0x0001, 0x1fe0, 0x1fe1, 0x1fe2, 0x1fe3, 0x1f06, 0x1f08, 0x1f09, 0x1f0a].map((p) => [HP_VENDOR, p, TL_ONE] as const),
  [DELTA_VENDOR, 0xa011, TL_ONE], // Minuteman Enterprise Plus E1500RM2U
  [DELTA_VENDOR, 0xa0a0, TL_ONE], // Minuteman PRO1500RT2U
];

const TRIPPLITE: SubdriverDef = {
  id: 'tripplite',
  name: 'TrippLite HID 0.85',
  rows: TRIPPLITE_ROWS,
  usages: 'tripplite',
  fullPollMs: 30_000,
  onDelay: ON_DELAY,
  offDelay: OFF_DELAY,
  support(dev) {
    const s = support(
      TL_IDS.map(([v, p]) => [v, p] as const),
      dev,
    );
    // 09ae:0001 (SMART550USB, ...) speaks a serial protocol over USB: tripplite_usb's, not HID PDC
    if (s === 'possibly' && dev.vendorId === TRIPPLITE_VENDOR && dev.productId === 0x0001) return 'no';
    return s;
  },
  prepare(dev, _tweaks, vendor) {
    const scale = TL_IDS.find(([v, p]) => v === dev.vendorId && p === dev.productId)?.[2] ?? TL_ONE;
    vendor.tlBatteryScale = scale.battery;
    vendor.tlIoVoltageScale = scale.ioVoltage ?? 1;
    vendor.tlIoFrequencyScale = scale.ioFrequency ?? 1;
    vendor.tlIoCurrentScale = scale.ioCurrent ?? 1;
  },
  async identify(dev) {
    return plain(dev);
  },
};

// ---------------------------------------------------------------- explore (explore-hid.c)

const EXPLORE: SubdriverDef = {
  id: 'explore',
  name: 'EXPLORE HID 0.2',
  rows: EXPLORE_ROWS,
  usages: 'generic',
  fullPollMs: 30_000,
  onDelay: ON_DELAY,
  offDelay: OFF_DELAY,
  support: () => 'supported',
  prepare() {},
  async identify(dev) {
    return plain(dev);
  },
};

export const SUBDRIVERS: readonly SubdriverDef[] = [EXPLORE, MGE, APC, CPS, TRIPPLITE];

/** Vendors whose "possibly supported" devices NUT never takes without an explicit product ID, and never
 *  advertises as possibly supported either, because they make lots of other USB devices. */
const SILENT_VENDORS = new Set([HP_VENDOR, DELL_VENDOR]);

export interface SelectOptions {
  /** NUT's `subdriver`: use this one whatever the IDs say (its USB-table hooks do not run, as in NUT) */
  readonly subdriver?: SubdriverId | undefined;
  /** NUT's `explore` flag */
  readonly explore?: boolean | undefined;
  /** NUT's `productid` option was given: accept a known vendor's unknown product */
  readonly acceptUnknownProduct?: boolean | undefined;
}

export interface Selection {
  readonly subdriver: SubdriverDef;
  readonly tweaks: Tweaks;
}

export class UnsupportedDeviceError extends Error {
  /** true when the vendor is known and NUT would take the device with an explicit product ID */
  readonly possiblySupported: boolean;
  constructor(message: string, possiblySupported: boolean) {
    super(message);
    this.name = 'UnsupportedDeviceError';
    this.possiblySupported = possiblySupported;
  }
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/** The subdriver NUT would pick (usbhid-ups.c callback(): explicit name, else the first claim in list order),
 *  with the tweaks its USB-table hook sets, applied to `vendor`. Throws UnsupportedDeviceError otherwise. */
export function selectSubdriver(dev: DeviceInfo, vendor: VendorState, options: SelectOptions = {}): Selection {
  const tweaks: Tweaks = { maxReportSize: false, useInterruptPipe: true };
  if (options.subdriver) {
    const forced = SUBDRIVERS.find((s) => s.id === options.subdriver);
    if (!forced) throw new UnsupportedDeviceError(`unknown subdriver ${options.subdriver}`, false);
    return { subdriver: forced, tweaks };
  }
  let possibly = false;
  for (const sub of SUBDRIVERS) {
    if (sub.id === 'explore') {
      if (options.explore) return { subdriver: sub, tweaks };
      continue;
    }
    const s = sub.support(dev);
    if (s === 'supported') {
      sub.prepare(dev, tweaks, vendor);
      return { subdriver: sub, tweaks };
    }
    if (s === 'possibly') {
      if (options.acceptUnknownProduct) return { subdriver: sub, tweaks };
      if (!SILENT_VENDORS.has(dev.vendorId)) possibly = true;
    }
  }
  const id = `${hex4(dev.vendorId)}:${hex4(dev.productId)}`;
  throw new UnsupportedDeviceError(
    possibly
      ? `${id} is not (yet) a known UPS of a known vendor; an explicit product ID would make walnut try it`
      : `${id} is not a UPS walnut knows how to read`,
    possibly,
  );
}

/** NUT's automatic lbrb_log_delay_sec = 3 for APC BXnnnMI, BVKnnnM2 and BKnnnM2-CH units that blip LB/RB while
 *  calibrating (usbhid-ups.c upsdrv_initups, nut#2347, #2565, #2944, #3006). */
export function apcLbRbBlipModel(dev: DeviceInfo): boolean {
  const vendor = dev.manufacturer;
  const p = dev.product ?? '';
  const n = p.length;
  if (n === 0 || (vendor !== 'APC' && vendor !== 'American Power Conversion')) return false;
  const startsOrSpaced = (word: string): boolean => p.includes(` ${word}`) || p.startsWith(word);
  if (n > 6 && startsOrSpaced('BX') && p.endsWith('MI')) return true;
  if (n > 7 && startsOrSpaced('BVK') && p.endsWith('M2')) return true;
  return n > 9 && startsOrSpaced('BK') && p[n - 5] === 'M' && p[n - 4] === '2' && (p[n - 3] === '-' || p[n - 3] === '_') && p.endsWith('CH');
}

