// The login page: a ticket login run in the page (docs/auth-protocol.md §7.1-§7.2); the password never leaves it.
import { h } from '../dom.ts';
import { logIn } from '../flows.ts';
import { setToken } from '../http.ts';
import type { Hello } from '../session.ts';
import { alertRegion, busy, field } from './forms.ts';

export function loginView(hello: Hello, done: () => void): HTMLElement {
  const user = field('User', { name: 'username', autocomplete: 'username', required: true, value: 'admin', autocapitalize: 'none', spellcheck: false });
  const pw = field('Password', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const alert = alertRegion();
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Log in');
  const closed = hello.setup === 'closed'
    ? h('p', { class: 'hint' }, 'This unit is not claimed yet, and its setup window is closed. Restart it (or run walnut setup open on it) to claim it with its label code.')
    : null;
  const form = h('form', { class: 'card narrow', novalidate: true, 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, 'Log in'),
    h('p', {}, `UPS server for ${hello.ups}.`),
    user.row, pw.row, alert.el,
    h('div', { class: 'actions' }, submit),
    closed,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    alert.clear();
    if (!hello.offer) return alert.show('The unit is still starting; try again in a few seconds.');
    if (user.input.value === '' || pw.input.value === '') return alert.show('Enter your user name and password.');
    const offer = hello.offer;
    void busy(submit, 'Logging in…', async () => {
      try {
        const session = await logIn(offer, user.input.value, pw.input.value);
        setToken(session.token);
        hello.session = session;
        done();
      } catch (err) {
        alert.show((err as Error).message);
      }
    });
  });
  return form;
}
