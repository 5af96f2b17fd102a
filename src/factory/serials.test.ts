import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SerialsError, countedSerials, parseSerialsCsv, unitSerialProblem } from './serials.ts';

test('a serials CSV with a header and CRLF line ends gives its serials in order', () => {
  assert.deepEqual(parseSerialsCsv('serial\r\nWN-0001\r\nWN-0002\r\n'), ['WN-0001', 'WN-0002']);
});

test('a serials CSV without a header, a byte order mark and no final newline is read as well', () => {
  assert.deepEqual(parseSerialsCsv('\uFEFFAB12\nCD34'), ['AB12', 'CD34']);
});

test('a duplicate serial is refused with both line numbers', () => {
  assert.throws(() => parseSerialsCsv('serial\nA1\nB2\nA1\n'), (err: Error) => err instanceof SerialsError && /line 4: the serial A1 is a duplicate of line 2/.test(err.message));
});

test('a second column, an empty line inside, spaces and quotes are refused with their line', () => {
  assert.throws(() => parseSerialsCsv('serial,mac\nA1,00:11\n'), /line 1 has more than one field/);
  assert.throws(() => parseSerialsCsv('A1\n\nB2\n'), /line 2 is empty/);
  assert.throws(() => parseSerialsCsv('A1\n B2\n'), /line 2: the serial " B2" is not 1 to 32 characters/);
  assert.throws(() => parseSerialsCsv('"A1"\n'), /line 1: the serial/);
});

test('a CSV with no serial at all is refused', () => {
  assert.throws(() => parseSerialsCsv('serial\n'), /has no serial/);
  assert.throws(() => parseSerialsCsv(''), /has no serial/);
});

test('serials are 1 to 32 of A-Z, 0-9 and -, upper case, never ending in -', () => {
  assert.equal(unitSerialProblem('WN-2026-000001'), undefined);
  assert.equal(unitSerialProblem('X'.repeat(32)), undefined);
  assert.match(unitSerialProblem('X'.repeat(33))!, /1 to 32/);
  assert.match(unitSerialProblem('wn-1')!, /lower-case/);
  assert.match(unitSerialProblem('WN-')!, /ends in '-'/);
  assert.match(unitSerialProblem('WN_1')!, /A-Z, 0-9/);
  assert.match(unitSerialProblem('')!, /1 to 32/);
});

test('counted serials are the prefix and a counter padded to 6 digits', () => {
  assert.deepEqual(countedSerials('WN-', 3), ['WN-000001', 'WN-000002', 'WN-000003']);
  assert.equal(countedSerials('', 1234567).at(-1), '1234567');
});

test('a count below 1, a bad prefix or one too long for the counter is refused', () => {
  assert.throws(() => countedSerials('WN', 0), /at least 1/);
  assert.throws(() => countedSerials('wn', 1), /prefix "wn" is not A-Z/);
  assert.throws(() => countedSerials('X'.repeat(27), 1), /leaves no room for 6 digits/);
});
