// PKCS#12 files walnut writes: OpenSSL 3 and NSS's pk12util (what upsmon's certificate database is filled with)
// both open them with the password, find the key, the certificate and the CA, and refuse a wrong password.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeDer, readInteger, readSequence,
} from './der.ts';
import { fromPem } from './pem.ts';
import { DEFAULT_ITERATIONS, pkcs12Kdf, writePkcs12 } from './pkcs12.ts';
import { createCa, issueClientCertificate } from './x509.ts';

const ca = createCa({ commonName: 'walnut local CA' });
const client = issueClientCertificate(ca, { commonName: 'upsmon-nas1' });
const PASSWORD = 'correct horse battery staple';
// fewer iterations than the default keep the test quick; one test below uses the default
const ITERATIONS = 2048;

const p12 = (password = PASSWORD, iterations = ITERATIONS): Buffer =>
  writePkcs12({ cert: client.certPem, keyPem: client.keyPem, caCerts: [ca.certPem], password, friendlyName: 'walnut-upsmon', caFriendlyName: 'walnut CA', iterations });

function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-p12-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(command: string, args: readonly string[]): { status: number | null; output: string } {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.error) throw new Error(`${command}: ${r.error.message}${command === 'pk12util' || command === 'certutil' ? ' (install libnss3-tools)' : ''}`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

function opensslPkcs12(file: Buffer, password: string, ...flags: string[]): { status: number | null; output: string } {
  return withTempDir((dir) => {
    writeFileSync(join(dir, 'f.p12'), file);
    return run('openssl', ['pkcs12', '-in', join(dir, 'f.p12'), '-passin', `pass:${password}`, ...flags]);
  });
}

const sameKey = (a: string, b: string): boolean =>
  JSON.stringify(createPrivateKey(a).export({ format: 'jwk' })) === JSON.stringify(createPrivateKey(b).export({ format: 'jwk' }));

test('openssl pkcs12 -nodes yields the client certificate, its key and the CA, with the friendlyName', () => {
  const r = opensslPkcs12(p12(), PASSWORD, '-nodes');
  assert.equal(r.status, 0, r.output);
  const certs = fromPem(r.output, 'CERTIFICATE');
  assert.equal(certs.length, 2);
  assert.deepEqual(certs[0], client.certDer);
  assert.deepEqual(certs[1], ca.certDer);
  const keys = r.output.match(/-----BEGIN PRIVATE KEY-----[\s\S]*?-----END PRIVATE KEY-----\n/g) ?? [];
  assert.equal(keys.length, 1);
  assert.ok(sameKey(keys[0]!, client.keyPem), 'the key is the client’s');
  assert.match(r.output, /friendlyName: walnut-upsmon/);
  assert.match(r.output, /friendlyName: walnut CA/);
  assert.match(r.output, /localKeyID: /);
});

test('the file uses PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) for the key and the certificates and a SHA-256 MAC', () => {
  const r = opensslPkcs12(p12(), PASSWORD, '-info', '-noout');
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /MAC: sha256, Iteration 2048/);
  assert.match(r.output, /PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256/);
  assert.match(r.output, /Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256/);
  assert.equal(readInteger(readSequence(decodeDer(p12()))[0]!), 3n, 'PFX version 3');
});

test('a wrong password fails the MAC check', () => {
  const r = opensslPkcs12(p12(), 'wrong', '-nodes');
  assert.notEqual(r.status, 0);
  assert.match(r.output, /Mac verify error/);
});

test('the default is 100,000 iterations, and OpenSSL reads that file', () => {
  assert.equal(DEFAULT_ITERATIONS, 100_000);
  const file = writePkcs12({ cert: client.certDer, keyPem: client.keyPem, caCerts: [ca.certDer], password: PASSWORD, friendlyName: 'walnut-upsmon' });
  const r = opensslPkcs12(file, PASSWORD, '-info', '-nodes');
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /MAC: sha256, Iteration 100000/);
  assert.match(r.output, /Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 100000/);
});

test('pk12util imports the file into an NSS database, where certutil lists the nickname with its key and the CA', () => {
  withTempDir((dir) => {
    const db = `sql:${join(dir, 'nss')}`;
    mkdirSync(join(dir, 'nss'));
    const init = run('certutil', ['-N', '-d', db, '--empty-password']);
    assert.equal(init.status, 0, init.output);
    writeFileSync(join(dir, 'f.p12'), p12());
    const imported = run('pk12util', ['-i', join(dir, 'f.p12'), '-d', db, '-W', PASSWORD]);
    assert.equal(imported.status, 0, imported.output);
    assert.match(imported.output, /PKCS12 IMPORT SUCCESSFUL/);
    const certs = run('certutil', ['-L', '-d', db]);
    assert.match(certs.output, /^walnut-upsmon\s+u,u,u$/m, certs.output); // u: NSS holds the private key
    assert.match(certs.output, /^walnut CA\s+,,\s*$/m, certs.output); // imported, not yet trusted
    const keys = run('certutil', ['-K', '-d', db]);
    assert.match(keys.output, /\bec\b.*walnut-upsmon/, keys.output);
    const one = run('certutil', ['-L', '-d', db, '-n', 'walnut-upsmon', '-a']);
    assert.deepEqual(fromPem(one.output, 'CERTIFICATE')[0], client.certDer);
  });
});

