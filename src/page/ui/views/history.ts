// The history page: the UPS's main numbers over 24 h, 7 d or 30 d from walnut.db (GET /api/history), drawn with
// uPlot (small, canvas, no other origin), power events marked as lines, and the same data as CSV. Charge and
// load share a percent axis; voltages get their own, so one chart stays readable on a phone.
import uPlot from 'uplot';
import { h, fill } from '../dom.ts';
import { api } from '../http.ts';
import { alertRegion } from './forms.ts';

interface SeriesVariable { name: string; unit: string; values: (number | null)[] }
interface HistorySeries { range: string; resolution: string; stepMs: number; from: number; to: number; times: number[]; variables: SeriesVariable[]; marks: { at: number; kind: string }[]; truncated: boolean }

const RANGES = [
  { range: '24h', label: '24 hours' },
  { range: '7d', label: '7 days' },
  { range: '30d', label: '30 days' },
];
const CHARTS = [
  { title: 'Charge and load', unit: '%', names: ['battery.charge', 'ups.load'] },
  { title: 'Voltages', unit: 'V', names: ['input.voltage', 'output.voltage', 'battery.voltage'] },
  { title: 'Runtime', unit: 'min', names: ['battery.runtime'] },
];
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];
const MARK_WORDS: Record<string, string> = { 'on-battery': 'On battery', 'low-battery': 'Low battery', fsd: 'Forced shutdown', 'on-line': 'Back on line' };

/** Breaks a line where samples are missing (walnut was off), instead of drawing across the gap. */
function withGaps(s: HistorySeries): { times: number[]; columns: (number | null)[][] } {
  const times: number[] = [];
  const columns = s.variables.map((): (number | null)[] => []);
  s.times.forEach((t, i) => {
    if (i > 0 && t - s.times[i - 1]! > 2.5 * s.stepMs) {
      times.push(s.times[i - 1]! + s.stepMs);
      columns.forEach((c) => c.push(null));
    }
    times.push(t);
    s.variables.forEach((v, j) => columns[j]!.push(v.name === 'battery.runtime' && v.values[i] != null ? v.values[i]! / 60 : v.values[i]!));
  });
  return { times, columns };
}

export function historyView(): { el: HTMLElement; stop(): void } {
  let range = '24h';
  const charts = h('div', { class: 'charts' });
  const marks = h('ul', { class: 'marks', id: 'history-marks' });
  const summary = h('p', { class: 'hint', id: 'history-summary', role: 'status' });
  const csv = h('a', { class: 'button', href: '/api/history.csv?range=24h', download: 'walnut-history-24h.csv', id: 'history-csv' }, 'Download CSV');
  const alert = alertRegion();
  const buttons = RANGES.map((r) => h('button', { type: 'button', 'aria-pressed': r.range === range ? 'true' : 'false', 'data-range': r.range }, r.label));
  let plots: uPlot[] = [];
  const width = (): number => Math.max(280, charts.clientWidth - 8);
  const resize = (): void => plots.forEach((p) => p.setSize({ width: width(), height: 220 }));

  let last: HistorySeries | undefined;
  const draw = (s: HistorySeries): void => {
    last = s;
    plots.forEach((p) => p.destroy());
    plots = [];
    const { times, columns } = withGaps(s);
    const dark = matchMedia('(prefers-color-scheme: dark)').matches;
    const ink = dark ? '#c9ced6' : '#3b4250';
    const grid = dark ? '#343945' : '#e3e6eb';
    const sections: HTMLElement[] = [];
    for (const chart of CHARTS) {
      const picked = s.variables.map((v, i) => ({ v, i })).filter(({ v }) => chart.names.includes(v.name));
      if (picked.length === 0) continue;
      const box = h('figure', { class: 'chart' }, h('figcaption', {}, chart.title));
      sections.push(box);
      const markTimes = s.marks.map((m) => m.at / 1000);
      const opts: uPlot.Options = {
        width: width(),
        height: 220,
        // the whole range asked for, whatever the samples cover: a day reads as a day even with one sample
        scales: { x: { time: true, range: [s.from / 1000, s.to / 1000] } },
        axes: [
          { stroke: ink, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } },
          { stroke: ink, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, label: chart.unit },
        ],
        series: [{}, ...picked.map(({ v }, k) => ({ label: v.name, stroke: COLOURS[k % COLOURS.length]!, width: 2, spanGaps: false }))],
        hooks: {
          // power events as vertical lines across the chart
          draw: [(u: uPlot) => {
            const ctx = u.ctx;
            ctx.save();
            ctx.strokeStyle = dark ? '#ff8a80' : '#b3261e';
            ctx.setLineDash([4, 4]);
            for (const t of markTimes) {
              const x = u.valToPos(t, 'x', true);
              if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
              ctx.beginPath();
              ctx.moveTo(x, u.bbox.top);
              ctx.lineTo(x, u.bbox.top + u.bbox.height);
              ctx.stroke();
            }
            ctx.restore();
          }],
        },
      };
      plots.push(new uPlot(opts, [times.map((t) => t / 1000), ...picked.map(({ i }) => columns[i]!)] as uPlot.AlignedData, box));
    }
    fill(charts, ...(sections.length ? sections : [h('p', {}, 'No samples yet: walnut records the UPS every minute.')]));
    fill(marks, ...(s.marks.length === 0 ? [h('li', { class: 'hint' }, 'None in this time range.')] : s.marks.slice(-20).reverse().map((m) => h('li', {}, h('time', { dateTime: new Date(m.at).toISOString() }, new Date(m.at).toLocaleString()), ` ${MARK_WORDS[m.kind] ?? m.kind}`))));
    summary.textContent = `${s.times.length} ${s.times.length === 1 ? 'point' : 'points'} (${s.resolution === 'raw' ? 'every sample' : `${s.resolution} averages`})${s.truncated ? ', the oldest left out' : ''}.`;
  };
  const load = (): void => {
    csv.href = `/api/history.csv?range=${range}`;
    csv.setAttribute('download', `walnut-history-${range}.csv`);
    buttons.forEach((b) => b.setAttribute('aria-pressed', b.dataset.range === range ? 'true' : 'false'));
    void api<HistorySeries>('GET', `/api/history?range=${range}`).then(draw, (err: Error) => alert.show(err.message));
  };
  buttons.forEach((b) => b.addEventListener('click', () => {
    range = b.dataset.range!;
    load();
  }));
  addEventListener('resize', resize);
  // the canvas has no CSS colours: draw again when the system switches between light and dark
  const scheme = matchMedia('(prefers-color-scheme: dark)');
  const recolour = (): void => {
    if (last) draw(last);
  };
  scheme.addEventListener('change', recolour);
  const timer = setInterval(load, 60_000);
  const el = h('section', { class: 'card history', 'aria-labelledby': 'history-title' },
    h('h1', { id: 'history-title' }, 'History'),
    h('div', { class: 'toolbar', role: 'group', 'aria-label': 'Time range' }, ...buttons, csv),
    alert.el, summary, charts,
    h('h2', {}, 'Power events'), marks,
  );
  queueMicrotask(load);
  return {
    el,
    stop: () => {
      clearInterval(timer);
      removeEventListener('resize', resize);
      scheme.removeEventListener('change', recolour);
      plots.forEach((p) => p.destroy());
    },
  };
}
