import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ristretto255 } from '@noble/curves/ed25519.js';
import { AuthError } from './errors.ts';
import { PakState, confirmationMatches, pakPoints } from './pak.ts';
import type { PakParams } from './pak.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const dom = Buffer.from('ups-1a2b.local');
const id = Buffer.from('testuser');
const right: PakParams = { key: Buffer.alloc(32, 0x01), dom, id };
const wrong: PakParams = { key: Buffer.alloc(32, 0x02), dom, id };

/** Deterministic scalar source for the frozen vectors: SHA-512 of a fixed label (64 bytes, reduced mod ℓ). */
const fixed = (label: string) => (n: number): Uint8Array => {
  assert.equal(n, 64);
  return createHash('sha512').update(label).digest();
};

function run(clientParams: PakParams, asParams: PakParams, cr?: (n: number) => Uint8Array, ar?: (n: number) => Uint8Array) {
  const client = new PakState('client', clientParams, cr);
  const as = new PakState('as', asParams, ar);
  const c = client.finish(as.y);
  const a = as.finish(client.y);
  return { client, as, c, a };
}

test('ristretto255 from @noble/curves matches RFC 9496 A.1 (generator multiples) and A.3 (one-way map)', () => {
  const P = ristretto255.Point;
  assert.equal(hex(P.BASE.toBytes()), 'e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76');
  assert.equal(hex(P.BASE.multiply(2n).toBytes()), '6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919');
  const h = createHash('sha512').update('Ristretto is traditionally a short shot of espresso coffee').digest();
  assert.equal(hex(P.hashToCurve(h).toBytes()), '3066f82a1a747d45120d1740f14358531a8f04bbffe6a819f86dfe50f44a0a46');
});

test('both sides derive the same ticket key and each accepts the other\'s confirmation with the right key', () => {
  const { c, a } = run(right, right);
  assert.equal(hex(c.key), hex(a.key));
  assert.equal(c.key.length, 32);
  assert.ok(confirmationMatches(c.confirmAS, a.confirmAS), 'the principal accepts cB');
  assert.ok(confirmationMatches(a.confirmClient, c.confirmClient), 'the AS accepts cA');
  assert.notEqual(hex(c.key), hex(c.confirmAS));
  assert.notEqual(hex(c.confirmAS), hex(c.confirmClient));
});

test('a wrong password gives different keys and both confirmations fail', () => {
  const { c, a } = run(wrong, right);
  assert.notEqual(hex(c.key), hex(a.key));
  assert.equal(confirmationMatches(c.confirmAS, a.confirmAS), false);
  assert.equal(confirmationMatches(a.confirmClient, c.confirmClient), false);
});

test('another user name or auth domain with the same key also fails confirmation', () => {
  for (const other of [{ ...right, id: Buffer.from('testuse') }, { ...right, dom: Buffer.from('ups-ffff.local') }]) {
    const { c, a } = run(other, right);
    assert.equal(confirmationMatches(a.confirmClient, c.confirmClient), false);
  }
});

test('two runs with the same password have different public values and keys', () => {
  const one = run(right, right);
  const two = run(right, right);
  assert.notEqual(hex(one.client.y), hex(two.client.y));
  assert.notEqual(hex(one.as.y), hex(two.as.y));
  assert.notEqual(hex(one.c.key), hex(two.c.key));
});

test('the PAK is frozen: fixed keys and scalars give these exact values', () => {
  // Derivation: K = 32 × 0x01, dom "ups-1a2b.local", id "testuser"; the client scalar is
  // SHA-512("walnut dp9r1 test client") mod ℓ, the AS scalar SHA-512("walnut dp9r1 test as") mod ℓ.
  // PM/PN by RFC 9380 hash_to_ristretto255 (expand_message_xmd SHA-512) with DSTs "dp9r1 PM"/"dp9r1 PN".
  // Frozen from this implementation after the RFC 9496 check above passed; a change to any label, the
  // point derivation, the transcript or the HKDF layout breaks it.
  const { client, as, c, a } = run(right, right, fixed('walnut dp9r1 test client'), fixed('walnut dp9r1 test as'));
  const { PM, PN } = pakPoints(right);
  assert.deepEqual(
    { PM: hex(PM.toBytes()), PN: hex(PN.toBytes()), YA: hex(client.y), YB: hex(as.y), key: hex(c.key), cB: hex(c.confirmAS), cA: hex(c.confirmClient) },
    FROZEN,
  );
  assert.equal(hex(a.key), FROZEN.key);
});

test('a peer value that is not a valid ristretto255 encoding, or is the identity, is refused', () => {
  const bad = [Buffer.alloc(32, 0xff), Buffer.alloc(32, 0), Buffer.alloc(31, 1), Buffer.alloc(33, 1)];
  // A non-canonical encoding: the field element p (2^255 - 19) itself, little-endian.
  bad.push(Buffer.from('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'hex'));
  for (const y of bad) {
    const s = new PakState('as', right);
    assert.throws(() => s.finish(y), (e: unknown) => e instanceof AuthError && e.text === 'auth failed');
  }
});

test('a PAK state can finish only once, so its scalar is never reused', () => {
  const client = new PakState('client', right);
  const as = new PakState('as', right);
  client.finish(as.y);
  assert.throws(() => client.finish(as.y), /already used/);
});

test('a confirmation tag of the wrong length never matches', () => {
  const { c } = run(right, right);
  assert.equal(confirmationMatches(c.confirmAS, c.confirmAS.subarray(0, 31)), false);
  assert.equal(confirmationMatches(c.confirmAS, new Uint8Array(0)), false);
});

const FROZEN = {
  PM: 'c415393f0bb91b4dd89584a6f7d084ed79bfdef7faa88d6a37be15e6d8b1a336',
  PN: 'ea59ea955bbe8f65681f26ecbb882e68f3d49e05a6119aa13b6a0917b361dd29',
  YA: '348818a9fd4bbcdbe06dee152231667df60b49f006399418c8fafa5c7a246908',
  YB: 'ae03e29ae20d3a3b16c07616506cd957a047d29e894ad53669f6008c354cf937',
  key: '04bda53ac547ebabd166f1aaf43d1571985fd842a3c0aab69ec60aaa45b3f4bf',
  cB: 'ab754e5a679f13ebc7fd662e3a19d94fd8949af2a466652dd0aac5f2ec1b5e95',
  cA: 'f81bac0bccadf21cde225ca0e78cf178ebe674c371409106cca29531e1a83963',
};
