// A real USB UPS through Linux hidraw and node-hid (hid-power-device.md §3.6). This file and the SQLite file
// are the only places that hold OS handles for the data path.
//   - the report descriptor comes from sysfs (node-hid has no API for it; no privilege needed);
//   - GET/SET_REPORT(Feature) are HIDIOCGFEATURE/HIDIOCSFEATURE through HIDAsync (off the event loop);
//   - Input reports arrive as 'data' events: the kernel polls the interrupt endpoint while the node is open;
//   - USB strings by index are not reachable through hidraw (hidapi answers ENOSYS): only the three standard
//     strings are known, so variables such as battery.type from iDeviceChemistry stay unpublished.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ReportError, type UsbIdentity } from '../power-device/types.ts';
import { logger } from '../util/log.ts';
import type { HidTransport, TransportFinder } from './transport.ts';

const log = logger('hidraw');

// node-hid's surface that walnut uses (its bundled .d.ts is CommonJS-shaped)
interface HidDeviceInfo {
  vendorId: number;
  productId: number;
  path?: string | undefined;
  serialNumber?: string | undefined;
  manufacturer?: string | undefined;
  product?: string | undefined;
  release: number;
  usagePage?: number | undefined;
  usage?: number | undefined;
}
interface HidAsyncHandle {
  on(event: 'data', listener: (data: Buffer) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  close(): Promise<void>;
  getFeatureReport(id: number, length: number): Promise<Buffer>;
  sendFeatureReport(data: Buffer): Promise<number>;
}
interface NodeHid {
  devicesAsync(): Promise<HidDeviceInfo[]>;
  HIDAsync: { open(path: string, options?: { nonExclusive?: boolean }): Promise<HidAsyncHandle> };
}

let nodeHid: Promise<NodeHid> | undefined;
/** Loaded on first use, so `--simulate` never needs libusb/libudev on the machine. */
function hid(): Promise<NodeHid> {
  nodeHid ??= import('node-hid').then((m) => (m.default ?? m) as unknown as NodeHid);
  return nodeHid;
}

/** USB HID Power Device: usage page 0x84, usage 0x04 (UPS) on the top-level collection (§1.4). */
const POWER_DEVICE_PAGE = 0x84;
/** Vendors whose UPSes walnut has mapping tables for (APC, CyberPower, Eaton/MGE, Tripp Lite), plus the OEMs
 *  usbhid-ups routes to them (§2.6); image/udev/70-walnut-hidraw.rules grants the same list. */
export const KNOWN_VENDORS: ReadonlySet<number> = new Set([0x051d, 0x0764, 0x0463, 0x047c, 0x0592, 0x09ae, 0x03f0, 0x06da, 0x05dd]);

export interface DeviceMatch {
  vendorId?: string | undefined;
  productId?: string | undefined;
  serial?: string | undefined;
}

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

function matches(d: HidDeviceInfo, want: DeviceMatch): boolean {
  if (!d.path) return false;
  if (want.vendorId && hex4(d.vendorId) !== want.vendorId) return false;
  if (want.productId && hex4(d.productId) !== want.productId) return false;
  if (want.serial && d.serialNumber !== want.serial) return false;
  // hidapi reads the top-level usage page from the descriptor; when it could not, fall back to the maker
  if (d.usagePage !== undefined && d.usagePage !== 0) return d.usagePage === POWER_DEVICE_PAGE;
  return KNOWN_VENDORS.has(d.vendorId);
}

/** "/dev/hidraw3" → "hidraw3"; anything else is refused (the path comes from udev, still checked). */
function hidrawName(path: string): string {
  const name = basename(path);
  if (!/^hidraw\d{1,4}$/.test(name)) throw new Error(`unexpected hidraw path ${path}`);
  return name;
}

/** The report descriptor the kernel fetched (descriptor index 0; see the Eaton 0x0202 caveat, §2.6). */
async function readDescriptor(path: string): Promise<Buffer> {
  return readFile(`/sys/class/hidraw/${hidrawName(path)}/device/report_descriptor`);
}

/** errno-style failures that mean the device is gone rather than one report misbehaving (§3.3). */
function failureOf(err: unknown): 'io' | 'gone' {
  const text = String((err as Error)?.message ?? err);
  return /ENODEV|No such device|ENOENT|not opened|closed|EACCES|Permission/i.test(text) ? 'gone' : 'io';
}

class HidrawUps implements HidTransport {
  readonly usb: UsbIdentity;
  readonly descriptor: Buffer;
  readonly label: string;
  private readonly handle: HidAsyncHandle;
  private closed = false;
  private goneListeners: ((why: string) => void)[] = [];

