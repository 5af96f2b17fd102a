// The system page (issue 16): what the unit is and what time it thinks it is, a restart, and a factory reset that
// asks for the owner's password again (proven to the AS in this page, as a login: flows.ts proveTo).
import { h, fill } from '../dom.ts';
import { proveTo } from '../flows.ts';
import { api } from '../http.ts';
import { may, type Hello } from '../session.ts';
import { alertRegion, busy, field } from './forms.ts';

interface Facts {
  hostname: string; mdnsName: string | null; version: string; board: string; builtAt: string | null; now: string;
  clockPlausible: boolean; restartedBy: 'systemd' | 'nobody'; resetHere: { possible: boolean; why: string };
}

const when = (iso: string): HTMLElement => h('time', { dateTime: iso }, new Date(iso).toLocaleString());

function row(label: string, ...value: (Node | string)[]): HTMLElement[] {
  return [h('dt', {}, label), h('dd', {}, ...value)];
}

export function systemView(hello: Hello): HTMLElement {
  const alert = alertRegion();
  const facts = h('dl', { class: 'facts', id: 'system-facts' });
  const clockWarning = h('p', { class: 'alert', id: 'clock-warning', hidden: true });
  const about = h('section', { class: 'card', 'aria-labelledby': 'system-title' }, h('h1', { id: 'system-title' }, 'System'), clockWarning, facts, alert.el);
  const el = h('div', { class: 'system' }, about);
  void api<Facts>('GET', '/api/system').then((f) => {
    fill(facts,
      ...row('Host name', h('code', {}, f.hostname)),
      ...row('mDNS name', f.mdnsName ?? 'not announced (mDNS is off)'),
      ...row('Clock', when(f.now)),
      ...row('Version', `walnut ${f.version}`),
      ...row('Board', f.board),
      ...row('Built', f.builtAt ? when(f.builtAt) : 'unknown'),
    );
    if (!f.clockPlausible) {
      clockWarning.textContent = 'The clock reads earlier than this build was made, so it is wrong (no time server reached yet?). Times in the history and the event log are off until it is set.';
      clockWarning.hidden = false;
    }
    if (may(hello, 'admin')) el.append(restartCard(f), resetCard(hello, f));
  }, (err: Error) => alert.show(err.message));
  return el;
}

/** After a restart or a reset: what happens now, in words that fit who brings walnut back. */
const afterwards = (f: Facts): string => (f.restartedBy === 'systemd'
  ? 'systemd starts it again within a few seconds; reload this page then.'
  : 'Nothing starts it again here (it runs from a shell or make run): start walnut serve yourself.');

function restartCard(f: Facts): HTMLElement {
  const status = h('p', { role: 'status', id: 'restart-status' });
  const alert = alertRegion();
  const dialog = h('dialog', { 'aria-labelledby': 'restart-confirm-title' });
  const button = h('button', { type: 'button', id: 'restart' }, 'Restart walnut');
  button.addEventListener('click', () => {
    const yes = h('button', { type: 'button', class: 'primary' }, 'Restart');
    const no = h('button', { type: 'button' }, 'Cancel');
    fill(dialog, h('h2', { id: 'restart-confirm-title' }, 'Restart walnut?'), h('p', {}, 'NUT clients lose their connection for a few seconds and log in again.'), h('div', { class: 'actions' }, no, yes));
    no.addEventListener('click', () => dialog.close());
    yes.addEventListener('click', () => {
      dialog.close();
      alert.clear();
      void api('POST', '/api/system/restart').then(() => (status.textContent = `walnut is ending. ${afterwards(f)}`), (err: Error) => alert.show(err.message));
    });
    dialog.showModal();
    no.focus();
  });
  return h('section', { class: 'card', 'aria-labelledby': 'restart-title' },
    h('h2', { id: 'restart-title' }, 'Restart'),
    h('p', {}, f.restartedBy === 'systemd' ? 'walnut ends and systemd starts it again.' : 'walnut ends. Here nothing starts it again: it stops until you start it.'),
    h('div', { class: 'actions start' }, button), alert.el, status, dialog);
}

function resetCard(hello: Hello, f: Facts): HTMLElement {
  const pw = field('Your password', { name: 'reset-password', type: 'password', autocomplete: 'current-password', required: true }, 'Proven to the unit\'s authentication server in this page, as a login; it never reaches the web server.');
  const alert = alertRegion();
  const status = h('p', { role: 'status', id: 'reset-status' });
  const submit = h('button', { type: 'submit', class: 'danger' }, 'Reset to factory state');
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'reset-title' },
    h('h2', { id: 'reset-title' }, 'Factory reset'),
    h('p', {}, 'Wipes every user and their keys, the client certificates, lockouts, the settings (the power policy saved here too) and the event log. The factory data stays, and so does the unit\'s TLS identity, so clients that trust its CA still do.'),
    h('p', {}, `Afterwards the unit is unclaimed: claim it again with the setup code on its label (a unit without a label shows a new code in its log). walnut ends to do it. ${afterwards(f)}`),
    f.resetHere.possible ? pw.row : h('p', { class: 'alert' }, f.resetHere.why),
    alert.el, status,
    f.resetHere.possible ? h('div', { class: 'actions start' }, submit) : null,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    alert.clear();
    if (pw.input.value === '') return alert.show('Enter your password to reset the unit.');
    if (!hello.offer || !hello.session) return alert.show('The unit is still starting; try again in a few seconds.');
    const [offer, user] = [hello.offer, hello.session.user];
    void busy(submit, 'Resetting…', async () => {
      try {
        await proveTo('/api/system/factory-reset', offer, user, pw.input.value);
        pw.input.value = '';
        status.textContent = `The unit is resetting. ${afterwards(f)} Then claim it with the setup code.`;
        submit.hidden = true;
      } catch (err) {
        alert.show((err as Error).message);
      }
    });
  });
  return form;
}
