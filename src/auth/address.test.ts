// Addresses and CIDR blocks for legacy client entries and the throttle's per-source counters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressList, canonicalAddress, cidrContains, guesserKey, parseCidr, parseIp } from './address.ts';

const hex = (b: Uint8Array | undefined): string | undefined => (b ? Buffer.from(b).toString('hex') : undefined);

test('IPv4 addresses parse as dotted quads; malformed ones do not', () => {
  assert.deepEqual(parseIp('192.168.1.10'), { family: 4, bytes: Uint8Array.from([192, 168, 1, 10]) });
  for (const bad of ['192.168.1', '192.168.1.256', '1.2.3.4.5', '01.2.3.4', '1.2.3.-4', ' 1.2.3.4', '1.2.3.4 ', 'a.b.c.d', '']) {
    assert.equal(parseIp(bad), undefined, bad);
  }
});

test('IPv6 addresses parse with :: compression and a trailing dotted quad', () => {
  assert.equal(hex(parseIp('::1')?.bytes), '00000000000000000000000000000001');
  assert.equal(hex(parseIp('::')?.bytes), '00000000000000000000000000000000');
  assert.equal(hex(parseIp('fe80::1:2')?.bytes), 'fe800000000000000000000000010002');
  assert.equal(hex(parseIp('2001:DB8:0:0:0:0:0:1')?.bytes), '20010db8000000000000000000000001');
  assert.equal(hex(parseIp('64:ff9b::192.0.2.33')?.bytes), '0064ff9b0000000000000000c0000221');
  for (const bad of [':::', '1:::2', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '12345::', 'g::1', ':1', '1:', '::1.2.3', '::1.2.3.4:5']) {
    assert.equal(parseIp(bad), undefined, bad);
  }
});

test('an IPv4-mapped IPv6 address is the IPv4 address it carries', () => {
  assert.deepEqual(parseIp('::ffff:192.168.1.10'), { family: 4, bytes: Uint8Array.from([192, 168, 1, 10]) });
  assert.deepEqual(parseIp('::FFFF:c0a8:010a'), { family: 4, bytes: Uint8Array.from([192, 168, 1, 10]) });
  assert.equal(parseIp('::fffe:192.168.1.10')?.family, 6);
});

test('a zone suffix on a peer address is ignored', () => {
  assert.equal(hex(parseIp('fe80::1%eth0')?.bytes), 'fe800000000000000000000000000001');
});

test('CIDR blocks match the addresses they cover and nothing else', () => {
  const net = parseCidr('10.0.0.0/24')!;
  assert.equal(cidrContains(net, parseIp('10.0.0.0')!), true);
  assert.equal(cidrContains(net, parseIp('10.0.0.255')!), true);
  assert.equal(cidrContains(net, parseIp('10.0.1.0')!), false);
  assert.equal(cidrContains(net, parseIp('::ffff:10.0.0.7')!), true);
  const odd = parseCidr('192.168.4.0/22')!;
  assert.equal(cidrContains(odd, parseIp('192.168.7.255')!), true);
  assert.equal(cidrContains(odd, parseIp('192.168.8.0')!), false);
  const v6 = parseCidr('2001:db8:ab00::/40')!;
  assert.equal(cidrContains(v6, parseIp('2001:db8:abff:1::9')!), true);
  assert.equal(cidrContains(v6, parseIp('2001:db8:ac00::1')!), false);
  assert.equal(cidrContains(v6, parseIp('10.0.0.1')!), false, 'an IPv4 peer is not in an IPv6 block');
});

test('a bare address is a block of one, and /0 covers its whole family', () => {
  const one = parseCidr('192.168.1.10')!;
  assert.equal(one.prefix, 32);
  assert.equal(cidrContains(one, parseIp('192.168.1.10')!), true);
  assert.equal(cidrContains(one, parseIp('192.168.1.11')!), false);
  assert.equal(parseCidr('::1')!.prefix, 128);
  assert.equal(cidrContains(parseCidr('0.0.0.0/0')!, parseIp('203.0.113.9')!), true);
  assert.equal(cidrContains(parseCidr('::/0')!, parseIp('203.0.113.9')!), false);
});

test('an IPv4-mapped IPv6 block is the IPv4 block it covers', () => {
  const b = parseCidr('::ffff:10.1.0.0/112')!;
  assert.deepEqual({ family: b.family, prefix: b.prefix }, { family: 4, prefix: 16 });
  assert.equal(cidrContains(b, parseIp('10.1.200.3')!), true);
  assert.equal(parseCidr('::ffff:10.1.0.0/80'), undefined);
});

test('malformed blocks, host bits below the prefix and zones are refused', () => {
  for (const bad of ['10.0.0.0/33', '10.0.0.1/24', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/08', '::1/129', '2001:db8::1/32', 'fe80::%eth0/64', 'fe80::1%eth0', 'host.lan', '10.0.0.0/24/1']) {
    assert.equal(parseCidr(bad), undefined, bad);
  }
});

test('an address list matches peers as sockets report them, IPv4-mapped or not', () => {
  const list = new AddressList(['192.168.1.10', '10.0.0.0/24', '::1']);
  for (const yes of ['192.168.1.10', '::ffff:192.168.1.10', '10.0.0.200', '::ffff:10.0.0.1', '::1', '0:0:0:0:0:0:0:1']) {
    assert.equal(list.has(yes), true, yes);
  }
  for (const no of ['192.168.1.11', '10.0.1.1', '127.0.0.1', '::2', '::ffff:192.168.1.11', 'garbage', '']) {
    assert.equal(list.has(no), false, no);
  }
  assert.throws(() => new AddressList(['10.0.0.0/33']), /not an address or CIDR block/);
});

test('canonical addresses make one key per host, whichever listener it came in on', () => {
  assert.equal(canonicalAddress('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(canonicalAddress('127.0.0.1'), '127.0.0.1');
  assert.equal(canonicalAddress('2001:DB8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
  assert.equal(canonicalAddress('0:0:0:0:0:0:0:1'), '::1');
  assert.equal(canonicalAddress('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1'); // a single zero group stays
  assert.equal(canonicalAddress('fe80::1%eth0'), 'fe80::1');
  assert.equal(canonicalAddress('not-an-address'), 'not-an-address');
});

test('guessers are counted per IPv4 address and per IPv6 /64', () => {
  assert.equal(guesserKey('192.0.2.7'), '192.0.2.7');
  assert.equal(guesserKey('::ffff:192.0.2.7'), '192.0.2.7');
  assert.equal(guesserKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(guesserKey('2001:db8:1:2:ffff:1:2:3'), '2001:db8:1:2::/64');
  assert.equal(guesserKey('not an address'), 'not an address');
});
