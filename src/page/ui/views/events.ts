// The event log: newest first, filtered by kind in the page, more on request, and as CSV.
import { h, fill } from '../dom.ts';
import { api } from '../http.ts';
import { alertRegion } from './forms.ts';

interface EventRow { at: number; kind: string; source: string | null; detail: string | null }

const csvField = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export function eventsView(): HTMLElement {
  let limit = 100;
  let rows: EventRow[] = [];
  const body = h('tbody');
  const filter = h('select', { id: 'event-kind' }, h('option', { value: '' }, 'all kinds'));
  const more = h('button', { type: 'button' }, 'Show more');
  const csv = h('a', { class: 'button', download: 'walnut-events.csv', href: '#' }, 'Download CSV');
  const alert = alertRegion();
  const render = (): void => {
    const kind = filter.value;
    const shown = rows.filter((r) => kind === '' || r.kind === kind);
    fill(body, ...shown.map((r) => h('tr', {},
      h('td', { class: 'when' }, h('time', { dateTime: new Date(r.at).toISOString() }, new Date(r.at).toLocaleString())),
      h('td', { class: 'kind' }, r.kind), h('td', { class: 'source' }, r.source ?? ''), h('td', { class: 'detail' }, r.detail ?? ''),
    )));
    const text = ['time,kind,source,detail', ...shown.map((r) => [new Date(r.at).toISOString(), r.kind, r.source ?? '', r.detail ?? ''].map(csvField).join(','))].join('\r\n');
    URL.revokeObjectURL(csv.href);
    csv.href = URL.createObjectURL(new Blob([`${text}\r\n`], { type: 'text/csv' }));
  };
  const load = (): void => {
    void api<EventRow[]>('GET', `/api/events?limit=${limit}`).then((r) => {
      rows = r;
      const kinds = [...new Set(rows.map((x) => x.kind))].sort();
      const current = filter.value;
      fill(filter, h('option', { value: '' }, 'all kinds'), ...kinds.map((k) => h('option', { value: k }, k)));
      filter.value = kinds.includes(current) ? current : '';
      more.hidden = rows.length < limit || limit >= 1000;
      render();
    }, (err: Error) => alert.show(err.message));
  };
  filter.addEventListener('change', render);
  more.addEventListener('click', () => {
    limit = Math.min(1000, limit * 2);
    load();
  });
  load();
  return h('section', { class: 'card events-page', 'aria-labelledby': 'events-page-title' },
    h('h1', { id: 'events-page-title' }, 'Events'),
    h('div', { class: 'toolbar' }, h('label', { htmlFor: 'event-kind' }, 'Kind '), filter, csv),
    alert.el,
    h('div', { class: 'scroll' }, h('table', { class: 'stack log' }, h('thead', {}, h('tr', {}, ...['Time', 'Kind', 'Source', 'Detail'].map((t) => h('th', { scope: 'col' }, t)))), body)),
    h('div', { class: 'actions start' }, more),
  );
}
