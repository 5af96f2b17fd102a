// Turns bench/run.sh's results.jsonl into the walnut-vs-upsd table (medians over the repetitions).
//
//   node bench/report.ts RESULTS.jsonl [--machine TEXT] [--walnut-version V] [--upsd-version V] [--load TEXT]
//                        [--seconds N] [--settings TEXT] [--selftest 0|1] [--json]
//
// Ratios are walnut / upsd, measured in the same run. Verdicts are informational: the exit status is 0
// whenever the results could be read.
import { readFileSync } from 'node:fs';

type Rec = Record<string, unknown> & { mode: string; opts: Record<string, string> };

const argv = process.argv.slice(2);
const file = argv[0];
if (!file) {
  process.stderr.write('usage: report.ts RESULTS.jsonl [--machine TEXT] ...\n');
  process.exit(2);
}
const flags: Record<string, string> = {};
for (let i = 1; i < argv.length; i++) {
  const a = argv[i] ?? '';
  if (a.startsWith('--')) {
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) flags[a.slice(2)] = '1';
    else flags[a.slice(2)] = (i++, next);
  }
}

const recs: Rec[] = readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as Rec);

/** A nested number from a record, e.g. at(r, 'latency.p99Us'). */
function at(r: Rec | undefined, path: string): number {
  let v: unknown = r;
  for (const k of path.split('.')) {
    if (v === null || typeof v !== 'object') return NaN;
    v = (v as Record<string, unknown>)[k];
  }
  return typeof v === 'number' ? v : NaN;
}

function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

function pick(mode: string, server: string, extra: Record<string, string> = {}): Rec[] {
  return recs.filter((r) => r.mode === mode && r.opts['server'] === server && Object.entries(extra).every(([k, v]) => r.opts[k] === v));
}

/**
 * Median over repetitions of one field of one mode. Server CPU per op is left out of a run whose server CPU
 * total is under 3 clock ticks (30 ms at 100 Hz): too coarse to divide.
 */
function med(mode: string, server: string, path: string, extra: Record<string, string> = {}): number {
  return median(
    pick(mode, server, extra)
      .filter((r) => !path.startsWith('serverCpuUsPer') || at(r, 'serverCpuMs') >= 30)
      .map((r) => at(r, path)),
  );
}

/**
 * The walnut/upsd ratio of a repeated mode: the median of the per-repetition ratios. The two servers of one
 * repetition run back to back, so a load burst from a neighbour on the machine hits both sides of a pair;
 * this is steadier than the ratio of the two medians.
 */
function pairRatio(mode: string, path: string, extra: Record<string, string> = {}, server = 'walnut'): number {
  return median(pairRatios(mode, path, extra, server));
}

function pairRatios(mode: string, path: string, extra: Record<string, string> = {}, server = 'walnut'): number[] {
  const ok = (r: Rec): boolean => !path.startsWith('serverCpuUsPer') || at(r, 'serverCpuMs') >= 30;
  const qs: number[] = [];
  for (const w of pick(mode, server, extra).filter(ok)) {
    const u = pick(mode, 'upsd', { ...extra, rep: w.opts['rep'] ?? '' }).filter(ok)[0];
    const q = ratio(at(w, path), at(u, path));
    if (Number.isFinite(q)) qs.push(q);
  }
  return qs;
}

function one(mode: string, server: string, path: string, extra: Record<string, string> = {}): number {
  return at(pick(mode, server, extra)[0], path);
}

// ----------------------------------------------------------------------------------------------------------

type Better = 'lower' | 'higher';
interface Row {
  metric: string;
  walnut: number;
  upsd: number;
  unit: string;
  better: Better;
  target: string;
  /** meets/misses, or '' for an informational row */
  verdict: '' | 'meets' | 'misses';
  /** walnut/upsd, when not simply walnut / upsd (repeated modes: median of per-repetition ratios) */
  q?: number;
  /** min and max of the per-repetition ratios */
  spread?: [number, number];
  /** text shown instead of a number */
  walnutText?: string;
  upsdText?: string;
}

