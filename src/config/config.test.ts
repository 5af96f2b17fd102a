// The configuration: defaults, the JSON file on top (unknown keys are errors), listen addresses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, applyConfigFile, defaultConfig, parseListen } from './config.ts';
import { BUILD } from '../util/build-info.ts';

type Parsed = Parameters<typeof applyConfigFile>[1];
const apply = (parsed: unknown) => applyConfigFile(defaultConfig(), parsed as Parsed);

/** Asserts that applying `parsed` fails with a ConfigError whose message matches `message`. */
function rejects(parsed: unknown, message: RegExp): void {
  assert.throws(
    () => apply(parsed),
    (err: unknown) => err instanceof ConfigError && err.name === 'ConfigError' && message.test(err.message),
    `${JSON.stringify(parsed)} should fail with ${message}`,
  );
}

test('the defaults serve every address on the NUT port with upsd-like limits', () => {
  const c = defaultConfig();
  assert.deepEqual(c.listen, ['*:3493']);
  assert.equal(c.logLevel, 'info');
  assert.equal(c.dataDir, BUILD.paths.data);
  assert.equal(c.nativeCacheDir, BUILD.paths.nativeCache);
  assert.deepEqual(c.nut, {
    idleTimeoutSeconds: 300,
    maxConnections: 16_384,
    outputHighWaterBytes: 65_536,
    writeStallSeconds: 30,
    maxPendingInputBytes: 262_144,
    maxConsecutiveErrors: 20,
    trackingRetentionSeconds: 3600,
    maxTrackingEntries: 10_000,
    maxAgeSeconds: 15,
  });
  assert.deepEqual(c.ups, {
    name: 'ups',
    pollIntervalSeconds: 2, // usbhid-ups's pollinterval
    simulation: { dischargePercentPerSecond: 1, chargePercentPerSecond: 0.5 },
  });
  assert.deepEqual(c.users, {});
});

test('each call gives a fresh default object', () => {
  const a = defaultConfig();
  a.listen.push('127.0.0.1:1');
  a.nut.maxAgeSeconds = 1;
  assert.deepEqual(defaultConfig().listen, ['*:3493']);
  assert.equal(defaultConfig().nut.maxAgeSeconds, 15);
});

test('an empty file changes nothing', () => {
  assert.deepEqual(apply({}), defaultConfig());
});

test('file values override the defaults and the base is not modified', () => {
  const base = defaultConfig();
  const c = applyConfigFile(base, {
    dataDir: '/data',
    nativeCacheDir: '/cache',
    listen: ['127.0.0.1:3493', '[::1]:3493'],
    logLevel: 'debug',
    nut: { idleTimeoutSeconds: 61, maxAgeSeconds: 30 },
    ups: { name: 'rack-ups', description: 'Rack "A" #2', simulate: 'fixture.json' },
  });
  assert.equal(c.dataDir, '/data');
  assert.equal(c.nativeCacheDir, '/cache');
  assert.deepEqual(c.listen, ['127.0.0.1:3493', '[::1]:3493']);
  assert.equal(c.logLevel, 'debug');
  assert.equal(c.nut.idleTimeoutSeconds, 61);
  assert.equal(c.nut.maxAgeSeconds, 30);
  assert.equal(c.nut.maxConnections, 16_384); // untouched keys keep their default
  assert.deepEqual(c.ups, {
    name: 'rack-ups',
    description: 'Rack "A" #2',
    simulate: 'fixture.json',
    pollIntervalSeconds: 2,
    simulation: { dischargePercentPerSecond: 1, chargePercentPerSecond: 0.5 },
  });
  assert.deepEqual(base, defaultConfig());
});

test('the file must be a JSON object', () => {
  for (const bad of [null, [], 'x', 3, true]) rejects(bad, /expected a JSON object/);
});

test('unknown keys are errors that name the key, at every level', () => {
  rejects({ dataDirectory: '/x' }, /config: unknown key "dataDirectory"/);
  rejects({ nut: { idleTimeout: 5 } }, /nut: unknown key "idleTimeout"/);
  rejects({ ups: { desc: 'x' } }, /ups: unknown key "desc"/);
  rejects({ users: { bob: { password: 'x', role: 'admin' } } }, /users\.bob: unknown key "role"/);
});

