import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CROCKFORD_CHECK_SYMBOLS, CROCKFORD_DIGITS, checkSymbol, decodeCrockford, encodeCrockford, normaliseTyped } from './crockford.ts';

test('the digits are 0-9 and A-Z without I L O U, and the check symbols add *~$=U', () => {
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.replace(/[ILOU]/g, '');
  assert.equal(CROCKFORD_DIGITS, `0123456789${letters}`);
  assert.equal(CROCKFORD_DIGITS.length, 32);
  assert.equal(CROCKFORD_CHECK_SYMBOLS, `${CROCKFORD_DIGITS}*~$=U`);
});

test('a number is written most significant symbol first, zero-extended on the left', () => {
  assert.equal(encodeCrockford(0n, 3), '000');
  assert.equal(encodeCrockford(31n, 3), '00Z');
  assert.equal(encodeCrockford(32n, 3), '010');
  assert.equal(encodeCrockford(1234n, 3), '16J'); // 1234 = 1·1024 + 6·32 + 18, and 18 is J
  assert.equal(decodeCrockford('16J'), 1234n);
  assert.equal(decodeCrockford(''), 0n);
});

test('a number that does not fit in the symbols asked for is a RangeError', () => {
  assert.throws(() => encodeCrockford(32n ** 3n, 3), RangeError);
  assert.throws(() => encodeCrockford(-1n, 3), RangeError);
  assert.equal(encodeCrockford(32n ** 3n - 1n, 3), 'ZZZ');
});

test('the strict decoder refuses anything but canonical digits', () => {
  for (const bad of ['16j', '1-6J', 'I0', 'U0', '0*', ' 1']) assert.equal(decodeCrockford(bad), undefined, bad);
});

test('the check symbol is the value modulo 37, past Z into *~$=U', () => {
  assert.equal(checkSymbol(0n), '0');
  assert.equal(checkSymbol(31n), 'Z');
  assert.deepEqual([32n, 33n, 34n, 35n, 36n].map(checkSymbol), ['*', '~', '$', '=', 'U']);
  assert.equal(checkSymbol(37n), '0');
  assert.equal(checkSymbol(1234n), 'D'); // 1234 = 33·37 + 13, and 13 is D
});

test('typed text is read as Crockford says: any case, I and L as 1, O as 0, hyphens and spaces ignored', () => {
  assert.equal(normaliseTyped('ab-cd ef\tgh'), 'ABCDEFGH');
  assert.equal(normaliseTyped('iIlLoO'), '111100');
  assert.equal(normaliseTyped('u*$'), 'U*$');
});

test('typed text keeps characters that are no symbol, so the reader can name them', () => {
  assert.equal(normaliseTyped('ab#c'), 'AB#C');
  assert.equal(normaliseTyped('\u0131'), '\u0131'); // dotless i: its upper case is I, yet nobody typed an I
});
