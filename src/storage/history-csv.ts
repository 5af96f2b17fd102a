// The history as CSV (RFC 4180): the same HistorySeries a chart gets, so the file and the chart always agree.
// A header row; one row per time, its time in ISO 8601 UTC; for buckets, each variable's average, minimum and
// maximum; power-event marks as rows of their own, in time order, with the kind in the last column. CRLF line
// ends, as the RFC says; a field is quoted only when it must be.
import type { HistorySeries } from './history-series.ts';

const CRLF = '\r\n';

/** One field: quoted, with quotes doubled, when it holds a comma, a quote or a line break (RFC 4180 §2.6-2.7). */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const csvLine = (fields: readonly string[]): string => fields.map(csvField).join(',') + CRLF;

const cell = (v: number | null | undefined): string => (v === null || v === undefined ? '' : String(v));

/** The column names after `time`: `battery.charge`, or `battery.charge avg`, `... min`, `... max` for buckets. */
export function csvHeader(series: HistorySeries): string[] {
  const aggregate = series.resolution !== 'raw';
  return [
    'time',
    ...series.variables.flatMap((v) => (aggregate ? [`${v.name} avg`, `${v.name} min`, `${v.name} max`] : [v.name])),
    'event',
  ];
}

export function renderCsv(series: HistorySeries): string {
  const aggregate = series.resolution !== 'raw';
  const width = csvHeader(series).length;
  let out = csvLine(csvHeader(series));
  let m = 0;
  const markRow = (): string => {
    const mark = series.marks[m++]!;
    return csvLine([new Date(mark.at).toISOString(), ...Array<string>(width - 2).fill(''), mark.kind]);
  };
  series.times.forEach((at, i) => {
    // a mark goes before the samples of a later time, after those of its own time
    while (m < series.marks.length && series.marks[m]!.at < at) out += markRow();
    const values = series.variables.flatMap((v) =>
      aggregate ? [cell(v.values[i]), cell(v.min?.[i]), cell(v.max?.[i])] : [cell(v.values[i])],
    );
    out += csvLine([new Date(at).toISOString(), ...values, '']);
  });
  while (m < series.marks.length) out += markRow();
  return out;
}
