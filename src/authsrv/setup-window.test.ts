import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLOSED, afterFailure, afterSuccess, isOpen, openWindow, parseWindow } from './setup-window.ts';

const rules = { windowMs: 15 * 60_000, maxFailures: 20 };

test('a window is open from its start for its length, and closed after', () => {
  const w = openWindow(1_000_000, rules);
  assert.equal(isOpen(w, 1_000_000, rules), true);
  assert.equal(isOpen(w, 1_000_000 + 15 * 60_000 - 1, rules), true);
  assert.equal(isOpen(w, 1_000_000 + 15 * 60_000, rules), false);
  assert.equal(isOpen(CLOSED, 0, rules), false);
});

test('the 20th failure closes the window even for the right code, and reopening resets the count', () => {
  let w = openWindow(0, rules);
  for (let i = 0; i < 19; i++) w = afterFailure(w);
  assert.equal(isOpen(w, 1, rules), true);
  w = afterFailure(w);
  assert.equal(isOpen(w, 1, rules), false);
  assert.equal(isOpen(openWindow(2, rules), 3, rules), true);
});

test('a confirmed attempt takes its provisional failure back, never below zero', () => {
  const w = afterSuccess(afterFailure(openWindow(0, rules)));
  assert.equal(w.failures, 0);
  assert.equal(afterSuccess(w).failures, 0);
});

test('a stored window reads back, and a damaged one reads as closed', () => {
  const w = afterFailure(openWindow(5, rules));
  assert.deepEqual(parseWindow(JSON.stringify(w)), w);
  for (const bad of [undefined, '', '{', '[]', '{"openUntil":"x","failures":0}', '{"openUntil":1,"failures":-1}']) {
    assert.deepEqual(parseWindow(bad), CLOSED, String(bad));
  }
});
