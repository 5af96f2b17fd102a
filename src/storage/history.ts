// The history of the main numeric variables in walnut.db (migration 5): samples as the sampler records them,
// rolled up into 5-minute and 1-hour buckets (min, average, max) and deleted by age (history-buckets.ts TIERS),
// power-event marks beside them; read back as one chart series (history-series.ts) or the same as CSV.
//
// Times are the caller's clock, in unix milliseconds. A board without a battery-backed clock boots in 1970 and
// keeps that time until NTP answers: a sample stamped then would be filed 56 years back (and dropped as too old
// at the next roll-up), and a roll-up run then would take every real row for one from the future. So nothing
// before `notBefore`, the build time (src/util/build-info.ts), is recorded, and no roll-up runs at such a time.
//
// Bounded: only the HISTORY_VARIABLES are stored (9 at most per time); retention bounds every table by age, and
// row caps bound it against a caller that records far more often than the interval; one answer carries at most
// `maxPoints` times and `maxMarks` marks, the newest.
import type { Db } from './database.ts';
import {
  AGGREGATE_TIERS,
  HISTORY_VARIABLES,
  MIN_INTERVAL_SECONDS,
  TIERS,
  bucketStart,
  isHistoryVariable,
  rangeSpan,
  tierFor,
  type HistoryRange,
  type Tier,
} from './history-buckets.ts';
import { renderCsv } from './history-csv.ts';
import { isMarkKind, type MarkKind } from './history-marks.ts';
import { pivot, type HistoryMark, type HistorySeries, type SeriesRow } from './history-series.ts';
import { immediate } from './sqlite.ts';
import { BUILD } from '../util/build-info.ts';

/** Times in one answer: the 24 h chart at the shortest interval is 17 280. */
export const MAX_POINTS = 20_000;
/** Marks in one answer, and in the table: a UPS whose status flaps still leaves a readable chart. */
export const MAX_MARKS = 1000;
export const MAX_MARK_ROWS = 10_000;
/** The raw tier's rows at the shortest interval, every variable present; only a caller that records more often
 *  than any interval allows reaches it. */
export const MAX_SAMPLE_ROWS = (TIERS.raw.keepMs / (MIN_INTERVAL_SECONDS * 1000)) * HISTORY_VARIABLES.length;

export interface HistoryOptions {
  /** the sampling interval, reported as the raw series' stepMs (default 60 s) */
  sampleIntervalMs?: number;
  /** the earliest time believed (default: the build time) */
  notBefore?: number;
  maxPoints?: number;
  maxMarks?: number;
}

/** A bucket's average, rounded to what a UPS reports (its values have at most two decimals) and kept inside
 *  [min, max] despite rounding, as the table's CHECK wants. */
const AVG = 'min(max(round(avg(value), 3), min(value)), max(value))';

export class History {
  private readonly db: Db;
  private readonly sampleIntervalMs: number;
  private readonly notBefore: number;
  private readonly maxPoints: number;
  private readonly maxMarks: number;
  private readonly insertSample;
  private readonly insertMark;

  constructor(db: Db, options: HistoryOptions = {}) {
    this.db = db;
    this.sampleIntervalMs = options.sampleIntervalMs ?? 60_000;
    this.notBefore = options.notBefore ?? BUILD.builtAt ?? 0;
    this.maxPoints = options.maxPoints ?? MAX_POINTS;
    this.maxMarks = options.maxMarks ?? MAX_MARKS;
    this.insertSample = db.prepare<[number, string, number]>('INSERT OR REPLACE INTO history_samples (at, variable, value) VALUES (?, ?, ?)');
    this.insertMark = db.prepare<[number, string]>('INSERT INTO history_marks (at, kind) VALUES (?, ?)');
  }

  /** Whether `at` is a time the clock can be believed at (not a boot-time 1970 clock). */
  believable(at: number): boolean {
    return Number.isFinite(at) && at >= this.notBefore;
  }

