// The DER encoder against known encodings, round trips through the decoder, the decoder's strictness, and a
// seeded fuzz run over mutated certificates, keys and PKCS#12 files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import {
  DEFAULT_MAX_DEPTH, DerError, decodeDer, readBitString, readBoolean, readExplicit, readInteger, readNull, readOctetString, readOid, readSequence, readSet, readString, readTime, readUnsignedInteger, TAG,
} from './der.ts';
import {
  derBitString, derBmpString, derBoolean, derExplicit, derGeneralizedTime, derIa5String, derImplicit, derInteger, derNamedBits, derNull, derOctetString, derOid, derPrintableString, derSequence, derSet, derTime, derTlv, derUtcTime, derUtf8String,
} from './der-encode.ts';
import type { DerNode } from './der.ts';
import { createCa, issueClientCertificate, issueServerCertificate } from './x509.ts';
import { writePkcs12 } from './pkcs12.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ''), 'hex');

test('INTEGERs encode in two’s complement with the fewest octets', () => {
  const cases: [bigint | number, string][] = [
    [0, '020100'], [1, '020101'], [127, '02017f'], [128, '02020080'], [255, '020200ff'], [256, '02020100'],
    [-1, '0201ff'], [-128, '020180'], [-129, '0202ff7f'], [-256, '0202ff00'],
    [2n ** 64n, '0209010000000000000000'], [-(2n ** 63n), '02088000000000000000'],
  ];
  for (const [value, expected] of cases) {
    assert.equal(hex(derInteger(value)), expected, String(value));
    assert.equal(readInteger(decodeDer(derInteger(value))), BigInt(value), String(value));
  }
  assert.throws(() => derInteger(2 ** 60), DerError);
});

test('an INTEGER from a Buffer is an unsigned magnitude: leading zeros go, a sign octet comes when the top bit is set', () => {
  assert.equal(hex(derInteger(bytes('000000ff'))), '020200ff');
  assert.equal(hex(derInteger(bytes('7f'))), '02017f');
  assert.equal(hex(derInteger(bytes('80'))), '02020080');
  assert.equal(hex(derInteger(Buffer.alloc(0))), '020100');
  assert.equal(hex(derInteger(bytes('0000'))), '020100');
  const serial = bytes('a7ca4fcc38e097686aaafec1c2eca8b6');
  assert.equal(hex(readUnsignedInteger(decodeDer(derInteger(serial)))), hex(serial));
  assert.throws(() => readUnsignedInteger(decodeDer(derInteger(-5))), /non-negative/);
});

test('OBJECT IDENTIFIERs encode from dotted strings and decode back, big arcs included', () => {
  assert.equal(hex(derOid('1.2.840.113549')), '06062a864886f70d');
  assert.equal(hex(derOid('2.5.4.3')), '0603550403');
  assert.equal(hex(derOid('1.2.840.10045.4.3.2')), '06082a8648ce3d040302');
  assert.equal(hex(derOid('2.999.3')), '0603883703'); // X.690 §8.19.5 example: 2.999 → 1079
  for (const oid of ['0.0', '0.39', '1.39.1', '2.25.329800735698586629295641978511506172918', '1.3.6.1.5.5.7.3.1']) {
    assert.equal(readOid(decodeDer(derOid(oid))), oid);
  }
  for (const bad of ['1', '3.1', '1.40', '0.40', '1..2', '1.2.', 'a.b', '']) assert.throws(() => derOid(bad), DerError, bad);
});

