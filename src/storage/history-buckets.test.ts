// The history's pure parts: which values are sampled, bucket and range arithmetic, power-event marks, the
// pivot into a chart's arrays and the CSV rendering of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DAY_MS,
  HISTORY_VARIABLES,
  HOUR_MS,
  RANGES,
  TIERS,
  bucketStart,
  parseNutNumber,
  parseRange,
  rangeSpan,
  sampleOf,
  tierFor,
} from './history-buckets.ts';
import { csvField, renderCsv } from './history-csv.ts';
import { statusMarks } from './history-marks.ts';
import { pivot, type HistorySeries } from './history-series.ts';

const v = (name: string, value: string) => ({ name, value });

test('a NUT value is a number only when it is plainly written as one', () => {
  assert.equal(parseNutNumber('230.0'), 230);
  assert.equal(parseNutNumber('49.98'), 49.98);
  assert.equal(parseNutNumber('-5'), -5);
  assert.equal(parseNutNumber('100'), 100);
  for (const text of ['', ' ', 'OL', '0x10', '1e3', 'Infinity', 'NaN', '12.', '.5', '1,5', ' 12', '1234567890123456']) {
    assert.equal(parseNutNumber(text), undefined, JSON.stringify(text));
  }
});

test('a sample takes the chart variables that hold numbers, in chart order, whatever the model calls them', () => {
  const sample = sampleOf([
    v('Battery.Charge', '87'),
    v('ups.status', 'OL CHRG'),
    v('input.voltage', '231.5'),
    v('ups.load', 'unknown'),
    v('battery.runtime', '1860'),
    v('ups.realpower.nominal', '900'),
    v('ups.temperature', '31.2'),
  ]);
  assert.deepEqual([...sample], [
    ['battery.charge', 87],
    ['battery.runtime', 1860],
    ['input.voltage', 231.5],
    ['ups.temperature', 31.2],
  ]);
});

test('at most nine variables are sampled, each with a unit', () => {
  assert.equal(HISTORY_VARIABLES.length, 9);
  for (const { name, unit } of HISTORY_VARIABLES) assert.ok(unit.length > 0, name);
  assert.equal(new Set(HISTORY_VARIABLES.map((x) => x.name)).size, 9);
});

test('buckets are aligned to the epoch, so 1-hour buckets start on the hour in UTC', () => {
  const at = Date.UTC(2026, 11, 4, 18, 17, 23, 456);
  assert.equal(bucketStart(at, 5 * 60_000), Date.UTC(2026, 11, 4, 18, 15));
  assert.equal(bucketStart(at, HOUR_MS), Date.UTC(2026, 11, 4, 18));
  assert.equal(bucketStart(Date.UTC(2026, 11, 4, 18), HOUR_MS), Date.UTC(2026, 11, 4, 18));
});

test('24 hours read raw samples, 7 days 5-minute buckets, 30 days 1-hour buckets, each kept longer than shown', () => {
  assert.equal(tierFor('24h').resolution, 'raw');
  assert.equal(tierFor('7d').resolution, '5m');
  assert.equal(tierFor('30d').resolution, '1h');
  for (const range of ['24h', '7d', '30d'] as const) assert.ok(tierFor(range).keepMs > RANGES[range].spanMs, range);
  assert.equal(TIERS['5m'].widthMs, 300_000);
  assert.deepEqual(rangeSpan('7d', 10 * DAY_MS), { from: 3 * DAY_MS, to: 10 * DAY_MS });
});

test('a range is read from a request only when it is one of the three', () => {
  assert.equal(parseRange('24h'), '24h');
  assert.equal(parseRange('30d'), '30d');
  for (const text of ['', '1y', '24H', undefined, null]) assert.equal(parseRange(text), undefined);
});

