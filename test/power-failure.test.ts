// The simulated power failure, end to end: the built binary replays a real APC Back-UPS CS 500 descriptor and
// reports, `upscmd test.failure.start` takes mains away, and Debian's upsc watches the status the HID mapping
// derives from the report bits the simulated device changes.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO, startWalnut, type RunningWalnut } from './helpers/walnut.ts';
import { run } from './helpers/clients.ts';

const CS500 = join(REPO, 'test', 'fixtures', 'ups', 'apc-back-ups-cs-500.json');
let walnut: RunningWalnut;

before(async () => {
  walnut = await startWalnut({
    simulate: CS500,
    config: {
      // the low-battery limit (10 %) arrives after about 9 s, and the battery lasts a second beyond it: slow
      // enough for upsc to see every stage, fast enough for a test
      ups: { pollIntervalSeconds: 0.5, simulation: { dischargePercentPerSecond: 10, chargePercentPerSecond: 2 } },
      users: { admin: { password: 'drill-pass', instcmds: ['ALL'] } },
      // this test watches the driver's status alone; the shutdown that OB LB triggers is test/shutdown-drill's
      shutdown: { enabled: false },
    },
  });
});

after(async () => {
  await walnut.stop();
});

interface Sample {
  status: string;
  charge: number;
  runtime: number;
}

async function sample(): Promise<Sample> {
  const r = await run('upsc', [walnut.target()]);
  assert.equal(r.code, 0, r.stderr);
  const vars = new Map(r.stdout.trimEnd().split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
  return { status: vars.get('ups.status') ?? '', charge: Number(vars.get('battery.charge')), runtime: Number(vars.get('battery.runtime')) };
}

/** Samples until `done` holds or the time runs out; returns every sample. */
async function watch(done: (s: Sample) => boolean, timeoutMs: number): Promise<Sample[]> {
  const seen: Sample[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const s = await sample();
    seen.push(s);
    if (done(s)) return seen;
    await new Promise((r) => setTimeout(r, 150));
  }
  assert.fail(`condition not reached in ${timeoutMs} ms; statuses seen: ${[...new Set(seen.map((s) => s.status))].join(' | ')}`);
}

function distinct(samples: Sample[]): string[] {
  const out: string[] = [];
  for (const s of samples) if (out[out.length - 1] !== s.status) out.push(s.status);
  return out;
}

test('the simulated UPS offers NUT’s power-failure test commands', async () => {
  const r = await run('upscmd', ['-l', walnut.target()]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^test\.failure\.start - /m);
  assert.match(r.stdout, /^test\.failure\.stop - /m);
});

test('a simulated power failure goes OL → OB DISCHRG → OB DISCHRG LB with charge and runtime falling, and mains back gives OL CHRG', async () => {
  const start = await sample();
  assert.equal(start.status, 'OL');
  assert.equal(start.charge, 100);

  const cmd = await run('upscmd', ['-u', 'admin', '-p', 'drill-pass', walnut.target(), 'test.failure.start']);
  assert.equal(cmd.code, 0, cmd.stderr);
  // usbhid-ups orders the tokens OB, DISCHRG, then LB (docs/hid-mapping.md §2.3 step B)
  const down = await watch((s) => s.status === 'OB DISCHRG LB', 20_000);
  assert.deepEqual(distinct([start, ...down]), ['OL', 'OB DISCHRG', 'OB DISCHRG LB']);
  const onBattery = down.filter((s) => s.status.startsWith('OB'));
  for (let i = 1; i < onBattery.length; i++) {
    assert.ok(onBattery[i]!.charge <= onBattery[i - 1]!.charge, 'charge never rises on battery');
    assert.ok(onBattery[i]!.runtime <= onBattery[i - 1]!.runtime, 'runtime never rises on battery');
  }
  const last = onBattery[onBattery.length - 1]!;
  assert.ok(last.charge < 10, `LB under the 10 % limit (battery.charge.low), got ${last.charge}`);
  assert.ok(last.runtime < start.runtime, 'runtime fell');
  assert.ok(new Set(onBattery.map((s) => s.charge)).size >= 3, 'the charge was seen falling in steps');

  const stop = await run('upscmd', ['-u', 'admin', '-p', 'drill-pass', walnut.target(), 'test.failure.stop']);
  assert.equal(stop.code, 0, stop.stderr);
  const up = await watch((s) => s.status === 'OL CHRG', 10_000);
  assert.ok(up[up.length - 1]!.charge < 100);
  assert.match(walnut.logs(), /mains failed \(simulated\)/);
  assert.match(walnut.logs(), /mains back \(simulated\)/);
});
