// The history sampler between a UPS model and a History on a real walnut.db, with a hand-stepped clock and
// timer: a sample every interval while the data is fresh, none while it is stale or the UPS is gone, roll-ups
// on schedule, marks for power events, nothing while the clock reads 1970, and a failing disk logged, not thrown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../storage/database.ts';
import { MINUTE_MS } from '../storage/history-buckets.ts';
import { History } from '../storage/history.ts';
import { UpsModel } from '../ups/model.ts';
import type { Logger } from '../util/log.ts';
import { HistorySampler, type SamplerTimer } from './history-sampler.ts';

type T = { after(fn: () => void): void };

const BUILT = Date.UTC(2026, 0, 1);
const T0 = Date.UTC(2026, 5, 1);

/** A clock that moves only when told, and a timer whose callback the test runs. */
class HandTimer implements SamplerTimer {
  at = T0;
  fn: (() => void) | undefined;
  ms: number | undefined;
  now = (): number => this.at;
  setInterval(fn: () => void, ms: number): unknown {
    this.fn = fn;
    this.ms = ms;
    return 1;
  }
  clearInterval(): void {
    this.fn = undefined;
  }
  /** moves the clock one interval and fires; with `heardFrom`, the driver heard from that UPS just before */
  step(heardFrom?: UpsModel): void {
    this.at += this.ms!;
    heardFrom?.heard();
    this.fn?.();
  }
}

function lines(): Logger & { seen: string[] } {
  const seen: string[] = [];
  const put = (m: string): void => void seen.push(m);
  return { seen, debug: put, info: put, warn: put, error: put } as Logger & { seen: string[] };
}

function setting(t: T, options: { at?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-sampler-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db: Db = openDatabase(join(dir, 'data'), join(dir, 'cache'));
  t.after(() => db.open && db.close());
  const timer = new HandTimer();
  timer.at = options.at ?? T0;
  const ups = new UpsModel({ name: 'ups', now: timer.now, maxAgeMs: 15_000 });
  const history = new History(db, { notBefore: BUILT });
  const log = lines();
  const sampler = new HistorySampler(ups, history, { intervalMs: MINUTE_MS, timer, log });
  t.after(() => sampler.stop());
  return { db, timer, ups, history, sampler, log };
}

/** The model as the driver leaves it after a full update, heard from just now. */
function online(ups: UpsModel): void {
  ups.setVariable('ups.status', 'OL CHRG');
  ups.setVariable('battery.charge', '100');
  ups.setVariable('ups.load', '23');
  ups.setVariable('input.voltage', '230.4');
  ups.setVariable('device.model', 'Back-UPS ES 700');
  ups.markConnected();
}

test('every interval the sampler stores the fresh values of the chart variables', (t) => {
  const { timer, ups, history, sampler } = setting(t);
  online(ups);
  sampler.start();
  assert.equal(timer.ms, MINUTE_MS);
  for (let i = 0; i < 3; i++) {
    timer.step(ups);
  }
  const s = history.series('24h', timer.at);
  assert.deepEqual(s.times, [T0 + MINUTE_MS, T0 + 2 * MINUTE_MS, T0 + 3 * MINUTE_MS]);
  assert.deepEqual(
    s.variables.map((v) => [v.name, v.values]),
    [
      ['battery.charge', [100, 100, 100]],
      ['ups.load', [23, 23, 23]],
      ['input.voltage', [230.4, 230.4, 230.4]],
    ],
  );
});

test('no sample is taken while the data is stale or no UPS is connected', (t) => {
  const { timer, ups, history, sampler } = setting(t);
  sampler.start();
  timer.step(); // never connected
  online(ups);
  timer.step(); // 60 s since the device was heard: past MAXAGE, stale
  assert.equal(ups.availability(), 'stale');
  ups.heard();
  ups.markStale();
  timer.step();
  ups.markConnected();
  ups.markDisconnected();
  timer.step();
  assert.equal(history.rowCounts().samples, 0);
  ups.markConnected();
  assert.equal(sampler.tick(), 3);
});

test('the sampler rolls up at start and every five minutes', (t) => {
  const { timer, ups, history, sampler } = setting(t);
  // samples left by the previous run, which stopped before rolling them up
  for (let i = 0; i < 10; i++) history.record(T0 - 30 * MINUTE_MS + i * MINUTE_MS, { 'battery.charge': 90 });
  sampler.start();
  assert.equal(history.rowCounts().buckets['5m'], 2);
  online(ups);
  for (let i = 0; i < 10; i++) {
    timer.step(ups);
  }
  // T0+1 ... T0+10 min: roll-ups at T0+5 (the bucket T0..T0+5) and T0+10 (T0+5..T0+10)
  assert.equal(history.rowCounts().buckets['5m'], 2 + 2 * 3);
});

test('going on battery, low battery, FSD and back on line are marked when they happen', (t) => {
  const { timer, ups, history, sampler } = setting(t);
  online(ups);
  sampler.start();
  timer.at += 1000;
  ups.setVariable('ups.status', 'OB DISCHRG');
  timer.at += 1000;
  ups.setVariable('ups.status', 'OB DISCHRG LB');
  timer.at += 1000;
  ups.setFsd();
  ups.clearFsd();
  timer.at += 1000;
  ups.setVariable('ups.status', 'OL CHRG');
  assert.deepEqual(history.series('24h', timer.at).marks, [
    { at: T0 + 1000, kind: 'on-battery' },
    { at: T0 + 2000, kind: 'low-battery' },
    { at: T0 + 3000, kind: 'fsd' },
    { at: T0 + 4000, kind: 'on-line' },
  ]);
});

test('a stopped sampler takes no samples and makes no marks', (t) => {
  const { timer, ups, history, sampler } = setting(t);
  online(ups);
  sampler.start();
  sampler.stop();
  timer.step();
  ups.setVariable('ups.status', 'OB');
  assert.deepEqual(history.rowCounts(), { samples: 0, buckets: { '5m': 0, '1h': 0 }, marks: 0 });
});

test('while the clock reads 1970 the sampler records nothing and says why once', (t) => {
  const { timer, ups, history, sampler, log } = setting(t, { at: 5000 });
  online(ups);
  sampler.start();
  for (let i = 0; i < 3; i++) {
    timer.step(ups);
  }
  ups.setVariable('ups.status', 'OB');
  assert.deepEqual(history.rowCounts(), { samples: 0, buckets: { '5m': 0, '1h': 0 }, marks: 0 });
  assert.equal(log.seen.filter((l) => /before this walnut was built/.test(l)).length, 1);
  // NTP answers
  timer.at = T0;
  timer.step(ups);
  assert.equal(history.rowCounts().samples, 3);
  assert.ok(log.seen.includes('history: sampling again'));
});

test('a database that cannot be written is logged once, and sampling carries on when it can', (t) => {
  const { db, timer, ups, history, sampler, log } = setting(t);
  online(ups);
  sampler.start();
  db.exec('CREATE TRIGGER refuse BEFORE INSERT ON history_samples BEGIN SELECT RAISE(ABORT, \'disk full\'); END');
  timer.step(ups);
  timer.step(ups);
  assert.equal(log.seen.filter((l) => /cannot write to walnut\.db: disk full/.test(l)).length, 1);
  db.exec('DROP TRIGGER refuse');
  timer.step(ups);
  assert.equal(history.rowCounts().samples, 3);
});