test('times follow RFC 5280: UTCTime for 1950 through 2049, GeneralizedTime before and after, whole seconds', () => {
  const cases: [string, string, number][] = [
    ['1970-01-01T00:00:00Z', '700101000000Z', TAG.UTC_TIME],
    ['1950-01-01T00:00:00Z', '500101000000Z', TAG.UTC_TIME],
    ['2049-12-31T23:59:59.999Z', '491231235959Z', TAG.UTC_TIME],
    ['2050-01-01T00:00:00Z', '20500101000000Z', TAG.GENERALIZED_TIME],
    ['1949-12-31T23:59:59Z', '19491231235959Z', TAG.GENERALIZED_TIME],
    ['9999-12-31T23:59:59Z', '99991231235959Z', TAG.GENERALIZED_TIME],
    ['2000-02-29T12:34:56Z', '000229123456Z', TAG.UTC_TIME],
  ];
  for (const [iso, text, tag] of cases) {
    const node = decodeDer(derTime(new Date(iso)));
    assert.equal(node.tagNumber, tag, iso);
    assert.equal(node.content.toString('latin1'), text, iso);
    assert.equal(readTime(node).toISOString(), new Date(Math.floor(Date.parse(iso) / 1000) * 1000).toISOString(), iso);
  }
  assert.throws(() => derUtcTime(new Date('2050-01-01T00:00:00Z')), /UTCTime cannot hold the year 2050/);
  assert.throws(() => derTime(new Date(NaN)), DerError);
  assert.throws(() => derGeneralizedTime(new Date('+010000-01-01T00:00:00Z')), DerError);
});

test('strings, BOOLEAN, NULL, BIT STRING and OCTET STRING round-trip', () => {
  assert.equal(readString(decodeDer(derUtf8String('jürgen 名前'))), 'jürgen 名前');
  assert.equal(readString(decodeDer(derPrintableString("Walnut (A) 1+1=2, ok?/-.:'"))), "Walnut (A) 1+1=2, ok?/-.:'");
  assert.throws(() => derPrintableString('a@b'), /not a PrintableString/);
  assert.equal(readString(decodeDer(derIa5String('walnut.local'))), 'walnut.local');
  assert.throws(() => derIa5String('é'), /IA5String/);
  assert.equal(hex(derBmpString('ab')), '1e0400610062');
  assert.equal(readString(decodeDer(derBmpString('wälnut'))), 'wälnut');
  assert.throws(() => derBmpString('😀'), /outside the BMP/);
  assert.equal(hex(derBoolean(true)), '0101ff');
  assert.equal(readBoolean(decodeDer(derBoolean(false))), false);
  assert.equal(hex(derNull()), '0500');
  assert.equal(readNull(decodeDer(derNull())), null);
  assert.deepEqual(readOctetString(decodeDer(derOctetString(bytes('00ff')))), bytes('00ff'));
  const bits = readBitString(decodeDer(derBitString(bytes('ffff'), 3)));
  assert.equal(hex(bits.bytes), 'fff8'); // the unused bits are cleared (X.690 §11.2.1)
  assert.equal(bits.unusedBits, 3);
  assert.throws(() => derBitString(Buffer.alloc(0), 1), DerError);
});

test('named bit lists drop trailing zero bits (KeyUsage values as OpenSSL writes them)', () => {
  assert.equal(hex(derNamedBits([0])), '03020780'); // digitalSignature
  assert.equal(hex(derNamedBits([5, 6])), '03020106'); // keyCertSign, cRLSign
  assert.equal(hex(derNamedBits([0, 8])), '0303078080'); // digitalSignature, decipherOnly
  assert.equal(hex(derNamedBits([])), '030100');
});

test('lengths use the short form below 128 and the fewest long-form octets above', () => {
  assert.equal(hex(derOctetString(Buffer.alloc(127)).subarray(0, 2)), '047f');
  assert.equal(hex(derOctetString(Buffer.alloc(128)).subarray(0, 3)), '048180');
  assert.equal(hex(derOctetString(Buffer.alloc(256)).subarray(0, 4)), '04820100');
  assert.equal(hex(derOctetString(Buffer.alloc(70000)).subarray(0, 5)), '0483011170');
  assert.equal(decodeDer(derOctetString(Buffer.alloc(70000))).content.length, 70000);
});