test('pk12util refuses a wrong password', () => {
  withTempDir((dir) => {
    const db = `sql:${join(dir, 'nss')}`;
    mkdirSync(join(dir, 'nss'));
    run('certutil', ['-N', '-d', db, '--empty-password']);
    writeFileSync(join(dir, 'f.p12'), p12());
    const r = run('pk12util', ['-i', join(dir, 'f.p12'), '-d', db, '-W', 'wrong']);
    assert.notEqual(r.status, 0);
    assert.match(r.output, /password|decod/i);
  });
});

test('a non-ASCII password works in both OpenSSL and NSS (UTF-8 for PBKDF2, UTF-16BE for the MAC)', () => {
  const password = 'pässwörd €"\' x';
  const file = p12(password);
  const r = opensslPkcs12(file, password, '-nodes');
  assert.equal(r.status, 0, r.output);
  withTempDir((dir) => {
    const db = `sql:${join(dir, 'nss')}`;
    mkdirSync(join(dir, 'nss'));
    run('certutil', ['-N', '-d', db, '--empty-password']);
    writeFileSync(join(dir, 'f.p12'), file);
    const imported = run('pk12util', ['-i', join(dir, 'f.p12'), '-d', db, '-W', password]);
    assert.equal(imported.status, 0, imported.output);
  });
});

test('the PKCS#12 KDF matches OpenSSL’s PKCS12KDF and the published SHA-1 test vector', () => {
  const bmp = (s: string): string => Buffer.concat([Buffer.from(s, 'utf16le').swap16(), Buffer.alloc(2)]).toString('hex');
  const cases: [string, string, number, number, number][] = [
    ['smeg', '0a58cf64530d823f', 3, 1, 32],
    ['queeg', '05dec959acff72f7', 1, 1000, 40], // two hash blocks
    ['x'.repeat(100), '00'.repeat(70), 3, 7, 96], // password and salt longer than one 64-byte block
    ['ü€', 'ff', 2, 2048, 16],
  ];
  for (const [password, salt, id, iterations, length] of cases) {
    const ours = pkcs12Kdf(password, Buffer.from(salt, 'hex'), id, iterations, length);
    // openssl's PKCS12KDF takes the password already in BMPString form
    const theirs = execFileSync('openssl', ['kdf', '-keylen', String(length), '-kdfopt', 'digest:SHA256', '-kdfopt', `hexpass:${bmp(password)}`,
      '-kdfopt', `hexsalt:${salt}`, '-kdfopt', `id:${id}`, '-kdfopt', `iter:${iterations}`, 'PKCS12KDF'], { encoding: 'utf8' });
    assert.equal(ours.toString('hex'), theirs.trim().replace(/:/g, '').toLowerCase(), password);
  }
  // SHA-1 vector from the PKCS#12 KDF test set (password "smeg", ID 1): OpenSSL reproduces it, so hexpass is right
  const sha1 = execFileSync('openssl', ['kdf', '-keylen', '24', '-kdfopt', 'digest:SHA1', '-kdfopt', `hexpass:${bmp('smeg')}`, '-kdfopt', 'hexsalt:0a58cf64530d823f',
    '-kdfopt', 'id:1', '-kdfopt', 'iter:1', 'PKCS12KDF'], { encoding: 'utf8' });
  assert.equal(sha1.trim().replace(/:/g, ''), '8AAAE6297B6CB04642AB5B077851284EB7128F1A2A7FBCA3');
});

test('bad input is refused: empty password or friendlyName, a key that is not the certificate’s, silly iteration counts', () => {
  const base = { cert: client.certPem, keyPem: client.keyPem, caCerts: [ca.certPem], password: PASSWORD, friendlyName: 'n', iterations: 1 };
  assert.throws(() => writePkcs12({ ...base, password: '' }), /password cannot be empty/);
  assert.throws(() => writePkcs12({ ...base, password: 'a\ud800' }), /not well-formed/);
  assert.throws(() => writePkcs12({ ...base, friendlyName: '' }), /friendlyName/);
  assert.throws(() => writePkcs12({ ...base, keyPem: ca.keyPem }), /does not belong/);
  assert.throws(() => writePkcs12({ ...base, iterations: 0 }), /iteration count/);
  assert.throws(() => writePkcs12({ ...base, iterations: 1.5 }), /iteration count/);
  assert.throws(() => writePkcs12({ ...base, cert: 'not a certificate' }));
});

test('the written file is strict DER that walnut’s own decoder reads, and it holds no key material in clear', () => {
  const file = p12();
  assert.doesNotThrow(() => decodeDer(file));
  const pkcs8 = createPrivateKey(client.keyPem).export({ type: 'pkcs8', format: 'der' });
  const scalar = createPrivateKey(client.keyPem).export({ format: 'jwk' }).d!;
  assert.equal(file.includes(pkcs8), false);
  assert.equal(file.includes(Buffer.from(scalar, 'base64url')), false);
  assert.equal(new X509Certificate(client.certPem).subject, 'CN=upsmon-nas1');
});
