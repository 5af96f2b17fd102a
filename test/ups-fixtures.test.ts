// Every real UPS fixture, through the built binary: `walnut serve --simulate FIXTURE` replays the descriptor
// and report bytes as a USB device would, the HID driver maps them, and Debian's upsc / upscmd read the result.
//   - `nutOracle` is what NUT 2.8.5's usbhid-ups published for exactly these bytes (fixtures README): walnut
//     must print the same variables and values and offer the same commands (plus the simulator's
//     test.failure.start/stop);
//   - `expected` is what upsc printed for a real unit at a real moment: every difference is listed below with
//     its reason, and the list must be exact (a difference that goes away fails too, so the list stays true).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, startWalnut } from './helpers/walnut.ts';
import { run } from './helpers/clients.ts';

const DIR = join(REPO, 'test', 'fixtures', 'ups');
const SIMULATOR_COMMANDS = ['test.failure.start', 'test.failure.stop'];

const NO_BYTES = 'the fixture publishes no report bytes (README: parser tests), so nothing report-backed can be read';

/** fixture → variable → why walnut (like usbhid-ups fed the same bytes) differs from the real unit's upsc */
const EXPECTED_DIFFERENCES: Record<string, Record<string, string>> = {
  'apc-back-ups-bk650m2-ch.json': {
    'ups.load': 'upsc was taken at another moment than the report dump: PercentLoad 50 00 reads 0 (notes)',
    'ups.serial': 'the reporter redacted the upsc serial as "xxxx"; the USB serial string is 9B2019A14274 (notes)',
  },
  'apc-back-ups-cs-500.json': {
    'device.serial': 'masked by the reporter, so the fixture has no USB serial string (notes)',
    'ups.serial': 'masked by the reporter, so the fixture has no USB serial string (notes)',
  },
  'apc-smart-ups-x-750.json': Object.fromEntries(
    [
      'battery.charge', 'battery.charge.low', 'battery.charge.warning', 'battery.runtime', 'battery.runtime.low',
      'battery.voltage', 'battery.voltage.nominal', 'ups.beeper.status', 'ups.mfr.date', 'ups.status',
      'ups.timer.reboot', 'ups.timer.shutdown',
    ].map((v) => [v, NO_BYTES])
      .concat([
        ['battery.type', 'iDeviceChemistry sits in a report the fixture does not answer'],
        ['device.model', 'the fixture has no USB product string: usbhid-ups prints "unknown" too (nutOracle)'],
        ['ups.model', 'the fixture has no USB product string: usbhid-ups prints "unknown" too (nutOracle)'],
        ['ups.firmware', 'APC takes it from the USB product string, which the fixture lacks'],
        ['device.serial', 'the reporter replaced the serial with "<serial>"; no USB serial string in the fixture'],
        ['ups.serial', 'the reporter replaced the serial with "<serial>"; no USB serial string in the fixture'],
      ]),
  ),
  'cyberpower-ec850lcd.json': Object.fromEntries(
    [
      'battery.charge', 'battery.charge.low', 'battery.charge.warning', 'battery.runtime', 'battery.runtime.low',
      'battery.voltage', 'battery.voltage.nominal', 'input.transfer.high', 'input.transfer.low', 'input.voltage',
      'input.voltage.nominal', 'output.voltage', 'ups.beeper.status', 'ups.load', 'ups.realpower.nominal',
      'ups.status', 'ups.test.result', 'ups.timer.shutdown', 'ups.timer.start',
    ].map((v) => [v, NO_BYTES])
      .concat([
        ['battery.mfr.date', 'iOEMInformation sits in a report the fixture does not answer'],
        ['battery.type', 'iDeviceChemistry sits in a report the fixture does not answer'],
        ['ups.delay.shutdown', 'that unit ran with offdelay=20; the CyberPower default is 60 (usbhid-ups cps-hid, nutOracle)'],
        ['ups.delay.start', 'that unit ran with ondelay=30; the CyberPower default is 120 (usbhid-ups cps-hid, nutOracle)'],
      ]),
  ),
};

