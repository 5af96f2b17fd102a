import { test } from 'node:test';
import assert from 'node:assert/strict';
import { announce, instanceName } from './announce.ts';
import { serviceName, type MdnsModule } from './registrar.ts';

test('the instance name is the configured one, else the host name without its domain, within 63 bytes', () => {
  assert.equal(instanceName({ enabled: true, name: 'Rack A UPS' }, 'nas'), 'Rack A UPS');
  assert.equal(instanceName({ enabled: true }, 'nas.example.org'), 'nas');
  assert.equal(Buffer.byteLength(instanceName({ enabled: true }, 'é'.repeat(40))), 62);
  assert.equal(instanceName({ enabled: true }, ''), 'walnut');
});

test('service types map to the names mdns.tcp takes, and nothing else is accepted', () => {
  assert.equal(serviceName('_nut._tcp'), 'nut');
  assert.equal(serviceName('_upsd._tcp'), 'upsd');
  assert.throws(() => serviceName('_nut._udp'), RangeError);
  assert.throws(() => serviceName('nut'), RangeError);
});

test('a missing addon is one warning and no announcement; mDNS off loads nothing', async () => {
  const warnings: string[] = [];
  const log = { debug: () => undefined, info: () => undefined, warn: (m: string) => void warnings.push(m), error: () => undefined };
  const missing = (): Promise<MdnsModule> => Promise.reject(new Error('cannot load the mDNS addon: libdns_sd.so.1: cannot open shared object file'));
  assert.equal(await announce({ enabled: true }, 3493, ['ups'], missing, log), undefined);
  assert.deepEqual(warnings, ['mDNS: cannot load the mDNS addon: libdns_sd.so.1: cannot open shared object file; walnut is not announced on the LAN (clients must be given its address)']);
  let loaded = false;
  assert.equal(await announce({ enabled: false }, 3493, ['ups'], async () => ((loaded = true), ({} as MdnsModule)), log), undefined);
  assert.equal(loaded, false);
});

test('the registrar hands avahi the type, port, name and TXT, and reports the registered name', async () => {
  const calls: unknown[] = [];
  let callback: ((e: Error | null, s: { name: string }) => void) | undefined;
  const mdns: MdnsModule = {
    tcp: (n) => `tcp:${n}`,
    createAdvertisement: (type, port, options, cb) => {
      calls.push([type, port, options]);
      callback = cb;
      return { start: () => calls.push('start'), stop: () => calls.push('stop'), on: () => undefined };
    },
  };
  const log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  const a = (await announce({ enabled: true, name: 'unit' }, 3493, ['ups'], async () => mdns, log))!;
  assert.deepEqual(calls.slice(0, 2), [['tcp:nut', 3493, { name: 'unit' }], 'start']);
  assert.deepEqual(calls[2], ['tcp:upsd', 3493, { name: 'unit', txtRecord: { txtvers: '1', protovers: '1.3.0', device_list: 'ups' } }]);
  callback!(null, { name: 'unit #2' });
  a.stop();
  assert.deepEqual(calls.slice(-2), ['stop', 'stop']);
});
