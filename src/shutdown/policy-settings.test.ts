import { test } from 'node:test';
import assert from 'node:assert/strict';
import { numberBounds, readPolicySettings } from './policy-settings.ts';

const WHOLE = { enabled: true, onBatteryLowBattery: true, hostSyncSeconds: 15, finalDelaySeconds: 5, offDelaySeconds: 20, onDelaySeconds: 30 };

test('a whole policy is read back as given, and a null trigger is off', () => {
  assert.deepEqual(readPolicySettings({ ...WHOLE, runtimeBelowSeconds: 120, chargeBelowPercent: null }), { ...WHOLE, runtimeBelowSeconds: 120 });
});

test('a value outside the config file\'s bounds is refused with a message naming the field', () => {
  assert.throws(() => readPolicySettings({ ...WHOLE, hostSyncSeconds: 4000 }), /^SchemaError: shutdown\.hostSyncSeconds: expected a number from 0 to 3600, got 4000$/);
  assert.throws(() => readPolicySettings({ ...WHOLE, offDelaySeconds: '20' }), /shutdown\.offDelaySeconds: expected a number/);
  assert.throws(() => readPolicySettings({ ...WHOLE, chargeBelowPercent: 101 }), /shutdown\.chargeBelowPercent: expected a number from 0 to 100/);
});

test('a missing field and an unknown one are refused by name', () => {
  const { finalDelaySeconds: _, ...partial } = WHOLE;
  assert.throws(() => readPolicySettings(partial), /shutdown\.finalDelaySeconds: missing/);
  assert.throws(() => readPolicySettings({ ...WHOLE, reboot: true }), /shutdown: unknown key "reboot"/);
});

test('the page is given the bounds the config file uses', () => {
  assert.deepEqual(numberBounds().offDelaySeconds, { min: 0, max: 32_767 });
});
