// `ups.status` in plain words for people (the web page) — the flags are NUT's (docs/nut-protocol.md, "ups.status";
// ../shared/reference/hid-power-device.md "status derivation"). Pure: the page bundles it for the browser too.

/** What each NUT status flag means, in the words the dashboard shows. Unknown flags are shown raw. */
export const STATUS_FLAG_WORDS: Readonly<Record<string, string>> = {
  OL: 'On line',
  OB: 'On battery',
  LB: 'Low battery',
  HB: 'High battery',
  RB: 'Replace battery',
  CHRG: 'Charging',
  DISCHRG: 'Discharging',
  BYPASS: 'Bypass',
  CAL: 'Calibrating',
  OFF: 'Output off',
  OVER: 'Overloaded',
  TRIM: 'Trimming voltage',
  BOOST: 'Boosting voltage',
  FSD: 'Forced shutdown',
  ALARM: 'Alarm',
  TEST: 'Testing',
  ECO: 'Eco mode',
  SD: 'Shutting down',
};

/** How serious the headline is: the page colours it, and screen readers hear the words either way. */
export type StatusTone = 'ok' | 'warn' | 'alarm' | 'unknown';

export interface StatusSummary {
  /** the headline: the most important condition first ("On battery, Low battery") */
  headline: string;
  tone: StatusTone;
  /** every flag with its words, in the order the UPS gave them */
  flags: { flag: string; words: string }[];
}

// the order a person needs them: what threatens the load first, then where the power comes from, then the rest
const HEADLINE_ORDER = ['FSD', 'SD', 'LB', 'OVER', 'OB', 'BYPASS', 'OFF', 'RB', 'ALARM', 'CAL', 'TEST', 'OL'];
const ALARMS = new Set(['FSD', 'SD', 'LB', 'OVER', 'OFF', 'ALARM']);
const WARNINGS = new Set(['OB', 'BYPASS', 'RB', 'CAL', 'TEST', 'TRIM', 'BOOST', 'HB']);

/** `ups.status` text ("OB DISCHRG LB") → the headline, its tone and each flag's words. */
export function summarizeStatus(status: string | undefined): StatusSummary {
  const tokens = (status ?? '').split(/\s+/).filter((t) => t.length > 0);
  const flags = tokens.map((flag) => ({ flag, words: STATUS_FLAG_WORDS[flag.toUpperCase()] ?? flag }));
  if (flags.length === 0) return { headline: 'Unknown', tone: 'unknown', flags };
  const upper = new Set(tokens.map((t) => t.toUpperCase()));
  const main = HEADLINE_ORDER.filter((f) => upper.has(f));
  // on line and charging is the everyday state worth saying; on battery, "Discharging" adds nothing
  if (upper.has('OL') && upper.has('CHRG')) main.push('CHRG');
  const headline = (main.length > 0 ? main.slice(0, 2) : [tokens[0]!.toUpperCase()]).map((f) => STATUS_FLAG_WORDS[f] ?? f).join(', ');
  const tone: StatusTone = [...upper].some((f) => ALARMS.has(f)) ? 'alarm' : [...upper].some((f) => WARNINGS.has(f)) ? 'warn' : 'ok';
  return { headline, tone, flags };
}
