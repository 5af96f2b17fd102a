// Whether names fall within a CA's permitted subtrees (RFC 5280 §4.2.1.10) as walnut judges it before signing,
// compared with what Debian's openssl verify decides for the same certificates, and the refusals at issuing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commonNameLooksLikeDnsName, dnsNameWithin, ipWithin, namesOutside } from './name-check.ts';
import { hostRange } from './name-constraints.ts';
import { createCa, issueClientCertificate, issueServerCertificate } from './x509.ts';
import { ipToBytes } from '../util/ip.ts';

const permittedNames = { dnsNames: ['ups1', 'ups1.local', 'localhost'], ipAddresses: ['127.0.0.1', '::1', '192.0.2.7'] };
const ca = createCa({ commonName: 'walnut ups1 CA', permitted: permittedNames });

test('a DNS subtree covers the name and every name made by adding labels on the left, in any case, and nothing else', () => {
  for (const name of ['ups1.local', 'UPS1.Local', 'a.ups1.local', 'a.b.ups1.local']) assert.ok(dnsNameWithin(name, 'ups1.local'), name);
  for (const name of ['xups1.local', 'ups1.local.evil', 'local', 'ups1']) assert.ok(!dnsNameWithin(name, 'ups1.local'), name);
});

test('an address range covers the addresses equal under its mask, of the same family only', () => {
  assert.ok(ipWithin(ipToBytes('192.0.2.7'), hostRange('192.0.2.7')));
  assert.ok(!ipWithin(ipToBytes('192.0.2.8'), hostRange('192.0.2.7')));
  assert.ok(ipWithin(ipToBytes('10.9.8.7'), { address: Buffer.from([10, 0, 0, 0]), mask: Buffer.from([255, 0, 0, 0]) }));
  assert.ok(!ipWithin(ipToBytes('::ffff:192.0.2.7'), hostRange('192.0.2.7')), 'an IPv4-mapped IPv6 address is another family');
});

test('names of a kind without subtrees are not restricted (RFC 5280 §6.1.3 (b)), the others are', () => {
  const dnsOnly = { dnsNames: ['ups1'], ipRanges: [] };
  assert.deepEqual(namesOutside(dnsOnly, { commonName: 'x', dnsNames: ['ups1'], ipAddresses: ['203.0.113.1'] }), []);
  const both = { dnsNames: ['ups1'], ipRanges: [hostRange('::1')] };
  assert.deepEqual(namesOutside(both, { commonName: 'evil.example.com', dnsNames: ['ups1', 'evil.example'], ipAddresses: ['::1', '::2'] }), [
    'evil.example', 'evil.example.com', '::2',
  ]);
});

test('a common name counts as a DNS name exactly when openssl verify checks it against the CA’s constraints', () => {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-cn-'));
  try {
    writeFileSync(join(dir, 'ca.pem'), ca.certPem);
    writeFileSync(join(dir, 'ca.key'), ca.keyPem);
    writeFileSync(join(dir, 'ext.cnf'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
    execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', join(dir, 'k.pem')]);
    // openssl signs whatever it is given: these certificates skip walnut's own check on purpose
    const cases = ['nas-kitchen', 'nas.kitchen', 'NAS Küche', 'nas_kitchen', '192.168.1.5', 'a-.b', 'nas.', '.nas', 'x.ups1.local', 'a.b-c.d'];
    for (const cn of cases) {
      execFileSync('openssl', ['req', '-new', '-key', join(dir, 'k.pem'), '-subj', `/CN=${cn}`, '-utf8', '-out', join(dir, 'r.csr')]);
      execFileSync('openssl', ['x509', '-req', '-in', join(dir, 'r.csr'), '-CA', join(dir, 'ca.pem'), '-CAkey', join(dir, 'ca.key'),
        '-set_serial', '1', '-days', '30', '-extfile', join(dir, 'ext.cnf'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
      const r = spawnSync('openssl', ['verify', '-CAfile', join(dir, 'ca.pem'), '-purpose', 'sslclient', join(dir, 'c.pem')], { encoding: 'utf8' });
      const refusedByOpenssl = r.status !== 0;
      if (refusedByOpenssl) assert.match(r.stdout + r.stderr, /permitted subtree violation/, cn);
      const refusedByWalnut = namesOutside({ dnsNames: permittedNames.dnsNames, ipRanges: [] }, { commonName: cn, dnsNames: [], ipAddresses: [] }).length > 0;
      assert.equal(refusedByWalnut, refusedByOpenssl, `${cn}: walnut ${refusedByWalnut}, openssl ${r.stdout}${r.stderr}`);
      assert.equal(commonNameLooksLikeDnsName(cn), ['nas.kitchen', '192.168.1.5', 'x.ups1.local', 'a.b-c.d'].includes(cn), cn);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('issuing under a constrained CA refuses a name outside its constraints with a message that lists what it permits', () => {
  assert.throws(
    () => issueServerCertificate(ca, { commonName: 'evil.example.com', dnsNames: ['evil.example.com'], ipAddresses: [] }),
    { name: 'RangeError', message: 'the CA may only vouch for ups1, ups1.local, localhost, 127.0.0.1/32, ::1/128, 192.0.2.7/32 (its name constraints), not for "evil.example.com"' },
  );
  assert.throws(() => issueServerCertificate(ca, { commonName: 'ups1', dnsNames: ['ups1'], ipAddresses: ['192.0.2.8'] }), /not for "192\.0\.2\.8"$/);
  assert.throws(() => issueClientCertificate(ca, { commonName: 'nas.kitchen' }), /not for "nas\.kitchen"; OpenSSL checks a common name with dots as a DNS name, so use one without, e.g\. "nas-kitchen"$/);
  // the unit's own names, and client names that are not DNS names, are issued
  issueServerCertificate(ca, { commonName: 'ups1', dnsNames: ['ups1', 'ups1.local', 'localhost'], ipAddresses: ['127.0.0.1', '::1', '192.0.2.7'] });
  for (const cn of ['nas-kitchen', 'NAS "Küche" #2', 'upsmon']) issueClientCertificate(ca, { commonName: cn });
});
