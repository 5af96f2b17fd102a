// The USB identity as the subdriver table and ups.* see it (usbhid-ups.c callback(): the strings as libusb
// gives them, the IDs as numbers).
import { printable } from './report-cache.ts';
import type { DeviceInfo } from './subdrivers.ts';
import type { UsbIdentity } from './types.ts';

/** USB strings as NUT keeps them: none when empty, characters it cannot show as '?', bounded. */
function usbText(text: string | undefined): string | undefined {
  if (text === undefined || text === '') return undefined;
  return printable(text.slice(0, 255));
}

export function deviceInfo(usb: UsbIdentity): DeviceInfo {
  return {
    vendorId: parseInt(usb.vendorId, 16) & 0xffff,
    productId: parseInt(usb.productId, 16) & 0xffff,
    manufacturer: usbText(usb.manufacturer),
    product: usbText(usb.product),
    serial: usbText(usb.serialNumber),
  };
}

export function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