test('SEQUENCE, SET (sorted), explicit and implicit tags, and high tag numbers nest and decode', () => {
  const set = derSet(derInteger(3), derInteger(1), derOctetString(bytes('01')), derInteger(2));
  assert.equal(hex(set), '310c020101020102020103040101'); // sorted by encoding (X.690 §11.6)
  const structure = derSequence(
    derExplicit(0, derInteger(2)),
    derImplicit(1, derOctetString(bytes('abcd'))),
    derImplicit(2, derSequence(derNull())),
    derTlv('context', false, 200, bytes('01')),
    derTlv('private', true, 31, derNull()),
    set,
  );
  const [explicit, implicitPrimitive, implicitConstructed, high, priv, decodedSet] = readSequence(decodeDer(structure));
  assert.equal(readInteger(readExplicit(explicit!, 0)), 2n);
  assert.equal(implicitPrimitive!.tagClass, 'context');
  assert.equal(implicitPrimitive!.constructed, false);
  assert.equal(hex(implicitPrimitive!.content), 'abcd');
  assert.equal(implicitConstructed!.constructed, true);
  assert.equal(implicitConstructed!.children.length, 1);
  assert.equal(high!.tagNumber, 200);
  assert.equal(hex(high!.encoded), '9f81480101'); // 200 = 1·128 + 72 in base 128 (X.690 §8.1.2.4)
  assert.equal(priv!.tagClass, 'private');
  assert.equal(readSet(decodedSet!).length, 4);
  assert.throws(() => readExplicit(implicitPrimitive!, 1), /EXPLICIT/);
  assert.throws(() => readInteger(decodedSet!), /expected INTEGER, found SET/);
});

test('the decoder refuses what DER forbids, each with a DerError that says what is wrong', () => {
  const cases: [string, RegExp][] = [
    ['', /truncated/],
    ['30', /truncated: no length/],
    ['3080 0000', /indefinite length/],
    ['0481', /truncated length/],
    ['04 85 0000000001 00', /too large/],
    ['04 8101 00', /non-minimal length/],
    ['04 820001 00', /non-minimal length/],
    ['04 05 0000', /runs past the end/],
    ['0400 00', /trailing byte/],
    ['1f8001 00', /non-minimal tag number/],
    ['1f05 00', /long form/],
    ['1fffffffff7f 00', /tag number too large/],
    ['0000', /end-of-contents/],
    ['0200', /empty INTEGER/],
    ['02020001', /non-minimal INTEGER/],
    ['0202ff80', /non-minimal INTEGER/],
    ['010101', /BOOLEAN/],
    ['0100', /BOOLEAN/],
    ['050100', /NULL .* has contents/],
    ['0600', /empty OBJECT IDENTIFIER/],
    ['06028001', /non-minimal OBJECT IDENTIFIER/],
    ['060181', /truncated OBJECT IDENTIFIER/],
    ['0300', /empty BIT STRING/],
    ['030101', /unused-bit count/],
    ['03020801', /unused-bit count/],
    ['03020101', /nonzero unused bits/],
    ['0c02c328', /not valid UTF-8/],
    ['1301 40', /PrintableString/],
    ['1601 80', /not ASCII/],
    ['1e01 00', /odd length/],
    ['2403 040100', /constructed encoding/],
    ['1000', /primitive SEQUENCE/],
    ['170b' + Buffer.from('4912312359Z').toString('hex'), /not YYMMDDHHMMSSZ/],
    ['170d' + Buffer.from('490230000000Z').toString('hex'), /impossible date/],
    ['1811' + Buffer.from('20490101000000.5Z').toString('hex'), /not YYYYMMDDHHMMSSZ/],
    ['170d' + Buffer.from('491231235960Z').toString('hex'), /impossible date/],
    ['180f' + Buffer.from('20490101000000+').toString('hex'), /not YYYYMMDDHHMMSSZ/],
    ['3003 0201', /runs past the end of its container/],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => decodeDer(bytes(input)), (e: unknown) => e instanceof DerError && message.test(e.message), input);
  }
  // leap years: 2000-02-29 is a date, 2100-02-29 is not
  assert.equal(readTime(decodeDer(derGeneralizedTime(new Date('2000-02-29T00:00:00Z')))).toISOString(), '2000-02-29T00:00:00.000Z');
  assert.throws(() => decodeDer(bytes('180f' + Buffer.from('21000229000000Z').toString('hex'))), /impossible date/);
});

