import { test } from 'node:test';
import assert from 'node:assert/strict';
import { afterFailure, afterSuccess, lockedNow, worthKeeping, type LockoutOptions, type LockoutRecord } from './lockout.ts';

const O: LockoutOptions = { failures: 3, lockSeconds: 10, maxLockSeconds: 35, forgetSeconds: 100 };

function fail(r: LockoutRecord | undefined, now: number): LockoutRecord {
  return afterFailure(r, now, O).record;
}

test('the Nth failure locks the name for lockSeconds; nothing is counted while locked', () => {
  let r = fail(undefined, 0);
  r = fail(r, 1);
  assert.equal(lockedNow(r, 2), false);
  const third = afterFailure(r, 2, O);
  assert.equal(third.lockedFor, 10);
  assert.equal(lockedNow(third.record, 3), true);
  assert.equal(lockedNow(third.record, 10_002), false);
  assert.deepEqual(afterFailure(third.record, 5, O).record, third.record, 'a failure while locked changes nothing');
});

test('locks in a row double up to maxLockSeconds, and a success resets them', () => {
  let r: LockoutRecord | undefined;
  let now = 0;
  const lengths: number[] = [];
  for (let lock = 0; lock < 4; lock++) {
    for (let i = 0; i < 3; i++) {
      const out = afterFailure(r, now, O);
      r = out.record;
      if (out.lockedFor !== undefined) lengths.push(out.lockedFor);
      now += 1;
    }
    now = r!.lockedUntil;
  }
  assert.deepEqual(lengths, [10, 20, 35, 35]);
  assert.equal(afterSuccess(r, now), undefined);
});

test('a success does not end a lock early', () => {
  const r = afterFailure(afterFailure(afterFailure(undefined, 0, O).record, 0, O).record, 0, O).record;
  assert.equal(afterSuccess(r, 5), r);
});

test('old failures are forgotten after forgetSeconds', () => {
  const r = fail(fail(undefined, 0), 0);
  assert.equal(fail(r, 100_001).failures, 1);
  assert.equal(worthKeeping(r, 50_000, O), true);
  assert.equal(worthKeeping(r, 100_001, O), false);
});
