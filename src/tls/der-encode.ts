// The DER encoder (ITU-T X.690 §10): just the types X.509 certificates (RFC 5280) and PKCS#12 files (RFC 7292)
// need. Every function returns one complete TLV, in the minimal encoding DER demands; a value DER cannot
// represent throws a DerError.
import { CLASS_BITS, DerError, PRINTABLE, TAG, decodeDer, type TagClass } from './der.ts';

function encodeLength(n: number): Buffer {
  // X.690 §10.1: the definite form with the fewest octets.
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function encodeIdentifier(tagClass: TagClass, constructed: boolean, tagNumber: number): Buffer {
  if (!Number.isSafeInteger(tagNumber) || tagNumber < 0 || tagNumber > 0x0fffffff) throw new DerError(`bad tag number ${tagNumber}`);
  const first = CLASS_BITS[tagClass] | (constructed ? 0x20 : 0);
  if (tagNumber < 31) return Buffer.from([first | tagNumber]);
  // X.690 §8.1.2.4: high tag numbers in base 128, most significant group first.
  return Buffer.from([first | 0x1f, ...base128(BigInt(tagNumber))]);
}

/** A TLV from its parts. */
export function derTlv(tagClass: TagClass, constructed: boolean, tagNumber: number, content: Uint8Array): Buffer {
  return Buffer.concat([encodeIdentifier(tagClass, constructed, tagNumber), encodeLength(content.length), content]);
}

const universal = (tagNumber: number, content: Uint8Array, constructed = false): Buffer =>
  derTlv('universal', constructed, tagNumber, content);

export const derBoolean = (value: boolean): Buffer => universal(TAG.BOOLEAN, Buffer.from([value ? 0xff : 0x00])); // X.690 §11.1

/** Two's complement, fewest octets (X.690 §8.3.2). */
function bigintContent(value: bigint): Buffer {
  const bytes: number[] = [];
  let v = value;
  for (;;) {
    const byte = Number(BigInt.asUintN(8, v));
    bytes.unshift(byte);
    v >>= 8n;
    // done once the remaining value is pure sign extension of the byte just written
    if ((v === 0n && (byte & 0x80) === 0) || (v === -1n && (byte & 0x80) !== 0)) break;
  }
  return Buffer.from(bytes);
}

/**
 * An INTEGER. A bigint or safe-integer number is taken as signed; a Buffer as an unsigned big-endian magnitude
 * (a serial number, an RSA modulus), so leading zero octets are dropped and one is added when the top bit is set.
 */
export function derInteger(value: bigint | number | Uint8Array): Buffer {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new DerError(`INTEGER ${value} is not a safe integer`);
    return universal(TAG.INTEGER, bigintContent(BigInt(value)));
  }
  if (typeof value === 'bigint') return universal(TAG.INTEGER, bigintContent(value));
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start++;
  const magnitude = value.length === 0 ? Buffer.from([0]) : Buffer.from(value.subarray(start));
  return universal(TAG.INTEGER, (magnitude[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), magnitude]) : magnitude);
}

/** A BIT STRING of whole octets, or with `unusedBits` (0–7) trailing bits of the last octet unused (X.690 §8.6). */
export function derBitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  if (!Number.isInteger(unusedBits) || unusedBits < 0 || unusedBits > 7 || (bytes.length === 0 && unusedBits !== 0)) {
    throw new DerError(`bad BIT STRING unused-bit count ${unusedBits}`);
  }
  // X.690 §11.2.1: the unused bits are zero in DER
  const copy = Buffer.from(bytes);
  if (copy.length > 0) copy[copy.length - 1]! &= (0xff << unusedBits) & 0xff;
  return universal(TAG.BIT_STRING, Buffer.concat([Buffer.from([unusedBits]), copy]));
}

/**
 * A BIT STRING for a NamedBitList such as KeyUsage: the given bit positions set (bit 0 is the most significant bit
 * of the first octet), trailing zero bits removed as X.690 §11.2.2 requires for DER.
 */
export function derNamedBits(bits: readonly number[]): Buffer {
  if (bits.length === 0) return derBitString(Buffer.alloc(0));
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) {
    if (!Number.isInteger(bit) || bit < 0) throw new DerError(`bad named bit ${bit}`);
    bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  }
  return derBitString(bytes, 7 - (highest & 7));
}

export const derOctetString = (bytes: Uint8Array): Buffer => universal(TAG.OCTET_STRING, bytes);
export const derNull = (): Buffer => universal(TAG.NULL, Buffer.alloc(0));

function base128(value: bigint): number[] {
  const out = [Number(value & 0x7fn)];
  for (let v = value >> 7n; v > 0n; v >>= 7n) out.unshift(Number(v & 0x7fn) | 0x80);
  return out;
}

