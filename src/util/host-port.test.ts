import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatHostPort, parseHostPort } from './host-port.ts';

const listener = { wildcard: true, minPort: 0 };
const server = { defaultPort: 3493 };

test('a listener is HOST:PORT, [V6]:PORT or *:PORT, and * means every address', () => {
  assert.deepEqual(parseHostPort('127.0.0.1:3493', listener), { host: '127.0.0.1', port: 3493 });
  assert.deepEqual(parseHostPort('[::1]:0', listener), { host: '::1', port: 0 });
  assert.deepEqual(parseHostPort('*:567', listener), { host: '::', port: 567 });
  assert.deepEqual(parseHostPort('nas-ups.local:3493', listener), { host: 'nas-ups.local', port: 3493 });
});

test('a listener without a port, with a port past 65535 or with junk is refused', () => {
  for (const bad of ['127.0.0.1', '*', '*:65536', '[::1]', 'host:port', 'a b:1', ':3493', '[1.2.3.4]:1', 'host:1:2', '-x:1']) {
    assert.equal(parseHostPort(bad, listener), undefined, bad);
  }
});

test('a server to connect to takes the NUT port by default and never port 0 or *', () => {
  assert.deepEqual(parseHostPort('nas', server), { host: 'nas', port: 3493 });
  assert.deepEqual(parseHostPort('[fe80::1%eth0]', server), { host: 'fe80::1%eth0', port: 3493 });
  assert.deepEqual(parseHostPort('[2001:db8::1]', server), { host: '2001:db8::1', port: 3493 });
  assert.deepEqual(parseHostPort('10.0.0.2:1234', server), { host: '10.0.0.2', port: 1234 });
  assert.equal(parseHostPort('nas:0', server), undefined);
  assert.equal(parseHostPort('*:3493', server), undefined);
});

test('an address prints back with IPv6 in brackets', () => {
  assert.equal(formatHostPort({ host: '::1', port: 3493 }), '[::1]:3493');
  assert.equal(formatHostPort({ host: 'nas', port: 1 }), 'nas:1');
});
