// ups.status tokens (docs/nut-protocol.md §7.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STATUS_TOKENS, formatStatus, parseStatus } from './status.ts';

test('the known tokens are those of §7.1', () => {
  assert.deepEqual(
    [...STATUS_TOKENS].sort(),
    ['ALARM', 'BOOST', 'BYPASS', 'CAL', 'CHRG', 'DISCHRG', 'FSD', 'HB', 'LB', 'OB', 'OFF', 'OL', 'OVER', 'RB', 'TRIM', 'WAIT'],
  );
});

test('a status value splits on any whitespace into upper-case tokens', () => {
  assert.deepEqual(parseStatus('OL CHRG'), ['OL', 'CHRG']);
  assert.deepEqual(parseStatus('  ob\tdischrg  LB '), ['OB', 'DISCHRG', 'LB']);
  assert.deepEqual(parseStatus(''), []);
  assert.deepEqual(parseStatus('   '), []);
});

test('formatting puts OL or OB first and keeps the other tokens in the given order', () => {
  assert.equal(formatStatus(['CHRG', 'OL']), 'OL CHRG');
  assert.equal(formatStatus(['DISCHRG', 'LB', 'OB']), 'OB DISCHRG LB');
  assert.equal(formatStatus(['RB', 'OL', 'CHRG']), 'OL RB CHRG');
  assert.equal(formatStatus([]), '');
});

test('formatting upper-cases tokens and removes duplicates', () => {
  assert.equal(formatStatus(['ol', 'chrg', 'OL', 'Chrg']), 'OL CHRG');
});

test('a non-empty ups.alarm adds ALARM once; an empty or blank one does not', () => {
  assert.equal(formatStatus(['OL'], 'Replace battery!'), 'OL ALARM');
  assert.equal(formatStatus(['OL', 'ALARM'], 'x'), 'OL ALARM');
  assert.equal(formatStatus(['OL'], ''), 'OL');
  assert.equal(formatStatus(['OL'], '   '), 'OL');
});

test('unknown but well-shaped tokens are allowed, since clients must ignore them', () => {
  assert.equal(formatStatus(['OL', 'ECO']), 'OL ECO');
  assert.equal(formatStatus(['OL', 'X1234567890ABCDE']), 'OL X1234567890ABCDE'); // 16 characters
});

test('badly shaped tokens are refused', () => {
  for (const bad of ['', 'O L', '1OL', 'OL"', 'OL#', 'X1234567890ABCDEF', 'É']) {
    assert.throws(() => formatStatus(['OL', bad]), RangeError, JSON.stringify(bad));
  }
});

test('parsing a formatted status gives back its tokens', () => {
  const tokens = ['OB', 'DISCHRG', 'LB', 'RB', 'FSD'];
  assert.deepEqual(parseStatus(formatStatus(tokens)), tokens);
});
