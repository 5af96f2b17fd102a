// Certificates walnut issues: node:crypto and OpenSSL accept them, their extensions are what RFC 5280 wants for a
// CA, a TLS server and a TLS client, and their validity survives a board that boots in 1970 or 2000.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeDer, isContext, readBitString, readBoolean, readExplicit, readInteger, readOctetString, readOid, readSequence, readTime,
} from './der.ts';
import type { DerNode } from './der.ts';
import {
  CA_NOT_AFTER_FLOOR, createCa, issueClientCertificate, issueServerCertificate, keyIdentifier, LEAF_NOT_AFTER_FLOOR, NOT_BEFORE,
} from './x509.ts';
import type { CertificateAuthority } from './x509.ts';

const ca = createCa({ commonName: 'walnut local CA' });
const server = issueServerCertificate(ca, {
  commonName: 'walnut', dnsNames: ['walnut', 'Walnut.Local.'], ipAddresses: ['192.0.2.10', '::1', '2001:DB8::1'],
});
const client = issueClientCertificate(ca, { commonName: 'upsmon-nas1' });
const caX509 = new X509Certificate(ca.certPem);

/** A temp folder for OpenSSL's files, removed afterwards whatever happens. */
function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-x509-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `openssl verify` of `leaf` against `root` (with -x509_strict: RFC 5280 rules OpenSSL otherwise lets pass). */
function opensslVerify(root: string, leaf: string, flags: readonly string[] = [], strict = true): { ok: boolean; output: string } {
  return withTempDir((dir) => {
    writeFileSync(join(dir, 'ca.pem'), root);
    writeFileSync(join(dir, 'leaf.pem'), leaf);
    const r = spawnSync('openssl', ['verify', ...(strict ? ['-x509_strict'] : []), ...flags, '-CAfile', join(dir, 'ca.pem'), join(dir, 'leaf.pem')], { encoding: 'utf8' });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
  });
}

interface Extension {
  readonly critical: boolean;
  readonly value: DerNode;
}

/** The extensions of a certificate by OID, read with walnut's own decoder. */
function extensions(certDer: Buffer): Map<string, Extension> {
  const tbs = readSequence(readSequence(decodeDer(certDer))[0]!);
  const out = new Map<string, Extension>();
  for (const ext of readSequence(readExplicit(tbs.find((f) => isContext(f, 3))!, 3))) {
    const parts = readSequence(ext);
    assert.ok(!out.has(readOid(parts[0]!)), 'an extension appears once (RFC 5280 §4.2)');
    out.set(readOid(parts[0]!), { critical: parts.length === 3 && readBoolean(parts[1]!), value: decodeDer(readOctetString(parts[parts.length - 1]!)) });
  }
  return out;
}

const tbsFields = (certDer: Buffer): readonly DerNode[] => readSequence(readSequence(decodeDer(certDer))[0]!);

test('the CA is a self-signed v3 CA limited to signing end-entity certificates and CRLs', () => {
  assert.equal(caX509.ca, true);
  assert.equal(caX509.subject, 'CN=walnut local CA');
  assert.equal(caX509.issuer, 'CN=walnut local CA');
  assert.equal(caX509.verify(caX509.publicKey), true);
  assert.equal(caX509.checkIssued(caX509), true);
  const ext = extensions(ca.certDer);
  const bc = ext.get('2.5.29.19')!;
  assert.equal(bc.critical, true);
  assert.equal(readBoolean(readSequence(bc.value)[0]!), true);
  assert.equal(readInteger(readSequence(bc.value)[1]!), 0n, 'pathLenConstraint 0');
  const ku = ext.get('2.5.29.15')!;
  assert.equal(ku.critical, true);
  assert.equal(readBitString(ku.value).bytes.toString('hex'), '06'); // keyCertSign (5), cRLSign (6)
  assert.deepEqual(readOctetString(ext.get('2.5.29.14')!.value), keyIdentifier(caX509.publicKey.export({ type: 'spki', format: 'der' })));
  assert.equal(ext.has('2.5.29.35'), false);
  assert.equal(readInteger(readExplicit(tbsFields(ca.certDer)[0]!, 0)), 2n, 'version v3');
});

