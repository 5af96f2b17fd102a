// The login throttle with an injected clock: exponential back-off per source, per user only when spread over
// several sources, decay, resets on success, and bounded tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_THROTTLE, LoginThrottle, type ThrottleOptions } from './throttle.ts';

function throttle(options: Partial<ThrottleOptions> = {}): { t: LoginThrottle; clock: { now: number } } {
  const clock = { now: 1_000_000 };
  return { t: new LoginThrottle({ freeFailures: 3, baseDelayMs: 100, maxDelayMs: 10_000, ...options }, () => clock.now), clock };
}

test('the defaults allow 5 free failures, then 250 ms doubling up to a minute, halving every 10 minutes', () => {
  assert.deepEqual(DEFAULT_THROTTLE, {
    freeFailures: 5,
    baseDelayMs: 250,
    maxDelayMs: 60_000,
    halfLifeSeconds: 600,
    userDistinctSources: 3,
    maxTrackedSources: 4096,
    maxTrackedUsers: 1024,
  });
});

test('a source is free for its first failures, then each failure doubles its delay up to the cap', () => {
  const { t } = throttle();
  const delays: number[] = [];
  for (let i = 0; i < 12; i++) {
    delays.push(t.delay('10.0.0.1', 'admin').ms);
    t.failure('10.0.0.1', 'admin');
  }
  assert.deepEqual(delays, [0, 0, 0, 100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000]);
});

test('a thousand failures keep the delay at the cap instead of overflowing', () => {
  const { t } = throttle();
  for (let i = 0; i < 1000; i++) t.failure('10.0.0.1', `guess${i}`);
  assert.equal(t.delay('10.0.0.1', 'anyone').ms, 10_000);
});

test('failures from one address never slow the same user down on another address', () => {
  const { t } = throttle();
  for (let i = 0; i < 50; i++) t.failure('127.0.0.1', 'admin');
  assert.equal(t.delay('127.0.0.1', 'admin').ms, 10_000);
  assert.deepEqual(t.delay('127.0.0.2', 'admin'), { ms: 0, by: undefined, started: false });
});

test('a user name guessed from several addresses is slowed down from every address, even a fresh one', () => {
  const { t } = throttle({ userDistinctSources: 3 });
  for (let i = 0; i < 6; i++) t.failure(`10.0.0.${1 + (i % 2)}`, 'admin'); // two sources: not yet
  assert.equal(t.delay('10.0.0.9', 'admin').ms, 0);
  t.failure('10.0.0.3', 'admin'); // a third source: 7 failures for admin
  const d = t.delay('10.0.0.9', 'admin');
  assert.deepEqual(d, { ms: 1600, by: 'user', started: true });
  assert.equal(t.delay('10.0.0.9', 'someone-else').ms, 0, 'other names are not slowed');
});

test('the first delay of a back-off is flagged once, so it is logged once', () => {
  const { t } = throttle();
  for (let i = 0; i < 3; i++) t.failure('10.0.0.1', 'admin');
  assert.equal(t.delay('10.0.0.1', 'admin').started, true);
  assert.equal(t.delay('10.0.0.1', 'admin').started, false);
  t.failure('10.0.0.1', 'admin');
  assert.equal(t.delay('10.0.0.1', 'admin').started, false);
});

test('counters decay: a failure weighs half after each half-life', () => {
  const { t, clock } = throttle({ halfLifeSeconds: 60 });
  for (let i = 0; i < 8; i++) t.failure('10.0.0.1', 'admin');
  assert.equal(t.delay('10.0.0.1', 'admin').ms, 3200); // 8 failures
  clock.now += 60_000;
  assert.equal(t.sourceFailures('10.0.0.1'), 4);
  assert.equal(t.delay('10.0.0.1', 'admin').ms, 200); // 4 failures' worth
  clock.now += 60_000;
  assert.equal(t.delay('10.0.0.1', 'admin').ms, 0); // 2
  t.failure('10.0.0.1', 'admin');
  assert.equal(t.delay('10.0.0.1', 'admin').ms, 100, 'new failures add to what is left'); // 3
});

test('addresses that failed long ago no longer count as a distributed attack on a name', () => {
  const { t, clock } = throttle({ halfLifeSeconds: 60, userDistinctSources: 3 });
  t.failure('10.0.0.1', 'admin');
  t.failure('10.0.0.2', 'admin');
  clock.now += 10 * 60_000;
  for (let i = 0; i < 6; i++) t.failure('10.0.0.3', 'admin'); // one address, recently
  assert.equal(t.delay('10.0.0.4', 'admin').ms, 0);
});

test('the right password wipes a source that only ever failed for that user', () => {
  const { t } = throttle();
  for (let i = 0; i < 6; i++) t.failure('192.168.1.20', 'nas'); // a NAS with a stale password
  assert.equal(t.delay('192.168.1.20', 'nas').ms, 800);
  t.success('192.168.1.20', 'nas'); // fixed
  assert.equal(t.delay('192.168.1.20', 'nas').ms, 0);
  assert.equal(t.trackedSources, 0);
});

test('the right password for one name does not reset a source that guessed other names', () => {
  const { t } = throttle();
  for (let i = 0; i < 6; i++) t.failure('10.0.0.66', 'admin');
  t.success('10.0.0.66', 'monuser'); // e.g. a well-known legacy password
  assert.equal(t.delay('10.0.0.66', 'admin').ms, 800);
  assert.equal(t.delay('10.0.0.66', 'monuser').ms, 800, 'the source itself stays slowed');
});

test('the real user logging in does not lift the throttle on a name still guessed from elsewhere', () => {
  const { t } = throttle({ userDistinctSources: 2 });
  for (let i = 0; i < 6; i++) t.failure(`10.0.0.${1 + (i % 3)}`, 'admin');
  t.success('192.168.1.5', 'admin');
  assert.equal(t.delay('192.168.1.5', 'admin').ms, 800);
  t.success('10.0.0.1', 'admin'); // one of the failing sources turns out to be the real user
  t.success('10.0.0.2', 'admin');
  assert.equal(t.delay('192.168.1.5', 'admin').ms, 0, 'one failing source left: below the distinct-source threshold');
});

test('the tables are bounded, and a flood of fresh addresses cannot push out the heavy guesser', () => {
  const { t } = throttle({ maxTrackedSources: 16, maxTrackedUsers: 16 });
  for (let i = 0; i < 20; i++) t.failure('10.9.9.9', `user${i}`);
  for (let i = 0; i < 5000; i++) t.failure(`172.16.${i >> 8}.${i & 255}`, `name${i}`);
  assert.equal(t.trackedSources, 16);
  assert.equal(t.trackedUsers, 16);
  assert.equal(t.delay('10.9.9.9', 'x').ms, 10_000);
});

test('a source that failed for very many names is never wiped by one success', () => {
  const { t } = throttle();
  for (let i = 0; i < 100; i++) t.failure('10.0.0.5', `user${i}`);
  t.success('10.0.0.5', 'user99');
  assert.equal(t.delay('10.0.0.5', 'user99').ms, 10_000);
});
