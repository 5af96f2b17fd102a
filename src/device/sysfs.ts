// Finding UPSes among the hidraw nodes by reading sysfs, the way the kernel lays it out (docs/hid-mapping.md §3.6):
//   /sys/class/hidraw/hidrawN/device            → the HID device (…/0003:051D:0002.0001)
//   …/0003:051D:0002.0001/report_descriptor      the descriptor the kernel fetched (no privilege needed)
//   …/0003:051D:0002.0001/uevent                 HID_ID=0003:0000051D:00000002, HID_NAME=…, HID_UNIQ=<serial>
//   …/0003:051D:0002.0001/../..                  the USB device: idVendor idProduct bcdDevice manufacturer product serial
// The root is a parameter so tests can build a fake tree; nothing here opens /dev.
import { readdir, readFile, realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { UsbIdentity } from '../power-device/types.ts';

/** A hidraw node with its USB identity (vendor and product IDs as 4 lower-case hex digits, strings, bcdDevice). */
export interface HidrawNode extends UsbIdentity {
  /** "hidraw0" */
  readonly name: string;
  /** "/dev/hidraw0" */
  readonly devicePath: string;
  readonly descriptor: Buffer;
  readonly bus: number;
}

export interface HidUevent {
  bus: number;
  vendorId: string;
  productId: string;
  name?: string | undefined;
  uniq?: string | undefined;
}

/** BUS_USB in HID_ID (include/uapi/linux/input.h) */
export const BUS_USB = 0x03;
/** a descriptor can hold at most HID_MAX_DESCRIPTOR_SIZE bytes (linux/hid.h); anything bigger is not sysfs */
const MAX_DESCRIPTOR_BYTES = 4096;
const MAX_ATTRIBUTE_BYTES = 256;

/** Parses a HID device's uevent: `HID_ID=0003:0000051D:00000002` and friends. Undefined when HID_ID is absent. */
export function parseHidUevent(text: string): HidUevent | undefined {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) fields.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const id = /^([0-9A-Fa-f]{4}):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8})$/.exec(fields.get('HID_ID') ?? '');
  if (!id) return undefined;
  const hex4 = (s: string): string => s.slice(-4).toLowerCase();
  return {
    bus: parseInt(id[1]!, 16),
    vendorId: hex4(id[2]!),
    productId: hex4(id[3]!),
    name: fields.get('HID_NAME') || undefined,
    uniq: fields.get('HID_UNIQ') || undefined,
  };
}

async function readSmall(path: string, limit: number): Promise<Buffer | undefined> {
  try {
    const bytes = await readFile(path);
    return bytes.length <= limit ? bytes : undefined;
  } catch {
    return undefined;
  }
}

/** A USB string attribute: printable ASCII kept, trailing newline dropped (sysfs adds it). */
async function readAttribute(dir: string, name: string): Promise<string | undefined> {
  const bytes = await readSmall(join(dir, name), MAX_ATTRIBUTE_BYTES);
  if (!bytes) return undefined;
  const text = bytes.toString('latin1').replace(/\n$/, '');
  return text === '' ? undefined : text.replace(/[^\x20-\x7e]/g, '?');
}

/** Every hidraw node on a USB bus with its descriptor and USB identity; nodes that cannot be read are skipped. */
export async function listHidrawNodes(sysfsRoot = '/sys', devRoot = '/dev'): Promise<HidrawNode[]> {
  let names: string[];
  try {
    names = (await readdir(join(sysfsRoot, 'class', 'hidraw'))).filter((n) => /^hidraw\d{1,4}$/.test(n));
  } catch {
    return []; // no hidraw class at all: no HID devices (or no hidraw driver)
  }
  names.sort((a, b) => Number(a.slice(6)) - Number(b.slice(6)));
  const nodes: HidrawNode[] = [];
  for (const name of names) {
    const node = await readNode(sysfsRoot, devRoot, name);
    if (node) nodes.push(node);
  }
  return nodes;
}

async function readNode(sysfsRoot: string, devRoot: string, name: string): Promise<HidrawNode | undefined> {
  let hidDir: string;
  try {
    hidDir = await realpath(join(sysfsRoot, 'class', 'hidraw', name, 'device'));
  } catch {
    return undefined;
  }
  const uevent = await readSmall(join(hidDir, 'uevent'), 4096);
  const ids = uevent && parseHidUevent(uevent.toString('latin1'));
  if (!ids || ids.bus !== BUS_USB) return undefined;
  const descriptor = await readSmall(join(hidDir, 'report_descriptor'), MAX_DESCRIPTOR_BYTES);
  if (!descriptor || descriptor.length === 0) return undefined;
  // HID device → USB interface → USB device
  const usbDir = dirname(dirname(hidDir));
  const bcd = await readAttribute(usbDir, 'bcdDevice');
  return {
    name,
    devicePath: join(devRoot, name),
    descriptor,
    bus: ids.bus,
    vendorId: ids.vendorId,
    productId: ids.productId,
    manufacturer: await readAttribute(usbDir, 'manufacturer'),
    product: await readAttribute(usbDir, 'product'),
    serialNumber: (await readAttribute(usbDir, 'serial')) ?? ids.uniq,
    release: bcd && /^[0-9a-fA-F]{4}$/.test(bcd) ? parseInt(bcd, 16) : undefined,
  };
}
