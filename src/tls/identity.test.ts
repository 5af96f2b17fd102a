// The local identity in a data folder: a new CA is constrained to exactly the names of the device certificate,
// openssl verify refuses anything else signed with its key, and an existing identity is kept as it is, with the
// warnings the log shows at start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deviceNames, loadIdentity, TLS_DIR } from './identity.ts';
import { inspectCertificate } from './inspect.ts';
import { formatIpRange } from './name-constraints.ts';
import { caNameConstraints, createCa, issueServerCertificate } from './x509.ts';

function dataDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-identity-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const tlsFile = (data: string, name: string): string => join(data, TLS_DIR, name);

function opensslVerify(dir: string, caPem: string, leafPem: string, purpose: string): { ok: boolean; output: string } {
  writeFileSync(join(dir, 'v-ca.pem'), caPem);
  writeFileSync(join(dir, 'v-leaf.pem'), leafPem);
  const r = spawnSync('openssl', ['verify', '-x509_strict', '-purpose', purpose, '-CAfile', join(dir, 'v-ca.pem'), join(dir, 'v-leaf.pem')], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

test('a new local CA permits exactly the names and addresses its device certificate carries, and says nothing at start', (t) => {
  const data = dataDir(t);
  const identity = loadIdentity(data, undefined);
  const device = inspectCertificate(readFileSync(tlsFile(data, 'device.pem')));
  const permitted = caNameConstraints(identity.caPem)!.permitted!;
  const expected = deviceNames();
  assert.deepEqual(permitted.dnsNames, expected.dnsNames);
  assert.deepEqual(device.dnsNames, expected.dnsNames);
  assert.deepEqual(permitted.ipRanges.map(formatIpRange), device.ipAddresses.map((ip) => `${ip}/${ip.includes(':') ? 128 : 32}`));
  assert.ok(device.ipAddresses.includes('127.0.0.1') && device.ipAddresses.includes('::1'));
  assert.deepEqual(identity.caPermitted, permitted);
  assert.deepEqual(identity.warnings, []);
  assert.equal(statSync(tlsFile(data, 'ca.key')).mode & 0o777, 0o600);
});

test('openssl verify refuses a leaf for evil.example.com signed with the CA’s key with a name-constraint error, and accepts the device certificate', (t) => {
  const data = dataDir(t);
  const identity = loadIdentity(data, undefined);
  const dir = join(data, 'evil');
  mkdirSync(dir);
  // built with openssl itself: walnut's issuing refuses this name before signing
  execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', join(dir, 'k.pem')]);
  execFileSync('openssl', ['req', '-new', '-key', join(dir, 'k.pem'), '-subj', '/CN=evil.example.com', '-out', join(dir, 'r.csr')]);
  writeFileSync(join(dir, 'ext.cnf'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:evil.example.com\n');
  execFileSync('openssl', ['x509', '-req', '-in', join(dir, 'r.csr'), '-CA', tlsFile(data, 'ca.pem'), '-CAkey', tlsFile(data, 'ca.key'),
    '-set_serial', '7', '-days', '30', '-extfile', join(dir, 'ext.cnf'), '-out', join(dir, 'evil.pem')], { stdio: 'ignore' });
  const evil = opensslVerify(dir, identity.caPem, readFileSync(join(dir, 'evil.pem'), 'utf8'), 'sslserver');
  assert.equal(evil.ok, false);
  assert.match(evil.output, /permitted subtree violation/);
  const device = opensslVerify(dir, identity.caPem, readFileSync(tlsFile(data, 'device.pem'), 'utf8'), 'sslserver');
  assert.ok(device.ok, device.output);
  // and walnut's own issuing refuses it outright
  assert.throws(() => issueServerCertificate({ certPem: identity.caPem, keyPem: identity.caKeyPem! }, {
    commonName: 'evil.example.com', dnsNames: ['evil.example.com'], ipAddresses: [],
  }), /its name constraints.*not for "evil\.example\.com"/);
});

test('a CA made before name constraints is kept byte for byte and keeps working, with one warning that says how to replace it', (t) => {
  const data = dataDir(t);
  mkdirSync(join(data, TLS_DIR), { recursive: true });
  const old = createCa({ commonName: 'walnut old CA' });
  const names = deviceNames();
  const device = issueServerCertificate(old, { commonName: names.dnsNames[0]!, dnsNames: names.dnsNames, ipAddresses: names.ipAddresses });
  writeFileSync(tlsFile(data, 'ca.pem'), old.certPem);
  writeFileSync(tlsFile(data, 'ca.key'), old.keyPem, { mode: 0o600 });
  writeFileSync(tlsFile(data, 'device.pem'), device.certPem);
  writeFileSync(tlsFile(data, 'device.key'), device.keyPem, { mode: 0o600 });
  const identity = loadIdentity(data, undefined);
  assert.equal(identity.caPem, old.certPem);
  assert.equal(readFileSync(tlsFile(data, 'device.pem'), 'utf8'), device.certPem);
  assert.equal(identity.caPermitted, undefined);
  assert.equal(identity.warnings.length, 1);
  assert.match(identity.warnings[0]!, /has no name constraints.*it keeps working, but .*stop walnut, move .*tls away and start it/);
  // a device certificate issued again later still chains to the CA that clients pinned
  unlinkSync(tlsFile(data, 'device.pem'));
  const again = loadIdentity(data, undefined);
  assert.equal(again.caPem, old.certPem);
  assert.ok(opensslVerify(data, old.certPem, readFileSync(tlsFile(data, 'device.pem'), 'utf8'), 'sslserver').ok);
});

test('after a host name change the CA is kept, the device certificate is issued again for the CA’s names, and a warning names what it no longer covers', (t) => {
  const data = dataDir(t);
  mkdirSync(join(data, TLS_DIR), { recursive: true });
  // a CA made when the unit was called "oldname"
  const ca = createCa({ commonName: 'walnut oldname CA', permitted: { dnsNames: ['oldname', 'oldname.local', 'localhost'], ipAddresses: ['127.0.0.1', '::1'] } });
  writeFileSync(tlsFile(data, 'ca.pem'), ca.certPem);
  writeFileSync(tlsFile(data, 'ca.key'), ca.keyPem, { mode: 0o600 });
  const identity = loadIdentity(data, undefined);
  assert.equal(identity.caPem, ca.certPem, 'never replaced by itself: clients pinned it');
  const device = inspectCertificate(readFileSync(tlsFile(data, 'device.pem')));
  assert.deepEqual(device.dnsNames, ['oldname', 'oldname.local', 'localhost']);
  assert.deepEqual(device.ipAddresses, ['127.0.0.1', '::1']);
  const host = deviceNames().dnsNames[0]!;
  assert.equal(identity.warnings.length, 1);
  assert.match(identity.warnings[0]!, new RegExp(`vouches only for oldname, oldname\\.local, localhost, 127\\.0\\.0\\.1/32, ::1/128, not for ${host.replace(/\./g, '\\.')}, `));
});

test('a CA made again (its key was gone) gets a new device certificate too, so the chain holds', (t) => {
  const data = dataDir(t);
  const first = loadIdentity(data, undefined);
  unlinkSync(tlsFile(data, 'ca.key'));
  const second = loadIdentity(data, undefined);
  assert.notEqual(second.caPem, first.caPem);
  assert.ok(opensslVerify(data, second.caPem, readFileSync(tlsFile(data, 'device.pem'), 'utf8'), 'sslserver').ok);
});