test(`nesting is capped at ${DEFAULT_MAX_DEPTH} levels, deep input throws DerError instead of overflowing the stack`, () => {
  const nest = (depth: number): Buffer => {
    let b = derNull();
    for (let i = 0; i < depth; i++) b = derSequence(b);
    return b;
  };
  assert.equal(decodeDer(nest(DEFAULT_MAX_DEPTH)).tagNumber, TAG.SEQUENCE);
  assert.throws(() => decodeDer(nest(DEFAULT_MAX_DEPTH + 1)), /nesting deeper than 32/);
  assert.throws(() => decodeDer(nest(5), { maxDepth: 4 }), /nesting deeper than 4/);
  // 100,000 levels of "30 80" (indefinite) and of short definite headers: refused, no RangeError
  assert.throws(() => decodeDer(Buffer.alloc(200_000, 0x30)), DerError);
  const deep = Buffer.concat([...Array.from({ length: 50_000 }, () => bytes('3084ffffffff')), derNull()]);
  assert.throws(() => decodeDer(deep), DerError);
});

test('decoded nodes are views of the input: encoded spans the element, content its value', () => {
  const input = derSequence(derInteger(1), derOctetString(bytes('beef')));
  const root = decodeDer(input);
  assert.equal(root.encoded.length, input.length);
  assert.equal(hex(root.children[1]!.encoded), '0402beef');
  assert.equal(root.children[1]!.content.buffer, input.buffer);
  assert.equal(decodeDer(new Uint8Array(input)).children.length, 2);
});

// ---------------------------------------------------------------------------------------------------------------
// Fuzz.

/** xorshift32: a small seeded generator, so a failure replays. */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n: number): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % n;
  };
}

/** Re-encodes a decoded tree from its parts; DER has one encoding, so this must give back the input. */
function reencode(node: DerNode): Buffer {
  return derTlv(node.tagClass, node.constructed, node.tagNumber, node.constructed ? Buffer.concat(node.children.map(reencode)) : node.content);
}

/** The typed readers for each universal tag. */
const READERS: ReadonlyMap<number, readonly ((node: DerNode) => unknown)[]> = new Map<number, ((node: DerNode) => unknown)[]>([
  [TAG.BOOLEAN, [readBoolean]], [TAG.INTEGER, [readInteger, readUnsignedInteger]], [TAG.BIT_STRING, [readBitString]],
  [TAG.OCTET_STRING, [readOctetString]], [TAG.NULL, [readNull]], [TAG.OID, [readOid]], [TAG.UTF8_STRING, [readString]],
  [TAG.PRINTABLE_STRING, [readString]], [TAG.IA5_STRING, [readString]], [TAG.BMP_STRING, [readString]],
  [TAG.UTC_TIME, [readTime]], [TAG.GENERALIZED_TIME, [readTime]], [TAG.SEQUENCE, [readSequence]], [TAG.SET, [readSet]],
]);

/** Every typed reader that fits a node's tag, over the whole tree: they may throw DerError, nothing else. */
function readAll(node: DerNode): void {
  const readers = node.tagClass === 'universal' ? READERS.get(node.tagNumber) ?? [] : node.constructed ? [(n: DerNode) => readExplicit(n, n.tagNumber)] : [];
  for (const read of readers) {
    try {
      read(node);
    } catch (e) {
      if (!(e instanceof DerError)) throw e;
    }
  }
  node.children.forEach(readAll);
}

