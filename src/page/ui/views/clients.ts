// The Clients page (issue 16): the NUT connections open now (who, from where, TLS or clear, since when, primary or
// secondary) and the roster of clients the owner expects, each with its verdict from the unit
// (src/web/client-rules.ts). Read again every few seconds, as often as the unit checks. The admin adds and
// removes roster entries here; every other role only looks.
import { h, fill } from '../dom.ts';
import { api } from '../http.ts';
import { may, type Hello } from '../session.ts';
import { alertRegion, busy, field } from './forms.ts';

interface Conn { address: string; port: number; user: string | null; tls: boolean; since: number; ups: string | null; upsmon: 'primary' | 'secondary' | null; client: string | null }
type State = 'connected' | 'seen' | 'waiting' | 'never-seen' | 'stale' | 'not-as-expected';
interface Entry {
  id: number; name: string; user: string; address: string | null; tls: boolean; seenWithinSeconds: number;
  createdAt: number; lastSeenAt: number | null; state: State; flagged: boolean; problem: string | null;
}
interface Clients { now: number; checkSeconds: number; sessions: Conn[]; roster: Entry[] }

/** "12 s", "4 min", "3 h", "2 d": how long ago, against the unit's clock (the browser's may be off). */
function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

const when = (at: number, now: number): HTMLElement =>
  h('time', { dateTime: new Date(at).toISOString(), title: new Date(at).toLocaleString() }, `${ago(now - at)} ago`);

const peer = (c: Conn): string => (c.address.includes(':') ? `[${c.address}]:${c.port}` : `${c.address}:${c.port}`);

const STATE_TEXT: Record<State, string> = {
  connected: 'Connected as expected',
  seen: 'Seen recently',
  waiting: 'Waiting for its first login',
  'never-seen': 'Never seen',
  stale: 'Not seen lately',
  'not-as-expected': 'Not as expected',
};

/** "ups: 2 upsmon logged in (1 primary, 1 secondary)" per UPS: what NUMLOGINS counts, and who they are. */
function loginsText(sessions: readonly Conn[]): string {
  const byUps = new Map<string, { primary: number; secondary: number }>();
  for (const s of sessions) {
    if (s.ups === null || s.upsmon === null) continue;
    const n = byUps.get(s.ups) ?? { primary: 0, secondary: 0 };
    n[s.upsmon]++;
    byUps.set(s.ups, n);
  }
  return [...byUps].map(([ups, n]) => {
    const parts = [n.primary ? `${n.primary} primary` : '', n.secondary ? `${n.secondary} secondary` : ''].filter(Boolean).join(', ');
    return `${ups}: ${n.primary + n.secondary} upsmon logged in (${parts})`;
  }).join('; ');
}