  /** Stores one sample of each variable in `values` at `at`, in one transaction. Names outside
   *  HISTORY_VARIABLES and values that are not finite numbers are skipped. Returns how many were stored. */
  record(at: number, values: ReadonlyMap<string, number> | Readonly<Record<string, number>>): number {
    if (!this.believable(at)) return 0;
    const t = Math.floor(at);
    const entries = (values instanceof Map ? [...values] : Object.entries(values)).filter(
      ([name, v]) => isHistoryVariable(name) && typeof v === 'number' && Number.isFinite(v),
    );
    if (entries.length === 0) return 0;
    immediate(this.db, () => {
      for (const [name, v] of entries) this.insertSample.run(t, name, v);
    });
    return entries.length;
  }

  /** Stores a power-event mark. Returns false when the clock cannot be believed. */
  mark(at: number, kind: MarkKind): boolean {
    if (!this.believable(at)) return false;
    this.insertMark.run(Math.floor(at), kind);
    return true;
  }

  /**
   * Aggregates every bucket completed by `now` that is not yet aggregated, then deletes what each tier keeps no
   * longer, in one IMMEDIATE transaction (the CLI shares the file). Rows stamped after `now` go first: a clock
   * that ran ahead and was stepped back would leave them holding the roll-up's watermark in the future, and the
   * chart drawing past its right edge.
   */
  rollUp(now: number): void {
    if (!this.believable(now)) return;
    const t = Math.floor(now);
    immediate(this.db, () => {
      this.db.prepare('DELETE FROM history_samples WHERE at > ?').run(t);
      this.db.prepare('DELETE FROM history_buckets WHERE start > ?').run(t);
      this.db.prepare('DELETE FROM history_marks WHERE at > ?').run(t);
      for (const tier of AGGREGATE_TIERS) this.aggregate(tier, t);
      this.db.prepare('DELETE FROM history_samples WHERE at < ?').run(t - TIERS.raw.keepMs);
      for (const tier of AGGREGATE_TIERS) {
        this.db.prepare('DELETE FROM history_buckets WHERE width = ? AND start < ?').run(tier.widthMs, t - tier.keepMs);
      }
      // marks are kept as long as the longest tier: they are drawn on its chart
      this.db.prepare('DELETE FROM history_marks WHERE at < ?').run(t - TIERS['1h'].keepMs);
      this.cap('history_samples', 'at', MAX_SAMPLE_ROWS);
      this.cap('history_marks', 'at', MAX_MARK_ROWS);
    });
  }

  /** The chart's data for `range` ending at `now`: see HistorySeries (history-series.ts). */
  series(range: HistoryRange, now: number): HistorySeries {
    const tier = tierFor(range);
    const { from, to } = rangeSpan(range, now);
    const read = tier.widthMs === 0 ? this.readSamples(from, to) : this.readBuckets(tier, from, to);
    let { times, variables } = pivot(read.rows, tier.widthMs !== 0);
    let truncated = read.truncated;
    if (times.length > this.maxPoints) {
      const cut = times.length - this.maxPoints;
      times = times.slice(cut);
      for (const v of variables) {
        v.values = v.values.slice(cut);
        if (v.min) v.min = v.min.slice(cut);
        if (v.max) v.max = v.max.slice(cut);
      }
      variables = variables.filter((v) => v.values.some((x) => x !== null));
      truncated = true;
    }
    // when the oldest points were left out, so are the marks among them: the chart and the CSV show one span
    const marks = this.readMarks(truncated && times.length > 0 ? times[0]! : from, to);
    return {
      range,
      resolution: tier.resolution,
      stepMs: tier.widthMs === 0 ? this.sampleIntervalMs : tier.widthMs,
      from,
      to,
      times,
      variables,
      marks: marks.marks,
      truncated: truncated || marks.truncated,
    };
  }

  /** The same data as series(range, now), as CSV (history-csv.ts). */
  csv(range: HistoryRange, now: number): string {
    return renderCsv(this.series(range, now));
  }

  /** Rows per table (tests, diagnostics). */
  rowCounts(): { samples: number; buckets: Record<string, number>; marks: number } {
    const count = (sql: string, ...args: number[]): number => (this.db.prepare(sql).get(...args) as { n: number }).n;
    const buckets: Record<string, number> = {};
    for (const tier of AGGREGATE_TIERS) buckets[tier.resolution] = count('SELECT count(*) AS n FROM history_buckets WHERE width = ?', tier.widthMs);
    return {
      samples: count('SELECT count(*) AS n FROM history_samples'),
      buckets,
      marks: count('SELECT count(*) AS n FROM history_marks'),
    };
  }

