// The history on real walnut.db files in temporary folders, with time given by hand: samples accumulate and
// survive a restart, roll-ups summarise and retention bounds every table, the chart's series and the CSV agree,
// and a clock that still reads 1970 records nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from './database.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS, TIERS, type HistoryRange } from './history-buckets.ts';
import { History, MAX_MARK_ROWS } from './history.ts';
import type { HistorySeries } from './history-series.ts';

type T = { after(fn: () => void): void };

/** A fresh temporary folder, removed after the test. */
function tempDir(t: T): string {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-history-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Opens walnut.db in `dir`/data, closed after the test. */
function open(t: T, dir: string): Db {
  const db = openDatabase(join(dir, 'data'), join(dir, 'cache'));
  t.after(() => {
    if (db.open) db.close();
  });
  return db;
}

/** The build time the tests pretend; every sample is after it. */
const BUILT = Date.UTC(2026, 0, 1);
const T0 = Date.UTC(2026, 5, 1); // midnight UTC: bucket boundaries fall on round times

const history = (db: Db, options: ConstructorParameters<typeof History>[1] = {}): History =>
  new History(db, { notBefore: BUILT, ...options });

/** One sample a minute for `minutes` from `start`, charge falling from 100, load rising from 10. */
function recordMinutes(h: History, start: number, minutes: number): void {
  for (let i = 0; i < minutes; i++) h.record(start + i * MINUTE_MS, { 'battery.charge': 100 - i / 10, 'ups.load': 10 + i });
}

/** RFC 4180 as far as walnut writes it: CRLF rows, quoted fields with doubled quotes. */
function parseCsv(text: string): string[][] {
  assert.ok(text.endsWith('\r\n'), 'the last row ends with CRLF');
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\r' && text[i + 1] === '\n') row.push(field), rows.push(row), (row = []), (field = ''), i++;
    else field += c;
  }
  return rows;
}

/** Asserts that `csv` holds exactly what `series` does: each time, each value, each mark. */
function assertAgree(series: HistorySeries, csv: string): void {
  const [header, ...rows] = parseCsv(csv);
  const aggregate = series.resolution !== 'raw';
  const names = series.variables.flatMap((v) => (aggregate ? [`${v.name} avg`, `${v.name} min`, `${v.name} max`] : [v.name]));
  assert.deepEqual(header, ['time', ...names, 'event']);
  const samples = rows.filter((r) => r.at(-1) === '');
  const marks = rows.filter((r) => r.at(-1) !== '');
  assert.deepEqual(
    samples.map((r) => Date.parse(r[0]!)),
    series.times,
  );
  series.variables.forEach((v, j) => {
    const column = (k: number): (number | null)[] => samples.map((r) => (r[1 + j * (aggregate ? 3 : 1) + k] === '' ? null : Number(r[1 + j * (aggregate ? 3 : 1) + k])));
    assert.deepEqual(column(0), v.values, v.name);
    if (aggregate) {
      assert.deepEqual(column(1), v.min, `${v.name} min`);
      assert.deepEqual(column(2), v.max, `${v.name} max`);
    }
  });
  assert.deepEqual(
    marks.map((r) => ({ at: Date.parse(r[0]!), kind: r.at(-1) })),
    series.marks,
  );
}

test('samples accumulate, one time per record, each variable its own array', (t) => {
  const h = history(open(t, tempDir(t)));
  recordMinutes(h, T0, 30);
  const s = h.series('24h', T0 + 30 * MINUTE_MS);
  assert.equal(s.resolution, 'raw');
  assert.equal(s.stepMs, 60_000);
  assert.equal(s.times.length, 30);
  assert.equal(s.times[0], T0);
  assert.equal(s.times[29], T0 + 29 * MINUTE_MS);
  assert.deepEqual(
    s.variables.map((v) => [v.name, v.unit, v.values.length, v.values[0], v.values[29]]),
    [
      ['battery.charge', '%', 30, 100, 97.1],
      ['ups.load', '%', 30, 10, 39],
    ],
  );
  assert.equal(s.truncated, false);
  assert.deepEqual(h.rowCounts(), { samples: 60, buckets: { '5m': 0, '1h': 0 }, marks: 0 });
});

