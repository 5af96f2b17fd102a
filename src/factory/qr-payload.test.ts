import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { QR_ALPHANUMERIC, decodeQrPayload, encodeQrPayload } from './qr-payload.ts';
import { formatSetupCode, generateSetupCode, setupCodeFromValue } from './setup-code.ts';

const code = setupCodeFromValue(1n); // 00000000000011
const ones = Buffer.alloc(32, 0xff);
const unit = { serial: 'WN-000123', code, fingerprint: ones };
const refused = (fn: () => unknown, message: RegExp): void => {
  assert.throws(fn, { name: 'QrPayloadError', message });
};

test('a fixed unit gives the payload worked out by hand', () => {
  // 2^256 − 1 in 52 symbols: 4 zero bits and a 1 make the first symbol 1, then 51 Z
  assert.equal(encodeQrPayload(unit), `WN1:WN-000123:00000000000011:1${'Z'.repeat(51)}`);
  assert.equal(encodeQrPayload({ ...unit, fingerprint: Buffer.alloc(32) }), `WN1:WN-000123:00000000000011:${'0'.repeat(52)}`);
  // 0x01 then 31 zero bytes is 2^248: binary 1 followed by 248 zeros, i.e. 2^(5·49 + 3), the digit 8 then 49 zeros
  const high = Buffer.alloc(32);
  high[0] = 1;
  assert.equal(encodeQrPayload({ ...unit, fingerprint: high }).split(':')[3], `008${'0'.repeat(49)}`);
});

test('1,000 random units go through a payload and come back unchanged, in QR alphanumeric characters only', () => {
  for (let i = 0; i < 1000; i++) {
    const serial = `SN-${randomBytes(6).toString('hex').toUpperCase()}`;
    const payload = { serial, code: generateSetupCode(), fingerprint: randomBytes(32) };
    const text = encodeQrPayload(payload);
    assert.match(text, QR_ALPHANUMERIC);
    assert.deepEqual(decodeQrPayload(text), payload);
  }
});

test('the longest payload is 104 characters: a 32-character serial', () => {
  const text = encodeQrPayload({ ...unit, serial: 'A'.repeat(32) });
  assert.equal(text.length, 104);
  assert.equal(decodeQrPayload(text).serial, 'A'.repeat(32));
});

test('the alphanumeric set is QR\'s 45 characters and no more', () => {
  const all = Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)).filter((ch) => QR_ALPHANUMERIC.test(ch));
  assert.equal(all.join(''), ' $%*+-./0123456789:ABCDEFGHIJKLMNOPQRSTUVWXYZ');
});

test('a serial that is empty, too long, lower case or holds a colon or a space is not written', () => {
  for (const serial of ['', 'A'.repeat(33), 'wn-1', 'WN:1', 'WN 1', 'WN_1']) {
    refused(() => encodeQrPayload({ ...unit, serial }), /the serial .* is not 1 to 32 characters/);
  }
});

test('a setup code that is not canonical or fails its check is not written', () => {
  refused(() => encodeQrPayload({ ...unit, code: formatSetupCode(code) }), /not in canonical form \(it would be 00000000000011\)/);
  refused(() => encodeQrPayload({ ...unit, code: 'GY7HD7H5NMTBRj' }), /not in canonical form/);
  refused(() => encodeQrPayload({ ...unit, code: '00000000000012' }), /setup code in the QR payload: .*check symbol does not match/);
});

test('a fingerprint that is not 32 bytes is not written', () => {
  for (const n of [0, 20, 31, 33, 64]) refused(() => encodeQrPayload({ ...unit, fingerprint: Buffer.alloc(n) }), /32 bytes \(SHA-256\); this one is \d+/);
});

const good = encodeQrPayload(unit);
const fields = good.split(':');
const withField = (i: number, value: string): string => fields.map((f, j) => (j === i ? value : f)).join(':');

test('text that is not walnut\'s, or of a version this walnut does not know, is refused by name', () => {
  for (const text of ['', 'MT:Y.K9042C00KA0648G00', 'wn1:WN-1:00000000000011:0', 'WN:1', 'WNX:1', `WN12345:${fields.slice(1).join(':')}`]) {
    refused(() => decodeQrPayload(text), /not a walnut QR payload/);
  }
  refused(() => decodeQrPayload(withField(0, 'WN2')), /version WN2 is unknown to this walnut, which reads WN1/);
  refused(() => decodeQrPayload(withField(0, 'WN0')), /version WN0 is unknown/);
  refused(() => decodeQrPayload(withField(0, 'WN01')), /version WN01 is unknown/);
});

test('a payload with too few or too many fields is refused', () => {
  refused(() => decodeQrPayload(fields.slice(0, 3).join(':')), /has 4 fields .* this one has 3/);
  refused(() => decodeQrPayload(`${good}:EXTRA`), /has 4 fields .* this one has 5/);
  refused(() => decodeQrPayload(`${good}:`), /this one has 5/);
});

test('a payload with a bad serial is refused', () => {
  for (const serial of ['', 'A'.repeat(33), 'wn-1', 'WN 1']) refused(() => decodeQrPayload(withField(1, serial)), /the serial/);
});

test('a payload whose setup code has a wrong check symbol, length or spelling is refused', () => {
  refused(() => decodeQrPayload(withField(2, '00000000000012')), /check symbol does not match/);
  refused(() => decodeQrPayload(withField(2, '10000000000011')), /check symbol does not match/);
  refused(() => decodeQrPayload(withField(2, '0000000000011')), /has 14 symbols/);
  refused(() => decodeQrPayload(withField(2, '000000000000111')), /has 14 symbols/);
  refused(() => decodeQrPayload(withField(2, '0000000000011~')), /never ends in ~ or =/);
  refused(() => decodeQrPayload(withField(2, 'OOOOOOOOOOOOIL')), /not in canonical form/);
  refused(() => decodeQrPayload(withField(2, '0000-0000-0000-11')), /not in canonical form/);
});

test('a payload whose fingerprint has the wrong length, a stranger symbol or more than 256 bits is refused', () => {
  const fp = fields[3]!;
  for (const bad of [fp.slice(1), `${fp}0`, `${fp.slice(0, -1)}U`, `${fp.slice(0, -1)}I`, `${fp.slice(0, -1)}z`, `2${fp.slice(1)}`, '']) {
    refused(() => decodeQrPayload(withField(3, bad)), /fingerprint is not 52 base32 symbols/);
  }
  assert.deepEqual(decodeQrPayload(withField(3, `1${fp.slice(1)}`)).fingerprint, ones); // 1 is still 256 bits
});
