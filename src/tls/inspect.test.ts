// Reading a certificate's names, serial, validity and issuer, from walnut's own certificates and OpenSSL's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectCertificate, parseSubjectAltName } from './inspect.ts';
import { createCa, issueClientCertificate, issueServerCertificate } from './x509.ts';

const ca = createCa({ commonName: 'walnut local CA', now: new Date('2026-01-01T00:00:00Z') });
const server = issueServerCertificate(ca, {
  commonName: 'walnut', dnsNames: ['walnut', 'walnut.local'], ipAddresses: ['192.0.2.10', '2001:db8::1'], now: new Date('2026-01-01T00:00:00Z'),
});

test('a device certificate reads back with its CN, SANs, serial, validity and issuer, from PEM and from DER', () => {
  for (const input of [server.certPem, server.certDer]) {
    const s = inspectCertificate(input);
    assert.equal(s.subjectCommonName, 'walnut');
    assert.equal(s.issuerCommonName, 'walnut local CA');
    assert.equal(s.subject, 'CN=walnut');
    assert.equal(s.issuer, 'CN=walnut local CA');
    assert.deepEqual(s.dnsNames, ['walnut', 'walnut.local']);
    assert.deepEqual(s.ipAddresses, ['192.0.2.10', '2001:db8::1']);
    assert.equal(s.serialHex, server.serialHex);
    assert.equal(s.notBefore.toISOString(), '1970-01-01T00:00:00.000Z');
    assert.equal(s.notAfter.toISOString(), '2036-01-01T00:00:00.000Z');
    assert.equal(s.isCa, false);
    assert.equal(s.selfIssued, false);
    assert.match(s.fingerprint256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  }
});

test('the CA reads as a self-issued CA until 2051, and a client certificate as its client name without SANs', () => {
  const c = inspectCertificate(ca.certPem);
  assert.equal(c.isCa, true);
  assert.equal(c.selfIssued, true);
  assert.equal(c.notAfter.toISOString(), '2051-01-01T00:00:00.000Z');
  const u = inspectCertificate(issueClientCertificate(ca, { commonName: 'jürgen', now: new Date('2026-01-01T00:00:00Z') }).certPem);
  assert.equal(u.subjectCommonName, 'jürgen');
  assert.deepEqual(u.dnsNames, []);
  assert.deepEqual(u.ipAddresses, []);
});

test('an OpenSSL certificate with several names, odd characters in a SAN and other SAN types reads correctly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-inspect-'));
  try {
    writeFileSync(join(dir, 'req.cnf'), [
      '[req]', 'distinguished_name = dn', '[dn]', '[ext]', 'subjectAltName = @alt', '[alt]',
      'DNS.1 = a, b', 'DNS.2 = plain.example', 'IP.1 = 192.0.2.1', 'IP.2 = 2001:db8:0:0:1:0:0:1', 'URI.1 = http://x:80/p', 'email.1 = x@y', '',
    ].join('\n'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k.pem'),
      '-out', join(dir, 'c.pem'), '-subj', '/O=Acme/CN=first/CN=second', '-config', join(dir, 'req.cnf'), '-extensions', 'ext', '-days', '1'], { stdio: 'ignore' });
    const s = inspectCertificate(readFileSync(join(dir, 'c.pem')));
    assert.equal(s.subjectCommonName, 'first');
    assert.deepEqual(s.dnsNames, ['a, b', 'plain.example']);
    assert.deepEqual(s.ipAddresses, ['192.0.2.1', '2001:db8::1:0:0:1']);
    assert.equal(s.selfIssued, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('node’s subjectAltName text splits into entries, JSON-quoted values included', () => {
  assert.deepEqual(parseSubjectAltName('DNS:"a\\u002c b", DNS:x, IP Address:0:0:0:0:0:0:0:1, URI:http://x:80/p, email:x@y'), [
    { type: 'DNS', value: 'a, b' }, { type: 'DNS', value: 'x' }, { type: 'IP Address', value: '0:0:0:0:0:0:0:1' },
    { type: 'URI', value: 'http://x:80/p' }, { type: 'email', value: 'x@y' },
  ]);
  assert.deepEqual(parseSubjectAltName(undefined), []);
  assert.deepEqual(parseSubjectAltName(''), []);
});

test('something that is not a certificate throws', () => {
  assert.throws(() => inspectCertificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'));
  assert.throws(() => inspectCertificate(Buffer.from([0x30, 0x00])));
});