test('names outside the chart variables and values that are not finite are not stored', (t) => {
  const h = history(open(t, tempDir(t)));
  assert.equal(h.record(T0, { 'battery.charge': 50, 'ups.status': 1, 'ups.load': Number.NaN, 'input.voltage': Infinity }), 1);
  assert.equal(h.record(T0 + MINUTE_MS, new Map([['made.up', 3]])), 0);
  assert.equal(h.rowCounts().samples, 1);
});

test('reopening walnut.db (a restart) keeps the samples, the buckets and the marks', (t) => {
  const dir = tempDir(t);
  const now = T0 + 2 * HOUR_MS;
  const first = openDatabase(join(dir, 'data'), join(dir, 'cache'));
  const before = history(first);
  recordMinutes(before, T0, 120);
  before.mark(T0 + 30 * MINUTE_MS, 'on-battery');
  before.rollUp(now);
  const seen = (['24h', '7d', '30d'] as const).map((r) => before.series(r, now));
  first.close();

  const after = history(open(t, dir));
  assert.deepEqual(
    (['24h', '7d', '30d'] as const).map((r) => after.series(r, now)),
    seen,
  );
  assert.equal(seen[0]!.times.length, 120);
  assert.deepEqual(seen[0]!.marks, [{ at: T0 + 30 * MINUTE_MS, kind: 'on-battery' }]);
});

test('a roll-up summarises each completed bucket as its minimum, average and maximum', (t) => {
  const db = open(t, tempDir(t));
  const h = history(db);
  recordMinutes(h, T0, 65); // load 10..74 over 65 minutes: thirteen 5-minute buckets, one full hour
  h.rollUp(T0 + 65 * MINUTE_MS);
  const buckets = db
    .prepare("SELECT width, start, min, avg, max, samples FROM history_buckets WHERE variable = 'ups.load' ORDER BY width, start")
    .all() as { width: number; start: number; min: number; avg: number; max: number; samples: number }[];
  const fives = buckets.filter((b) => b.width === 300_000);
  assert.equal(fives.length, 13);
  assert.deepEqual(fives[0], { width: 300_000, start: T0, min: 10, avg: 12, max: 14, samples: 5 });
  assert.deepEqual(fives[12], { width: 300_000, start: T0 + 60 * MINUTE_MS, min: 70, avg: 72, max: 74, samples: 5 });
  // the hour that holds `now` is still filling: only the first hour is made
  assert.deepEqual(
    buckets.filter((b) => b.width === 3_600_000),
    [{ width: 3_600_000, start: T0, min: 10, avg: 39.5, max: 69, samples: 60 }],
  );
});

test('a second roll-up adds only the buckets completed since, and changes none already made', (t) => {
  const db = open(t, tempDir(t));
  const h = history(db);
  recordMinutes(h, T0, 10);
  h.rollUp(T0 + 10 * MINUTE_MS);
  assert.equal(h.rowCounts().buckets['5m'], 4); // two buckets, two variables
  h.rollUp(T0 + 10 * MINUTE_MS + 1);
  assert.equal(h.rowCounts().buckets['5m'], 4);
  recordMinutes(h, T0 + 10 * MINUTE_MS, 5);
  h.rollUp(T0 + 15 * MINUTE_MS);
  assert.equal(h.rowCounts().buckets['5m'], 6);
});