function fmt(x: number, unit: string): string {
  if (!Number.isFinite(x)) return 'n/a';
  if (Number.isInteger(x)) return (unit ? `${x.toLocaleString('en-US')} ${unit}` : x.toLocaleString('en-US'));
  const digits = Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : Math.abs(x) >= 1 ? 2 : 3;
  const s = x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return unit ? `${s} ${unit}` : s;
}

function ratio(w: number, u: number): number {
  return Number.isFinite(w) && Number.isFinite(u) && u !== 0 ? w / u : NaN;
}

const rows: Row[] = [];
const row = (r: Row): void => {
  rows.push(r);
};
const ratioTarget = (r: number, better: Better, bound = 1.0): '' | 'meets' | 'misses' =>
  !Number.isFinite(r) ? 'misses' : better === 'lower' ? (r <= bound ? 'meets' : 'misses') : r >= bound ? 'meets' : 'misses';
const absTarget = (ok: boolean): 'meets' | 'misses' => (ok ? 'meets' : 'misses');

const P1 = { pinned: '1' };
const P0 = { pinned: '0' };

/**
 * A row for a repeated mode: medians of each side, ratio = median of the per-repetition ratios. `server` puts
 * another server of the same run (the Node floor) in walnut's column.
 */
function rep(metric: string, mode: string, path: string, extra: Record<string, string>, unit: string, better: Better, target = '', bound = 1.0, server = 'walnut'): void {
  const q = pairRatio(mode, path, extra, server);
  const qs = pairRatios(mode, path, extra, server);
  row({
    spread: qs.length > 1 ? [Math.min(...qs), Math.max(...qs)] : undefined,
    metric,
    walnut: med(mode, server, path, extra),
    upsd: med(mode, 'upsd', path, extra),
    unit,
    better,
    target,
    verdict: target ? ratioTarget(q, better, bound) : '',
    q,
  });
}

// --- GET VAR: CPU and throughput ---
rep('server CPU per GET VAR, seq, pinned', 'seq', 'serverCpuUsPerOp', P1, 'µs', 'lower', '≤ 1.0× upsd');
// the same requests against bench/node-floor.ts, a Node server with no logic at all (walnut's column holds it)
if (pick('seq', 'node-floor-net').length > 0) {
  rep('  Node floor, net.Socket server with no logic: CPU per GET VAR', 'seq', 'serverCpuUsPerOp', P1, 'µs', 'lower', '', 1.0, 'node-floor-net');
  rep('  Node floor, raw libuv handle, no streams: CPU per GET VAR', 'seq', 'serverCpuUsPerOp', P1, 'µs', 'lower', '', 1.0, 'node-floor-raw');
}
rep('seq GET VAR, pinned: req/s', 'seq', 'perSec', P1, '', 'higher');
rep('seq GET VAR, pinned: p50 latency', 'seq', 'latency.p50Us', P1, 'µs', 'lower');
rep('seq GET VAR, pinned: p99 latency', 'seq', 'latency.p99Us', P1, 'µs', 'lower');
rep('pipelined GET VAR (window 32): req/s', 'pipe', 'perSec', P0, '', 'higher', '≥ 1.0× upsd');
rep('pipelined: server CPU per GET VAR', 'pipe', 'serverCpuUsPerOp', P0, 'µs', 'lower');
rep('pipelined: server busy (CPU % of wall time)', 'pipe', 'serverCpuPct', P0, '%', 'higher');
rep('pipelined: load client busy (CPU %)', 'pipe', 'clientCpuPct', P0, '%', 'higher');
rep('64 connections GET VAR: req/s', 'conc', 'perSec', P0, '', 'higher', '≥ 1.0× upsd');
rep('64 connections: p99 latency', 'conc', 'latency.p99Us', P0, 'µs', 'lower');
rep('64 connections: server CPU per GET VAR', 'conc', 'serverCpuUsPerOp', P0, 'µs', 'lower');

