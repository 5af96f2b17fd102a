import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mdnsLoadProblem } from './addon.ts';

test('a missing libdns_sd is named with the Debian package that has it', () => {
  const dlopen = '/var/cache/walnut/native/dns_sd_bindings-arm64-0123456789abcdef.node: libdns_sd.so.1: cannot open shared object file: No such file or directory';
  assert.equal(
    mdnsLoadProblem(`cannot load ${dlopen}`),
    `cannot load the mDNS addon: cannot load ${dlopen} (it needs libdns_sd.so.1 from libavahi-compat-libdnssd1)`,
  );
});

test('a library libdns_sd needs (libavahi-client) still points at libavahi-compat-libdnssd1, which depends on it', () => {
  assert.match(
    mdnsLoadProblem('cannot load /x.node: libavahi-client.so.3: cannot open shared object file: No such file or directory'),
    /libavahi-client\.so\.3: cannot open shared object file.*\(it needs libdns_sd\.so\.1 from libavahi-compat-libdnssd1\)$/,
  );
});

test('from source without the addon built, the message says how to build it', () => {
  assert.equal(
    mdnsLoadProblem("Cannot find module '../build/Release/dns_sd_bindings'\nRequire stack:\n- /w/node_modules/mdns/lib/dns_sd.js"),
    'cannot load the mDNS addon: dns_sd_bindings.node is not built for this Node (make mdns-addon builds it)',
  );
});