  constructor(info: HidDeviceInfo, descriptor: Buffer, handle: HidAsyncHandle) {
    this.usb = {
      vendorId: hex4(info.vendorId),
      productId: hex4(info.productId),
      manufacturer: info.manufacturer || undefined,
      product: info.product || undefined,
      serialNumber: info.serialNumber || undefined,
      release: info.release,
    };
    this.descriptor = descriptor;
    this.handle = handle;
    this.label = `${info.path} (${this.usb.vendorId}:${this.usb.productId}${info.product ? ` ${info.product}` : ''})`;
    handle.on('error', (err) => this.lost(err.message));
  }

  async getFeature(reportId: number, length: number): Promise<Buffer> {
    if (this.closed) throw new ReportError('gone', 'device closed');
    try {
      return await this.handle.getFeatureReport(reportId, length);
    } catch (err) {
      throw new ReportError(failureOf(err), `GET_REPORT 0x${reportId.toString(16)}: ${(err as Error).message}`);
    }
  }

  async setFeature(report: Buffer): Promise<void> {
    if (this.closed) throw new ReportError('gone', 'device closed');
    try {
      await this.handle.sendFeatureReport(report);
    } catch (err) {
      throw new ReportError(failureOf(err), `SET_REPORT 0x${report[0]?.toString(16)}: ${(err as Error).message}`);
    }
  }

  async getString(_index: number): Promise<string | undefined> {
    return undefined; // hidraw cannot fetch arbitrary string descriptors (see the header)
  }

  onInput(listener: (report: Buffer) => void): void {
    this.handle.on('data', listener);
  }

  onGone(listener: (why: string) => void): void {
    this.goneListeners.push(listener);
  }

  private lost(why: string): void {
    if (this.closed) return;
    for (const l of this.goneListeners) l(why);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.goneListeners = [];
    await this.handle.close().catch(() => undefined);
  }
}

export class HidrawFinder implements TransportFinder {
  readonly description: string;
  private readonly want: DeviceMatch;

  constructor(want: DeviceMatch) {
    this.want = want;
    const parts = [want.vendorId && `vendor ${want.vendorId}`, want.productId && `product ${want.productId}`, want.serial && `serial ${want.serial}`];
    this.description = `USB HID Power Device on hidraw${parts.some(Boolean) ? ` (${parts.filter(Boolean).join(', ')})` : ''}`;
  }

  async find(): Promise<HidTransport | undefined> {
    let devices: HidDeviceInfo[];
    try {
      devices = await (await hid()).devicesAsync();
    } catch (err) {
      log.warn(`cannot list HID devices: ${(err as Error).message}`);
      return undefined;
    }
    for (const info of devices.filter((d) => matches(d, this.want))) {
      try {
        const descriptor = await readDescriptor(info.path!);
        // nonExclusive: hidraw allows several readers; NUT tools may look at the same UPS (§3.6)
        const handle = await (await hid()).HIDAsync.open(info.path!, { nonExclusive: true });
        return new HidrawUps(info, descriptor, handle);
      } catch (err) {
        log.warn(`${info.path}: cannot open: ${(err as Error).message}`);
      }
    }
    return undefined;
  }
}
