// System integration files in image/ are checked by the tools that will read them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyConfigFile, defaultConfig } from '../src/config/config.ts';
import { REPO, X64_BINARY } from './helpers/walnut.ts';
import { run } from './helpers/clients.ts';

test('the systemd units pass systemd-analyze verify with the built binary', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-unit-'));
  try {
    const files: string[] = [];
    for (const [name, command] of [
      ['walnut.service', 'serve'],
      ['walnut-authsrv.service', 'authsrv'],
    ]) {
      const unit = readFileSync(join(REPO, 'image', 'systemd', name!), 'utf8');
      assert.match(unit, new RegExp(`^ExecStart=/usr/libexec/walnut/walnut ${command} --config /etc/walnut/walnut.json$`, 'm'));
      const file = join(dir, name!);
      writeFileSync(file, unit.replace('/usr/libexec/walnut/walnut', X64_BINARY));
      files.push(file);
    }
    // together: walnut.service requires the AS's unit
    const r = await run('systemd-analyze', ['verify', ...files]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.trim(), '', r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the service runs as its own unprivileged user with no device but hidraw', () => {
  const unit = readFileSync(join(REPO, 'image', 'systemd', 'walnut.service'), 'utf8');
  assert.match(unit, /^User=walnut$/m);
  assert.match(unit, /^NoNewPrivileges=yes$/m);
  assert.match(unit, /^DevicePolicy=closed$/m);
  assert.deepEqual(unit.match(/^DeviceAllow=.*$/gm), ['DeviceAllow=char-hidraw rw']);
  const sysusers = readFileSync(join(REPO, 'image', 'sysusers.d', 'walnut.conf'), 'utf8');
  assert.match(sysusers, /^u walnut - /m);
});

test('the authentication server is its own service and user, in the NUT server group, with no device and one capability', () => {
  const unit = readFileSync(join(REPO, 'image', 'systemd', 'walnut-authsrv.service'), 'utf8');
  assert.match(unit, /^User=walnut-auth$/m);
  assert.match(unit, /^Group=walnut$/m);
  assert.match(unit, /^StateDirectory=walnut-auth$/m);
  assert.match(unit, /^StateDirectoryMode=0700$/m);
  assert.match(unit, /^RuntimeDirectory=walnut-auth$/m);
  assert.match(unit, /^RuntimeDirectoryMode=0750$/m);
  assert.match(unit, /^CacheDirectory=walnut-auth$/m);
  assert.match(unit, /^NoNewPrivileges=yes$/m);
  assert.match(unit, /^ProtectSystem=strict$/m);
  assert.match(unit, /^PrivateDevices=yes$/m);
  assert.equal(unit.match(/^DeviceAllow=/m), null);
  assert.deepEqual(unit.match(/^(AmbientCapabilities|CapabilityBoundingSet)=.*$/gm), [
    'AmbientCapabilities=CAP_NET_BIND_SERVICE',
    'CapabilityBoundingSet=CAP_NET_BIND_SERVICE',
  ]);
  const nut = readFileSync(join(REPO, 'image', 'systemd', 'walnut.service'), 'utf8');
  assert.match(nut, /^Requires=walnut-authsrv\.service$/m);
  assert.match(nut, /^After=.*\bwalnut-authsrv\.service\b/m);
  const sysusers = readFileSync(join(REPO, 'image', 'sysusers.d', 'walnut.conf'), 'utf8');
  assert.match(sysusers, /^u walnut-auth - /m);
  assert.doesNotMatch(sysusers, /^m walnut-auth walnut$/m, 'not in group walnut beyond its unit: that group opens the UPS');
});

test('the shipped config points both services at the AS folders of the units: serve connects, it does not spawn', () => {
  const shipped = JSON.parse(readFileSync(join(REPO, 'image', 'etc', 'walnut', 'walnut.json'), 'utf8'));
  const config = applyConfigFile(defaultConfig(), shipped);
  assert.equal(config.auth.server, 'connect');
  const unit = readFileSync(join(REPO, 'image', 'systemd', 'walnut-authsrv.service'), 'utf8');
  assert.match(unit, /^StateDirectory=walnut-auth$/m);
  assert.equal(config.auth.keyDir, '/var/lib/walnut-auth');
  assert.match(unit, /^RuntimeDirectory=walnut-auth$/m);
  assert.equal(config.auth.runDir, '/run/walnut-auth');
  assert.match(unit, /--config \/etc\/walnut\/walnut\.json/);
});

test('the udev rule hands the walnut group the hidraw nodes of UPS makers and nothing else', async () => {
  const rules = readFileSync(join(REPO, 'image', 'udev', '70-walnut-hidraw.rules'), 'utf8');
  const lines = rules.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  // only one line grants access, and only after the hidraw guard and a vendor match jumped to it
  const grants = lines.filter((l) => /GROUP=|MODE=|OWNER=/.test(l));
  assert.deepEqual(grants, ['GROUP="walnut", MODE="0660", TAG+="systemd", ENV{SYSTEMD_WANTS}+="walnut.service"']);
  assert.ok(lines.indexOf('SUBSYSTEM!="hidraw", GOTO="walnut_end"') < lines.findIndex((l) => l.includes('idVendor')));
  const { KNOWN_VENDORS } = await import('../src/device/hidraw.ts');
  const vendors = new Set([...rules.matchAll(/ATTRS\{idVendor\}=="([0-9a-f]{4})"/g)].map((m) => parseInt(m[1]!, 16)));
  assert.deepEqual([...vendors].sort(), [...KNOWN_VENDORS].sort(), 'the rule and the driver agree on the vendors');
  for (const line of lines.filter((l) => l.includes('idVendor'))) {
    assert.match(line, /^SUBSYSTEMS=="usb", ATTRS\{idVendor\}=="[0-9a-f]{4}"(, ATTRS\{idProduct\}=="[0-9a-f|]+")?, GOTO="walnut_ups"$/);
  }
  // vendors that also make keyboards and mice are matched by UPS product IDs only
  for (const shared of ['03f0', '047c', '0592', '06da', '05dd']) {
    const line = lines.find((l) => l.includes(`"${shared}"`))!;
    assert.match(line, /idProduct/, `${shared} must be limited to its UPS products`);
  }
});
