// scrypt verifiers: salted, parameters kept beside them, exact over bytes, never the password itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scryptSync } from 'node:crypto';
import {
  DEFAULT_SCRYPT,
  KEY_BYTES,
  SALT_BYTES,
  VerifierError,
  checkParams,
  createVerifier,
  decodeParams,
  dummyVerifier,
  encodeParams,
  verifyPassword,
  weakerThan,
} from './verifier.ts';

const FAST = { N: 1024, r: 8, p: 1 };
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

test('the default cost is scrypt N=2^15, r=8, p=1 with a 16-byte salt and a 32-byte key', () => {
  assert.deepEqual(DEFAULT_SCRYPT, { N: 32768, r: 8, p: 1 });
  assert.equal(SALT_BYTES, 16);
  assert.equal(KEY_BYTES, 32);
});

test('a verifier is scrypt of the password bytes under its own salt and parameters', async () => {
  const v = await createVerifier(utf8('correct horse'), FAST);
  assert.equal(v.algorithm, 'scrypt');
  assert.deepEqual(v.params, FAST);
  assert.equal(v.salt.length, SALT_BYTES);
  assert.deepEqual(v.material, scryptSync(utf8('correct horse'), v.salt, KEY_BYTES, FAST));
  assert.equal(v.material.includes(utf8('correct horse')), false);
});

test('the right password verifies and any other does not', async () => {
  const pw = utf8('p a"s#s\\wörd');
  const v = await createVerifier(pw, FAST);
  assert.equal(await verifyPassword(pw, v), true);
  for (const other of ['p a"s#s\\word', 'p a"s#s\\wörd ', 'P a"s#s\\wörd', '', 'p a"s#s\\w']) {
    assert.equal(await verifyPassword(utf8(other), v), false, other);
  }
});

test('passwords are compared as bytes: latin1 ü and UTF-8 ü are different passwords', async () => {
  const v = await createVerifier(utf8('jürgen'), FAST);
  assert.equal(await verifyPassword(Buffer.from('jürgen', 'latin1'), v), false);
  assert.equal(await verifyPassword(Buffer.from(utf8('jürgen').toString('latin1'), 'latin1'), v), true);
});

test('two verifiers of one password differ (random salt)', async () => {
  const a = await createVerifier(utf8('same'), FAST);
  const b = await createVerifier(utf8('same'), FAST);
  assert.notDeepEqual(a.salt, b.salt);
  assert.notDeepEqual(a.material, b.material);
});

test('a verifier made with the default cost verifies (Node would refuse it without a larger maxmem)', async () => {
  const v = await createVerifier(utf8('x'.repeat(512)));
  assert.deepEqual(v.params, DEFAULT_SCRYPT);
  assert.equal(await verifyPassword(utf8('x'.repeat(512)), v), true);
});

test('a verifier keeps working after the default cost is raised, and is marked for an upgrade', async () => {
  const old = await createVerifier(utf8('pw'), { N: 2048, r: 4, p: 1 });
  assert.equal(await verifyPassword(utf8('pw'), old), true);
  assert.equal(weakerThan(old.params, DEFAULT_SCRYPT), true);
  assert.equal(weakerThan(DEFAULT_SCRYPT, DEFAULT_SCRYPT), false);
  assert.equal(weakerThan({ N: 2 ** 16, r: 8, p: 1 }, DEFAULT_SCRYPT), false);
});

test('no password matches a dummy verifier, and it has the cost it was asked for', async () => {
  const d = dummyVerifier(FAST);
  assert.deepEqual(d.params, FAST);
  assert.equal(d.material.length, KEY_BYTES);
  assert.equal(await verifyPassword(utf8(''), d), false);
  assert.notDeepEqual(dummyVerifier(FAST).material, d.material);
});

test('parameters round-trip through their stored JSON', () => {
  assert.equal(encodeParams(DEFAULT_SCRYPT), '{"N":32768,"r":8,"p":1}');
  assert.deepEqual(decodeParams('{"N":32768,"r":8,"p":1}'), DEFAULT_SCRYPT);
});

test('stored parameters that are corrupt or would exhaust memory are refused', () => {
  for (const bad of ['', 'null', '[]', '{"N":1000,"r":8,"p":1}', '{"N":2097152,"r":8,"p":1}', '{"N":1024,"r":0,"p":1}', '{"N":1024,"r":8,"p":99}', '{"N":1024.5,"r":8,"p":1}', '{"r":8,"p":1}']) {
    assert.throws(() => decodeParams(bad), VerifierError, bad);
  }
  assert.throws(() => checkParams({ N: 3, r: 1, p: 1 }), /not a power of two/);
});