  // ---- inside ----

  /** Rolls the samples of buckets completed by `now`, after the newest bucket already made, into `tier`. */
  private aggregate(tier: Tier, now: number): void {
    const w = tier.widthMs;
    const newest = (this.db.prepare('SELECT max(start) AS s FROM history_buckets WHERE width = ?').get(w) as { s: number | null }).s;
    const since = newest === null ? 0 : newest + w;
    const until = bucketStart(now, w); // the bucket holding `now` is still filling
    if (since >= until) return;
    // the width is one of TIERS' integer constants, written into the SQL: better-sqlite3 binds every JS number
    // as a REAL, and at / 300000.0 would not be the integer division that aligns a bucket
    this.db
      .prepare(
        `INSERT OR REPLACE INTO history_buckets (width, start, variable, min, avg, max, samples)
         SELECT ${w}, (at / ${w}) * ${w} AS bucket, variable, min(value), ${AVG}, max(value), count(*)
         FROM history_samples WHERE at >= ? AND at < ? GROUP BY bucket, variable`,
      )
      .run(since, until);
  }

  /** Raw samples in [from, to], at most maxPoints times: the newest. */
  private readSamples(from: number, to: number): { rows: SeriesRow[]; truncated: boolean } {
    const oldest = this.db
      .prepare<[number, number, number], { at: number }>(
        'SELECT DISTINCT at FROM history_samples WHERE at >= ? AND at <= ? ORDER BY at DESC LIMIT 1 OFFSET ?',
      )
      .get(from, to, this.maxPoints);
    // a time beyond the first maxPoints exists: start just after it
    const start = oldest ? oldest.at + 1 : from;
    const rows = this.db
      .prepare<[number, number], SeriesRow>('SELECT at, variable, value FROM history_samples WHERE at >= ? AND at <= ? ORDER BY at')
      .all(start, to);
    return { rows, truncated: oldest !== undefined };
  }

  /**
   * Buckets of `tier` starting in [from, to]: those already rolled up, then the ones since the last roll-up
   * computed from the samples as they stand, so the chart's right edge is as fresh as the 24 h one.
   */
  private readBuckets(tier: Tier, from: number, to: number): { rows: SeriesRow[]; truncated: boolean } {
    const w = tier.widthMs;
    const newest = (this.db.prepare('SELECT max(start) AS s FROM history_buckets WHERE width = ?').get(w) as { s: number | null }).s;
    const live = newest === null ? bucketStart(from, w) : newest + w;
    const rows = this.db
      .prepare<[number, number, number, number, number, number], SeriesRow>(
        `SELECT start AS at, variable, avg AS value, min, max FROM history_buckets
           WHERE width = ${w} AND start >= ? AND start <= ? AND start < ?
         UNION ALL
         SELECT * FROM (
           SELECT (at / ${w}) * ${w} AS at, variable, ${AVG} AS value, min(value) AS min, max(value) AS max
           FROM history_samples WHERE at >= ? AND at <= ? GROUP BY 1, variable
         ) WHERE at >= ?
         ORDER BY at`,
      )
      .all(from, to, live, live, to, from);
    return { rows, truncated: false };
  }

  /** Marks in [from, to], at most maxMarks: the newest. */
  private readMarks(from: number, to: number): { marks: HistoryMark[]; truncated: boolean } {
    const rows = this.db
      .prepare<[number, number, number], { at: number; kind: string }>(
        'SELECT at, kind FROM history_marks WHERE at >= ? AND at <= ? ORDER BY at DESC, id DESC LIMIT ?',
      )
      .all(from, to, this.maxMarks + 1);
    const truncated = rows.length > this.maxMarks;
    const marks = rows
      .slice(0, this.maxMarks)
      .reverse()
      .flatMap((r) => (isMarkKind(r.kind) ? [{ at: r.at, kind: r.kind }] : []));
    return { marks, truncated };
  }

  /** Deletes the oldest rows of `table` past `max` (rows sharing the max-th newest time all stay). */
  private cap(table: string, column: string, max: number): void {
    this.db
      .prepare(`DELETE FROM ${table} WHERE ${column} < (SELECT ${column} FROM ${table} ORDER BY ${column} DESC LIMIT 1 OFFSET ?)`)
      .run(max - 1);
  }
}
