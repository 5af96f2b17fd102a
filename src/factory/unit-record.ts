// unit.json: the part of a unit's factory data that is not a key or a certificate (issue 14). The image step
// writes it to the read-only factory partition beside device.pem, device.key and ca.pem.
//
//   {"version":1,"serial":"WN-000001","hostId":"<16 hex>","domain":"walnut-wn-000001",
//    "setupKey":"<base64, 32 bytes>","deviceSecret":"<base64, 32 bytes>"}
//
// - domain: the unit's auth domain (docs/auth-protocol.md), walnut-<serial in lower case>, which is also its
//   default host name; unique per unit, so a key derived for one unit is no key of another.
// - setupKey: the AS key of the principal admin for the setup code, passwordKey(code, domain, admin): the
//   verifier, never the code. The code itself exists only on the label (labels.csv, labels.svg).
// - hostId: 8 random bytes in hex, the unit's id in manifests and logs (not a secret, not derived from the serial).
// - deviceSecret: 32 random bytes the unit keeps for secrets of its own (PSTI and ETSI EN 303 645 5.1 ask only
//   that nothing secret be shared between units).

export const UNIT_RECORD_VERSION = 1;
/** Bytes of the AS key (scrypt's output, src/authsrv/keys.ts KEYLEN) and of the device secret. */
export const KEY_BYTES = 32;
export const HOST_ID_BYTES = 8;

export interface UnitRecord {
  readonly serial: string;
  readonly hostId: string;
  readonly domain: string;
  readonly setupKey: Uint8Array;
  readonly deviceSecret: Uint8Array;
}

/** The auth domain and first host name of a unit. */
export const unitDomain = (serial: string): string => `walnut-${serial.toLowerCase()}`;

/** The names a unit answers to before its owner renames it: its host name and the same under mDNS's .local
 *  (RFC 6762 §3), the SANs of its factory certificate. */
export const unitHostNames = (serial: string): string[] => [unitDomain(serial), `${unitDomain(serial)}.local`];

export class UnitRecordError extends Error {
  override name = 'UnitRecordError';
}

/** unit.json's text: one JSON object, its keys in the order above, and a final newline. */
export function formatUnitRecord(unit: UnitRecord): string {
  if (!/^[0-9a-f]{16}$/.test(unit.hostId)) throw new UnitRecordError('a host id is 16 lower-case hex digits');
  for (const [name, bytes] of [['setupKey', unit.setupKey], ['deviceSecret', unit.deviceSecret]] as const) {
    if (bytes.length !== KEY_BYTES) throw new UnitRecordError(`${name} is ${KEY_BYTES} bytes, not ${bytes.length}`);
  }
  return `${JSON.stringify({
    version: UNIT_RECORD_VERSION,
    serial: unit.serial,
    hostId: unit.hostId,
    domain: unit.domain,
    setupKey: Buffer.from(unit.setupKey).toString('base64'),
    deviceSecret: Buffer.from(unit.deviceSecret).toString('base64'),
  })}\n`;
}

const BASE64_32 = /^[A-Za-z0-9+/]{43}=$/;

/** The record in a unit.json text; a UnitRecordError naming the field that is wrong. */
export function parseUnitRecord(text: string): UnitRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UnitRecordError(`unit.json is not JSON: ${(err as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new UnitRecordError('unit.json is not a JSON object');
  const o = json as Record<string, unknown>;
  if (o.version !== UNIT_RECORD_VERSION) throw new UnitRecordError(`unit.json version ${JSON.stringify(o.version)} is not ${UNIT_RECORD_VERSION}`);
  const text32 = (name: string): string => {
    const v = o[name];
    if (typeof v !== 'string') throw new UnitRecordError(`unit.json has no ${name}`);
    return v;
  };
  const serial = text32('serial');
  const hostId = text32('hostId');
  const domain = text32('domain');
  if (!/^[0-9a-f]{16}$/.test(hostId)) throw new UnitRecordError('unit.json hostId is not 16 lower-case hex digits');
  if (domain !== unitDomain(serial)) throw new UnitRecordError(`unit.json domain ${JSON.stringify(domain)} is not ${unitDomain(serial)}`);
  const bytes = (name: string): Buffer => {
    const v = text32(name);
    if (!BASE64_32.test(v)) throw new UnitRecordError(`unit.json ${name} is not ${KEY_BYTES} bytes in base64`);
    return Buffer.from(v, 'base64');
  };
  return { serial, hostId, domain, setupKey: bytes('setupKey'), deviceSecret: bytes('deviceSecret') };
}
