// Source addresses: parsing IPv4/IPv6 and CIDR blocks, matching a peer against a list, and one canonical text
// per address for the login throttle. Pure. A dual-stack listener (`*`, i.e. `::`) reports IPv4 peers as
// IPv4-mapped IPv6 (`::ffff:192.0.2.1`); those are treated as the IPv4 address they carry, both when matching
// and when counting, so one host cannot become two by reaching another listener.
import { ipFromBytes } from '../util/ip.ts';

export interface IpAddress {
  family: 4 | 6;
  /** 4 or 16 bytes, network order */
  bytes: Uint8Array;
}

export interface Cidr extends IpAddress {
  /** leading bits that must match: 0-32 or 0-128 */
  prefix: number;
}

function parseV4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    // decimal only, no leading zeros (inet_pton rejects "010", which some parsers read as octal)
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseV6(text: string): Uint8Array | undefined {
  if (text.length === 0 || text.length > 45) return undefined;
  let head = text;
  let v4: Uint8Array | undefined;
  // a trailing dotted quad stands for the last two groups (::ffff:1.2.3.4, ::1.2.3.4, 64:ff9b::1.2.3.4)
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.indexOf('.', lastColon) > 0) {
    v4 = parseV4(text.slice(lastColon + 1));
    if (!v4) return undefined;
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  if (!left || !right) return undefined;
  const total = left.length + right.length;
  if (halves.length === 2 ? total > 7 : total !== 8) return undefined;
  const all = [...left, ...new Array<number>(8 - total).fill(0), ...right];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  if (v4) out.set(v4, 12);
  return out;
}

const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** An address as a peer's socket or a config file writes it; IPv4-mapped IPv6 becomes IPv4. A `%zone` suffix
 *  (link-local) is ignored. Undefined when it is not an address. */
export function parseIp(text: string): IpAddress | undefined {
  const zone = text.indexOf('%');
  const bare = zone >= 0 ? text.slice(0, zone) : text;
  if (!bare.includes(':')) {
    const v4 = parseV4(bare);
    return v4 && { family: 4, bytes: v4 };
  }
  const v6 = parseV6(bare);
  if (!v6) return undefined;
  if (MAPPED_PREFIX.every((b, i) => v6[i] === b)) return { family: 4, bytes: v6.slice(12) };
  return { family: 6, bytes: v6 };
}

/** `ADDRESS` or `ADDRESS/PREFIX`. An IPv4-mapped IPv6 block (::ffff:10.0.0.0/104) becomes the IPv4 block it
 *  covers. Host bits set below the prefix are an error, as they usually mean a typo. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const addressPart = slash >= 0 ? text.slice(0, slash) : text;
  if (addressPart.includes('%')) return undefined; // a zone names an interface, not a block
  const ip = parseIp(addressPart);
  if (!ip) return undefined;
  const parsedFromV6 = addressPart.includes(':');
  const width = parsedFromV6 ? 128 : 32;
  let prefix = width;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > width) return undefined;
  }
  if (parsedFromV6 && ip.family === 4) {
    if (prefix < 96) return undefined; // wider than the mapped range: not an IPv4 block
    prefix -= 96;
  }
  const cidr: Cidr = { ...ip, prefix };
  if (!sameBits(cidr.bytes, maskTo(cidr.bytes, prefix), cidr.bytes.length * 8)) return undefined;
  return cidr;
}

function maskTo(bytes: Uint8Array, prefix: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const bits = Math.max(0, Math.min(8, prefix - 8 * i));
    out[i] = bytes[i]! & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

function sameBits(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  for (let i = 0; i * 8 < bits; i++) {
    const n = Math.min(8, bits - 8 * i);
    const mask = (0xff << (8 - n)) & 0xff;
    if ((a[i]! & mask) !== (b[i]! & mask)) return false;
  }
  return true;
}

export function cidrContains(cidr: Cidr, ip: IpAddress): boolean {
  return cidr.family === ip.family && sameBits(cidr.bytes, ip.bytes, cidr.prefix);
}

/** The canonical text of an address (RFC 5952 for IPv6, dotted quad for IPv4 and IPv4-mapped IPv6); text
 *  that is not an address is returned as it is, so it still counts as one distinct source. */
export function canonicalAddress(text: string): string {
  const ip = parseIp(text);
  return ip ? ipFromBytes(ip.bytes) : text;
}

/** A list of addresses and blocks, e.g. a legacy client's `from`. */
export class AddressList {
  private readonly blocks: Cidr[];

  /** Throws on an entry that is not an address or block (config validation reports it first). */
  constructor(specs: readonly string[]) {
    this.blocks = specs.map((s) => {
      const c = parseCidr(s);
      if (!c) throw new Error(`not an address or CIDR block: ${JSON.stringify(s)}`);
      return c;
    });
  }

  has(address: string): boolean {
    const ip = parseIp(address);
    return ip !== undefined && this.blocks.some((b) => cidrContains(b, ip));
  }
}

/** The unit a guesser is counted by: an IPv4 address, or an IPv6 address's /64 (one host picks any address in its
 *  /64 at will with SLAAC privacy addresses, so counting single IPv6 addresses would hand it 2^64 budgets). */
export function guesserKey(text: string): string {
  const ip = parseIp(text);
  if (!ip) return text;
  if (ip.family === 4) return ipFromBytes(ip.bytes);
  const net = new Uint8Array(16);
  net.set(ip.bytes.subarray(0, 8));
  return `${ipFromBytes(net)}/64`;
}
