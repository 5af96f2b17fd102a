// Bounds of the config's `ups` section: which device to drive and how (src/config/config.ts explains each key).
import { boolean, number, type Schema } from '../util/schema.ts';

/** a NUT UPS name: what upsd.conf and `upsc NAME@host` accept */
export const UPS_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const USB_ID = /^[0-9a-fA-F]{4}$/;

export const UPS_BOUNDS: Schema = {
  name: { kind: 'string', pattern: UPS_NAME },
  // printable ASCII: GET UPSDESC carries it in a quoted NUT word
  description: { kind: 'string', pattern: /^[\x20-\x7e]{0,200}$/ },
  simulate: { kind: 'string' },
  vendorId: { kind: 'string', pattern: USB_ID, map: (v) => v.toLowerCase() },
  productId: { kind: 'string', pattern: USB_ID, map: (v) => v.toLowerCase() },
  // a USB string descriptor holds at most 126 UTF-16 units (USB 2.0 §9.6.7)
  serial: { kind: 'string', pattern: /^[\x20-\x7e]{1,126}$/ },
  pollIntervalSeconds: number(0.1, 60),
  simulation: {
    kind: 'section',
    schema: {
      dischargePercentPerSecond: number(0.001, 100),
      chargePercentPerSecond: number(0.001, 100),
      fillMissingReports: boolean,
    },
  },
};
