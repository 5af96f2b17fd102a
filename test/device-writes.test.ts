// Writes reach the device as the descriptor demands: `upsrw -s` and `upscmd` against the simulated APC Back-UPS
// BK650M2-CH produce SET_REPORT(Feature) bytes, which the simulated device logs and this test compares byte for
// byte, and the values read back through upsc show the change.
// Where the bytes come from (the fixture's descriptor): 0x11 RemainingCapacityLimit (8 bit), 0x32
// LowVoltageTransfer and 0x24 RemainingTimeLimit (Report Count leaked from padding makes them 46 bytes long:
// docs/hid-mapping.md §1.2), 0x18 AudibleAlarmControl (1 disabled, 2 enabled), 0x21 Battery.Test (23 bytes:
// 1 quick, 3 abort), 0x15 DelayBeforeShutdown (16 bit, -1 = stop).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startWalnut, type RunningWalnut } from './helpers/walnut.ts';
import { run } from './helpers/clients.ts';

let walnut: RunningWalnut;

before(async () => {
  walnut = await startWalnut({
    config: {
      ups: { pollIntervalSeconds: 0.5 },
      users: { admin: { password: 'write-pass', actions: ['SET'], instcmds: ['ALL'] } },
    },
  });
});

after(async () => {
  await walnut.stop();
});

const zeros = (n: number): string => '00'.repeat(n);

/** Runs `upsrw -s NAME=VALUE` or `upscmd COMMAND` as admin, then returns the SET_REPORT lines it caused (hex,
 *  report ID first). */
async function writesOf(client: 'upsrw' | 'upscmd', what: string): Promise<string[]> {
  const before = walnut.logs().length;
  const login = ['-u', 'admin', '-p', 'write-pass'];
  const args = client === 'upsrw' ? ['-s', what, ...login, walnut.target()] : [...login, walnut.target(), what];
  const r = await run(client, args);
  assert.equal(r.code, 0, r.stderr);
  // OK means handed to the driver; wait until the driver says it is done
  for (let i = 0; i < 80 && !/ done\n| failed/.test(walnut.logs().slice(before)); i++) await new Promise((res) => setTimeout(res, 25));
  assert.match(walnut.logs().slice(before), / done\n/);
  return [...walnut.logs().slice(before).matchAll(/SET_REPORT\(Feature\) 0x[0-9a-f]{2}: ([0-9a-f]+)/g)].map((m) => m[1]!);
}

async function upscUntil(name: string, want: string | RegExp): Promise<string> {
  let last = '';
  for (let i = 0; i < 60; i++) {
    last = (await run('upsc', [walnut.target(), name])).stdout.trim();
    if (typeof want === 'string' ? last === want : want.test(last)) return last;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.fail(`${name} never became ${want}; last ${last}`);
}

test('upsrw -s writes each RW variable into its report, byte for byte, and upsc reads the new value', async () => {
  assert.deepEqual(await writesOf('upsrw', 'battery.charge.low=60'), ['113c']);
  await upscUntil('battery.charge.low', '60');
  assert.deepEqual(await writesOf('upsrw', 'input.transfer.low=170'), [`32aa${zeros(45)}`]);
  await upscUntil('input.transfer.low', '170');
  assert.deepEqual(await writesOf('upsrw', 'battery.runtime.low=240'), [`24f0${zeros(45)}`]);
  await upscUntil('battery.runtime.low', '240');
});

test('ups.delay.shutdown lives in the driver, as in usbhid-ups: setting it sends nothing to the UPS', async () => {
  assert.deepEqual(await writesOf('upsrw', 'ups.delay.shutdown=30'), []);
  await upscUntil('ups.delay.shutdown', '30');
});

test('upscmd sends the beeper and battery-test commands as their reports demand, and the status follows', async () => {
  assert.deepEqual(await writesOf('upscmd', 'beeper.disable'), ['1801']);
  await upscUntil('ups.beeper.status', 'disabled');
  assert.deepEqual(await writesOf('upscmd', 'beeper.enable'), ['1802']);
  await upscUntil('ups.beeper.status', 'enabled');
  assert.deepEqual(await writesOf('upscmd', 'test.battery.start.quick'), [`2101${zeros(22)}`]);
  await upscUntil('ups.test.result', /^(In progress|Done and passed)$/);
  assert.deepEqual(await writesOf('upscmd', 'test.battery.stop'), [`2103${zeros(22)}`]);
  await upscUntil('ups.test.result', 'Aborted');
});

test('load.off.delay starts the shutdown timer with usbhid-ups’s default 20 s, the UPS counts it down, and shutdown.stop cancels it', async () => {
  // usbhid-ups sends the row's default (DEFAULT_OFFDELAY) for a bare load.off.delay; ups.delay.shutdown is
  // what shutdown.return passes on
  assert.deepEqual(await writesOf('upscmd', 'load.off.delay'), ['151400']);
  const first = Number(await upscUntil('ups.timer.shutdown', /^(19|20)$/));
  await upscUntil('ups.timer.shutdown', String(first - 2));
  assert.deepEqual(await writesOf('upscmd', 'shutdown.stop'), ['15ffff']);
  await upscUntil('ups.timer.shutdown', '-1');
  assert.equal(await upscUntil('ups.status', /^OL/), 'OL');
});

test('load.off turns the output off at once', async () => {
  assert.deepEqual(await writesOf('upscmd', 'load.off'), ['150000']);
  assert.match(walnut.logs(), /output off \(immediate\)/);
});