test('going on battery, low battery and back on line are marked; the first status seen is not', () => {
  assert.deepEqual(statusMarks([], ['OB', 'DISCHRG']), []);
  assert.deepEqual(statusMarks(['OL', 'CHRG'], ['OB', 'DISCHRG']), ['on-battery']);
  assert.deepEqual(statusMarks(['OB', 'DISCHRG'], ['OB', 'DISCHRG', 'LB']), ['low-battery']);
  assert.deepEqual(statusMarks(['OL'], ['OB', 'LB']), ['on-battery', 'low-battery']);
  assert.deepEqual(statusMarks(['OB', 'LB'], ['OL', 'CHRG', 'LB']), ['on-line']);
  assert.deepEqual(statusMarks(['OB'], ['CHRG']), ['on-line']);
  assert.deepEqual(statusMarks(['OL', 'CHRG'], ['OL']), []);
  assert.deepEqual(statusMarks(['OB'], []), []);
});

test('rows become one time axis with an array per variable, null where a variable had no value', () => {
  const { times, variables } = pivot(
    [
      { at: 1000, variable: 'ups.load', value: 20 },
      { at: 1000, variable: 'battery.charge', value: 100 },
      { at: 2000, variable: 'battery.charge', value: 99 },
      { at: 3000, variable: 'ups.load', value: 22 },
      { at: 3000, variable: 'made.up', value: 1 },
    ],
    false,
  );
  assert.deepEqual(times, [1000, 2000, 3000]);
  assert.deepEqual(variables, [
    { name: 'battery.charge', unit: '%', values: [100, 99, null] },
    { name: 'ups.load', unit: '%', values: [20, null, 22] },
  ]);
});

test('bucket rows carry their minimum and maximum beside the average', () => {
  const { variables } = pivot([{ at: 0, variable: 'input.voltage', value: 230, min: 228, max: 233 }], true);
  assert.deepEqual(variables, [{ name: 'input.voltage', unit: 'V', values: [230], min: [228], max: [233] }]);
});

test('a CSV field is quoted only when it holds a comma, a quote or a line break, quotes doubled', () => {
  assert.equal(csvField('battery.charge'), 'battery.charge');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\r\nlines'), '"two\r\nlines"');
});

const base = (over: Partial<HistorySeries>): HistorySeries => ({
  range: '24h',
  resolution: 'raw',
  stepMs: 60_000,
  from: 0,
  to: 0,
  times: [],
  variables: [],
  marks: [],
  truncated: false,
  ...over,
});

test('the CSV has a header, ISO times, CRLF line ends, and marks as rows of their own in time order', () => {
  const t0 = Date.UTC(2026, 11, 4, 12);
  const csv = renderCsv(
    base({
      times: [t0, t0 + 60_000],
      variables: [
        { name: 'battery.charge', unit: '%', values: [100, 98.5] },
        { name: 'ups.load', unit: '%', values: [null, 21] },
      ],
      marks: [
        { at: t0 + 30_000, kind: 'on-battery' },
        { at: t0 + 60_000, kind: 'low-battery' },
      ],
    }),
  );
  assert.equal(
    csv,
    'time,battery.charge,ups.load,event\r\n' +
      '2026-12-04T12:00:00.000Z,100,,\r\n' +
      '2026-12-04T12:00:30.000Z,,,on-battery\r\n' +
      '2026-12-04T12:01:00.000Z,98.5,21,\r\n' +
      '2026-12-04T12:01:00.000Z,,,low-battery\r\n',
  );
});

test('a CSV of buckets has an average, a minimum and a maximum column per variable', () => {
  const csv = renderCsv(
    base({ resolution: '1h', times: [0], variables: [{ name: 'input.voltage', unit: 'V', values: [230], min: [228], max: [233] }] }),
  );
  assert.equal(csv, 'time,input.voltage avg,input.voltage min,input.voltage max,event\r\n1970-01-01T00:00:00.000Z,230,228,233,\r\n');
});

test('an empty history is a CSV of its header alone', () => {
  assert.equal(renderCsv(base({})), 'time,event\r\n');
});
