// The UPS model as nut_exporter (github.com/DRuggeri/nut_exporter) shows it to Prometheus, so that Grafana
// dashboards and alerts written for it (its own dashboard/dashboard.json among them) work against walnut's
// /metrics unchanged. Pure: a view of the model in, metric families out.
//
// Facts taken from nut_exporter v3.2.5 (commit de46e1d) and the NUT client library it uses, go.nut
// (github.com/robbiet480/go.nut, bd8f121e, the version nut_exporter's go.mod pins):
//   - namespace `network_ups_tools` (nut_exporter.go, --metrics.namespace default); a variable's metric is
//     the namespace, `_`, and the variable name with every `.` and `-` replaced by `_`
//     (collectors/nut_collector.go: battery.charge → network_ups_tools_battery_charge); every metric is a gauge;
//   - HELP is "<GET DESC text> (<variable>)" (nut_collector.go); upsd's text for a name it does not know is
//     "Description unavailable";
//   - a value counts when go.nut coerces it: `^-?[0-9\.]+$` with one dot parsed as float64, with none as
//     int64 (two dots, a lone `-` or `.`, or an int64 overflow stay strings); "enabled" / "disabled" become
//     true / false, i.e. 1 / 0 (ups.go GetVariables). Other strings become 1 / 0 only through --nut.on_regex /
//     --nut.off_regex, whose defaults are ^(enable|enabled|on|true|active|activated)$ and
//     ^(disable|disabled|off|false|inactive|deactivated)$, case-insensitive (nut_exporter.go); any other string
//     is skipped. walnut applies the defaults, so ups.beeper.status "enabled" is 1 as with nut_exporter. The
//     same rule exports a hex ID of decimal digits as the decimal number (ups.productid "0002" → 2, "051d"
//     skipped): wrong as a number, but what series of that name hold today;
//   - ups.status is `network_ups_tools_ups_status{flag="X"} 1` for every flag in the value, and 0 for each
//     flag of --nut.statuses that is not set; that list's default is exactly
//     OL,OB,LB,HB,RB,CHRG,DISCHRG,BYPASS,CAL,OFF,OVER,TRIM,BOOST,FSD,SD (nut_exporter.go, README "ups.status
//     handling"); a flag outside the list still gets its 1;
//   - `network_ups_tools_device_info` is 1 with the labels model, mfr, serial, type, description, contact,
//     location, part, macaddr taken from device.<label> ("" when the variable is absent), HELP "UPS Device
//     information" (nut_collector.go deviceLabels); numeric device.* variables (device.uptime) are gauges too.
//     (nut_exporter takes the label from the second word of any device.* name, so a device.x.y would overwrite
//     device.x; walnut takes only the two-word names, which are all NUT defines);
//   - no `ups` label on any series: nut_exporter serves one UPS per scrape (?ups=NAME) and its README has the
//     Prometheus scrape config add `ups` as a target label, which the dashboard then selects on
//     (ups="$ups"). A label of our own would clash with that one (Prometheus would rename ours exported_ups),
//     so walnut, which serves one UPS, matches it and leaves the label to the scrape config;
//   - every variable is exported, as nut_exporter does with --nut.vars_enable="" (its default list is only
//     battery.charge, battery.voltage(.nominal), input.voltage(.nominal), ups.load, ups.status; the dashboard
//     also reads battery.runtime and battery.voltage.high/low, so its users widen it).
//
// A UPS that is stale or not connected has no series here at all. upsd answers LIST VAR with DATA-STALE or
// DRIVER-NOT-CONNECTED then, go.nut returns an error and nut_exporter fails the scrape, so dashboards already
// show a gap for it. Repeating the last values instead would draw a UPS that nobody is hearing from as
// healthy; walnut's own walnut_ups_available (health.ts) says why the series are missing, and walnut's other
// health metrics stay visible, which is the point of having them when the UPS is unplugged.
import { describeVariable } from '../ups/descriptions.ts';
import type { Availability, UpsModel } from '../ups/model.ts';
import type { MetricFamily, Sample } from './exposition.ts';

export const NAMESPACE = 'network_ups_tools';

