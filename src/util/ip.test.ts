// IP address text ⇄ the octets of an X.509 iPAddress name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipFromBytes, ipToBytes } from './ip.ts';

test('IPv4 addresses are four octets and print as dotted quads', () => {
  assert.equal(ipToBytes('192.0.2.1').toString('hex'), 'c0000201');
  assert.equal(ipFromBytes(Buffer.from([10, 0, 0, 255])), '10.0.0.255');
});

test('IPv6 addresses are sixteen octets in every textual form RFC 4291 allows', () => {
  const cases: [string, string][] = [
    ['::1', '00000000000000000000000000000001'],
    ['::', '00000000000000000000000000000000'],
    ['1::', '00010000000000000000000000000000'],
    ['2001:db8::1', '20010db8000000000000000000000001'],
    ['2001:DB8:0:0:0:0:0:1', '20010db8000000000000000000000001'],
    ['fe80::1:2', 'fe800000000000000000000000010002'],
    ['::ffff:192.0.2.1', '00000000000000000000ffffc0000201'],
    ['::192.0.2.1', '000000000000000000000000c0000201'],
    ['64:ff9b::192.0.2.1', '0064ff9b0000000000000000c0000201'],
    ['1:2:3:4:5:6:192.0.2.1', '000100020003000400050006c0000201'],
  ];
  for (const [text, octets] of cases) assert.equal(ipToBytes(text).toString('hex'), octets, text);
});

test('IPv6 prints in the RFC 5952 form: lower case, no leading zeros, the longest zero run (first on a tie) as ::', () => {
  const cases: [string, string][] = [
    ['0:0:0:0:0:0:0:1', '::1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group stays (§4.2.2)
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longer run wins (§4.2.3)
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // the first of equal runs wins (§4.2.3)
    ['1:0:0:0:0:0:0:0', '1::'],
  ];
  for (const [text, canonical] of cases) assert.equal(ipFromBytes(ipToBytes(text)), canonical, text);
});

test('anything else is refused', () => {
  for (const bad of ['', 'walnut.local', '256.0.0.1', '1.2.3', 'fe80::1%eth0', '::1/128', '1:2:3:4:5:6:7:8:9', ' 1.2.3.4']) {
    assert.throws(() => ipToBytes(bad), RangeError, bad);
  }
  assert.throws(() => ipFromBytes(Buffer.alloc(5)), /4 or 16 octets/);
});