// --- LIST VAR, churn ---
rep('LIST VAR, pinned: lists/s', 'list', 'perSec', P1, '', 'higher');
rep('LIST VAR, pinned: p50 latency', 'list', 'latency.p50Us', P1, 'µs', 'lower');
rep('LIST VAR: server CPU per LIST', 'list', 'serverCpuUsPerOp', P1, 'µs', 'lower');
rep('churn (connect, VER, LOGOUT), pinned: conn/s', 'churn', 'perSec', P1, '', 'higher');
rep('churn: server CPU per connection', 'churn', 'serverCpuUsPerConn', P1, 'µs', 'lower');

// --- idle connections ---
{
  const target = one('idle', 'walnut', 'target');
  const w = one('idle', 'walnut', 'held');
  const u = one('idle', 'upsd', 'held');
  row({ metric: `idle connections held (of ${fmt(target, '')} opened)`, walnut: w, upsd: u, unit: '', better: 'higher', target: '≥ 10,000', verdict: absTarget(w >= 10_000) });
  const wt = one('idle', 'walnut', 'probes.fresh.tried');
  const wa = one('idle', 'walnut', 'probes.fresh.answered');
  const ut = one('idle', 'upsd', 'probes.fresh.tried');
  const ua = one('idle', 'upsd', 'probes.fresh.answered');
  const wp99 = one('idle', 'walnut', 'probes.fresh.latency.p99Us') / 1000;
  const up99 = one('idle', 'upsd', 'probes.fresh.latency.p99Us') / 1000;
  row({
    metric: 'idle: fresh client connect+GET VAR p99',
    walnut: wp99,
    upsd: up99,
    unit: 'ms',
    better: 'lower',
    target: 'p99 < 10 ms',
    verdict: absTarget(w >= 10_000 && wa === wt && wp99 < 10),
    walnutText: `${fmt(wp99, 'ms')} (${wa}/${wt})`,
    upsdText: `${fmt(up99, 'ms')} (${ua}/${ut})`,
  });
  row({ metric: 'idle: fresh client connect+GET VAR p50', walnut: one('idle', 'walnut', 'probes.fresh.latency.p50Us') / 1000, upsd: one('idle', 'upsd', 'probes.fresh.latency.p50Us') / 1000, unit: 'ms', better: 'lower', target: '', verdict: '' });
  row({ metric: 'idle: connections opened per second (16 at a time)', walnut: one('idle', 'walnut', 'openPerSec'), upsd: one('idle', 'upsd', 'openPerSec'), unit: '', better: 'higher', target: '', verdict: '' });
  row({ metric: 'idle: server CPU while connections sit idle', walnut: one('idle', 'walnut', 'idleCpuPct'), upsd: one('idle', 'upsd', 'idleCpuPct'), unit: '%', better: 'lower', target: '', verdict: '' });
  row({ metric: 'idle: RSS while holding them', walnut: one('idle', 'walnut', 'rssKb.held') / 1024, upsd: one('idle', 'upsd', 'rssKb.held') / 1024, unit: 'MB', better: 'lower', target: '', verdict: '' });
}