/** An OBJECT IDENTIFIER from its dotted form, e.g. "1.2.840.10045.4.3.2" (X.690 §8.19). */
export function derOid(dotted: string): Buffer {
  if (!/^[0-9]+(\.[0-9]+)+$/.test(dotted)) throw new DerError(`bad OID ${JSON.stringify(dotted)}`);
  const arcs = dotted.split('.').map((s) => BigInt(s));
  const [first, second] = arcs as [bigint, bigint];
  // X.690 §8.19.4: the first two arcs share one subidentifier, 40*X+Y, with X in 0..2 and Y < 40 unless X is 2
  if (first > 2n || (first < 2n && second >= 40n)) throw new DerError(`bad OID ${dotted}: first arcs ${first}.${second}`);
  const bytes = [...base128(first * 40n + second)];
  for (const arc of arcs.slice(2)) bytes.push(...base128(arc));
  return universal(TAG.OID, Buffer.from(bytes));
}

export const derUtf8String = (text: string): Buffer => universal(TAG.UTF8_STRING, Buffer.from(text, 'utf8'));

// X.680 §41.4, Table 10

export function derPrintableString(text: string): Buffer {
  if (!PRINTABLE.test(text)) throw new DerError(`${JSON.stringify(text)} is not a PrintableString`);
  return universal(TAG.PRINTABLE_STRING, Buffer.from(text, 'latin1'));
}

export function derIa5String(text: string): Buffer {
  if (!/^[\x00-\x7f]*$/.test(text)) throw new DerError(`${JSON.stringify(text)} is not an IA5String (ASCII)`);
  return universal(TAG.IA5_STRING, Buffer.from(text, 'latin1'));
}

/** A BMPString: UCS-2 big-endian (PKCS#12 friendlyName, RFC 7292 §4.2). Characters outside the BMP are refused. */
export function derBmpString(text: string): Buffer {
  const out = Buffer.alloc(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdfff) throw new DerError(`${JSON.stringify(text)} has a character outside the BMP`);
    out.writeUInt16BE(unit, i * 2);
  }
  return universal(TAG.BMP_STRING, out);
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

function checkEncodableDate(date: Date): void {
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 0 || year > 9999) throw new DerError(`cannot encode the date ${String(date)}`);
}

/** UTCTime YYMMDDHHMMSSZ (X.690 §11.8; RFC 5280 §4.1.2.5.1), whole seconds, for years 1950–2049. */
export function derUtcTime(date: Date): Buffer {
  checkEncodableDate(date);
  const year = date.getUTCFullYear();
  if (year < 1950 || year > 2049) throw new DerError(`UTCTime cannot hold the year ${year}`);
  const text = pad(year % 100, 2) + pad(date.getUTCMonth() + 1, 2) + pad(date.getUTCDate(), 2) +
    pad(date.getUTCHours(), 2) + pad(date.getUTCMinutes(), 2) + pad(date.getUTCSeconds(), 2) + 'Z';
  return universal(TAG.UTC_TIME, Buffer.from(text, 'latin1'));
}

/** GeneralizedTime YYYYMMDDHHMMSSZ, whole seconds, no fraction (X.690 §11.7; RFC 5280 §4.1.2.5.2). */
export function derGeneralizedTime(date: Date): Buffer {
  checkEncodableDate(date);
  const text = pad(date.getUTCFullYear(), 4) + pad(date.getUTCMonth() + 1, 2) + pad(date.getUTCDate(), 2) +
    pad(date.getUTCHours(), 2) + pad(date.getUTCMinutes(), 2) + pad(date.getUTCSeconds(), 2) + 'Z';
  return universal(TAG.GENERALIZED_TIME, Buffer.from(text, 'latin1'));
}

/**
 * A certificate Time (RFC 5280 §4.1.2.5): UTCTime for dates in 1950 through 2049, GeneralizedTime otherwise
 * (UTCTime's two-digit year cannot say anything else). Milliseconds are dropped.
 */
export function derTime(date: Date): Buffer {
  checkEncodableDate(date);
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050 ? derUtcTime(date) : derGeneralizedTime(date);
}

export const derSequence = (...elements: readonly Uint8Array[]): Buffer => universal(TAG.SEQUENCE, Buffer.concat(elements), true);

/**
 * A SET (OF): X.690 §11.6 wants the elements of a SET OF in ascending order of their encodings (shorter one first
 * when one is a prefix of the other). Sorting the encodings also satisfies the tag order §10.3 wants for a SET.
 */
export function derSet(...elements: readonly Uint8Array[]): Buffer {
  const sorted = [...elements].sort((a, b) => Buffer.compare(a, b));
  return universal(TAG.SET, Buffer.concat(sorted), true);
}

/** [n] EXPLICIT: a constructed context-specific TLV wrapping the complete encoding `inner`. */
export const derExplicit = (n: number, inner: Uint8Array): Buffer => derTlv('context', true, n, inner);

/**
 * [n] IMPLICIT: `inner`'s identifier replaced by context-specific n, keeping its primitive/constructed bit and its
 * contents (X.690 §8.14.3).
 */
export function derImplicit(n: number, inner: Uint8Array): Buffer {
  const node = decodeDer(inner);
  return derTlv('context', node.constructed, n, node.content);
}