test('retention bounds the rows: 40 days at a 5-minute interval keep 48 h of samples, 8 days of 5-minute and 35 of 1-hour buckets', (t) => {
  const h = history(open(t, tempDir(t)));
  const step = 5 * MINUTE_MS;
  const counts: ReturnType<History['rowCounts']>[] = [];
  let now = T0;
  for (let day = 0; day < 40; day++) {
    for (let i = 0; i < DAY_MS / step; i++, now += step) {
      h.record(now, { 'battery.charge': 100, 'input.voltage': 230 + (i % 7) });
      if (i % 12 === 11) h.rollUp(now); // every hour, as the sampler would every five minutes
    }
    if (day >= 38) counts.push(h.rowCounts());
  }
  const last = counts.at(-1)!;
  const perVariable = (n: number): number => n / 2;
  // 48 h / 5 min = 576 samples, plus the one at the edge
  assert.ok(Math.abs(perVariable(last.samples) - TIERS.raw.keepMs / step) <= 1, JSON.stringify(last));
  assert.ok(Math.abs(perVariable(last.buckets['5m']!) - TIERS['5m'].keepMs / step) <= 1, JSON.stringify(last));
  assert.ok(Math.abs(perVariable(last.buckets['1h']!) - TIERS['1h'].keepMs / HOUR_MS) <= 1, JSON.stringify(last));
  // and they stay there: the last two days hold the same number of rows
  assert.deepEqual(counts[0], counts[1]);
  // the 30-day chart is full: 720 hours, each bucket its 12 samples
  const month = h.series('30d', now);
  assert.ok(month.times.length >= 719 && month.times.length <= 721, String(month.times.length));
  assert.ok(month.times[0]! >= now - 30 * DAY_MS);
});

test('marks older than the longest tier are deleted at a roll-up', (t) => {
  const h = history(open(t, tempDir(t)));
  h.mark(T0, 'on-battery');
  h.mark(T0 + 36 * DAY_MS, 'on-line');
  h.rollUp(T0 + 36 * DAY_MS);
  assert.equal(h.rowCounts().marks, 1);
});

test('a UPS whose status flaps leaves at most MAX_MARK_ROWS marks, the newest', (t) => {
  const db = open(t, tempDir(t));
  const h = history(db);
  db.transaction(() => {
    for (let i = 0; i < MAX_MARK_ROWS + 50; i++) h.mark(T0 + i * 1000, i % 2 === 0 ? 'on-battery' : 'on-line');
  })();
  h.rollUp(T0 + (MAX_MARK_ROWS + 50) * 1000);
  assert.equal(h.rowCounts().marks, MAX_MARK_ROWS);
  const oldest = db.prepare('SELECT min(at) AS at FROM history_marks').get() as { at: number };
  assert.equal(oldest.at, T0 + 50 * 1000);
});

for (const range of ['24h', '7d', '30d'] as HistoryRange[]) {
  test(`the ${range} chart's series and the CSV of the same range agree, marks included`, (t) => {
    const h = history(open(t, tempDir(t)));
    const days = range === '24h' ? 1 : range === '7d' ? 3 : 4;
    const now = T0 + days * DAY_MS;
    for (let at = T0; at < now; at += 10 * MINUTE_MS) {
      const i = (at - T0) / (10 * MINUTE_MS);
      h.record(at, { 'battery.charge': 100 - (i % 50), 'ups.load': 20 + (i % 3) / 3, ...(i % 4 === 0 ? { 'ups.temperature': 30.5 } : {}) });
      if (i % 6 === 5) h.rollUp(at);
    }
    h.mark(T0 + 12 * HOUR_MS, 'on-battery');
    h.mark(T0 + 12 * HOUR_MS + 5000, 'low-battery');
    h.mark(T0 + 12 * HOUR_MS + 9000, 'fsd');
    h.mark(T0 + 14 * HOUR_MS, 'on-line');
    const series = h.series(range, now);
    assert.ok(series.times.length > 20, String(series.times.length));
    assert.deepEqual(
      series.variables.map((v) => v.name),
      ['battery.charge', 'ups.load', 'ups.temperature'],
    );
    assert.equal(series.marks.length, 4);
    assertAgree(series, h.csv(range, now));
  });
}

test('the 7-day chart reaches the present before the next roll-up: recent buckets come from the samples', (t) => {
  const h = history(open(t, tempDir(t)));
  recordMinutes(h, T0, 30);
  h.rollUp(T0 + 30 * MINUTE_MS);
  for (let i = 30; i < 60; i++) h.record(T0 + i * MINUTE_MS, { 'ups.load': 10 + i });
  const now = T0 + 60 * MINUTE_MS;
  const week = h.series('7d', now);
  assert.equal(week.times.length, 12);
  assert.equal(week.times.at(-1), T0 + 55 * MINUTE_MS);
  const load = week.variables.find((v) => v.name === 'ups.load')!;
  assert.deepEqual([load.min![11], load.values[11], load.max![11]], [65, 67, 69]);
  // and a roll-up then gives the same buckets
  h.rollUp(now);
  assert.deepEqual(h.series('7d', now), week);
});