test('numbers must lie within their limits, and the message names the key', () => {
  rejects({ nut: { idleTimeoutSeconds: 0 } }, /nut\.idleTimeoutSeconds: expected a number from 1 to 86400/);
  rejects({ nut: { idleTimeoutSeconds: 86_401 } }, /nut\.idleTimeoutSeconds/);
  rejects({ nut: { idleTimeoutSeconds: '60' } }, /nut\.idleTimeoutSeconds/);
  rejects({ nut: { maxAgeSeconds: 3601 } }, /nut\.maxAgeSeconds/);
  rejects({ nut: { outputHighWaterBytes: 1023 } }, /nut\.outputHighWaterBytes/);
  rejects({ nut: { maxTrackingEntries: 0 } }, /nut\.maxTrackingEntries/);
  assert.equal(apply({ nut: { idleTimeoutSeconds: 1 } }).nut.idleTimeoutSeconds, 1);
  assert.equal(apply({ nut: { idleTimeoutSeconds: 86_400 } }).nut.idleTimeoutSeconds, 86_400);
});

test('sections must be objects', () => {
  rejects({ nut: [] }, /nut: expected an object/);
  rejects({ ups: 'myups' }, /ups: expected an object/);
  rejects({ users: [] }, /users: expected an object/);
  rejects({ users: { bob: 'secret' } }, /users\.bob: expected an object/);
});

test('listen entries must be HOST:PORT', () => {
  for (const good of ['*:3493', '127.0.0.1:0', '[::1]:3493', '[::]:3493', 'nut.local:3493']) {
    assert.deepEqual(apply({ listen: [good] }).listen, [good]);
  }
  for (const bad of ['3493', ':3493', '127.0.0.1:', '127.0.0.1:123456', '::1:3493', 'a b:1']) rejects({ listen: [bad] }, /listen\[0\]/);
  rejects({ listen: '*:3493' }, /listen: expected a list of strings/);
});

test('logLevel must be one of debug, info, warn, error', () => {
  for (const level of ['debug', 'info', 'warn', 'error']) assert.equal(apply({ logLevel: level }).logLevel, level);
  rejects({ logLevel: 'verbose' }, /logLevel/);
  rejects({ logLevel: 'INFO' }, /logLevel/);
});

test('the UPS name and description must be what NUT can carry', () => {
  rejects({ ups: { name: 'my ups' } }, /ups\.name/);
  rejects({ ups: { name: '' } }, /ups\.name/);
  rejects({ ups: { name: 'a'.repeat(65) } }, /ups\.name/);
  assert.equal(apply({ ups: { name: 'a'.repeat(64) } }).ups.name, 'a'.repeat(64));
  rejects({ ups: { description: 'caf\u00e9' } }, /ups\.description/);
  rejects({ ups: { description: 'x'.repeat(201) } }, /ups\.description/);
  assert.equal(apply({ ups: { description: 'x'.repeat(200) } }).ups.description, 'x'.repeat(200));
});

test('users take the upsd.users roles of Appendix A', () => {
  const c = apply({
    users: {
      admin: { password: 'adminpass', actions: ['SET', 'FSD'], instcmds: ['ALL'] },
      monprimary: { password: 'primpass', upsmon: 'primary' },
      monsec: { password: 'secret', upsmon: 'secondary' },
      setonly: { password: 'setpass', actions: ['set'], instcmds: ['test.battery.start'] },
      old: { password: 'p w#"\\', upsmon: 'master', actions: ['Login', 'primary', 'MASTER'] },
    },
  });
  assert.deepEqual(c.users.admin, { password: 'adminpass', actions: ['SET', 'FSD'], instcmds: ['ALL'] });
  assert.deepEqual(c.users.monsec, { password: 'secret', upsmon: 'secondary' });
  assert.deepEqual(c.users.old, { password: 'p w#"\\', upsmon: 'master', actions: ['Login', 'primary', 'MASTER'] });
  assert.deepEqual(Object.keys(c.users), ['admin', 'monprimary', 'monsec', 'setonly', 'old']);
});

test('a config password follows the one password rule: any bytes, 1 to 512 of them', () => {
  const c = apply({ users: { bob: { password: 'caf\u00e9 "#\\ x' }, eve: { password: 'x'.repeat(512) } } });
  assert.equal(c.users.bob!.password, 'caf\u00e9 "#\\ x');
  assert.equal(c.users.eve!.password.length, 512);
});

