// My password (issue 16): any logged-in user changes their own password (docs/auth-protocol.md §7.3), proved by
// the old one, in the page; the web server then ends the user's other sessions and NUT checks again.
import { changeOwnPassword } from '../account-flows.ts';
import { h } from '../dom.ts';
import type { Hello } from '../session.ts';
import { alertRegion, busy, field } from './forms.ts';

export function passwordView(hello: Hello): HTMLElement {
  const me = hello.session!.user;
  const alert = alertRegion();
  const status = h('p', { role: 'status', id: 'password-status' });
  const secret = { type: 'password', required: true, maxLength: 512 } as const;
  const old = field('Current password', { ...secret, name: 'own-old-password', autocomplete: 'current-password' });
  const next = field('New password', { ...secret, name: 'own-new-password', autocomplete: 'new-password' });
  const again = field('New password again', { ...secret, name: 'own-again-password', autocomplete: 'new-password' });
  const change = h('button', { type: 'submit', class: 'primary' }, 'Change my password');
  const form = h('form', { id: 'own-password' },
    // for password managers: the account the new password belongs to
    h('input', { type: 'text', name: 'username', autocomplete: 'username', defaultValue: me, hidden: true, readOnly: true }),
    old.row, next.row, again.row, alert.el, h('div', { class: 'actions start' }, change));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    alert.clear();
    status.textContent = '';
    if (next.input.value !== again.input.value) return alert.show('The new passwords differ; nothing was sent.');
    if (!hello.offer) return alert.show('The authentication server is starting; try again in a moment.');
    void busy(change, 'Changing…', () => changeOwnPassword(hello.offer!, me, old.input.value, next.input.value)).then(() => {
      form.reset();
      status.textContent = 'Your password is changed, for this page and for NUT; your other sessions ended.';
    }, (err: Error) => alert.show(err.message));
  });
  return h('section', { class: 'card narrow', 'aria-labelledby': 'password-title' },
    h('h1', { id: 'password-title' }, 'My password'),
    h('p', {}, `Logged in as ${me}. The new password counts for this page and for NUT clients alike.`),
    form,
    status,
  );
}
