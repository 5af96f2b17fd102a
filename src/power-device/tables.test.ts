import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { usageNames } from '../hid/usages.ts';
import { CONVERSIONS } from './conversions.ts';
import { SUBDRIVERS } from './subdrivers.ts';
import { hasFlag, HU } from './tables/types.ts';

describe('the mapping tables', () => {
  it('have as many rows as NUT 2.8.5 builds (APC 97, CPS 57, MGE 251, Tripp Lite 77, explore none)', () => {
    const counts = Object.fromEntries(SUBDRIVERS.map((s) => [s.id, s.rows.length]));
    assert.deepEqual(counts, { explore: 0, mge: 251, apc: 97, cps: 57, tripplite: 77 });
  });

  for (const sub of SUBDRIVERS) {
    it(`name only conversions that exist (${sub.id})`, () => {
      for (const row of sub.rows) {
        if (row.conv !== undefined) assert.ok(CONVERSIONS[row.conv], `${row.name}: no conversion ${row.conv}`);
      }
    });

    it(`use only path tokens the ${sub.id} usage names know, so NUT drops none of them`, () => {
      const names = usageNames(sub.usages);
      for (const row of sub.rows) {
        for (const token of row.path.split('.')) {
          assert.ok(names.usage(token) !== undefined || /^\[\d+\]$/.test(token), `${row.path}: ${token}`);
        }
      }
    });

    it(`give commands and driver-side variables a value (${sub.id})`, () => {
      for (const row of sub.rows) {
        if (hasFlag(row, HU.CMD)) assert.ok(row.dfl !== undefined || row.conv !== undefined, row.name);
        if (hasFlag(row, HU.ABSENT)) {
          assert.ok(row.dfl !== undefined, row.name);
          assert.equal(row.rw, true, row.name);
        }
        if (row.name === 'BOOL' || row.name === 'ups.alarm') assert.ok(row.conv !== undefined, `${row.path} needs a lookup`);
      }
    });
  }

  it('default the driver-side delays to 20 / 30 s, and 60 / 120 s for CyberPower', () => {
    for (const sub of SUBDRIVERS) {
      for (const row of sub.rows) {
        if (row.name === 'ups.delay.shutdown') assert.equal(row.dfl, sub.id === 'cps' ? '60' : '20');
        if (row.name === 'ups.delay.start') assert.equal(row.dfl, sub.id === 'cps' ? '120' : '30');
      }
      assert.equal(sub.offDelay, sub.id === 'cps' ? '60' : '20');
      assert.equal(sub.onDelay, sub.id === 'cps' ? '120' : '30');
    }
  });
});
