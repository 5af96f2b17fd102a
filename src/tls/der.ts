// A strict DER (ITU-T X.690 §10, Distinguished Encoding Rules) decoder, with the types its encoder
// (der-encode.ts) shares: just the types that X.509 certificates (RFC 5280) and PKCS#12 files (RFC 7292) need. The decoder reads input from the network
// (client certificates) and the command line (PKCS#12, bundles), so it trusts nothing: every length is bounded
// by the buffer, indefinite lengths and non-minimal encodings are refused, nesting is capped, and the contents
// of the universal types it knows are checked; any violation throws a DerError, never anything else.

/** Thrown for input that is not valid DER (or for values the encoder cannot represent). */
export class DerError extends Error {
  override readonly name = 'DerError';
}

export type TagClass = 'universal' | 'application' | 'context' | 'private';

/** One decoded TLV. Buffers are views into the input (no copies). */
export interface DerNode {
  readonly tagClass: TagClass;
  readonly tagNumber: number;
  readonly constructed: boolean;
  /** The value octets (X.690 §8.1.4). */
  readonly content: Buffer;
  /** The whole encoding, identifier and length octets included (what a signature covers). */
  readonly encoded: Buffer;
  /** The decoded elements of a constructed encoding; empty for a primitive one. */
  readonly children: readonly DerNode[];
}

/** Universal tag numbers (X.680 §8.6). */
export const TAG = {
  BOOLEAN: 1,
  INTEGER: 2,
  BIT_STRING: 3,
  OCTET_STRING: 4,
  NULL: 5,
  OID: 6,
  UTF8_STRING: 12,
  SEQUENCE: 16,
  SET: 17,
  PRINTABLE_STRING: 19,
  IA5_STRING: 22,
  UTC_TIME: 23,
  GENERALIZED_TIME: 24,
  BMP_STRING: 30,
} as const;

/** The class bits of an identifier octet (X.690 §8.1.2.2). */
export const CLASS_BITS: Record<TagClass, number> = { universal: 0x00, application: 0x40, context: 0x80, private: 0xc0 };
const CLASS_OF: readonly TagClass[] = ['universal', 'application', 'context', 'private'];

/** PrintableString's alphabet (X.680 §41.4, Table 10). */
export const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/** Nesting deeper than this is refused: certificates nest about 10 deep, PKCS#12 about 12. */
export const DEFAULT_MAX_DEPTH = 32;

// ---------------------------------------------------------------------------------------------------------------
// Decoder.

export interface DecodeOptions {
  /** Deepest nesting of constructed encodings accepted (default {@link DEFAULT_MAX_DEPTH}). */
  readonly maxDepth?: number;
}

/** Decodes exactly one DER element spanning all of `input`; throws DerError otherwise. */
export function decodeDer(input: Uint8Array, options: DecodeOptions = {}): DerNode {
  const buffer = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const { node, end } = decodeAt(buffer, 0, buffer.length, 0, maxDepth);
  if (end !== buffer.length) throw new DerError(`${buffer.length - end} trailing byte(s) after the DER element at offset ${end}`);
  return node;
}

