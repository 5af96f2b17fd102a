import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shutdownReason, type ShutdownPolicy } from './policy.ts';

const NUT: ShutdownPolicy = { onBatteryLowBattery: true };

test('upsmon’s rule: on battery and low battery, and nothing on mains however low', () => {
  assert.equal(shutdownReason(NUT, { tokens: ['OB', 'DISCHRG', 'LB'] }, 0), 'on battery and low battery');
  assert.equal(shutdownReason(NUT, { tokens: ['OB', 'DISCHRG'] }, 0), undefined);
  assert.equal(shutdownReason(NUT, { tokens: ['OL', 'CHRG', 'LB'] }, 0), undefined);
  assert.equal(shutdownReason({ onBatteryLowBattery: false }, { tokens: ['OB', 'LB'] }, 0), undefined);
});

test('runtime, charge and time-on-battery triggers fire only on battery, below their limits', () => {
  const p: ShutdownPolicy = { onBatteryLowBattery: false, runtimeBelowSeconds: 300, chargeBelowPercent: 40, onBatteryForSeconds: 120 };
  assert.match(shutdownReason(p, { tokens: ['OB'], runtime: 299, charge: 90 }, 0)!, /299 s of runtime left \(below 300 s\)/);
  assert.equal(shutdownReason(p, { tokens: ['OB'], runtime: 300, charge: 90 }, 0), undefined);
  assert.match(shutdownReason(p, { tokens: ['OB'], runtime: 900, charge: 39 }, 0)!, /39 % charge left \(below 40 %\)/);
  assert.equal(shutdownReason(p, { tokens: ['OL'], runtime: 10, charge: 5 }, 0), undefined);
  assert.equal(shutdownReason(p, { tokens: ['OB'], runtime: 900, charge: 90, onBatterySince: 1000 }, 120_999), undefined);
  assert.match(shutdownReason(p, { tokens: ['OB'], runtime: 900, charge: 90, onBatterySince: 1000 }, 121_000)!, /on battery for 120 s/);
  assert.equal(shutdownReason(p, { tokens: ['OB'] }, 10_000_000), undefined, 'unknown values trigger nothing');
});
