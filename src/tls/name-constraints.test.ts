// The NameConstraints codec (RFC 5280 §4.2.1.10): the exact bytes, the way back, what it refuses, and what
// Debian's openssl prints for a CA that carries it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DerError } from './der.ts';
import { decodeNameConstraints, encodeNameConstraints, formatIpRange, hostRange } from './name-constraints.ts';
import { createCa } from './x509.ts';

const hex = (b: Buffer): string => b.toString('hex');

test('one dNSName and one IPv4 host encode as [0] with two GeneralSubtrees, the address followed by its mask', () => {
  const der = encodeNameConstraints({ dnsNames: ['a.b'], ipRanges: [hostRange('192.168.1.5')] });
  assert.equal(
    hex(der),
    '3015' + // NameConstraints SEQUENCE
      'a013' + // permittedSubtrees [0] IMPLICIT, constructed
      '3005' + '8203' + hex(Buffer.from('a.b')) + // GeneralSubtree { dNSName [2] "a.b" }
      '300a' + '8708' + 'c0a80105' + 'ffffffff', // GeneralSubtree { iPAddress [7] 192.168.1.5 / 255.255.255.255 }
  );
});

test('an IPv6 host is 32 octets: 16 of address, 16 of mask', () => {
  const der = encodeNameConstraints({ dnsNames: [], ipRanges: [hostRange('::1')] });
  assert.equal(hex(der), '3026' + 'a024' + '3022' + '8720' + '00'.repeat(15) + '01' + 'ff'.repeat(16));
});

test('decoding gives back the names and ranges, in order', () => {
  const permitted = { dnsNames: ['ups1', 'ups1.local', 'localhost'], ipRanges: [hostRange('127.0.0.1'), hostRange('::1'), hostRange('2001:db8::5')] };
  const back = decodeNameConstraints(encodeNameConstraints(permitted));
  assert.deepEqual(back, { permitted, otherPermittedTypes: [], hasExcluded: false });
  assert.deepEqual(back.permitted!.ipRanges.map(formatIpRange), ['127.0.0.1/32', '::1/128', '2001:db8::5/128']);
  assert.equal(formatIpRange({ address: Buffer.from([10, 0, 0, 0]), mask: Buffer.from([255, 0, 0, 0]) }), '10.0.0.0/8');
});

test('the decoder reports excluded subtrees and other name types instead of dropping them, and refuses malformed input', () => {
  // excludedSubtrees [1] with a dNSName, and a permitted rfc822Name [1] beside a dNSName
  const withExcluded = Buffer.from('3009' + 'a1073005820378797a', 'hex');
  assert.deepEqual(decodeNameConstraints(withExcluded), { permitted: undefined, otherPermittedTypes: [], hasExcluded: true });
  const rfc822 = Buffer.from('300c' + 'a00a' + '3003810161' + '3003820162', 'hex');
  assert.deepEqual(decodeNameConstraints(rfc822), { permitted: { dnsNames: ['b'], ipRanges: [] }, otherPermittedTypes: [1], hasExcluded: false });
  for (const bad of [
    '3002a000', // empty GeneralSubtrees (SIZE 1..MAX)
    '3007a00530038701ff', // a 1-octet iPAddress constraint
    '300aa008300682016180010a', // minimum [0] present
    '3004a1003000', // an empty excludedSubtrees
    '300ea1053003820178a0053003820179', // permittedSubtrees after excludedSubtrees
    '3100', // a SET, not a SEQUENCE
  ]) {
    assert.throws(() => decodeNameConstraints(Buffer.from(bad, 'hex')), DerError, bad);
  }
});

test('encoding refuses an empty permitted list (RFC 5280 §4.2.1.10) and malformed ranges or names', () => {
  assert.throws(() => encodeNameConstraints({ dnsNames: [], ipRanges: [] }), /at least one permitted name/);
  assert.throws(() => encodeNameConstraints({ dnsNames: [], ipRanges: [{ address: Buffer.alloc(4), mask: Buffer.alloc(16) }] }), /4 or 16 octets/);
  assert.throws(() => encodeNameConstraints({ dnsNames: ['küche'], ipRanges: [] }), /cannot be a dNSName constraint/);
});

test('openssl x509 -text shows a CA with the constraints as a critical Name Constraints extension permitting exactly its names', () => {
  const ca = createCa({ commonName: 'walnut ups1 CA', permitted: { dnsNames: ['ups1', 'UPS1.local.', 'localhost'], ipAddresses: ['127.0.0.1', '::1', '192.0.2.7'] } });
  const dir = mkdtempSync(join(tmpdir(), 'walnut-nc-'));
  try {
    writeFileSync(join(dir, 'ca.pem'), ca.certPem);
    const text = execFileSync('openssl', ['x509', '-in', join(dir, 'ca.pem'), '-noout', '-text'], { encoding: 'utf8' });
    const block = /X509v3 Name Constraints: critical\n\s+Permitted:\n((?:\s{16,}\S.*\n)+)/.exec(text);
    assert.ok(block, text);
    assert.deepEqual(block[1]!.trim().split(/\n\s*/), [
      'DNS:ups1',
      'DNS:ups1.local', // normalized as the device certificate's SANs are
      'DNS:localhost',
      'IP:127.0.0.1/255.255.255.255',
      'IP:0:0:0:0:0:0:0:1/FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF',
      'IP:192.0.2.7/255.255.255.255',
    ]);
    assert.doesNotMatch(text, /Excluded/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
