import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { topLevelUsages } from './top-level.ts';

const DIR = new URL('../../test/fixtures/ups/', import.meta.url);

test('every UPS fixture opens one top-level collection, UPS on the Power Device page', () => {
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.json'))) {
    const fixture = JSON.parse(readFileSync(new URL(file, DIR), 'utf8'));
    assert.deepEqual(topLevelUsages(Buffer.from(fixture.descriptor, 'hex')), [0x00840004], file);
  }
});

test('a keyboard is Generic Desktop / Keyboard, and nested collections do not count', () => {
  // 05 01 09 06 a1 01 (05 07 09 e0 a1 02 c0) c0 ; 05 0c 09 01 a1 01 c0
  const bytes = Buffer.from('05010906a101050709e0a102c0c0050c0901a101c0', 'hex');
  assert.deepEqual(topLevelUsages(bytes), [0x00010006, 0x000c0001]);
});

test('a 4-byte usage carries its own page, a collection without usage counts as 0, a cut-off item ends the scan', () => {
  assert.deepEqual(topLevelUsages(Buffer.from('0b04008400a101c0', 'hex')), [0x00840004]);
  assert.deepEqual(topLevelUsages(Buffer.from('a101c0', 'hex')), [0]);
  assert.deepEqual(topLevelUsages(Buffer.from('05840904a101c00b0400', 'hex')), [0x00840004]);
  assert.deepEqual(topLevelUsages(Buffer.alloc(0)), []);
  assert.deepEqual(topLevelUsages(Buffer.from('fe', 'hex')), []);
});
