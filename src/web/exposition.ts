// Prometheus text exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/):
// `# HELP name text`, `# TYPE name gauge|counter|untyped`, then one `name{label="value"} number` line per
// sample. Pure: families in, text out. Written here rather than taken from prom-client because walnut has no
// registry to keep (every scrape renders the model as it is now) and takes no new npm dependency.
//
// Rules the format sets and this writer keeps, so that callers need not:
//   - metric names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*: other characters
//     become `_`, a leading digit gets a `_` in front;
//   - label values escape `\` `"` and newline; HELP text escapes `\` and newline (a `"` is literal there);
//   - a family's HELP and TYPE come once, before all its samples: families given twice under one name are
//     merged into the first (a clash of types is a bug in the caller and throws);
//   - a series (name and label set) appears once: a later duplicate is dropped, as two values for one series
//     would make the scrape ambiguous (client_golang fails the whole scrape instead);
//   - counters end in `_total` (promtool's lint asks for it): the suffix is added when missing.

export type MetricType = 'gauge' | 'counter' | 'untyped';

export interface Sample {
  /** label name → value, written in this order */
  readonly labels?: Readonly<Record<string, string>> | undefined;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly samples: readonly Sample[];
}

/** A valid metric name from any text: invalid characters become `_`, a leading digit gets `_` before it. */
export function metricName(raw: string): string {
  const name = raw.replace(/[^a-zA-Z0-9_:]/g, '_');
  return name === '' || /^[0-9]/.test(name) ? `_${name}` : name;
}

/** A valid label name: as metricName, without the colon (reserved for recording rules in metric names only). */
export function labelName(raw: string): string {
  const name = raw.replace(/[^a-zA-Z0-9_]/g, '_');
  return name === '' || /^[0-9]/.test(name) ? `_${name}` : name;
}

export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

export function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'));
}

/** Go's ParseFloat spellings for the special values; other numbers as JavaScript prints them (1e+21, 0.5). */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function familyName(family: MetricFamily): string {
  const name = metricName(family.name);
  return family.type === 'counter' && !name.endsWith('_total') ? `${name}_total` : name;
}

function labelText(labels: Sample['labels']): string {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${labelName(k)}="${escapeLabelValue(v)}"`).join(',')}}`;
}

/** The exposition text for these families, ending in a newline; families without samples are left out. */
export function writeExposition(families: Iterable<MetricFamily>): string {
  const merged = new Map<string, { help: string; type: MetricType; series: Map<string, number> }>();
  for (const family of families) {
    const name = familyName(family);
    let entry = merged.get(name);
    if (!entry) {
      entry = { help: family.help, type: family.type, series: new Map() };
      merged.set(name, entry);
    } else if (entry.type !== family.type) {
      throw new TypeError(`metric family ${name} given as both ${entry.type} and ${family.type}`);
    }
    for (const sample of family.samples) {
      const labels = labelText(sample.labels);
      if (!entry.series.has(labels)) entry.series.set(labels, sample.value);
    }
  }
  const lines: string[] = [];
  for (const [name, { help, type, series }] of merged) {
    if (series.size === 0) continue;
    lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of series) lines.push(`${name}${labels} ${formatValue(value)}`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