/** nut_exporter's --nut.statuses default: these flags are always exported, 0 when not set. */
export const STATUS_FLAGS = ['OL', 'OB', 'LB', 'HB', 'RB', 'CHRG', 'DISCHRG', 'BYPASS', 'CAL', 'OFF', 'OVER', 'TRIM', 'BOOST', 'FSD', 'SD'] as const;

/** nut_exporter's deviceLabels, in its order: the device.* variables that become network_ups_tools_device_info labels. */
export const DEVICE_INFO_LABELS = ['model', 'mfr', 'serial', 'type', 'description', 'contact', 'location', 'part', 'macaddr'] as const;

/** What the mapping reads of the UPS model (UpsModel satisfies it; tests may pass a plain object). */
export type UpsView = Pick<UpsModel, 'variables' | 'statusTokens' | 'availability' | 'fsd'>;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const ON = /^(enable|enabled|on|true|active|activated)$/i;
const OFF = /^(disable|disabled|off|false|inactive|deactivated)$/i;

/** The number nut_exporter exports for a NUT value, or undefined when it skips the variable (see the top). */
export function exporterValue(raw: string): number | undefined {
  const value = raw.replace(/^ +| +$/g, ''); // go.nut trims blanks around the quoted value
  if (/^-?[0-9.]+$/.test(value)) {
    const dots = value.split('.').length - 1;
    if (dots === 1) {
      const n = Number(value); // ParseFloat: "1." and ".5" parse, "." and "-." do not
      if (Number.isFinite(n)) return n;
    } else if (dots === 0 && /[0-9]/.test(value)) {
      const n = BigInt(value);
      if (n >= INT64_MIN && n <= INT64_MAX) return Number(n);
    }
    // a numeric-looking value go.nut could not parse stays a string and falls through to the regexes
  }
  if (ON.test(value)) return 1;
  if (OFF.test(value)) return 0;
  return undefined;
}

/** The metric name nut_exporter gives a variable: battery.charge → network_ups_tools_battery_charge. */
export function exporterName(variable: string): string {
  return `${NAMESPACE}_${variable.replace(/[.-]/g, '_')}`;
}

function help(variable: string): string {
  return `${describeVariable(variable) ?? 'Description unavailable'} (${variable})`;
}

/** The ups.status flags as clients see them: the FSD latch first, as upsd's GET VAR shows it (model.visibleValue). */
function visibleFlags(ups: UpsView): string[] {
  return [...new Set(ups.fsd ? ['FSD', ...ups.statusTokens()] : ups.statusTokens())];
}

function statusFamily(ups: UpsView): MetricFamily {
  const set = visibleFlags(ups);
  const flags = [...STATUS_FLAGS, ...set.filter((f) => !(STATUS_FLAGS as readonly string[]).includes(f))];
  const samples: Sample[] = flags.map((flag) => ({ labels: { flag }, value: set.includes(flag) ? 1 : 0 }));
  return { name: exporterName('ups.status'), help: help('ups.status'), type: 'gauge', samples };
}

/** nut_exporter's families for the UPS; none unless it is available (see the top for why). */
export function nutExporterFamilies(ups: UpsView): MetricFamily[] {
  const availability: Availability = ups.availability();
  if (availability !== 'ok') return [];
  const families: MetricFamily[] = [];
  const device: Record<string, string> = Object.fromEntries(DEVICE_INFO_LABELS.map((l) => [l, '']));
  for (const v of ups.variables()) {
    const lower = v.name.toLowerCase();
    if (lower.startsWith('device.')) {
      const label = lower.slice('device.'.length);
      if ((DEVICE_INFO_LABELS as readonly string[]).includes(label)) device[label] = v.value;
    }
    if (lower === 'ups.status') {
      families.push(statusFamily(ups));
      continue;
    }
    const value = exporterValue(v.value);
    if (value === undefined) continue;
    families.push({ name: exporterName(v.name), help: help(v.name), type: 'gauge', samples: [{ value }] });
  }
  families.push({ name: `${NAMESPACE}_device_info`, help: 'UPS Device information', type: 'gauge', samples: [{ labels: device, value: 1 }] });
  return families;
}