export function clientsView(hello: Hello): { el: HTMLElement; stop(): void } {
  const admin = may(hello, 'admin');
  const alert = alertRegion();
  const nowBody = h('tbody');
  const nowEmpty = h('p', { class: 'hint', hidden: true }, 'No NUT client is connected.');
  const rosterBody = h('tbody');
  const rosterEmpty = h('p', { class: 'hint', hidden: true }, 'The roster is empty: add the clients you expect, and this page says when one goes quiet.');
  const checked = h('p', { class: 'hint', id: 'clients-checked' });
  const logins = h('p', { id: 'clients-logins' });
  const nowTable = h('div', { class: 'scroll', hidden: true }, h('table', { class: 'stack connections', id: 'clients-now', 'aria-labelledby': 'clients-now-title' },
    h('thead', {}, h('tr', {}, ...['Address', 'User', 'Transport', 'Upsmon', 'Connected', 'Roster name'].map((t) => h('th', { scope: 'col' }, t)))),
    nowBody));
  const rosterTable = h('div', { class: 'scroll', hidden: true }, h('table', { class: 'stack roster', id: 'roster', 'aria-labelledby': 'roster-title' },
    h('thead', {}, h('tr', {}, ...['Name', 'Expected', 'Last seen', 'State', ...(admin ? ['Change'] : [])].map((t) => h('th', { scope: 'col' }, t)))),
    rosterBody));
  const summary = h('p', { id: 'roster-summary', role: 'status' });

  const render = (c: Clients): void => {
    checked.textContent = `The unit checks every ${c.checkSeconds} s; this page follows.`;
    nowEmpty.hidden = c.sessions.length > 0;
    nowTable.hidden = c.sessions.length === 0;
    fill(logins, loginsText(c.sessions));
    fill(nowBody, ...c.sessions.map((s) => h('tr', { 'data-address': s.address, 'data-user': s.user ?? '' },
      h('td', { class: 'peer' }, h('code', {}, peer(s))),
      h('td', { class: 'user' }, s.user ?? h('span', { class: 'tag' }, 'not logged in')),
      h('td', { class: 'transport', 'data-tls': String(s.tls) }, s.tls ? 'TLS' : h('span', { class: 'clear' }, 'clear')),
      h('td', { class: 'upsmon' }, s.upsmon ? `${s.upsmon} of ${s.ups}` : h('span', { class: 'tag' }, 'not an upsmon')),
      h('td', { class: 'since' }, h('span', { class: 'cell-label' }, 'connected '), when(s.since, c.now)),
      h('td', { class: 'client' }, s.client ?? ''),
    )));
    rosterEmpty.hidden = c.roster.length > 0;
    rosterTable.hidden = c.roster.length === 0;
    const flagged = c.roster.filter((e) => e.flagged);
    summary.textContent = c.roster.length === 0 ? '' : flagged.length === 0 ? 'Every roster client is as expected.' : `${flagged.length} of ${c.roster.length} roster clients flagged.`;
    summary.dataset['tone'] = flagged.length === 0 ? 'ok' : 'alarm';
    fill(rosterBody, ...c.roster.map((e) => h('tr', { 'data-name': e.name, 'data-state': e.state, 'data-flagged': String(e.flagged) },
      h('th', { scope: 'row', class: 'name' }, e.name),
      h('td', { class: 'expects' }, `${e.user} from ${e.address ?? 'any address'}, ${e.tls ? 'TLS' : 'TLS optional'}, seen within ${ago(e.seenWithinSeconds * 1000)}`),
      h('td', { class: 'seen' }, h('span', { class: 'cell-label' }, 'last seen '), e.lastSeenAt === null ? 'never' : when(e.lastSeenAt, c.now)),
      // a flag says what is wrong in the unit's sentence; a word first, so colour is never the only sign
      h('td', { class: 'state' }, e.flagged && e.problem
        ? h('span', {}, h('span', { class: 'flag' }, 'Flagged: '), e.problem)
        : h('span', { class: 'fine' }, STATE_TEXT[e.state])),
      admin ? h('td', { class: 'remove' }, h('button', { type: 'button', 'aria-label': `Remove ${e.name} from the roster`, onclick: () => remove(e) }, 'Remove')) : null,
    )));
  };

  let stopped = false;
  const load = (): void => {
    void api<Clients>('GET', '/api/clients').then((c) => {
      if (stopped) return;
      alert.clear();
      render(c);
    }, (err: Error) => alert.show(err.message));
  };
  const remove = (e: Entry): void => {
    void api('POST', '/api/clients/roster/remove', { id: e.id }).then(load, (err: Error) => alert.show(`${e.name}: ${err.message}`));
  };

  const el = h('div', { class: 'clients' },
    h('section', { class: 'card', 'aria-labelledby': 'clients-title' },
      h('h1', { id: 'clients-title' }, 'Clients'),
      h('h2', { id: 'clients-now-title' }, 'Connected now'),
      alert.el,
      logins,
      nowTable,
      nowEmpty, checked,
    ),
    h('section', { class: 'card', 'aria-labelledby': 'roster-title' },
      h('h2', { id: 'roster-title' }, 'Roster'),
      summary,
      rosterTable,
      rosterEmpty,
    ),
    admin ? addForm(load) : null,
  );
  load();
  const timer = setInterval(load, 2000);
  return {
    el,
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}

/** The admin's form for a new roster entry; the unit checks every field again and names the one it refuses. */
function addForm(added: () => void): HTMLElement {
  const name = field('Name', { name: 'client-name', maxLength: 64, required: true, autocomplete: 'off' }, 'For you: "NAS in the hall".');
  const user = field('NUT user', { name: 'client-user', maxLength: 64, required: true, autocomplete: 'off', spellcheck: false }, 'The user its upsmon.conf logs in as.');
  const address = field('Address', { name: 'client-address', maxLength: 45, autocomplete: 'off', spellcheck: false, inputMode: 'decimal' }, 'Its IP address; empty for any.');
  const within = field('Seen within (seconds)', { name: 'client-within', type: 'number', min: 5, max: 2_592_000, value: 300, required: true }, 'Flag it when it has not logged in for this long (5 s at least).');
  const tlsId = 'client-tls';
  const tls = h('input', { type: 'checkbox', id: tlsId, name: tlsId, checked: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Add to the roster');
  const alert = alertRegion();
  const done = h('p', { role: 'status', id: 'roster-added' });
  const form = h('form', { class: 'narrow', 'aria-labelledby': 'roster-add-title' },
    h('h2', { id: 'roster-add-title' }, 'Add a client to the roster'),
    name.row, user.row, address.row, within.row,
    h('div', { class: 'check' }, tls, h('label', { htmlFor: tlsId }, 'It must use TLS')),
    alert.el, done,
    h('div', { class: 'actions start' }, submit),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    alert.clear();
    done.textContent = '';
    const body = {
      name: name.input.value.trim(),
      user: user.input.value.trim(),
      address: address.input.value.trim(),
      tls: tls.checked ? 'required' : 'optional',
      seenWithinSeconds: Number(within.input.value),
    };
    void busy(submit, 'Adding…', () => api('POST', '/api/clients/roster', body)).then(() => {
      done.textContent = `${body.name} is in the roster.`;
      name.input.value = '';
      user.input.value = '';
      address.input.value = '';
      added();
    }, (err: Error) => alert.show(err.message));
  });
  return h('section', { class: 'card' }, form);
}
