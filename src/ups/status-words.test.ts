import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeStatus } from './status-words.ts';

test('on line and charging reads "On line, Charging" and is fine', () => {
  assert.deepEqual(summarizeStatus('OL CHRG'), {
    headline: 'On line, Charging',
    tone: 'ok',
    flags: [{ flag: 'OL', words: 'On line' }, { flag: 'CHRG', words: 'Charging' }],
  });
});

test('on battery with a low battery puts the low battery first and is an alarm', () => {
  const s = summarizeStatus('OB DISCHRG LB');
  assert.equal(s.headline, 'Low battery, On battery');
  assert.equal(s.tone, 'alarm');
});

test('on battery alone is a warning that reads "On battery"', () => {
  assert.deepEqual([summarizeStatus('OB DISCHRG').headline, summarizeStatus('OB DISCHRG').tone], ['On battery', 'warn']);
});

test('a forced shutdown outranks everything else', () => {
  assert.equal(summarizeStatus('FSD OB LB').headline, 'Forced shutdown, Low battery');
});

test('no status is "Unknown", and a flag walnut does not know is shown as it came', () => {
  assert.deepEqual(summarizeStatus(undefined), { headline: 'Unknown', tone: 'unknown', flags: [] });
  assert.deepEqual(summarizeStatus('WEIRD').flags, [{ flag: 'WEIRD', words: 'WEIRD' }]);
  assert.equal(summarizeStatus('WEIRD').headline, 'WEIRD');
});
