// The history as a chart reads it, pure: the JSON shape History.series returns (and History.csv renders), and
// the pivot from SQLite's one-row-per-variable-and-time into one time axis with an array per variable.
import { HISTORY_VARIABLES, isHistoryVariable, unitOf, type HistoryRange, type HistoryVariable, type Resolution } from './history-buckets.ts';
import type { MarkKind } from './history-marks.ts';

export interface SeriesVariable {
  name: HistoryVariable;
  unit: string;
  /** one per entry of `times`: the sample (raw) or the bucket's average; null where it has none */
  values: (number | null)[];
  /** aggregates only: each bucket's lowest and highest sample */
  min?: (number | null)[];
  max?: (number | null)[];
}

export interface HistoryMark {
  /** unix milliseconds */
  at: number;
  kind: MarkKind;
}

export interface HistorySeries {
  range: HistoryRange;
  resolution: Resolution;
  /** the sampling interval (raw) or the bucket width, in milliseconds: a gap in `times` wider than about twice
   *  this is a time walnut had no data (stopped, UPS unplugged), which a chart should not draw a line across */
  stepMs: number;
  /** the span asked for, unix milliseconds, both inclusive */
  from: number;
  to: number;
  /** unix milliseconds, ascending: sample times, or bucket starts */
  times: number[];
  /** the variables that have data in the span, in HISTORY_VARIABLES order */
  variables: SeriesVariable[];
  /** power events in the span, oldest first */
  marks: HistoryMark[];
  /** true when the span held more points (or marks) than one answer carries: the oldest were left out */
  truncated: boolean;
}

/** One row as SQLite returns it; rows arrive ordered by time. */
export interface SeriesRow {
  at: number;
  variable: string;
  value: number;
  min?: number | null | undefined;
  max?: number | null | undefined;
}

/** Rows (ordered by `at`) as one time axis and one array per variable; `aggregate` adds min and max. */
export function pivot(rows: Iterable<SeriesRow>, aggregate: boolean): { times: number[]; variables: SeriesVariable[] } {
  const times: number[] = [];
  const columns = new Map<HistoryVariable, SeriesVariable>();
  for (const r of rows) {
    if (!isHistoryVariable(r.variable)) continue; // written by a newer walnut that samples more
    if (times.length === 0 || times[times.length - 1] !== r.at) times.push(r.at);
    const i = times.length - 1;
    let c = columns.get(r.variable);
    if (!c) {
      c = { name: r.variable, unit: unitOf(r.variable), values: [], ...(aggregate ? { min: [], max: [] } : {}) };
      columns.set(r.variable, c);
    }
    fill(c.values, i, r.value);
    if (aggregate) {
      fill(c.min!, i, r.min ?? null);
      fill(c.max!, i, r.max ?? null);
    }
  }
  const variables = HISTORY_VARIABLES.flatMap(({ name }) => columns.get(name) ?? []);
  for (const c of variables) {
    pad(c.values, times.length);
    if (c.min) pad(c.min, times.length);
    if (c.max) pad(c.max, times.length);
  }
  return { times, variables };
}

/** Sets `column[i]`, nulls standing for the times before it where the variable had no value. */
function fill(column: (number | null)[], i: number, value: number | null): void {
  pad(column, i);
  column[i] = value;
}

function pad(column: (number | null)[], length: number): void {
  while (column.length < length) column.push(null);
}