test('bad user entries are errors that name the user', () => {
  rejects({ users: { 'bad name': { password: 'x' } } }, /users\.bad name: invalid user name/);
  rejects({ users: { bob: {} } }, /users\.bob\.password/);
  rejects({ users: { bob: { password: '' } } }, /users\.bob\.password/);
  rejects({ users: { bob: { password: 'x'.repeat(513) } } }, /users\.bob\.password: a password is at most 512 bytes/);
  rejects({ users: { bob: { password: 'x', actions: ['shutdown'] } } }, /users\.bob\.actions\[0\]/);
  rejects({ users: { bob: { password: 'x', actions: 'SET' } } }, /users\.bob\.actions/);
  rejects({ users: { bob: { password: 'x', instcmds: ['load off'] } } }, /users\.bob\.instcmds\[0\]/);
  rejects({ users: { bob: { password: 'x', upsmon: 'boss' } } }, /users\.bob\.upsmon/);
  rejects({ users: { bob: { password: 'x', upsmon: 'Primary' } } }, /users\.bob\.upsmon/);
});

test('a config user password follows the one password rule: 1 to 512 bytes of UTF-8 without control characters', () => {
  for (const password of ['x'.repeat(512), 'caf\u00e9', '\u00e9'.repeat(256), 'p a"s#s\\w']) {
    assert.equal(apply({ users: { bob: { password } } }).users.bob?.password, password);
  }
  rejects({ users: { bob: { password: '\u00e9'.repeat(257) } } }, /users\.bob\.password: a password is at most 512 bytes/);
  rejects({ users: { bob: { password: 'a\tb' } } }, /users\.bob\.password: a password cannot contain control characters/);
});

