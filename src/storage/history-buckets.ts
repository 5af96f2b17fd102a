// The history's arithmetic, pure: which variables are sampled, the resolutions (tiers) and how long each is
// kept, which tier a chart range reads, bucket alignment, and parsing a NUT value as a number. History
// (history.ts) applies it to SQLite; the sampler (src/appliance/history-sampler.ts) to the UPS model.

/** The variables worth a chart, in the order a chart and the CSV list them; a UPS reports some of them. */
export const HISTORY_VARIABLES = [
  { name: 'battery.charge', unit: '%' },
  { name: 'battery.runtime', unit: 's' },
  { name: 'ups.load', unit: '%' },
  { name: 'input.voltage', unit: 'V' },
  { name: 'output.voltage', unit: 'V' },
  { name: 'battery.voltage', unit: 'V' },
  { name: 'input.frequency', unit: 'Hz' },
  { name: 'ups.temperature', unit: '°C' },
  { name: 'battery.temperature', unit: '°C' },
] as const;

export type HistoryVariable = (typeof HISTORY_VARIABLES)[number]['name'];

const VARIABLE_NAMES: ReadonlySet<string> = new Set(HISTORY_VARIABLES.map((v) => v.name));

export const isHistoryVariable = (name: string): name is HistoryVariable => VARIABLE_NAMES.has(name);

export const unitOf = (name: HistoryVariable): string => HISTORY_VARIABLES.find((v) => v.name === name)!.unit;

/**
 * A NUT value as a number, or undefined when it is not plainly one. Stricter than Number(): that reads "" and
 * " " as 0, and "0x10", "1e3" and "Infinity" as numbers; NUT drivers print decimals ("230.0", "-5", "49.98").
 */
export function parseNutNumber(text: string): number | undefined {
  if (!/^-?\d{1,15}(\.\d{1,15})?$/.test(text)) return undefined;
  return Number(text);
}

/** The sampled variables among `variables` (the UPS model's list) that hold a number, in HISTORY_VARIABLES order. */
export function sampleOf(variables: Iterable<{ readonly name: string; readonly value: string }>): Map<HistoryVariable, number> {
  const found = new Map<string, number>();
  for (const v of variables) {
    const name = v.name.toLowerCase(); // the model's names are canonical as the driver spelled them
    if (!isHistoryVariable(name)) continue;
    const n = parseNutNumber(v.value);
    if (n !== undefined) found.set(name, n);
  }
  const out = new Map<HistoryVariable, number>();
  for (const { name } of HISTORY_VARIABLES) if (found.has(name)) out.set(name, found.get(name)!);
  return out;
}

// ---- tiers: the resolutions and their retention ----

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** The sampling interval's bounds (the config's history.intervalSeconds, history-bounds.ts says why). */
export const MIN_INTERVAL_SECONDS = 5;
export const MAX_INTERVAL_SECONDS = 3600;

export type Resolution = 'raw' | '5m' | '1h';

export interface Tier {
  readonly resolution: Resolution;
  /** bucket width; 0 for raw samples (their spacing is the sampling interval) */
  readonly widthMs: number;
  /** rows older than this are deleted at each roll-up */
  readonly keepMs: number;
}

/**
 * Each tier is kept a little longer than the chart range that reads it, so that the range is always full and
 * a roll-up that ran late (walnut was stopped) still finds its samples: raw 48 h for the 24 h chart, 5-minute
 * buckets 8 days for the 7-day chart (2016 points), 1-hour buckets 35 days for the 30-day chart (720 points).
 * At the default 60 s interval and 9 variables that is about 26 000 + 21 000 + 7600 rows: a few MB.
 */
export const TIERS: Readonly<Record<Resolution, Tier>> = {
  raw: { resolution: 'raw', widthMs: 0, keepMs: 48 * HOUR_MS },
  '5m': { resolution: '5m', widthMs: 5 * MINUTE_MS, keepMs: 8 * DAY_MS },
  '1h': { resolution: '1h', widthMs: HOUR_MS, keepMs: 35 * DAY_MS },
};

/** The tiers made by rolling raw samples up, finest first. */
export const AGGREGATE_TIERS: readonly Tier[] = [TIERS['5m'], TIERS['1h']];

/** Start of the bucket of `widthMs` that holds `at` (buckets are aligned to the unix epoch, so to UTC hours). */
export const bucketStart = (at: number, widthMs: number): number => Math.floor(at / widthMs) * widthMs;

// ---- chart ranges ----

export type HistoryRange = '24h' | '7d' | '30d';

export const RANGES: Readonly<Record<HistoryRange, { readonly spanMs: number; readonly resolution: Resolution }>> = {
  '24h': { spanMs: DAY_MS, resolution: 'raw' },
  '7d': { spanMs: 7 * DAY_MS, resolution: '5m' },
  '30d': { spanMs: 30 * DAY_MS, resolution: '1h' },
};

/** A range named in a request (`?range=7d`), or undefined for anything else. */
export const parseRange = (text: string | null | undefined): HistoryRange | undefined =>
  text === '24h' || text === '7d' || text === '30d' ? text : undefined;

/** The tier a chart of `range` reads: its points stay near 1000-2000 whatever the range. */
export const tierFor = (range: HistoryRange): Tier => TIERS[RANGES[range].resolution];

/** The time span a chart of `range` shows at `now`: [from, to], both inclusive. */
export function rangeSpan(range: HistoryRange, now: number): { from: number; to: number } {
  return { from: now - RANGES[range].spanMs, to: now };
}