test('the device certificate verifies under the CA and matches its DNS names and addresses, not others', () => {
  const x = new X509Certificate(server.certPem);
  assert.equal(x.verify(caX509.publicKey), true);
  assert.equal(x.verify(x.publicKey), false);
  assert.equal(x.checkIssued(caX509), true);
  assert.equal(x.ca, false);
  assert.equal(x.subject, 'CN=walnut');
  assert.equal(x.issuer, 'CN=walnut local CA');
  assert.equal(x.checkHost('walnut'), 'walnut');
  assert.equal(x.checkHost('walnut.local'), 'walnut.local');
  assert.equal(x.checkHost('WALNUT.LOCAL'), 'walnut.local'); // case-insensitive; node returns the name that matched
  assert.equal(x.checkHost('other.local'), undefined);
  assert.equal(x.checkHost('x.walnut.local'), undefined);
  assert.equal(x.checkIP('192.0.2.10'), '192.0.2.10');
  assert.equal(x.checkIP('::1'), '::1');
  assert.equal(x.checkIP('2001:db8:0::1'), '2001:db8:0::1');
  assert.equal(x.checkIP('192.0.2.11'), undefined);
  assert.equal(x.checkIP('127.0.0.1'), undefined);
  assert.deepEqual(x.keyUsage, ['1.3.6.1.5.5.7.3.1']); // node names extKeyUsage "keyUsage": serverAuth only
  const ext = extensions(server.certDer);
  assert.equal(ext.get('2.5.29.19')!.critical, true);
  assert.equal(readSequence(ext.get('2.5.29.19')!.value).length, 0, 'cA FALSE');
  assert.equal(ext.get('2.5.29.15')!.critical, true);
  assert.equal(readBitString(ext.get('2.5.29.15')!.value).bytes.toString('hex'), '80'); // digitalSignature
  assert.equal(ext.get('2.5.29.17')!.critical, false);
  // AKI keyIdentifier [0] is the CA's SKI
  const aki = readSequence(ext.get('2.5.29.35')!.value)[0]!;
  assert.ok(isContext(aki, 0));
  assert.deepEqual(aki.content, readOctetString(extensions(ca.certDer).get('2.5.29.14')!.value));
  assert.deepEqual(readOctetString(ext.get('2.5.29.14')!.value), keyIdentifier(x.publicKey.export({ type: 'spki', format: 'der' })));
});

test('the client certificate names the client in its CN and is for client authentication only', () => {
  const x = new X509Certificate(client.certPem);
  assert.equal(x.verify(caX509.publicKey), true);
  assert.equal(x.subject, 'CN=upsmon-nas1');
  assert.deepEqual(x.keyUsage, ['1.3.6.1.5.5.7.3.2']);
  assert.equal(x.subjectAltName, undefined);
  assert.equal(x.ca, false);
});

