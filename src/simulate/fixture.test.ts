// UPS fixtures (test/fixtures/ups/README.md format): every fixture shipped with the repo, and the shared
// collection beside the repository (../shared/fixtures/ups) when it is present, parses; malformed input is a
// FixtureError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FixtureError, parseFixture, type Fixture } from './fixture.ts';
import { UpsModel } from '../ups/model.ts';

const REPO = resolve(import.meta.dirname, '..', '..');
const FOLDERS = [join(REPO, 'test', 'fixtures', 'ups'), join(REPO, '..', 'shared', 'fixtures', 'ups')].filter((d) =>
  existsSync(d),
);

function fixtureFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(dir, f));
}

test('the repository ships at least one fixture', () => {
  assert.ok(fixtureFiles(join(REPO, 'test', 'fixtures', 'ups')).length >= 1);
});

/** Checks a parsed fixture against the JSON it came from. */
function checkAgainstSource(fx: Fixture, raw: Record<string, unknown>): void {
  assert.equal(fx.model, raw.model);
  assert.ok(fx.model.length > 0);
  assert.match(fx.usb.vendorId, /^[0-9a-f]{4}$/);
  assert.match(fx.usb.productId, /^[0-9a-f]{4}$/);
  assert.ok(fx.descriptor.length > 0, 'descriptor is not empty');
  assert.equal(fx.descriptor.toString('hex'), raw.descriptor);
  for (const key of ['feature', 'input'] as const) {
    const source = (raw[key] ?? {}) as Record<string, string>;
    const map = fx[key];
    assert.equal(map.size, Object.keys(source).length, key);
    for (const [id, hex] of Object.entries(source)) {
      const bytes = map.get(parseInt(id, 16));
      assert.ok(bytes, `${key} ${id}`);
      assert.equal(bytes.toString('hex'), hex);
      assert.equal(bytes[0], parseInt(id, 16), `${key} ${id}: the report id comes first`);
    }
  }
  assert.deepEqual(fx.expected, raw.expected ?? {});
  assert.deepEqual(fx.expectedCommands, raw.expectedCommands ?? []);
  const oracle = raw.nutOracle as { variables?: Record<string, string>; commands?: string[] } | undefined;
  if (oracle === undefined) {
    assert.equal(fx.oracle, undefined);
  } else {
    assert.deepEqual(fx.oracle, { variables: oracle.variables ?? {}, commands: oracle.commands ?? [] });
  }
}

for (const dir of FOLDERS) {
  for (const file of fixtureFiles(dir)) {
    test(`fixture ${file} parses and matches its JSON`, () => {
      const text = readFileSync(file, 'utf8');
      const fx = parseFixture(text);
      checkAgainstSource(fx, JSON.parse(text) as Record<string, unknown>);
    });

    test(`fixture ${file} publishes values and commands a UpsModel accepts`, () => {
      const fx = parseFixture(readFileSync(file, 'utf8'));
      const ups = new UpsModel({ name: 'sim' });
      const values = Object.keys(fx.expected).length > 0 ? fx.expected : (fx.oracle?.variables ?? {});
      for (const [name, value] of Object.entries(values)) ups.setVariable(name, value);
      for (const cmd of [...fx.expectedCommands, ...(fx.oracle?.commands ?? [])]) ups.addCommand(cmd);
      assert.equal(ups.variables().length, Object.keys(values).length);
    });
  }
}

// ---- malformed input ----

const MINIMAL = { model: 'Test UPS', usb: { vendorId: '051d', productId: '0002' }, descriptor: '0584' };

function withChange(change: Record<string, unknown>): string {
  return JSON.stringify({ ...MINIMAL, ...change });
}

