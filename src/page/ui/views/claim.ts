// The claim page (issue 14/15): the label code and admin's new password. Both stay in this page: the code is the
// old password of a PAK password change, the new one is sealed for the AS alone (docs/auth-protocol.md §13).
import { h } from '../dom.ts';
import { claimUnit, logIn } from '../flows.ts';
import { setToken } from '../http.ts';
import type { Hello } from '../session.ts';
import { alertRegion, busy, field } from './forms.ts';

export function claimView(hello: Hello, done: () => void): HTMLElement {
  const code = field('Setup code', { name: 'code', autocomplete: 'off', autocapitalize: 'characters', spellcheck: false, required: true, inputMode: 'text' }, 'On the label of the unit, or shown once when it first started: 16 letters and digits, like 8K3M-QX2P-7TVA-9R.');
  const pw = field('New password for admin', { name: 'new-password', type: 'password', autocomplete: 'new-password', required: true, minLength: 8 }, 'At least 8 characters. You will log in with it from now on.');
  const again = field('New password again', { name: 'new-password-again', type: 'password', autocomplete: 'new-password', required: true });
  const keep = h('input', { type: 'checkbox', id: 'keep-code', name: 'keep-code' });
  const alert = alertRegion();
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Claim this unit');
  keep.addEventListener('change', () => {
    for (const f of [pw, again]) {
      f.input.disabled = keep.checked;
      f.input.required = !keep.checked;
    }
  });
  const form = h('form', { class: 'card narrow', novalidate: true, 'aria-labelledby': 'claim-title' },
    h('h1', { id: 'claim-title' }, 'Claim this unit'),
    h('p', {}, 'This UPS server has no owner yet. Enter the setup code from its label and choose the password of its administrator, ', h('strong', {}, 'admin'), '.'),
    code.row, pw.row, again.row,
    h('div', { class: 'check' }, keep, h('label', { htmlFor: 'keep-code' }, 'Keep the setup code as the password')),
    alert.el,
    h('div', { class: 'actions' }, submit),
    h('p', { class: 'hint' }, 'Neither the code nor the password is sent to the unit: this page proves it knows them.'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    alert.clear();
    if (!hello.offer) return alert.show('The unit is still starting; try again in a few seconds.');
    if (code.input.value.trim() === '') return alert.show('Enter the setup code from the label.');
    if (!keep.checked) {
      if (pw.input.value.length < 8) return alert.show('The new password needs at least 8 characters.');
      if (pw.input.value !== again.input.value) return alert.show('The two passwords differ.');
    }
    const offer = hello.offer;
    void busy(submit, 'Claiming…', async () => {
      try {
        await claimUnit(offer, code.input.value, keep.checked ? undefined : pw.input.value);
        const session = await logIn(offer, 'admin', keep.checked ? code.input.value : pw.input.value);
        setToken(session.token);
        hello.session = session;
        hello.setup = 'claimed';
        done();
      } catch (err) {
        alert.show((err as Error).message);
      }
    });
  });
  return form;
}