test('keys are ECDSA P-256, signatures ecdsa-with-SHA256 with absent parameters, and the key PEM is PKCS#8', () => {
  for (const c of [ca, server, client]) {
    const x = new X509Certificate(c.certPem);
    assert.equal(x.publicKey.asymmetricKeyType, 'ec');
    assert.equal(x.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.match(c.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.equal(x.checkPrivateKey(createPrivateKey(c.keyPem)), true);
    const [, sigAlg] = readSequence(decodeDer(c.certDer));
    assert.equal(readSequence(sigAlg!).length, 1);
    assert.equal(readOid(readSequence(sigAlg!)[0]!), '1.2.840.10045.4.3.2');
    assert.deepEqual(x.raw, c.certDer);
    assert.match(c.certPem, /^-----BEGIN CERTIFICATE-----\n([A-Za-z0-9+/=]{64}\n)*[A-Za-z0-9+/=]{1,64}\n-----END CERTIFICATE-----\n$/);
  }
});

test('serial numbers are random, positive, 128 bits at most, and reported as node and OpenSSL print them', () => {
  const serials = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const c = issueClientCertificate(ca, { commonName: `c${i}` });
    const x = new X509Certificate(c.certPem);
    assert.equal(c.serialHex, x.serialNumber.toUpperCase());
    const serial = readInteger(tbsFields(c.certDer)[1]!);
    assert.ok(serial > 0n && serial < 2n ** 128n);
    assert.equal(BigInt('0x' + c.serialHex), serial);
    serials.add(c.serialHex);
  }
  assert.equal(serials.size, 20);
  const openssl = withTempDir((dir) => {
    writeFileSync(join(dir, 'c.pem'), server.certPem);
    return execFileSync('openssl', ['x509', '-in', join(dir, 'c.pem'), '-noout', '-serial'], { encoding: 'utf8' });
  });
  assert.equal(openssl.trim(), `serial=${server.serialHex}`);
});

test('openssl verify -x509_strict accepts the device certificate for sslserver and the client certificate for sslclient', () => {
  const dev = opensslVerify(ca.certPem, server.certPem, ['-purpose', 'sslserver']);
  assert.ok(dev.ok, dev.output);
  const cli = opensslVerify(ca.certPem, client.certPem, ['-purpose', 'sslclient']);
  assert.ok(cli.ok, cli.output);
  // extKeyUsage is enforced: neither works for the other purpose
  assert.equal(opensslVerify(ca.certPem, client.certPem, ['-purpose', 'sslserver']).ok, false);
  assert.equal(opensslVerify(ca.certPem, server.certPem, ['-purpose', 'sslclient']).ok, false);
  // and a certificate from another CA does not verify
  const other = createCa({ commonName: 'walnut local CA' });
  const result = opensslVerify(other.certPem, server.certPem);
  assert.equal(result.ok, false);
  assert.match(result.output, /unable to get local issuer certificate|signature failure/);
});

test('the chain verifies at a board clock of 1970 and of 2000 (no RTC), today, and not after notAfter', () => {
  const epochOf = (iso: string): string => String(Date.parse(iso) / 1000);
  for (const at of ['1970-01-01T00:00:00Z', '2000-01-01T00:00:00Z', '2026-06-01T00:00:00Z', '2034-12-31T00:00:00Z']) {
    for (const leaf of [server, client]) {
      const r = opensslVerify(ca.certPem, leaf.certPem, ['-attime', epochOf(at)]);
      assert.ok(r.ok, `${at}: ${r.output}`);
    }
  }
  assert.match(opensslVerify(ca.certPem, client.certPem, ['-attime', '-1']).output, /not yet valid/); // notBefore is exact
  const after = opensslVerify(ca.certPem, client.certPem, ['-attime', String(client.notAfter.getTime() / 1000 + 1)]);
  assert.equal(after.ok, false);
  assert.match(after.output, /expired/);
});

test('notBefore is the Unix epoch; notAfter is now + 25 years for the CA and now + 10 years for leaves', () => {
  assert.equal(NOT_BEFORE.toISOString(), '1970-01-01T00:00:00.000Z');
  const now = new Date('2026-05-17T08:09:10.500Z');
  const c = createCa({ commonName: 'CA', now });
  const leaf = issueServerCertificate(c, { commonName: 'w', dnsNames: ['w'], ipAddresses: [], now });
  assert.equal(c.notAfter.toISOString(), '2051-05-17T08:09:10.000Z');
  assert.equal(leaf.notAfter.toISOString(), '2036-05-17T08:09:10.000Z');
  for (const cert of [c, leaf]) {
    const x = new X509Certificate(cert.certPem);
    assert.equal(x.validFromDate.toISOString(), '1970-01-01T00:00:00.000Z');
    assert.equal(x.validToDate.toISOString(), cert.notAfter.toISOString());
    const validity = readSequence(tbsFields(cert.certDer)[4]!);
    assert.equal(validity[0]!.tagNumber, 23, 'notBefore 1970 is a UTCTime');
    assert.equal(readTime(validity[1]!).toISOString(), cert.notAfter.toISOString());
  }
  // 2051 is past 2049: GeneralizedTime (RFC 5280 §4.1.2.5), 2036 is a UTCTime
  assert.equal(readSequence(tbsFields(c.certDer)[4]!)[1]!.tagNumber, 24);
  assert.equal(readSequence(tbsFields(leaf.certDer)[4]!)[1]!.tagNumber, 23);
});

test('a clock stuck at 1970 or 2000 still gives notAfter no earlier than 2050 (CA) and 2035 (leaves)', () => {
  for (const iso of ['1970-01-01T00:00:00Z', '2000-01-01T00:00:00Z']) {
    const now = new Date(iso);
    const c = createCa({ commonName: 'CA', now });
    assert.equal(c.notAfter.toISOString(), CA_NOT_AFTER_FLOOR.toISOString());
    const leaf = issueClientCertificate(c, { commonName: 'u', now });
    assert.equal(leaf.notAfter.toISOString(), LEAF_NOT_AFTER_FLOOR.toISOString());
  }
});

test('a leaf never outlives its CA: the default is cut to the CA’s notAfter, a later explicit one is refused', () => {
  const c = createCa({ commonName: 'CA', now: new Date('2026-01-01T00:00:00Z') }); // until 2051
  const late = issueClientCertificate(c, { commonName: 'u', now: new Date('2045-01-01T00:00:00Z') });
  assert.equal(late.notAfter.toISOString(), c.notAfter.toISOString());
  assert.throws(() => issueClientCertificate(c, { commonName: 'u', notAfter: new Date('2052-01-01T00:00:00Z') }), /after the CA's notAfter/);
  assert.throws(() => issueClientCertificate(c, { commonName: 'u', now: new Date('2052-01-01T00:00:00Z') }), /the CA expired on 2051-01-01/);
  const explicit = issueClientCertificate(c, { commonName: 'u', notAfter: new Date('2030-02-03T04:05:06.789Z') });
  assert.equal(explicit.notAfter.toISOString(), '2030-02-03T04:05:06.000Z');
  assert.equal(new X509Certificate(explicit.certPem).validToDate.toISOString(), '2030-02-03T04:05:06.000Z');
  assert.throws(() => createCa({ commonName: 'CA', notAfter: new Date(0) }), /not after notBefore/);
  assert.throws(() => createCa({ commonName: 'CA', now: new Date(NaN) }), /not a valid date/);
  // a clock far in the future stops at the last encodable second
  assert.equal(createCa({ commonName: 'CA', now: new Date('9990-01-01T00:00:00Z') }).notAfter.toISOString(), '9999-12-31T23:59:59.000Z');
});

test('names are checked: CN 1 to 64 characters without controls, DNS names in host syntax, real IP addresses, one SAN at least', () => {
  assert.throws(() => createCa({ commonName: '' }), /empty/);
  assert.throws(() => createCa({ commonName: 'x'.repeat(65) }), /at most 64/);
  assert.equal(new X509Certificate(createCa({ commonName: 'ü'.repeat(64) }).certPem).subject, `CN=${'ü'.repeat(64)}`);
  assert.throws(() => issueClientCertificate(ca, { commonName: 'a\nCN=admin' }), /control characters/);
  for (const bad of ['', 'a..b', '-a', 'a_b', '*.walnut.local', 'a b', 'x'.repeat(64), 'ä.local']) {
    assert.throws(() => issueServerCertificate(ca, { commonName: 'w', dnsNames: [bad], ipAddresses: [] }), /not a DNS host name/, bad);
  }
  assert.throws(() => issueServerCertificate(ca, { commonName: 'w', dnsNames: [], ipAddresses: ['300.1.1.1'] }), /not an IP address/);
  assert.throws(() => issueServerCertificate(ca, { commonName: 'w', dnsNames: [], ipAddresses: [] }), /at least one DNS name or IP address/);
  // duplicates collapse, in the canonical forms
  const x = new X509Certificate(issueServerCertificate(ca, { commonName: 'w', dnsNames: ['A.local', 'a.local.'], ipAddresses: ['::1', '0:0::1'] }).certPem);
  assert.equal(x.subjectAltName, 'DNS:a.local, IP Address:0:0:0:0:0:0:0:1');
});

test('issuing refuses a CA certificate that is not a CA, a key that is not its own, and a CA key that is not P-256', () => {
  assert.throws(() => issueClientCertificate(server, { commonName: 'u' }), /is not a CA certificate/);
  const other = createCa({ commonName: 'other' });
  assert.throws(() => issueClientCertificate({ certPem: ca.certPem, keyPem: other.keyPem }, { commonName: 'u' }), /does not belong/);
  withTempDir((dir) => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-subj', '/CN=rsa', '-days', '1'], { stdio: 'ignore' });
    const rsaCa = { certPem: readText(join(dir, 'c.pem')), keyPem: readText(join(dir, 'k.pem')) };
    assert.throws(() => issueClientCertificate(rsaCa, { commonName: 'u' }), /must be ECDSA P-256/);
  });
});

test('a factory CA made by OpenSSL issues too: the issuer name is copied byte for byte and the AKI is the CA’s own SKI', () => {
  withTempDir((dir) => {
    const make = (name: string, ...ext: string[]): CertificateAuthority => {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, `${name}.key`),
        '-out', join(dir, `${name}.pem`), '-subj', '/C=DE/O=Walnut Factory/CN=Factory CA 1', '-days', '3650', ...ext.flatMap((e) => ['-addext', e])], { stdio: 'ignore' });
      return { certPem: readText(join(dir, `${name}.pem`)), keyPem: readText(join(dir, `${name}.key`)) };
    };
    const factory = make('factory', 'keyUsage=critical,keyCertSign,cRLSign');
    const leaf = issueServerCertificate(factory, { commonName: 'walnut', dnsNames: ['walnut.local'], ipAddresses: [] });
    const x = new X509Certificate(leaf.certPem);
    assert.equal(x.issuer, 'C=DE\nO=Walnut Factory\nCN=Factory CA 1');
    assert.deepEqual(tbsFields(leaf.certDer)[3]!.encoded, tbsFields(new X509Certificate(factory.certPem).raw)[5]!.encoded);
    const akiId = readSequence(extensions(leaf.certDer).get('2.5.29.35')!.value)[0]!.content;
    assert.deepEqual(akiId, readOctetString(extensions(new X509Certificate(factory.certPem).raw).get('2.5.29.14')!.value));
    const r = opensslVerify(factory.certPem, leaf.certPem, ['-purpose', 'sslserver']);
    assert.ok(r.ok, r.output);
    // a CA without a subjectKeyIdentifier (which -x509_strict itself refuses): the AKI is computed from its key
    // instead, and the chain verifies
    const bare = make('bare', 'subjectKeyIdentifier=none', 'basicConstraints=critical,CA:true', 'keyUsage=critical,keyCertSign');
    const leaf2 = issueClientCertificate(bare, { commonName: 'u' });
    const r2 = opensslVerify(bare.certPem, leaf2.certPem, ['-purpose', 'sslclient'], false);
    assert.ok(r2.ok, r2.output);
  });
});

const readText = (path: string): string => readFileSync(path, 'utf8');