test('a clock that still reads 1970 records nothing, marks nothing and deletes nothing', (t) => {
  const h = history(open(t, tempDir(t)));
  recordMinutes(h, T0, 5);
  const boot = 42_000; // 42 s after the epoch: a board that booted without NTP
  assert.equal(h.believable(boot), false);
  assert.equal(h.record(boot, { 'battery.charge': 100 }), 0);
  assert.equal(h.mark(boot, 'on-battery'), false);
  // a roll-up at that time would take every real row for one from the future
  h.rollUp(boot);
  assert.deepEqual(h.rowCounts(), { samples: 10, buckets: { '5m': 0, '1h': 0 }, marks: 0 });
});

test('by default nothing before the build time is recorded', (t) => {
  const h = new History(open(t, tempDir(t)));
  assert.equal(h.record(Date.UTC(1970, 0, 1, 0, 5), { 'battery.charge': 100 }), 0);
  assert.equal(h.record(Date.now(), { 'battery.charge': 100 }), 1);
});

test('rows from the future (a clock that ran ahead, then was set back) go at the next roll-up', (t) => {
  const h = history(open(t, tempDir(t)));
  recordMinutes(h, T0 + DAY_MS, 10); // recorded while the clock was a day ahead
  h.rollUp(T0 + DAY_MS + 10 * MINUTE_MS);
  h.mark(T0 + DAY_MS, 'fsd');
  recordMinutes(h, T0, 10); // the clock was corrected
  h.rollUp(T0 + 10 * MINUTE_MS);
  assert.deepEqual(h.rowCounts(), { samples: 20, buckets: { '5m': 4, '1h': 0 }, marks: 0 });
  assert.equal(h.series('7d', T0 + 10 * MINUTE_MS).times.length, 2);
});

test('an answer carries at most maxPoints times, the newest, and only the marks among them', (t) => {
  const h = history(open(t, tempDir(t)), { maxPoints: 10 });
  recordMinutes(h, T0, 30);
  h.mark(T0 + 5 * MINUTE_MS, 'on-battery');
  h.mark(T0 + 25 * MINUTE_MS, 'on-line');
  const now = T0 + 30 * MINUTE_MS;
  const s = h.series('24h', now);
  assert.equal(s.truncated, true);
  assert.deepEqual(s.times, Array.from({ length: 10 }, (_, i) => T0 + (20 + i) * MINUTE_MS));
  assert.deepEqual(s.marks, [{ at: T0 + 25 * MINUTE_MS, kind: 'on-line' }]);
  assertAgree(s, h.csv('24h', now));
  const week = h.series('7d', now); // 6 buckets: within the bound
  assert.equal(week.truncated, false);
});

test('an answer carries at most maxMarks marks, the newest', (t) => {
  const h = history(open(t, tempDir(t)), { maxMarks: 3 });
  recordMinutes(h, T0, 10);
  for (let i = 0; i < 6; i++) h.mark(T0 + i * MINUTE_MS, i % 2 === 0 ? 'on-battery' : 'on-line');
  const s = h.series('24h', T0 + 10 * MINUTE_MS);
  assert.equal(s.truncated, true);
  assert.deepEqual(
    s.marks.map((m) => m.at),
    [T0 + 3 * MINUTE_MS, T0 + 4 * MINUTE_MS, T0 + 5 * MINUTE_MS],
  );
});

test('an empty history is an empty series and a CSV of its header', (t) => {
  const h = history(open(t, tempDir(t)));
  const s = h.series('30d', T0);
  assert.deepEqual([s.times, s.variables, s.marks, s.truncated, s.stepMs], [[], [], [], false, HOUR_MS]);
  assert.equal(h.csv('30d', T0), 'time,event\r\n');
});
