import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { certificateFingerprint, createFactoryCa, encryptPrivateKey, intermediateProblem, issueUnitCertificate } from './factory-pki.ts';

const now = new Date('2026-12-01T00:00:00Z');
const { root, intermediate } = createFactoryCa({ product: 'walnut', now });

test('the root may sign one CA below it, the intermediate only end entities, and the root signs the intermediate', () => {
  const r = new X509Certificate(root.certPem);
  const i = new X509Certificate(intermediate.certPem);
  assert.ok(r.ca && i.ca);
  assert.ok(i.checkIssued(r) && i.verify(r.publicKey));
  assert.equal(r.validToDate.toISOString(), '2066-12-01T00:00:00.000Z');
  assert.ok(i.validToDate <= r.validToDate);
  assert.equal(intermediateProblem(root.certPem, intermediate), undefined);
});

test('a unit certificate names its serial in CN and serialNumber, its host names, and serves both TLS ends', () => {
  const unit = issueUnitCertificate(intermediate, { serial: 'WN-000001', hostNames: ['walnut-wn-000001', 'walnut-wn-000001.local'], now });
  const c = new X509Certificate(unit.certPem);
  assert.equal(c.subject, 'CN=WN-000001\nserialNumber=WN-000001');
  assert.equal(c.subjectAltName, 'DNS:walnut-wn-000001, DNS:walnut-wn-000001.local');
  assert.deepEqual(c.keyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
  assert.ok(!c.ca && c.verify(new X509Certificate(intermediate.certPem).publicKey));
  assert.equal(c.validTo, new X509Certificate(intermediate.certPem).validTo);
  assert.equal(createPrivateKey(unit.keyPem).asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.deepEqual(certificateFingerprint(unit.certDer), Buffer.from(c.fingerprint256.replace(/:/g, ''), 'hex'));
});

test('the encrypted root key opens with its passphrase only', () => {
  const pem = encryptPrivateKey(root.keyPem, Buffer.from('a long passphrase'));
  assert.match(pem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
  const key = createPrivateKey({ key: pem, passphrase: Buffer.from('a long passphrase') });
  assert.ok(new X509Certificate(root.certPem).checkPrivateKey(key));
  assert.throws(() => createPrivateKey({ key: pem, passphrase: Buffer.from('wrong') }));
});

test('a garbled, missing or foreign intermediate key, or an intermediate of another root, is named', () => {
  assert.match(intermediateProblem(root.certPem, { ...intermediate, keyPem: 'garbage' })!, /intermediate.key is not a private key/);
  assert.match(intermediateProblem(root.certPem, { ...intermediate, keyPem: root.keyPem })!, /is not intermediate.pem's key/);
  const other = createFactoryCa({ product: 'other', now });
  assert.match(intermediateProblem(other.root.certPem, intermediate)!, /not signed by root.pem/);
  assert.match(intermediateProblem('nope', intermediate)!, /root.pem is not a certificate/);
});
