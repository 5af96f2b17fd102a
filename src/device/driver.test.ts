// The driver's re-attach count (walnut_usb_reconnects_total), over the simulated UPS that walnut serve
// --simulate drives: an unplug leaves the model stale (never not-connected), and each replug is one reconnect.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFixture } from '../simulate/fixture.ts';
import { UpsModel, type Availability } from '../ups/model.ts';
import { Driver } from './driver.ts';
import { SimulatedUps, SimulatedUpsFinder } from './simulated-ups.ts';

const FIXTURE = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'ups', 'apc-back-ups-bk650m2-ch.json');

function availability(ups: UpsModel, want: Availability): Promise<void> {
  if (ups.availability() === want) return Promise.resolve();
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`not ${want} in time: ${ups.availability()}`)), 5000);
    const on = (a: Availability): void => {
      if (a !== want) return;
      clearTimeout(timer);
      ups.off('availability', on);
      res();
    };
    ups.on('availability', on);
  });
}

test('each replug after an unplug counts one reconnect, and the first attach none', async () => {
  const simulated = new SimulatedUps(parseFixture(readFileSync(FIXTURE, 'utf8')), { dischargePercentPerSecond: 0, chargePercentPerSecond: 0 });
  const ups = new UpsModel({ name: 'ups' });
  const driver = new Driver(ups, new SimulatedUpsFinder(simulated), { pollIntervalMs: 20 });
  try {
    await driver.start();
    await availability(ups, 'ok');
    assert.equal(driver.reconnects, 0);
    for (const n of [1, 2]) {
      simulated.unplug();
      await availability(ups, 'stale');
      assert.equal(driver.reconnects, n - 1, 'not counted while it is gone');
      simulated.plug();
      await availability(ups, 'ok');
      assert.equal(driver.reconnects, n);
    }
  } finally {
    await driver.stop();
    simulated.stop();
  }
});