interface Fixture {
  expected: Record<string, string>;
  nutOracle: { variables: Record<string, string>; commands: string[] };
}

function parseUpsc(stdout: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const i = line.indexOf(': ');
    vars.set(line.slice(0, i), line.slice(i + 2));
  }
  return vars;
}

for (const file of readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()) {
  const fixture = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Fixture;

  test(`${file}: upsc and upscmd show what usbhid-ups published for the same bytes, and every difference from the real unit is explained`, async () => {
    // A poll interval past the test: the oracle's values are those after the first interrupt reports and
    // before the first periodic poll (fixtures README), and fixtures without report bytes would go stale.
    const walnut = await startWalnut({ simulate: join(DIR, file), config: { ups: { pollIntervalSeconds: 60 } } });
    try {
      const r = await run('upsc', [walnut.target()]);
      assert.equal(r.code, 0, r.stderr);
      const got = parseUpsc(r.stdout);
      for (const name of got.keys()) if (name.startsWith('driver.')) got.delete(name); // the oracle has none
      assert.deepEqual(Object.fromEntries(got), fixture.nutOracle.variables);

      const c = await run('upscmd', ['-l', walnut.target()]);
      assert.equal(c.code, 0, c.stderr);
      const commands = c.stdout.split('\n').filter((l) => / - /.test(l)).map((l) => l.slice(0, l.indexOf(' - ')));
      assert.deepEqual(commands.sort(), [...fixture.nutOracle.commands, ...SIMULATOR_COMMANDS].sort());

      if (Object.keys(fixture.expected).length > 0) {
        const differences = Object.entries(fixture.expected)
          .filter(([name, value]) => got.get(name) !== value)
          .map(([name]) => name)
          .concat([...got.keys()].filter((name) => !(name in fixture.expected)))
          .sort();
        assert.deepEqual(differences, Object.keys(EXPECTED_DIFFERENCES[file] ?? {}).sort());
      }
    } finally {
      await walnut.stop();
    }
  });
}

test('every listed difference belongs to a fixture that is there', () => {
  const files = new Set(readdirSync(DIR));
  for (const file of Object.keys(EXPECTED_DIFFERENCES)) assert.ok(files.has(file), file);
});

test('a UPS whose descriptor lacks what the tables read is served with what it has, and the log names what is missing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-partial-'));
  const file = join(dir, 'partial.json');
  // UPS / PowerSummary / RemainingCapacity as a Feature of report 1, and nothing else: no PresentStatus bits
  writeFileSync(
    file,
    JSON.stringify({
      model: 'Partial UPS',
      usb: { vendorId: '051d', productId: '0002', manufacturer: 'American Power Conversion', product: 'Back-UPS Partial' },
      descriptor: '05840904a1010924a10085010585096675089501150025640b66008500b102c0c0'.replace('0b66008500', ''),
      feature: { '01': '0150' },
      input: {},
      expected: {},
    }),
  );
  const walnut = await startWalnut({ simulate: file, config: { ups: { pollIntervalSeconds: 60 } } });
  try {
    const r = await run('upsc', [walnut.target(), 'battery.charge']);
    assert.equal(r.stdout, '80\n', r.stderr);
    assert.match(walnut.logs(), /the descriptor gives no ups\.status \(from PresentStatus\.ACPresent \/ Discharging \/ Charging\)/);
    assert.doesNotMatch(walnut.logs(), /no battery\.charge/);
  } finally {
    await walnut.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a fixture whose descriptor cannot be parsed is a configuration error that says why', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-broken-'));
  const file = join(dir, 'broken.json');
  writeFileSync(file, JSON.stringify({ model: 'Broken', usb: { vendorId: '051d', productId: '0002' }, descriptor: '05840904a10127ff', feature: {}, input: {}, expected: {} }));
  try {
    const r = await run(join(REPO, 'out', 'walnut-linux-x64'), ['serve', '--simulate', file, '--listen', '127.0.0.1:0', '--data', join(dir, 'data')]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /--simulate .*broken\.json: .*(cut off|truncated|ends)/i);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
