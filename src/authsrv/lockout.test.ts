import { test } from 'node:test';
import assert from 'node:assert/strict';
import { afterFailure, afterSuccess, atAttempt, lockedNow, nameWideLock, worthKeeping, type LockoutOptions, type LockoutRecord } from './lockout.ts';

const O: LockoutOptions = { failures: 3, lockSeconds: 10, maxLockSeconds: 35, forgetSeconds: 100, distinctSources: 3 };

const fail = (r: LockoutRecord | undefined, now: number): LockoutRecord => afterFailure(r, now, O);

test('after N failures the next attempt finds the name locked for lockSeconds; nothing is counted while locked', () => {
  let r = fail(fail(undefined, 0), 1);
  assert.equal(atAttempt(r, 2, O).locked, false, 'two failures: not yet');
  r = fail(r, 2);
  const at = atAttempt(r, 3, O);
  assert.equal(at.locked, true);
  assert.equal(at.lockedFor, 10);
  const locked = at.record!;
  assert.equal(lockedNow(locked, 10_002), true);
  assert.equal(lockedNow(locked, 10_003), false);
  assert.deepEqual(fail(locked, 5), locked, 'a failure while locked changes nothing');
  assert.deepEqual(atAttempt(locked, 5, O), { locked: true });
});

test('the right password after N-1 failures is counted when it starts and its success forgets it all: no lock', () => {
  const r = fail(fail(fail(undefined, 0), 1), 2); // two real failures and the right password's provisional count
  assert.equal(r.failures, 3);
  assert.equal(afterSuccess(), undefined, 'confirmed: the record goes before any attempt turns it into a lock');
});

test('locks in a row double up to maxLockSeconds', () => {
  let r: LockoutRecord | undefined;
  let now = 0;
  const lengths: number[] = [];
  for (let lock = 0; lock < 4; lock++) {
    for (let i = 0; i < 3; i++) r = fail(r, now++);
    const at = atAttempt(r, now, O);
    lengths.push(at.lockedFor!);
    r = at.record!;
    now = r.lockedUntil;
  }
  assert.deepEqual(lengths, [10, 20, 35, 35]);
});

test('old failures are forgotten after forgetSeconds', () => {
  const r = fail(fail(fail(undefined, 0), 0), 0);
  assert.equal(fail(r, 100_001).failures, 1);
  assert.equal(atAttempt(r, 100_001, O).locked, false, 'stale failures earn no lock');
  assert.equal(worthKeeping(r, 50_000, O), true);
  assert.equal(worthKeeping(r, 100_001, O), false);
});

test('the name-wide rule: failures from enough addresses within lockSeconds lock the name for everyone, until they stop', () => {
  const one = fail(undefined, 0);
  assert.equal(nameWideLock([one, one], 1000, O), false, 'two addresses: not enough');
  assert.equal(nameWideLock([one, one, one], 1000, O), true, 'three addresses, three failures');
  assert.equal(nameWideLock([one, one, one], 10_001, O), false, 'lockSeconds after the last failure it ends');
  const locked = atAttempt(fail(fail(fail(undefined, 0), 0), 0), 0, O).record!;
  assert.equal(nameWideLock([locked, one], 1000, O), false, 'one address locked and one more: still per address');
});
