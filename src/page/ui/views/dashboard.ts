// The dashboard: the UPS's state in plain words and its main numbers, kept current by the live channel
// (src/web/live.ts): a change in the UPS model reaches this page within one event-loop turn of the server.
import { h, fill } from '../dom.ts';
import { api } from '../http.ts';
import type { Hello } from '../session.ts';

interface Var { name: string; value: string }
interface Summary { headline: string; tone: string; flags: { flag: string; words: string }[] }
interface Snapshot { name: string; description: string | null; availability: string; status: Summary; vars: Var[] }
type Live =
  | { type: 'snapshot'; ups: Snapshot; onBatterySince: number | null }
  | { type: 'update'; at: number; vars: Record<string, string | null>; status: Summary; availability: string; onBatterySince: number | null };
interface EventRow { at: number; kind: string; source: string | null; detail: string | null }

/** The numbers shown, in order: the variable, its label, how to show it. */
const METRICS: { name: string; label: string; show: (v: string) => string }[] = [
  { name: 'battery.charge', label: 'Battery charge', show: (v) => `${num(v)} %` },
  { name: 'battery.runtime', label: 'Runtime left', show: (v) => duration(Number(v)) },
  { name: 'ups.load', label: 'Load', show: (v) => `${num(v)} %` },
  { name: 'input.voltage', label: 'Input voltage', show: (v) => `${num(v)} V` },
  { name: 'output.voltage', label: 'Output voltage', show: (v) => `${num(v)} V` },
  { name: 'battery.voltage', label: 'Battery voltage', show: (v) => `${num(v)} V` },
  { name: 'ups.temperature', label: 'Temperature', show: (v) => `${num(v)} °C` },
  { name: 'battery.temperature', label: 'Battery temperature', show: (v) => `${num(v)} °C` },
];

const num = (v: string): string => (Number.isFinite(Number(v)) ? String(Math.round(Number(v) * 10) / 10) : v);

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${Math.floor(seconds % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

const AVAILABILITY: Record<string, string> = { ok: '', stale: 'Data is stale: the UPS has not answered for a while.', 'not-connected': 'The UPS is not connected.' };

/** The unit's CA as this login proved it (flows.ts: its tag over the login's secret checked out), to pin. */
function caCard(ca: { pem: string; fingerprint: string }): HTMLElement {
  const href = URL.createObjectURL(new Blob([ca.pem], { type: 'application/x-pem-file' }));
  return h('section', { class: 'card', 'aria-labelledby': 'ca-title', id: 'ca-card' },
    h('h2', { id: 'ca-title' }, "This unit's certificate authority"),
    h('p', {}, 'Your login proved that this is the certificate authority of the unit itself, not of someone in between. Install it in your browser or give it to NUT clients (CERTVERIFY) to trust this unit, and only this unit: it can vouch for no other name.'),
    h('p', { class: 'fingerprint', id: 'ca-fingerprint' }, `SHA-256 ${ca.fingerprint}`),
    h('div', { class: 'actions' }, h('a', { class: 'button', href, download: 'walnut-ca.pem' }, 'Download the CA certificate')),
  );
}

export function dashboardView(hello: Hello): { el: HTMLElement; stop(): void } {
  const vars = new Map<string, string>();
  const headline = h('p', { class: 'headline', id: 'status-headline', 'aria-live': 'polite' }, 'Connecting…');
  const flags = h('p', { class: 'flags', id: 'status-flags' });
  const availability = h('p', { class: 'alert', role: 'status', hidden: true });
  const onBattery = h('p', { class: 'since', id: 'on-battery-since', hidden: true });
  const grid = h('dl', { class: 'metrics' });
  const events = h('ol', { class: 'events', id: 'latest-events' });
  const el = h('div', { class: 'dashboard' },
    h('section', { class: 'card status', 'aria-labelledby': 'status-title' }, h('h1', { id: 'status-title' }, 'UPS status'), headline, flags, onBattery, availability),
    h('section', { class: 'card', 'aria-labelledby': 'numbers-title' }, h('h2', { id: 'numbers-title' }, 'Now'), grid),
    h('section', { class: 'card', 'aria-labelledby': 'events-title' }, h('h2', { id: 'events-title' }, 'Latest events'), events),
    hello.session?.ca ? caCard(hello.session.ca) : null,
  );
  let batterySince: number | undefined;

  const render = (status: Summary, avail: string): void => {
    headline.textContent = status.headline;
    headline.dataset.tone = status.tone;
    flags.textContent = status.flags.length ? `Flags: ${status.flags.map((f) => f.flag).join(' ')}` : '';
    availability.textContent = AVAILABILITY[avail] ?? avail;
    availability.hidden = avail === 'ok';
    onBattery.hidden = batterySince === undefined;
    showSince();
    fill(grid, ...METRICS.filter((m) => vars.has(m.name)).flatMap((m) => [
      h('div', { class: 'metric', 'data-var': m.name }, h('dt', {}, m.label), h('dd', {}, m.show(vars.get(m.name)!))),
    ]));
  };
  const showSince = (): void => {
    if (batterySince !== undefined) onBattery.textContent = `On battery for ${duration(Math.max(0, Date.now() - batterySince) / 1000)}`;
  };
  const tick = setInterval(showSince, 1000);

  const loadEvents = (): void => {
    void api<EventRow[]>('GET', '/api/events?limit=8').then((rows) => fill(events, ...rows.map((r) =>
      h('li', {}, h('time', { dateTime: new Date(r.at).toISOString() }, new Date(r.at).toLocaleString()), ' ', h('span', { class: 'kind' }, r.kind), ' ', r.detail ?? ''),
    )), () => undefined);
  };
  loadEvents();
  const eventsTimer = setInterval(loadEvents, 15_000);

  let ws: WebSocket | undefined;
  let stopped = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const connect = (): void => {
    ws = new WebSocket(`wss://${location.host}/api/live`);
    ws.addEventListener('message', (e) => {
      const m = JSON.parse(String(e.data)) as Live;
      // the server's clock says when the battery took over; shown against ours, which may differ a little
      batterySince = m.onBatterySince ?? undefined;
      if (m.type === 'snapshot') {
        vars.clear();
        for (const v of m.ups.vars) vars.set(v.name, v.value);
        render(m.ups.status, m.ups.availability);
      } else {
        for (const [k, v] of Object.entries(m.vars)) v === null ? vars.delete(k) : vars.set(k, v);
        render(m.status, m.availability);
        if (Object.hasOwn(m.vars, 'ups.status')) loadEvents();
      }
    });
    ws.addEventListener('close', () => {
      if (stopped) return;
      headline.textContent = 'Reconnecting…';
      retry = setTimeout(connect, 2000);
    });
  };
  connect();
  return {
    el,
    stop: () => {
      stopped = true;
      clearInterval(tick);
      clearInterval(eventsTimer);
      if (retry) clearTimeout(retry);
      ws?.close();
    },
  };
}
