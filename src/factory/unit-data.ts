// A unit's factory data (issue 14; docs/auth-protocol.md §13): what `walnut factory provision` writes per unit
// and the image puts on the read-only factory partition. unit.json holds no secret a label reveals: the label
// code is there only as its AS key. Pure: parse and check.

export interface FactoryUnit {
  version: 1;
  serial: string;
  /** the unit's host id: random, for the image's host name and the manifest */
  hostId: string;
  /** the auth domain its keys are derived in */
  domain: string;
  /** the label code's AS key (passwordKey of the code, the domain and `admin`): a verifier, never the code */
  setupKey: Buffer;
  /** a random per-unit secret for later uses (device attestation); never logged */
  deviceSecret: Buffer;
}

export class FactoryDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FactoryDataError';
  }
}

export const SERIAL = /^[A-Z0-9-]{1,32}$/;
const HOST_ID = /^[0-9a-f]{16}$/;
const DOMAIN = /^[a-z0-9][a-z0-9.-]{0,47}$/;

function bytes32(v: unknown, what: string): Buffer {
  const b = typeof v === 'string' && /^[A-Za-z0-9+/]{43}=$/.test(v) ? Buffer.from(v, 'base64') : undefined;
  if (!b || b.length !== 32) throw new FactoryDataError(`${what}: expected 32 bytes in base64`);
  return b;
}

export function parseFactoryUnit(text: string): FactoryUnit {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new FactoryDataError(`unit.json is not JSON: ${(err as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FactoryDataError('unit.json: expected an object');
  if (v.version !== 1) throw new FactoryDataError(`unit.json: version ${JSON.stringify(v.version)} is not one this walnut reads (1)`);
  const str = (key: string, re: RegExp): string => {
    const s = v[key];
    if (typeof s !== 'string' || !re.test(s)) throw new FactoryDataError(`unit.json: ${key} ${JSON.stringify(s)} does not match ${re}`);
    return s;
  };
  return {
    version: 1,
    serial: str('serial', SERIAL),
    hostId: str('hostId', HOST_ID),
    domain: str('domain', DOMAIN),
    setupKey: bytes32(v.setupKey, 'unit.json: setupKey'),
    deviceSecret: bytes32(v.deviceSecret, 'unit.json: deviceSecret'),
  };
}

export function formatFactoryUnit(u: FactoryUnit): string {
  return `${JSON.stringify({ version: 1, serial: u.serial, hostId: u.hostId, domain: u.domain, setupKey: u.setupKey.toString('base64'), deviceSecret: u.deviceSecret.toString('base64') }, null, 2)}\n`;
}
