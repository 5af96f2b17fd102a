// A real USB UPS through Linux hidraw and node-hid (docs/hid-mapping.md §3.6). This file and the SQLite file
// are the only places that hold OS handles for the data path.
//   - the UPS is found, and its descriptor and USB strings read, in sysfs (sysfs.ts: node-hid has no API for the
//     descriptor, and its enumeration needs udev); node-hid only opens the node;
//   - GET/SET_REPORT(Feature) are HIDIOCGFEATURE/HIDIOCSFEATURE through HIDAsync (off the event loop);
//   - Input reports arrive as 'data' events: the kernel polls the interrupt endpoint while the node is open;
//   - USB strings by index are not reachable through hidraw (hidapi answers ENOSYS): only the three standard
//     strings are known, so variables such as battery.type from iDeviceChemistry stay unpublished.
import { topLevelUsages } from '../hid/top-level.ts';
import { ReportError, type UsbIdentity } from '../power-device/types.ts';
import { logger } from '../util/log.ts';
import { listHidrawNodes, type HidrawNode } from './sysfs.ts';
import type { HidTransport, TransportFinder } from './transport.ts';

const log = logger('hidraw');

// node-hid's surface that walnut uses (its bundled .d.ts is CommonJS-shaped); it only opens the node:
// finding it is sysfs.ts's job
interface HidAsyncHandle {
  on(event: 'data', listener: (data: Buffer) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  close(): Promise<void>;
  getFeatureReport(id: number, length: number): Promise<Buffer>;
  sendFeatureReport(data: Buffer): Promise<number>;
}
interface NodeHid {
  getHidapiVersion(): string;
  HIDAsync: { open(path: string, options?: { nonExclusive?: boolean }): Promise<HidAsyncHandle> };
}

let nodeHid: Promise<NodeHid> | undefined;
/** Loads node-hid (and with it libusb/libudev); `--simulate` never does. */
function hid(): Promise<NodeHid> {
  nodeHid ??= import('node-hid').then((m) => (m.default ?? m) as unknown as NodeHid);
  return nodeHid;
}

/** Loads the HID addon now, so a missing shared library is reported at start, not at the first hotplug;
 *  resolves with hidapi's version. */
export async function loadHidAddon(): Promise<string> {
  return (await hid()).getHidapiVersion();
}

/** Vendors whose UPSes walnut has mapping tables for (APC, CyberPower, Eaton/MGE, Tripp Lite), plus the OEMs
 *  usbhid-ups routes to them (§2.6); image/udev/70-walnut-hidraw.rules grants the same list. */
export const KNOWN_VENDORS: ReadonlySet<number> = new Set([0x051d, 0x0764, 0x0463, 0x047c, 0x0592, 0x09ae, 0x03f0, 0x06da, 0x05dd]);

/** Power Device (0x84) and Battery System (0x85) pages (§1.4). */
const UPS_PAGES = new Set([0x84, 0x85]);

export interface DeviceMatch {
  vendorId?: string | undefined;
  productId?: string | undefined;
  serial?: string | undefined;
}

/** Why a hidraw node is not the UPS to drive, or undefined when it is. Pure: decided from sysfs data alone. */
export function whyNotTheUps(node: HidrawNode, want: DeviceMatch): string | undefined {
  if (want.vendorId && node.vendorId !== want.vendorId) return `vendor ${node.vendorId} is not ${want.vendorId}`;
  if (want.productId && node.productId !== want.productId) return `product ${node.productId} is not ${want.productId}`;
  if (want.serial && node.serialNumber !== want.serial) return `serial ${node.serialNumber ?? '(none)'} is not ${want.serial}`;
  const pages = topLevelUsages(node.descriptor).map((u) => u >>> 16);
  if (!pages.some((p) => UPS_PAGES.has(p))) return 'not a HID Power Device (no Power Device or Battery System collection)';
  return undefined;
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

  constructor(node: HidrawNode, handle: HidAsyncHandle) {
    const { vendorId, productId, manufacturer, product, serialNumber, release } = node;
    this.usb = { vendorId, productId, manufacturer, product, serialNumber, release };
    this.descriptor = node.descriptor;
    this.handle = handle;
    this.label = `${node.devicePath} (${node.vendorId}:${node.productId}${node.product ? ` ${node.product}` : ''})`;
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

export interface HidrawFinderOptions extends DeviceMatch {
  /** for tests: a fake sysfs tree and /dev */
  sysfsRoot?: string | undefined;
  devRoot?: string | undefined;
}

export class HidrawFinder implements TransportFinder {
  readonly description: string;
  private readonly options: HidrawFinderOptions;
  /** nodes already reported as not the UPS, so a keyboard is named once, not every poll interval */
  private readonly skipped = new Set<string>();
  private addonFailureLogged = false;

  constructor(options: HidrawFinderOptions) {
    this.options = options;
    const parts = [options.vendorId && `vendor ${options.vendorId}`, options.productId && `product ${options.productId}`, options.serial && `serial ${options.serial}`];
    this.description = `USB HID Power Device on hidraw${parts.some(Boolean) ? ` (${parts.filter(Boolean).join(', ')})` : ''}`;
  }

  /** The hidraw nodes that are the wanted UPS, first one first. */
  async candidates(): Promise<HidrawNode[]> {
    const found: HidrawNode[] = [];
    for (const node of await listHidrawNodes(this.options.sysfsRoot, this.options.devRoot)) {
      const why = whyNotTheUps(node, this.options);
      if (why === undefined) found.push(node);
      else {
        const key = `${node.name} ${node.vendorId}:${node.productId}`;
        if (!this.skipped.has(key)) log.info(`${node.devicePath} (${node.vendorId}:${node.productId}): skipped: ${why}`);
        this.skipped.add(key);
      }
    }
    return found;
  }

  async find(): Promise<HidTransport | undefined> {
    const nodes = await this.candidates();
    if (nodes.length === 0) return undefined;
    let lib: NodeHid;
    try {
      lib = await hid();
    } catch (err) {
      if (!this.addonFailureLogged) log.error(`${nodes[0]!.devicePath}: cannot open it: the USB HID addon did not load: ${(err as Error).message}`);
      this.addonFailureLogged = true;
      return undefined;
    }
    for (const node of nodes) {
      try {
        // nonExclusive: hidraw allows several readers; NUT tools may look at the same UPS (§3.6)
        const handle = await lib.HIDAsync.open(node.devicePath, { nonExclusive: true });
        return new HidrawUps(node, handle);
      } catch (err) {
        log.warn(`${node.devicePath}: cannot open: ${(err as Error).message}`);
      }
    }
    return undefined;
  }
}