function corpus(): Buffer[] {
  const ca = createCa({ commonName: 'fuzz CA' });
  const server = issueServerCertificate(ca, { commonName: 'walnut', dnsNames: ['walnut.local'], ipAddresses: ['192.0.2.1', '2001:db8::1'] });
  const client = issueClientCertificate(ca, { commonName: 'upsmon' });
  const p12 = writePkcs12({ cert: client.certPem, keyPem: client.keyPem, caCerts: [ca.certPem], password: 'pw', friendlyName: 'upsmon', iterations: 1 });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const everything = derSequence(
    derBoolean(true), derInteger(-129), derInteger(bytes('80ff')), derBitString(bytes('f0'), 4), derOctetString(bytes('00')),
    derNull(), derOid('2.25.1234567890123456789'), derUtf8String('ü'), derPrintableString('A b'), derIa5String('x@y'),
    derBmpString('z'), derUtcTime(new Date(0)), derGeneralizedTime(new Date('2050-06-01T00:00:00Z')), derSet(derInteger(1), derNull()),
    derExplicit(3, derSequence()), derImplicit(7, derOctetString(bytes('7f000001'))), derTlv('context', false, 300, bytes('01')),
  );
  return [
    ca.certDer, server.certDer, client.certDer, p12,
    rsa.publicKey.export({ type: 'spki', format: 'der' }), rsa.privateKey.export({ type: 'pkcs8', format: 'der' }),
    ec.privateKey.export({ type: 'sec1', format: 'der' }), everything,
  ];
}

const INTERESTING = [0x00, 0x01, 0x1f, 0x20, 0x30, 0x7f, 0x80, 0x81, 0x82, 0x84, 0x85, 0xa0, 0xff];

function mutate(input: Buffer, others: readonly Buffer[], next: (n: number) => number): Buffer {
  let b = Buffer.from(input);
  const rounds = 1 + next(4);
  for (let r = 0; r < rounds; r++) {
    const at = b.length === 0 ? 0 : next(b.length);
    switch (next(8)) {
      case 0: // flip a bit
        if (b.length) b[at]! ^= 1 << next(8);
        break;
      case 1: // a random byte
        if (b.length) b[at] = next(256);
        break;
      case 2: // a byte that means something to a DER parser
        if (b.length) b[at] = INTERESTING[next(INTERESTING.length)]!;
        break;
      case 3: // insert bytes
        b = Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + next(4) }, () => next(256))), b.subarray(at)]);
        break;
      case 4: // delete a range
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + next(16))]);
        break;
      case 5: // truncate
        b = b.subarray(0, at);
        break;
      case 6: { // duplicate a slice in place
        const len = 1 + next(32);
        b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]);
        break;
      }
      case 7: { // splice in a slice of another input
        const other = others[next(others.length)]!;
        const from = other.length ? next(other.length) : 0;
        b = Buffer.concat([b.subarray(0, at), other.subarray(from, from + 1 + next(64)), b.subarray(at + next(64))]);
        break;
      }
    }
  }
  return b;
}

test('every corpus input decodes and re-encodes to the same bytes', () => {
  for (const input of corpus()) {
    const root = decodeDer(input);
    assert.equal(hex(reencode(root)), hex(input));
    readAll(root);
  }
});

test('20,000 mutated certificates, keys and PKCS#12 files each decode (and re-encode exactly) or throw DerError', () => {
  const inputs = corpus();
  const next = rng(0x5eed_0001);
  let decoded = 0;
  let refused = 0;
  const messages = new Set<string>();
  for (let i = 0; i < 20_000; i++) {
    const input = mutate(inputs[next(inputs.length)]!, inputs, next);
    let root: DerNode;
    try {
      root = decodeDer(input);
    } catch (e) {
      if (!(e instanceof DerError)) assert.fail(`input ${i} (${hex(input)}) threw ${String(e)}`);
      messages.add(e.message.replace(/\d+/g, 'N'));
      refused++;
      continue;
    }
    decoded++;
    assert.equal(hex(reencode(root)), hex(input), `input ${i} decoded but is not canonical`);
    readAll(root);
  }
  // both outcomes happen, and the refusals are for many different reasons
  assert.ok(decoded > 100, `only ${decoded} mutated inputs decoded`);
  assert.ok(refused > 10_000, `only ${refused} mutated inputs refused`);
  assert.ok(messages.size > 20, `only ${messages.size} distinct errors`);
});
