import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clip, formatFixed, formatWithDfl, padInt } from './format.ts';

describe('printf-compatible number formatting', () => {
  it('rounds the exact binary value, so 13.58 prints as 13.6 and 0.125 as 0.12', () => {
    assert.equal(formatFixed(13.58, 1), '13.6');
    assert.equal(formatFixed(0.125, 2), '0.12'); // an exact tie goes to even, as in glibc
    assert.equal(formatFixed(0.375, 2), '0.38');
    assert.equal(formatFixed(1.005, 2), '1.00'); // 1.005 is 1.00499999… in binary
  });

  it('rounds exact halves to even for %.0f, unlike toFixed', () => {
    assert.equal(formatFixed(2.5, 0), '2');
    assert.equal(formatFixed(3.5, 0), '4');
    assert.equal(formatFixed(-2.5, 0), '-2');
  });

  it('keeps the sign of a negative value that rounds to zero', () => {
    assert.equal(formatFixed(-0.04, 1), '-0.0');
    assert.equal(formatFixed(-0.15, 1), '-0.1');
  });

  it('prints integers, large values and non-finite values as C does', () => {
    assert.equal(formatFixed(232, 1), '232.0');
    assert.equal(formatFixed(65535, 0), '65535');
    assert.equal(formatFixed(1e21, 0), '1000000000000000000000');
    assert.equal(formatFixed(Infinity, 1), 'inf');
    assert.equal(formatFixed(-Infinity, 1), '-inf');
    assert.equal(formatFixed(NaN, 1), 'nan');
  });

  it('applies a table format only when it is a plain %f variant', () => {
    assert.equal(formatWithDfl('%.0f', 99.6), '100');
    assert.equal(formatWithDfl('%.1f', 232), '232.0');
    assert.equal(formatWithDfl('%.2f', 1.5), '1.50');
    assert.equal(formatWithDfl('%f', 1), '1.000000');
    assert.equal(formatWithDfl('%s', 1), undefined);
    assert.equal(formatWithDfl('20', 1), undefined);
    assert.equal(formatWithDfl(undefined, 1), undefined);
  });

  it('pads with zeros counting the sign, and clips to a C buffer', () => {
    assert.equal(padInt(7, 2), '07');
    assert.equal(padInt(-5, 4), '-005');
    assert.equal(padInt(2024, 4), '2024');
    assert.equal(clip('1000000.0', 8), '1000000');
    assert.equal(clip('13.5', 8), '13.5');
  });
});