test('parseListen turns * into the dual-stack address and reads the port', () => {
  assert.deepEqual(parseListen('*:3493'), { host: '::', port: 3493 });
  assert.deepEqual(parseListen('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
  assert.deepEqual(parseListen('[::1]:3493'), { host: '::1', port: 3493 });
  assert.deepEqual(parseListen('[fe80::1%eth0]:65535'), { host: 'fe80::1%eth0', port: 65535 });
  assert.deepEqual(parseListen('nut.local:3493'), { host: 'nut.local', port: 3493 });
});

test('parseListen refuses what is not HOST:PORT, or a port past 65535', () => {
  for (const bad of ['*:65536', '*:99999', '3493', '::1:3493', '[::1]', 'host:', 'host:-1', '[::1]:x']) {
    assert.throws(() => parseListen(bad), ConfigError, bad);
  }
});

test('the UPS to drive and the simulated battery are configurable, within limits', () => {
  const c = apply({
    ups: { vendorId: '051D', productId: '0002', serial: 'AB12', pollIntervalSeconds: 1, simulation: { dischargePercentPerSecond: 20 } },
  });
  assert.equal(c.ups.vendorId, '051d');
  assert.equal(c.ups.productId, '0002');
  assert.equal(c.ups.serial, 'AB12');
  assert.equal(c.ups.pollIntervalSeconds, 1);
  assert.deepEqual(c.ups.simulation, { dischargePercentPerSecond: 20, chargePercentPerSecond: 0.5 });
  rejects({ ups: { vendorId: '51d' } }, /ups\.vendorId/);
  rejects({ ups: { pollIntervalSeconds: 0 } }, /ups\.pollIntervalSeconds/);
  rejects({ ups: { simulation: { dischargePercentPerSecond: 0 } } }, /ups\.simulation\.dischargePercentPerSecond/);
  rejects({ ups: { simulation: { rate: 1 } } }, /ups\.simulation: unknown key "rate"/);
});

test('legacy clients are off by default and take a name, a password and the addresses they may use', () => {
  assert.deepEqual(defaultConfig().legacyClients, []);
  const c = apply({
    legacyClients: [{ username: 'monuser', password: 'secret', from: ['192.168.1.10', '10.0.0.0/24', '::1', '::ffff:192.168.2.0/120'] }],
  });
  assert.deepEqual(c.legacyClients, [{ username: 'monuser', password: 'secret', from: ['192.168.1.10', '10.0.0.0/24', '::1', '::ffff:192.168.2.0/120'] }]);
});

test('a legacy client without addresses, with a bad address or open to everyone is refused', () => {
  const entry = (over: Record<string, unknown>) => ({ legacyClients: [{ username: 'monuser', password: 'secret', from: ['10.0.0.1'], ...over }] });
  rejects({ legacyClients: {} }, /legacyClients: expected a list/);
  rejects({ legacyClients: ['monuser'] }, /legacyClients\[0\]: expected an object/);
  rejects(entry({ from: [] }), /legacyClients\[0\]\.from: list the addresses/);
  rejects(entry({ from: undefined }), /legacyClients\[0\]\.from: expected a list of strings/);
  rejects(entry({ from: ['nas.lan'] }), /legacyClients\[0\]\.from\[0\]: expected an IPv4\/IPv6 address or CIDR block, got "nas.lan"/);
  rejects(entry({ from: ['10.0.0.1', '10.0.0.1/24'] }), /legacyClients\[0\]\.from\[1\]/);
  rejects(entry({ from: ['0.0.0.0/0'] }), /legacyClients\[0\]\.from\[0\]: 0\.0\.0\.0\/0 is every address/);
  rejects(entry({ from: ['::/0'] }), /is every address/);
  rejects(entry({ role: 'primary' }), /legacyClients\[0\]: unknown key "role"/);
  rejects(entry({ username: '' }), /legacyClients\[0\]\.username: a user name cannot be empty/);
  rejects(entry({ username: 'a\tb' }), /legacyClients\[0\]\.username: .*control characters/);
  rejects(entry({ password: '' }), /legacyClients\[0\]\.password: the password is empty/);
  rejects(entry({ password: 'x'.repeat(513) }), /legacyClients\[0\]\.password: a password is at most 512 bytes/);
  rejects(
    { legacyClients: [{ username: 'a', password: 'b', from: ['10.0.0.1'] }, { username: 'a', password: 'c', from: ['10.0.0.2'] }] },
    /legacyClients\[1\]\.username: "a" is listed twice/,
  );
});

test('the login throttle defaults and each of its knobs can be set within bounds', () => {
  assert.deepEqual(defaultConfig().loginThrottle, {
    freeFailures: 5,
    baseDelayMs: 250,
    maxDelayMs: 60_000,
    halfLifeSeconds: 600,
    userDistinctSources: 3,
    maxTrackedSources: 4096,
    maxTrackedUsers: 1024,
  });
  const c = apply({ loginThrottle: { freeFailures: 3, baseDelayMs: 10, maxDelayMs: 320 } });
  assert.deepEqual(c.loginThrottle, { ...defaultConfig().loginThrottle, freeFailures: 3, baseDelayMs: 10, maxDelayMs: 320 });
  rejects({ loginThrottle: { delay: 1 } }, /loginThrottle: unknown key "delay"/);
  rejects({ loginThrottle: { baseDelayMs: 0 } }, /loginThrottle\.baseDelayMs: expected a number from 1/);
  rejects({ loginThrottle: { maxTrackedSources: 1 } }, /loginThrottle\.maxTrackedSources/);
  rejects({ loginThrottle: { baseDelayMs: 500, maxDelayMs: 100 } }, /loginThrottle\.maxDelayMs: must not be below/);
  rejects({ loginThrottle: [] }, /loginThrottle: expected an object/);
});

test('the shutdown policy defaults to upsmon’s rule and timings, and each part is configurable within limits', () => {
  assert.deepEqual(defaultConfig().shutdown, {
    enabled: true,
    onBatteryLowBattery: true,
    hostSyncSeconds: 15, // upsmon HOSTSYNC
    finalDelaySeconds: 5, // upsmon FINALDELAY
    offDelaySeconds: 20, // usbhid-ups DEFAULT_OFFDELAY
    onDelaySeconds: 30, // usbhid-ups DEFAULT_ONDELAY
  });
  const c = apply({ shutdown: { runtimeBelowSeconds: 300, chargeBelowPercent: 30, onBatteryForSeconds: 600, enabled: false } });
  assert.equal(c.shutdown.runtimeBelowSeconds, 300);
  assert.equal(c.shutdown.chargeBelowPercent, 30);
  assert.equal(c.shutdown.onBatteryForSeconds, 600);
  assert.equal(c.shutdown.enabled, false);
  rejects({ shutdown: { chargeBelowPercent: 101 } }, /shutdown\.chargeBelowPercent/);
  rejects({ shutdown: { enabled: 'yes' } }, /shutdown\.enabled: expected true or false/);
  rejects({ shutdown: { hostsync: 5 } }, /shutdown: unknown key "hostsync"/);
});

test('history samples every 60 s by default, and its interval can be set from 5 s to an hour', () => {
  assert.deepEqual(defaultConfig().history, { intervalSeconds: 60 });
  assert.equal(apply({ history: { intervalSeconds: 5 } }).history.intervalSeconds, 5);
  assert.equal(apply({ history: { intervalSeconds: 3600 } }).history.intervalSeconds, 3600);
  rejects({ history: { intervalSeconds: 4 } }, /^history\.intervalSeconds: expected a number from 5 to 3600/);
  rejects({ history: { intervalSeconds: 3601 } }, /^history\.intervalSeconds/);
  rejects({ history: { keepDays: 30 } }, /^history: unknown key "keepDays"/);
});