function decodeAt(buf: Buffer, start: number, limit: number, depth: number, maxDepth: number): { node: DerNode; end: number } {
  let pos = start;
  if (pos >= limit) throw new DerError(`truncated: an element was expected at offset ${pos}`);
  const first = buf[pos++]!;
  const tagClass = CLASS_OF[first >> 6]!;
  const constructed = (first & 0x20) !== 0;
  let tagNumber = first & 0x1f;
  if (tagNumber === 0x1f) {
    // X.690 §8.1.2.4.2: base-128, no leading 0x80 octet (§8.1.2.4.2 c), and only for tags >= 31 (DER minimality)
    tagNumber = 0;
    for (let count = 0; ; count++) {
      if (pos >= limit) throw new DerError(`truncated tag number at offset ${pos}`);
      const b = buf[pos++]!;
      if (count === 0 && b === 0x80) throw new DerError(`non-minimal tag number at offset ${pos - 1}`);
      if (count >= 4) throw new DerError(`tag number too large at offset ${start}`);
      tagNumber = tagNumber * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
    if (tagNumber < 31) throw new DerError(`tag number ${tagNumber} in the long form at offset ${start}`);
  }
  if (pos >= limit) throw new DerError(`truncated: no length at offset ${pos}`);
  const lengthByte = buf[pos++]!;
  let length: number;
  if (lengthByte < 0x80) {
    length = lengthByte;
  } else if (lengthByte === 0x80) {
    throw new DerError(`indefinite length at offset ${pos - 1} (DER allows only definite lengths)`);
  } else {
    const count = lengthByte & 0x7f;
    if (count > 4) throw new DerError(`length of ${count} octets at offset ${pos - 1} is too large`);
    if (pos + count > limit) throw new DerError(`truncated length at offset ${pos}`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[pos++]!;
    // X.690 §10.1: fewest octets, so no leading zero octet and no long form below 128
    if (buf[pos - count] === 0 || length < 0x80) throw new DerError(`non-minimal length at offset ${pos - count - 1}`);
  }
  if (length > limit - pos) throw new DerError(`length ${length} at offset ${start} runs past the end of its container (${limit - pos} bytes left)`);
  const end = pos + length;
  const content = buf.subarray(pos, end);
  const children: DerNode[] = [];
  if (constructed) {
    if (depth + 1 > maxDepth) throw new DerError(`nesting deeper than ${maxDepth} at offset ${start}`);
    for (let p = pos; p < end;) {
      const child = decodeAt(buf, p, end, depth + 1, maxDepth);
      children.push(child.node);
      p = child.end;
    }
  }
  const node: DerNode = { tagClass, tagNumber, constructed, content, encoded: buf.subarray(start, end), children };
  if (tagClass === 'universal') checkUniversal(node, start);
  return { node, end };
}

const PRIMITIVE_ONLY: ReadonlySet<number> = new Set([
  TAG.BOOLEAN, TAG.INTEGER, TAG.BIT_STRING, TAG.OCTET_STRING, TAG.NULL, TAG.OID, TAG.UTF8_STRING,
  TAG.PRINTABLE_STRING, TAG.IA5_STRING, TAG.UTC_TIME, TAG.GENERALIZED_TIME, TAG.BMP_STRING,
]);

/** The contents rules of the universal types this module knows; unknown universal types pass as opaque. */
function checkUniversal(node: DerNode, offset: number): void {
  const at = `at offset ${offset}`;
  const t = node.tagNumber;
  if (t === 0) throw new DerError(`end-of-contents marker ${at} (DER has no indefinite lengths)`);
  // X.690 §10.2: DER encodes string types primitive; SEQUENCE and SET are always constructed (§8.9, §8.11)
  if (PRIMITIVE_ONLY.has(t) && node.constructed) throw new DerError(`constructed encoding of universal type ${t} ${at}`);
  if ((t === TAG.SEQUENCE || t === TAG.SET) && !node.constructed) throw new DerError(`primitive ${t === TAG.SET ? 'SET' : 'SEQUENCE'} ${at}`);
  const c = node.content;
  switch (t) {
    case TAG.BOOLEAN:
      if (c.length !== 1 || (c[0] !== 0x00 && c[0] !== 0xff)) throw new DerError(`BOOLEAN ${at} is not one octet 00 or FF (X.690 §11.1)`);
      break;
    case TAG.INTEGER:
      checkIntegerContent(c, at);
      break;
    case TAG.BIT_STRING: {
      const unused = c[0];
      if (unused === undefined) throw new DerError(`empty BIT STRING ${at}`);
      if (unused > 7 || (c.length === 1 && unused !== 0)) throw new DerError(`bad BIT STRING unused-bit count ${unused} ${at}`);
      if (unused > 0 && (c[c.length - 1]! & ((1 << unused) - 1)) !== 0) throw new DerError(`BIT STRING ${at} has nonzero unused bits (X.690 §11.2.1)`);
      break;
    }
    case TAG.NULL:
      if (c.length !== 0) throw new DerError(`NULL ${at} has contents`);
      break;
    case TAG.OID:
      oidFromContent(c, at);
      break;
    case TAG.UTF8_STRING:
      try {
        new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(c);
      } catch {
        throw new DerError(`UTF8String ${at} is not valid UTF-8`);
      }
      break;
    case TAG.PRINTABLE_STRING:
      if (!PRINTABLE.test(c.toString('latin1'))) throw new DerError(`PrintableString ${at} has characters outside its set`);
      break;
    case TAG.IA5_STRING:
      if (c.some((b) => b > 0x7f)) throw new DerError(`IA5String ${at} is not ASCII`);
      break;
    case TAG.BMP_STRING:
      if (c.length % 2 !== 0) throw new DerError(`BMPString ${at} has an odd length`);
      break;
    case TAG.UTC_TIME:
    case TAG.GENERALIZED_TIME:
      timeFromContent(t, c, at);
      break;
  }
}

function checkIntegerContent(c: Buffer, at: string): void {
  if (c.length === 0) throw new DerError(`empty INTEGER ${at}`);
  // X.690 §8.3.2: the first nine bits are never all zero or all one
  if (c.length > 1 && ((c[0] === 0x00 && (c[1]! & 0x80) === 0) || (c[0] === 0xff && (c[1]! & 0x80) !== 0))) {
    throw new DerError(`non-minimal INTEGER ${at}`);
  }
}

const MAX_SUBIDENTIFIER_OCTETS = 20;

function oidFromContent(c: Buffer, at: string): string {
  if (c.length === 0) throw new DerError(`empty OBJECT IDENTIFIER ${at}`);
  const subids: bigint[] = [];
  let value = 0n;
  let fresh = true;
  let octets = 0;
  for (const b of c) {
    // X.690 §8.19.2: each subidentifier in as few octets as possible, so never a leading 0x80
    if (fresh && b === 0x80) throw new DerError(`non-minimal OBJECT IDENTIFIER subidentifier ${at}`);
    // a UUID arc (2.25.x, 128 bits) takes 19 octets; longer ones only cost time (bigint shifts are quadratic)
    if (++octets > MAX_SUBIDENTIFIER_OCTETS) throw new DerError(`OBJECT IDENTIFIER subidentifier longer than ${MAX_SUBIDENTIFIER_OCTETS} octets ${at}`);
    value = (value << 7n) | BigInt(b & 0x7f);
    fresh = (b & 0x80) === 0;
    if (fresh) {
      subids.push(value);
      value = 0n;
      octets = 0;
    }
  }
  if (!fresh) throw new DerError(`truncated OBJECT IDENTIFIER ${at}`);
  const head = subids[0]!;
  const first = head < 40n ? 0n : head < 80n ? 1n : 2n;
  return [first, head - first * 40n, ...subids.slice(1)].join('.');
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function timeFromContent(tag: number, c: Buffer, at: string): Date {
  const text = c.toString('latin1');
  // RFC 5280 §4.1.2.5.1/.2 (and X.690 §11.7/§11.8): seconds present, 'Z', no fraction
  const m = tag === TAG.UTC_TIME ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text) : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) throw new DerError(`${tag === TAG.UTC_TIME ? 'UTCTime' : 'GeneralizedTime'} ${at} is not ${tag === TAG.UTC_TIME ? 'YYMMDDHHMMSSZ' : 'YYYYMMDDHHMMSSZ'}`);
  const [yearText, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  // RFC 5280 §4.1.2.5.1: YY >= 50 is 19YY, else 20YY
  const year = tag === TAG.UTC_TIME ? (yearText >= 50 ? 1900 + yearText : 2000 + yearText) : yearText;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  if (days === undefined || day < 1 || day > days || hour > 23 || minute > 59 || second > 59) throw new DerError(`impossible date ${JSON.stringify(text)} ${at}`);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date;
}

// ---------------------------------------------------------------------------------------------------------------
// Typed readers over decoded nodes: each checks the tag and returns the value.

function expectUniversal(node: DerNode, tag: number, what: string): Buffer {
  if (node.tagClass !== 'universal' || node.tagNumber !== tag) throw new DerError(`expected ${what}, found ${describeTag(node)}`);
  return node.content;
}

/** "SEQUENCE", "[3]", "universal 28" — for error messages. */
export function describeTag(node: Pick<DerNode, 'tagClass' | 'tagNumber'>): string {
  if (node.tagClass === 'context') return `[${node.tagNumber}]`;
  if (node.tagClass !== 'universal') return `${node.tagClass} ${node.tagNumber}`;
  const name = Object.entries(TAG).find(([, n]) => n === node.tagNumber)?.[0];
  return name ?? `universal ${node.tagNumber}`;
}

export const readBoolean = (node: DerNode): boolean => expectUniversal(node, TAG.BOOLEAN, 'BOOLEAN')[0] === 0xff;

export function readInteger(node: DerNode): bigint {
  const c = expectUniversal(node, TAG.INTEGER, 'INTEGER');
  let v = 0n;
  for (const b of c) v = (v << 8n) | BigInt(b);
  return (c[0]! & 0x80) !== 0 ? v - (1n << BigInt(c.length * 8)) : v;
}

/** A non-negative INTEGER's magnitude, big-endian without the sign octet (a serial number). */
export function readUnsignedInteger(node: DerNode): Buffer {
  const c = expectUniversal(node, TAG.INTEGER, 'INTEGER');
  if ((c[0]! & 0x80) !== 0) throw new DerError('expected a non-negative INTEGER');
  return c.length > 1 && c[0] === 0 ? c.subarray(1) : c;
}

export function readBitString(node: DerNode): { bytes: Buffer; unusedBits: number } {
  const c = expectUniversal(node, TAG.BIT_STRING, 'BIT STRING');
  return { bytes: c.subarray(1), unusedBits: c[0]! };
}

export const readOctetString = (node: DerNode): Buffer => expectUniversal(node, TAG.OCTET_STRING, 'OCTET STRING');

export function readNull(node: DerNode): null {
  expectUniversal(node, TAG.NULL, 'NULL');
  return null;
}

export const readOid = (node: DerNode): string => oidFromContent(expectUniversal(node, TAG.OID, 'OBJECT IDENTIFIER'), '');

/** The text of a UTF8String, PrintableString, IA5String or BMPString. */
export function readString(node: DerNode): string {
  if (node.tagClass === 'universal') {
    switch (node.tagNumber) {
      case TAG.UTF8_STRING:
        return node.content.toString('utf8');
      case TAG.PRINTABLE_STRING:
      case TAG.IA5_STRING:
        return node.content.toString('latin1');
      case TAG.BMP_STRING:
        return Buffer.from(node.content).swap16().toString('utf16le');
    }
  }
  throw new DerError(`expected a string, found ${describeTag(node)}`);
}

/** A UTCTime or GeneralizedTime. */
export function readTime(node: DerNode): Date {
  if (node.tagClass === 'universal' && (node.tagNumber === TAG.UTC_TIME || node.tagNumber === TAG.GENERALIZED_TIME)) {
    return timeFromContent(node.tagNumber, node.content, '');
  }
  throw new DerError(`expected a time, found ${describeTag(node)}`);
}

export function readSequence(node: DerNode): readonly DerNode[] {
  expectUniversal(node, TAG.SEQUENCE, 'SEQUENCE');
  return node.children;
}

export function readSet(node: DerNode): readonly DerNode[] {
  expectUniversal(node, TAG.SET, 'SET');
  return node.children;
}

/** The one element inside an [n] EXPLICIT tag. */
export function readExplicit(node: DerNode, n: number): DerNode {
  if (node.tagClass !== 'context' || node.tagNumber !== n || !node.constructed) throw new DerError(`expected [${n}] EXPLICIT, found ${describeTag(node)}`);
  if (node.children.length !== 1) throw new DerError(`[${n}] EXPLICIT holds ${node.children.length} elements, not 1`);
  return node.children[0]!;
}

export const isContext = (node: DerNode, n: number): boolean => node.tagClass === 'context' && node.tagNumber === n;
