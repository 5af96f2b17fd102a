import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimit } from './rate-limit.ts';

test('an address gets its requests per minute, then is refused until the minute moves on', () => {
  const now = { t: 0 };
  const r = new RateLimit({ perMinute: 10, now: () => now.t });
  for (let i = 0; i < 10; i++) assert.equal(r.take('192.0.2.1'), true);
  assert.equal(r.take('192.0.2.1'), false);
  assert.equal(r.take('192.0.2.2'), true, 'another address is not slowed');
  now.t = 121_000;
  assert.equal(r.take('192.0.2.1'), true);
  assert.equal(r.refused, 1);
});

test('a burst at the end of one minute still counts at the start of the next', () => {
  const now = { t: 59_000 };
  const r = new RateLimit({ perMinute: 10, now: () => now.t });
  for (let i = 0; i < 10; i++) r.take('a');
  now.t = 61_000;
  assert.equal(r.take('a'), false);
});

test('a flood of different addresses never grows the table past its bound', () => {
  const r = new RateLimit({ perMinute: 1, maxAddresses: 100, now: () => 0 });
  for (let i = 0; i < 10_000; i++) r.take(`10.0.${i >> 8}.${i & 255}`);
  assert.equal(r.take('10.0.39.15'), false, 'the newest addresses are still counted');
});
