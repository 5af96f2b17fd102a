import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FactoryDataError, formatFactoryUnit, parseFactoryUnit, type FactoryUnit } from './unit-data.ts';

const unit: FactoryUnit = {
  version: 1,
  serial: 'WN-000017',
  hostId: '0123456789abcdef',
  domain: 'walnut-wn-000017',
  setupKey: Buffer.alloc(32, 7),
  deviceSecret: Buffer.alloc(32, 9),
};

test('a unit.json written by the factory reads back as it was', () => {
  assert.deepEqual(parseFactoryUnit(formatFactoryUnit(unit)), unit);
});

test('a unit.json with a bad field names the field and is refused', () => {
  const bad = (patch: Record<string, unknown>, message: RegExp): void => {
    const text = JSON.stringify({ ...JSON.parse(formatFactoryUnit(unit)), ...patch });
    assert.throws(() => parseFactoryUnit(text), (e: unknown) => e instanceof FactoryDataError && message.test((e as Error).message));
  };
  bad({ version: 2 }, /version 2/);
  bad({ serial: 'wn 17' }, /serial/);
  bad({ hostId: 'xyz' }, /hostId/);
  bad({ domain: 'Walnut!' }, /domain/);
  bad({ setupKey: 'AAAA' }, /setupKey: expected 32 bytes/);
  bad({ deviceSecret: undefined }, /deviceSecret/);
  assert.throws(() => parseFactoryUnit('{'), /not JSON/);
  assert.throws(() => parseFactoryUnit('[]'), /expected an object/);
});
