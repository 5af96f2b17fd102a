// SET TRACKING results (docs/nut-protocol.md §2.5, §2.7): upper-case UUIDv4 ids, case-insensitive lookup,
// TRACKINGDELAY retention, and walnut's bound on the table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrackingTable } from './tracking.ts';

const UPPER_UUID_V4 = /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/;

function clocked(options: { retentionMs?: number; maxEntries?: number } = {}): { table: TrackingTable; clock: { now: number } } {
  const clock = { now: 5_000_000 };
  return { table: new TrackingTable({ ...options, now: () => clock.now }), clock };
}

test('ids are 36-character upper-case UUIDv4 strings, all different', () => {
  const { table } = clocked();
  const ids = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const id = table.start();
    assert.equal(id.length, 36);
    assert.match(id, UPPER_UUID_V4);
    ids.add(id);
  }
  assert.equal(ids.size, 200);
  assert.equal(table.size, 200);
});

test('a new entry is PENDING until finished, then keeps its result', () => {
  const { table } = clocked();
  const id = table.start();
  assert.equal(table.lookup(id), 'PENDING');
  table.finish(id, 'SUCCESS');
  assert.equal(table.lookup(id), 'SUCCESS');
});

test('every finished result reads back as given', () => {
  const { table } = clocked();
  for (const result of ['SUCCESS', 'ERR UNKNOWN', 'ERR INVALID-ARGUMENT', 'ERR FAILED'] as const) {
    const id = table.start();
    table.finish(id, result);
    assert.equal(table.lookup(id), result);
  }
});

test('ids are looked up case-insensitively', () => {
  const { table } = clocked();
  const id = table.start();
  table.finish(id, 'ERR FAILED');
  assert.equal(table.lookup(id.toLowerCase()), 'ERR FAILED');
  const mixed = [...id].map((c, i) => (i % 2 ? c.toLowerCase() : c)).join('');
  assert.equal(table.lookup(mixed), 'ERR FAILED');
});

test('an id the table never gave out is ERR UNKNOWN', () => {
  const { table } = clocked();
  table.start();
  assert.equal(table.lookup('1C41F5E4-24B7-4110-8D1F-821741A49CA4'), 'ERR UNKNOWN');
  assert.equal(table.lookup(''), 'ERR UNKNOWN');
  assert.equal(table.lookup('abc'), 'ERR UNKNOWN');
});

test('finishing an unknown id creates nothing', () => {
  const { table } = clocked();
  table.finish('1C41F5E4-24B7-4110-8D1F-821741A49CA4', 'SUCCESS');
  assert.equal(table.size, 0);
  assert.equal(table.lookup('1C41F5E4-24B7-4110-8D1F-821741A49CA4'), 'ERR UNKNOWN');
});

test('entries are kept for the retention time (default 3600 s, upsd TRACKINGDELAY) and then forgotten', () => {
  const { table, clock } = clocked();
  const id = table.start();
  table.finish(id, 'SUCCESS');
  clock.now += 3_600_000;
  assert.equal(table.lookup(id), 'SUCCESS');
  clock.now += 1;
  assert.equal(table.lookup(id), 'ERR UNKNOWN');
  assert.equal(table.size, 0);
});

test('expiry removes only the entries older than the retention time', () => {
  const { table, clock } = clocked({ retentionMs: 1000 });
  const old = table.start();
  clock.now += 600;
  const young = table.start();
  clock.now += 401; // old is 1001 ms old, young 401 ms
  assert.equal(table.lookup(young), 'PENDING');
  assert.equal(table.lookup(old), 'ERR UNKNOWN');
  assert.equal(table.size, 1);
});

test('starting a new entry also purges expired ones', () => {
  const { table, clock } = clocked({ retentionMs: 10 });
  table.start();
  table.start();
  clock.now += 11;
  table.start();
  assert.equal(table.size, 1);
});

test('past maxEntries the oldest entry is dropped', () => {
  const { table } = clocked({ maxEntries: 3 });
  const ids = [table.start(), table.start(), table.start(), table.start()];
  assert.equal(table.size, 3);
  assert.equal(table.lookup(ids[0]!), 'ERR UNKNOWN');
  for (const id of ids.slice(1)) assert.equal(table.lookup(id), 'PENDING');
});
