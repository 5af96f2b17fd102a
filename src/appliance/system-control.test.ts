import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig } from '../config/config.ts';
import { BUILD } from '../util/build-info.ts';
import { systemControl } from './system-control.ts';

const events = { record() {}, flush() {} };

test('a clock that reads earlier than the build is flagged as implausible, and one after it is not', () => {
  mock.timers.enable({ apis: ['Date'], now: 0 });
  try {
    const facts = systemControl(defaultConfig(), events, () => assert.fail()).facts();
    assert.equal(facts.now, '1970-01-01T00:00:00.000Z');
    assert.equal(facts.clockPlausible, false);
    mock.timers.setTime((BUILD.builtAt ?? 0) + 1000);
    assert.equal(systemControl(defaultConfig(), events, () => assert.fail()).facts().clockPlausible, true);
  } finally {
    mock.timers.reset();
  }
});

test('the page may reset a unit whose AS is walnut\'s child, and not one whose AS is its own service', () => {
  const spawn = defaultConfig();
  assert.equal(systemControl(spawn, events, () => undefined).facts().resetHere.possible, true);
  const image = { ...spawn, auth: { ...spawn.auth, server: 'connect' as const } };
  const refused = systemControl(image, events, () => undefined).facts().resetHere;
  assert.equal(refused.possible, false);
  assert.match(refused.why, /walnut factory-reset as root/);
});

test('the mDNS name is the announced one, or none when mDNS is off', () => {
  const c = defaultConfig();
  assert.equal(systemControl({ ...c, mdns: { enabled: true, name: 'Rack UPS' } }, events, () => undefined).facts().mdnsName, 'Rack UPS');
  assert.equal(systemControl({ ...c, mdns: { enabled: false } }, events, () => undefined).facts().mdnsName, null);
});