// --- stalled reader ---
{
  const f = (s: string, p: string): number => one('stall', s, p);
  const wt = f('walnut', 'during.fresh.tried') + f('walnut', 'during.existing.tried');
  const wa = f('walnut', 'during.fresh.answered') + f('walnut', 'during.existing.answered');
  const ut = f('upsd', 'during.fresh.tried') + f('upsd', 'during.existing.tried');
  const ua = f('upsd', 'during.fresh.answered') + f('upsd', 'during.existing.answered');
  const wp99 = f('walnut', 'during.fresh.latency.p99Us') / 1000;
  const up99 = f('upsd', 'during.fresh.latency.p99Us') / 1000;
  const still = (s: string): boolean => pick('stall', s)[0]?.['stallerStillOpen'] === true;
  row({
    metric: 'stalled reader: other clients answered',
    walnut: wt ? wa / wt : NaN,
    upsd: ut ? ua / ut : NaN,
    unit: '',
    better: 'higher',
    target: 'all answered, p99 < 10 ms',
    verdict: absTarget(wt > 0 && wa === wt && wp99 < 10 && still('walnut')),
    walnutText: `${wa}/${wt}`,
    upsdText: `${ua}/${ut}`,
  });
  row({ metric: 'stalled reader: fresh client p99 during stall', walnut: wp99, upsd: up99, unit: 'ms', better: 'lower', target: '', verdict: '' });
  row({ metric: 'stalled reader: fresh client p99 without stall', walnut: f('walnut', 'control.fresh.latency.p99Us') / 1000, upsd: f('upsd', 'control.fresh.latency.p99Us') / 1000, unit: 'ms', better: 'lower', target: '', verdict: '' });
}

// --- memory ---
{
  const w = one('mem', 'walnut', 'rssKb', { phase: 'start' }) / 1024;
  const u = one('mem', 'upsd', 'rssKb', { phase: 'start' }) / 1024;
  row({ metric: 'idle RSS after start', walnut: w, upsd: u, unit: 'MB', better: 'lower', target: '≤ 60 MB', verdict: absTarget(w <= 60) });
  for (const [part, key] of [['RssAnon (heap: what the process made)', 'anonKb'], ['RssFile (executable and library pages)', 'fileKb']] as const) {
    const wp = one('mem', 'walnut', key, { phase: 'start' }) / 1024;
    const up = one('mem', 'upsd', key, { phase: 'start' }) / 1024;
    row({ metric: `idle RSS after start: ${part}`, walnut: wp, upsd: up, unit: 'MB', better: 'lower', target: '', verdict: '' });
  }
  const d = one('mem', 'dummy-ups', 'rssKb', { phase: 'start' }) / 1024;
  row({ metric: 'idle RSS after start, upsd + dummy-ups driver', walnut: w, upsd: u + d, unit: 'MB', better: 'lower', target: '', verdict: '' });
  row({ metric: 'RSS after the load runs', walnut: one('mem', 'walnut', 'rssKb', { phase: 'after-load' }) / 1024, upsd: one('mem', 'upsd', 'rssKb', { phase: 'after-load' }) / 1024, unit: 'MB', better: 'lower', target: '', verdict: '' });
  row({ metric: 'RSS at the end (after idle and stall)', walnut: one('mem', 'walnut', 'rssKb', { phase: 'end' }) / 1024, upsd: one('mem', 'upsd', 'rssKb', { phase: 'end' }) / 1024, unit: 'MB', better: 'lower', target: '', verdict: '' });
  row({ metric: 'peak RSS (VmHWM) at the end', walnut: one('mem', 'walnut', 'hwmKb', { phase: 'end' }) / 1024, upsd: one('mem', 'upsd', 'hwmKb', { phase: 'end' }) / 1024, unit: 'MB', better: 'lower', target: '', verdict: '' });
}

// --- cold start ---
{
  const runs = one('coldstart', 'walnut', 'runs');
  const w = one('coldstart', 'walnut', 'verMsMedian');
  const u = one('coldstart', 'upsd', 'verMsMedian');
  row({ metric: `cold start to first VER (median of ${fmt(runs, '')})`, walnut: w, upsd: u, unit: 'ms', better: 'lower', target: '≤ 150 ms', verdict: absTarget(w <= 150) });
  row({ metric: 'cold start to first GET VAR with UPS data', walnut: one('coldstart', 'walnut', 'dataMsMedian'), upsd: one('coldstart', 'upsd', 'dataMsMedian'), unit: 'ms', better: 'lower', target: '', verdict: '' });
}