test('a minimal fixture parses with empty defaults', () => {
  const fx = parseFixture(JSON.stringify(MINIMAL));
  assert.equal(fx.model, 'Test UPS');
  assert.deepEqual(fx.usb, { vendorId: '051d', productId: '0002' });
  assert.deepEqual(fx.descriptor, Buffer.from([0x05, 0x84]));
  assert.deepEqual(fx.strings, {});
  assert.equal(fx.feature.size, 0);
  assert.equal(fx.input.size, 0);
  assert.deepEqual(fx.expected, {});
  assert.deepEqual(fx.expectedCommands, []);
  assert.equal(fx.oracle, undefined);
});

test('report maps are keyed by the numeric report id', () => {
  const fx = parseFixture(withChange({ feature: { '0a': '0a01', ff: 'ff' }, input: { '01': '0164' } }));
  assert.deepEqual([...fx.feature.keys()].sort((a, b) => a - b), [10, 255]);
  assert.deepEqual(fx.feature.get(10), Buffer.from([0x0a, 0x01]));
  assert.deepEqual(fx.input.get(1), Buffer.from([0x01, 0x64]));
});

const MALFORMED: [what: string, text: string, message: RegExp][] = [
  ['text that is not JSON', '{"model": ', /not JSON/],
  ['an empty file', '', /not JSON/],
  ['a JSON array', '[]', /expected a JSON object/],
  ['JSON null', 'null', /expected a JSON object/],
  ['a missing model', JSON.stringify({ ...MINIMAL, model: undefined }), /model/],
  ['a numeric model', withChange({ model: 650 }), /model/],
  ['a missing usb section', JSON.stringify({ ...MINIMAL, usb: undefined }), /usb/],
  ['a usb section that is a list', withChange({ usb: ['051d', '0002'] }), /usb/],
  ['an upper-case vendor id', withChange({ usb: { vendorId: '051D', productId: '0002' } }), /vendorId/],
  ['a 3-digit product id', withChange({ usb: { vendorId: '051d', productId: '002' } }), /productId/],
  ['a missing product id', withChange({ usb: { vendorId: '051d' } }), /productId/],
  ['a numeric usb string', withChange({ usb: { vendorId: '051d', productId: '0002', serialNumber: 123 } }), /usb\.serialNumber/],
  ['a missing descriptor', JSON.stringify({ ...MINIMAL, descriptor: undefined }), /descriptor/],
  ['an odd-length descriptor', withChange({ descriptor: '058' }), /descriptor/],
  ['an upper-case descriptor', withChange({ descriptor: '05A1' }), /descriptor/],
  ['a descriptor with spaces', withChange({ descriptor: '05 84' }), /descriptor/],
  ['a one-digit report id', withChange({ feature: { '1': '01' } }), /feature: report id "1"/],
  ['an upper-case report id', withChange({ feature: { '0A': '0a' } }), /feature: report id "0A"/],
  ['a report that is not hex', withChange({ input: { '01': 'zz' } }), /input\.01/],
  ['a report that is a number', withChange({ feature: { '01': 1 } }), /feature\.01/],
  ['a feature map that is a list', withChange({ feature: ['0101'] }), /feature/],
  ['a non-string USB string', withChange({ strings: { '4': 4 } }), /strings\.4/],
  ['a non-string expected value', withChange({ expected: { 'battery.charge': 100 } }), /expected\.battery\.charge/],
  ['expectedCommands that is not a list', withChange({ expectedCommands: 'load.off' }), /expectedCommands/],
  ['a non-string command', withChange({ expectedCommands: ['load.off', 7] }), /expectedCommands/],
  ['a nutOracle that is not an object', withChange({ nutOracle: [] }), /nutOracle/],
  ['oracle variables that are not strings', withChange({ nutOracle: { variables: { 'ups.load': 5 } } }), /nutOracle\.variables\.ups\.load/],
  ['oracle commands that are not a list', withChange({ nutOracle: { commands: {} } }), /nutOracle\.commands/],
];

for (const [what, text, message] of MALFORMED) {
  test(`a fixture with ${what} is a FixtureError`, () => {
    assert.throws(
      () => parseFixture(text),
      (err: unknown) => err instanceof FixtureError && err.name === 'FixtureError' && message.test(err.message),
    );
  });
}
