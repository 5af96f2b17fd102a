import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hkdfSync, scryptSync } from 'node:crypto';
import { SCRYPT_PARAMS, checkPassword, fakeKey, hkdf, p9anyBinding, passwordKey, passwordSalt, principalKey, sessionSecret, tlsPsk } from './keys.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const b = (s: string): Buffer => Buffer.from(s);
const dom = b('ups-1a2b.local');
const keyseed = Buffer.alloc(32, 0x5e);

test('node:crypto hkdf reproduces RFC 5869 test case 1', () => {
  const okm = hkdfSync('sha256', Buffer.alloc(22, 0x0b), Buffer.from('000102030405060708090a0b0c', 'hex'), Buffer.from('f0f1f2f3f4f5f6f7f8f9', 'hex'), 42);
  assert.equal(Buffer.from(okm).toString('hex'), '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
});

test('node:crypto scrypt reproduces the RFC 7914 §12 vector for "password" / "NaCl"', () => {
  const k = scryptSync('password', 'NaCl', 64, { N: 1024, r: 8, p: 16 });
  assert.equal(k.toString('hex'), 'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640');
});

test('the scrypt parameters are N=2^15, r=8, p=1 and cannot be changed at run time', () => {
  assert.deepEqual({ ...SCRYPT_PARAMS }, { N: 32768, r: 8, p: 1 });
  assert.ok(Object.isFrozen(SCRYPT_PARAMS));
});

test('the salt is SHA-256 of the label, domain and user, so it differs per user and per domain', () => {
  // Frozen: sha256("dp9r1 salt\0ups-1a2b.local\0testuser").
  assert.equal(hex(passwordSalt(dom, b('testuser'))), FROZEN_SALT);
  assert.notEqual(hex(passwordSalt(dom, b('testuser2'))), FROZEN_SALT);
  assert.notEqual(hex(passwordSalt(b('ups-ffff.local'), b('testuser'))), FROZEN_SALT);
  // The separator keeps ("a", "b\0c")-style splits apart even though names never hold NUL.
  assert.notEqual(hex(passwordSalt(b('ab'), b('c'))), hex(passwordSalt(b('a'), b('bc'))));
});

test('a password key is scrypt over the password bytes with the per-user salt, frozen for "testpassword"', async () => {
  const k = await passwordKey(b('testpassword'), dom, b('testuser'));
  assert.equal(k.length, 32);
  assert.equal(hex(k), hex(scryptSync('testpassword', passwordSalt(dom, b('testuser')), 32, { N: 32768, r: 8, p: 1, maxmem: 64 << 20 })));
  assert.equal(hex(k), FROZEN_KU);
  assert.notEqual(hex(await passwordKey(b('testpassword'), dom, b('otheruser'))), FROZEN_KU);
});

test('fake keys are stable per name, differ between names, and depend on the server keyseed', () => {
  const a1 = fakeKey(keyseed, dom, b('nobody'));
  assert.equal(hex(a1), hex(fakeKey(keyseed, dom, b('nobody'))));
  assert.notEqual(hex(a1), hex(fakeKey(keyseed, dom, b('nobody2'))));
  assert.notEqual(hex(a1), hex(fakeKey(Buffer.alloc(32, 1), dom, b('nobody'))));
  assert.equal(a1.length, 32);
  assert.throws(() => fakeKey(Buffer.alloc(16), dom, b('x')), RangeError);
});

test('a known user gets its stored key and an unknown one its fake key, of the same size', () => {
  const stored = Buffer.alloc(32, 9);
  assert.equal(hex(principalKey(stored, keyseed, dom, b('admin'))), hex(stored));
  assert.equal(hex(principalKey(undefined, keyseed, dom, b('ghost'))), hex(fakeKey(keyseed, dom, b('ghost'))));
});

test('a password check accepts the right password and refuses a wrong one and an unknown user', async () => {
  const stored = await passwordKey(b('correct horse'), dom, b('admin'));
  assert.equal(await checkPassword(b('correct horse'), dom, b('admin'), stored, keyseed), true);
  assert.equal(await checkPassword(b('correct hors'), dom, b('admin'), stored, keyseed), false);
  assert.equal(await checkPassword(b('correct horse'), dom, b('ghost'), undefined, keyseed), false);
});

test('the p9any binding covers the offer and the choice, so a stripped offer changes it', () => {
  const full = p9anyBinding(b('v.2 dp9r1@ups-1a2b.local dp9r1@other\0'), b('dp9r1 ups-1a2b.local\0'));
  const stripped = p9anyBinding(b('v.2 dp9r1@ups-1a2b.local\0'), b('dp9r1 ups-1a2b.local\0'));
  assert.notEqual(hex(full), hex(stripped));
  assert.equal(full.length, 32);
});

test('the session secret depends on Kn, both randoms, the p9any binding and the TLS exporter', () => {
  const kn = Buffer.alloc(32, 1), rnc = Buffer.alloc(32, 2), rns = Buffer.alloc(32, 3), bind = Buffer.alloc(32, 4);
  const s = sessionSecret(kn, rnc, rns, bind);
  assert.equal(s.length, 64);
  assert.equal(hex(s), hex(hkdf(kn, Buffer.concat([rnc, rns]), 'dp9r1 session', bind, 64)));
  for (const other of [
    sessionSecret(Buffer.alloc(32, 9), rnc, rns, bind),
    sessionSecret(kn, Buffer.alloc(32, 9), rns, bind),
    sessionSecret(kn, rnc, Buffer.alloc(32, 9), bind),
    sessionSecret(kn, rnc, rns, Buffer.alloc(32, 9)),
    sessionSecret(kn, rnc, rns, bind, Buffer.alloc(32, 5)),
    sessionSecret(kn, rns, rnc, bind),
  ]) assert.notEqual(hex(other), hex(s));
  assert.equal(tlsPsk(s).length, 32);
  assert.notEqual(hex(tlsPsk(s)), hex(s.subarray(0, 32)));
});

test('HKDF labels separate uses: the same key under two labels gives unrelated output', () => {
  const k = Buffer.alloc(32, 7);
  assert.notEqual(hex(hkdf(k, Buffer.alloc(0), 'dp9r1 pak key', Buffer.alloc(0), 32)), hex(hkdf(k, Buffer.alloc(0), 'dp9r1 tls psk', Buffer.alloc(0), 32)));
  // label ‖ 0x00 ‖ context: moving a byte between label and context changes the output.
  assert.notEqual(hex(hkdf(k, Buffer.alloc(0), 'ab', b('c'), 32)), hex(hkdf(k, Buffer.alloc(0), 'a', b('bc'), 32)));
});

const FROZEN_SALT = '8afbec7eabdc4bbda2aa4c402fdf14998411651ade88d4839594e1d47ee358a0';
const FROZEN_KU = 'eedcf5245729c1426eaa8c57907f7046a45c044617d5e8ca9cb27d9ade933907';
