// Bounds of the config's `mdns` section (src/config/config.ts explains each key and its default).
import { boolean, type Schema } from '../util/schema.ts';

export const MDNS_BOUNDS: Schema = {
  enabled: boolean,
  // a DNS-SD instance name: 1-63 bytes of UTF-8 (RFC 6763 §4.1.1), no control characters
  name: {
    kind: 'string',
    pattern: /^[^\x00-\x1f\x7f]{1,63}$/u,
    check: (v) => (Buffer.byteLength(v) > 63 ? 'at most 63 bytes of UTF-8 (RFC 6763 §4.1.1)' : undefined),
  },
};