// ----------------------------------------------------------------------------------------------------------
// output

if (flags['json'] === '1') {
  process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
  process.exit(0);
}

const header = ['metric', 'walnut', 'upsd 2.8.0', 'walnut/upsd', 'per-rep range', 'target', 'verdict'];
const fq = (q: number): string => (q >= 100 ? q.toFixed(0) : q >= 10 ? q.toFixed(1) : q >= 0.1 ? q.toFixed(2) : q.toPrecision(2));
const table: string[][] = rows.map((r) => {
  const q = r.q ?? ratio(r.walnut, r.upsd);
  return [
    r.metric,
    r.walnutText ?? fmt(r.walnut, r.unit),
    r.upsdText ?? fmt(r.upsd, r.unit),
    Number.isFinite(q) ? `${fq(q)}×` : 'n/a',
    r.spread ? `${fq(r.spread[0])}–${fq(r.spread[1])}` : '',
    r.target || '–',
    r.verdict || 'info',
  ];
});
const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => (t[i] ?? '').length)));
const line = (cells: string[]): string => '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ') + ' |';

const ready = (s: string): Rec | undefined => pick('ready', s)[0];
const out: string[] = [];
out.push('');
out.push(`walnut vs upsd 2.8.0 — ${new Date().toISOString()}${flags['selftest'] === '1' ? '  [SELFTEST: "walnut" is a second upsd]' : ''}`);
if (flags['machine']) out.push(`machine:  ${flags['machine']}`);
if (flags['walnut-version']) out.push(`walnut:   ${flags['walnut-version']}`);
if (flags['upsd-version']) out.push(`upsd:     ${flags['upsd-version']} with dummy-ups (dummy-once)`);
for (const s of ['walnut', 'upsd']) {
  const r = ready(s);
  if (r) out.push(`${s.padEnd(7)}   serves ${at(r, 'listVars')} variables (LIST VAR reply ${at(r, 'listBytes')} bytes); GET VAR reply: ${String(r['getReply'])}`);
}
{
  const d0 = one('mem', 'dummy-ups', 'cpuMs', { phase: 'start' });
  const d1 = one('mem', 'dummy-ups', 'cpuMs', { phase: 'end' });
  if (Number.isFinite(d1)) out.push(`driver:   dummy-ups used ${fmt(d1 - d0, 'ms')} CPU during the run (sanity check: it should idle)`);
}
if (flags['settings']) out.push(`settings: ${flags['settings']}`);
if (flags['load']) out.push(`loadavg:  ${flags['load']}`);
if (flags['seconds']) out.push(`runtime:  ${flags['seconds']} s`);
out.push('');
out.push(line(header));
out.push('|' + widths.map((w, i) => (i === 0 ? ':' : '') + '-'.repeat(Math.max(1, w + 2 - 1)) + (i === 0 ? '' : ':')).join('|') + '|');
for (const t of table) out.push(line(t));
const targets = rows.filter((r) => r.verdict !== '');
out.push('');
out.push(`targets met: ${targets.filter((r) => r.verdict === 'meets').length} of ${targets.length} (informational).`);
out.push('Repeated modes: each side is the median of the repetitions; the ratio is the median of the per-repetition');
out.push('walnut/upsd ratios (the two servers of a repetition run back to back).');
const errs = recs.reduce((n, r) => n + (Number.isFinite(at(r, 'errors')) ? at(r, 'errors') : 0), 0);
out.push(`request errors over all load runs: ${errs}`);
for (const r of pick('coldstart', 'walnut').concat(pick('coldstart', 'upsd'))) {
  const e = r['errors'];
  if (Array.isArray(e) && e.length > 0) out.push(`cold start errors (${r.opts['server']}): ${e.join('; ')}`);
}
process.stdout.write(out.join('\n') + '\n');
