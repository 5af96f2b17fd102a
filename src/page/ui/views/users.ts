// Users & security (issue 16), for the admin: the accounts with their state and roles, a new account, another
// account's password, client certificates, the unit's CA (one's own password is views/password.ts, for everyone). Whatever touches a password runs
// the AS protocol here in the page (account-flows.ts) and asks for the admin's own password each time: the AS,
// not the web session, decides who may change accounts.
import { createUser, generatePassword, removeUser, setUserPassword, type AdminProof } from '../account-flows.ts';
import { h, fill } from '../dom.ts';
import { api, b64 } from '../http.ts';
import type { Hello } from '../session.ts';
import { alertRegion, busy, field } from './forms.ts';

interface UserRow { name: string; status: 'active' | 'disabled'; roles: string; webRole: string | null; owner: boolean }
interface CertRow { serial: string; name: string; issuedAt: number; notAfter: number; status: 'active' | 'expired' | 'revoked'; reason: string | null }
interface Issued { serial: string; name: string; notAfter: number; pem: string; p12: string }

/** What each choice in the form gives, in describeRoles' words (src/auth/role-text.ts); the web role follows. */
export const ROLE_PRESETS: readonly { id: string; label: string; roles: string }[] = [
  { id: 'operator', label: 'Operator: commands and settings', roles: 'upsmon=secondary actions=SET instcmds=ALL' },
  { id: 'viewer', label: 'Viewer: looks, monitors as secondary', roles: 'upsmon=secondary' },
  { id: 'custom', label: 'Custom NUT roles', roles: '' },
];

const day = (ms: number): string => new Date(ms).toLocaleDateString();

/** A password field with a button that fills it with a generated password, shown so it can be copied. */
function newPasswordField(label: string, name: string): { row: HTMLElement; input: HTMLInputElement } {
  const f = field(label, { type: 'password', name, autocomplete: 'new-password', required: true, maxLength: 512 });
  const gen = h('button', { type: 'button', class: 'generate' }, 'Generate');
  gen.addEventListener('click', () => {
    f.input.type = 'text'; // a generated password is meant to be copied: show it
    f.input.value = generatePassword();
    f.input.select();
  });
  f.input.after(gen);
  f.input.parentElement!.classList.add('with-button');
  return f;
}

const adminPasswordField = (): { row: HTMLElement; input: HTMLInputElement } =>
  field('Your own password', { type: 'password', name: 'admin-password', autocomplete: 'current-password', required: true, maxLength: 512 }, 'The unit\'s authentication server checks it before any account changes.');

export function usersView(hello: Hello): HTMLElement {
  const me = hello.session!.user;
  const proof = (adminPassword: string): AdminProof => {
    if (!hello.offer) throw new Error('the authentication server is starting; try again in a moment');
    return { offer: hello.offer, admin: me, adminPassword };
  };
  const status = h('p', { role: 'status', id: 'users-status' });
  const done = (text: string): void => void (status.textContent = text);
  const dialog = h('dialog', { 'aria-labelledby': 'user-dialog-title' });

  // --- the accounts
  const userBody = h('tbody');
  const usersAlert = alertRegion();
  const loadUsers = (): void =>
    void api<UserRow[]>('GET', '/api/users').then((rows) => {
      fill(userBody, ...rows.map((u) => h('tr', { 'data-user': u.name },
        h('th', { scope: 'row' }, u.name),
        h('td', { class: `status-${u.status}` }, u.status),
        h('td', {}, h('code', {}, u.roles)),
        h('td', {}, u.webRole ? `web: ${u.webRole}` : 'no web login'),
        h('td', { class: 'row-actions' }, ...(u.owner ? [h('span', { class: 'hint' }, 'you')] : rowActions(u))),
      )));
    }, (err: Error) => usersAlert.show(err.message));

  const rowActions = (u: UserRow): HTMLElement[] => {
    const toggle = h('button', { type: 'button', 'data-action': 'status', 'aria-label': `${u.status === 'active' ? 'Disable' : 'Enable'} ${u.name}` }, u.status === 'active' ? 'Disable' : 'Enable');
    toggle.addEventListener('click', () => {
      usersAlert.clear();
      const next = u.status === 'active' ? 'disabled' : 'active';
      void busy(toggle, '…', () => api('POST', '/api/users/status', { name: u.name, status: next })).then(() => {
        done(`${u.name} is ${next === 'active' ? 'enabled' : 'disabled'}.`);
        loadUsers();
      }, (err: Error) => usersAlert.show(err.message));
    });
    const passwd = h('button', { type: 'button', 'data-action': 'password', 'aria-label': `Set password of ${u.name}` }, 'Set password');
    passwd.addEventListener('click', () => askAdmin(`New password for ${u.name}`, true, async (admin, password) => {
      await setUserPassword(proof(admin), u.name, password!);
      done(`The password of ${u.name} is changed; their sessions ended.`);
    }));
    const remove = h('button', { type: 'button', 'data-action': 'remove', class: 'danger', 'aria-label': `Remove ${u.name}` }, 'Remove');
    remove.addEventListener('click', () => askAdmin(`Remove ${u.name}?`, false, async (admin) => {
      await removeUser(proof(admin), u.name);
      done(`${u.name} is removed.`);
      loadUsers();
    }));
    return [toggle, passwd, remove];
  };

  /** The dialog for a change that needs the admin's password (and, for a password, the new one). */
  const askAdmin = (title: string, withNew: boolean, work: (admin: string, password?: string) => Promise<void>): void => {
    const alert = alertRegion();
    const next = withNew ? newPasswordField('New password', 'user-new-password') : undefined;
    const admin = adminPasswordField();
    const ok = h('button', { type: 'submit', class: 'primary' }, withNew ? 'Set password' : 'Remove');
    const cancel = h('button', { type: 'button' }, 'Cancel');
    cancel.addEventListener('click', () => dialog.close());
    const form = h('form', {}, h('h2', { id: 'user-dialog-title' }, title), next?.row, admin.row, alert.el, h('div', { class: 'actions' }, cancel, ok));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      alert.clear();
      void busy(ok, 'Working…', () => work(admin.input.value, next?.input.value)).then(() => dialog.close(), (err: Error) => alert.show(err.message));
    });
    fill(dialog, form);
    dialog.showModal();
    (next ?? admin).input.focus();
  };

  // --- a new account
  const addAlert = alertRegion();
  const name = field('User name', { name: 'new-user', autocomplete: 'off', required: true, maxLength: 64, spellcheck: false });
  const kind = h('select', { id: 'new-user-kind', name: 'new-user-kind' }, ...ROLE_PRESETS.map((p) => h('option', { value: p.id }, p.label)));
  const roles = field('NUT roles', { name: 'new-user-roles', maxLength: 512, spellcheck: false, value: ROLE_PRESETS[0]!.roles }, 'As walnut user list writes them: upsmon=primary|secondary actions=SET,FSD instcmds=ALL or names.');
  kind.addEventListener('change', () => {
    const preset = ROLE_PRESETS.find((p) => p.id === kind.value)!;
    if (preset.id !== 'custom') roles.input.value = preset.roles;
    roles.input.readOnly = preset.id !== 'custom';
  });
  roles.input.readOnly = true;
  const password = newPasswordField('Their password', 'new-user-password');
  const addAdmin = adminPasswordField();
  const add = h('button', { type: 'submit', class: 'primary' }, 'Add user');
  const addForm = h('form', { id: 'add-user' },
    name.row,
    h('div', { class: 'field' }, h('label', { htmlFor: 'new-user-kind' }, 'Kind of account'), kind),
    roles.row, password.row, addAdmin.row, addAlert.el, h('div', { class: 'actions start' }, add));
  addForm.addEventListener('submit', (e) => {
    e.preventDefault();
    addAlert.clear();
    const n = name.input.value;
    void busy(add, 'Adding…', () => createUser(proof(addAdmin.input.value), n, roles.input.value, password.input.value)).then(() => {
      done(`${n} is added.`);
      addForm.reset();
      password.input.type = 'password';
      roles.input.value = ROLE_PRESETS[0]!.roles;
      roles.input.readOnly = true;
      loadUsers();
    }, (err: Error) => addAlert.show(err.message));
  });

  // --- client certificates
  const certBody = h('tbody');
  const certAlert = alertRegion();
  const issuedBox = h('div', { id: 'issued', hidden: true });
  const loadCerts = (): void =>
    void api<CertRow[]>('GET', '/api/certs').then((rows) => {
      fill(certBody, ...(rows.length === 0 ? [h('tr', {}, h('td', { colSpan: 5 }, 'None issued yet.'))] : rows.map((c) => h('tr', { 'data-serial': c.serial },
        h('th', { scope: 'row' }, c.name),
        h('td', {}, h('code', { class: 'serial' }, c.serial)),
        h('td', {}, `until ${day(c.notAfter)}`),
        h('td', { class: `status-${c.status}` }, c.status, c.reason ? ` (${c.reason})` : ''),
        h('td', { class: 'row-actions' }, c.status === 'revoked' ? null : revokeButton(c)),
      ))));
    }, (err: Error) => certAlert.show(err.message));
  const revokeButton = (c: CertRow): HTMLElement => {
    const b = h('button', { type: 'button', class: 'danger', 'data-action': 'revoke', 'aria-label': `Revoke ${c.name} (${c.serial})` }, 'Revoke');
    b.addEventListener('click', () => {
      certAlert.clear();
      void busy(b, '…', () => api('POST', '/api/certs/revoke', { serial: c.serial, reason: 'revoked from the setup page' })).then(() => {
        done(`The certificate of ${c.name} is revoked: the NUT server refuses it from the next connection on.`);
        loadCerts();
      }, (err: Error) => certAlert.show(err.message));
    });
    return b;
  };
  const certName = field('Client name', { name: 'cert-name', autocomplete: 'off', required: true, maxLength: 64, spellcheck: false }, "The certificate's common name; upsmon's CERTIDENT names it.");
  const p12 = newPasswordField('Password for the .p12 file', 'cert-p12-password');
  const issue = h('button', { type: 'submit', class: 'primary' }, 'Issue certificate');
  const certForm = h('form', { id: 'issue-cert' }, certName.row, p12.row, certAlert.el, h('div', { class: 'actions start' }, issue));
  let urls: string[] = [];
  certForm.addEventListener('submit', (e) => {
    e.preventDefault();
    certAlert.clear();
    void busy(issue, 'Issuing…', () => api<Issued>('POST', '/api/certs/issue', { name: certName.input.value, p12Password: p12.input.value })).then((r) => {
      for (const u of urls) URL.revokeObjectURL(u);
      urls = [URL.createObjectURL(new Blob([r.pem], { type: 'application/x-pem-file' })), URL.createObjectURL(new Blob([Uint8Array.from(b64.decode(r.p12))], { type: 'application/x-pkcs12' }))];
      fill(issuedBox,
        h('p', {}, `Issued ${r.name}, serial `, h('code', {}, r.serial), `, valid until ${day(r.notAfter)}. Download both now: the private key is not kept on the unit.`),
        h('div', { class: 'actions start' },
          h('a', { class: 'button', href: urls[0]!, download: `${r.name}.pem`, id: 'download-pem' }, `${r.name}.pem`),
          h('a', { class: 'button', href: urls[1]!, download: `${r.name}.p12`, id: 'download-p12' }, `${r.name}.p12`)),
      );
      issuedBox.hidden = false;
      certForm.reset();
      p12.input.type = 'password';
      loadCerts();
    }, (err: Error) => certAlert.show(err.message));
  });

  loadUsers();
  loadCerts();
  return h('div', { class: 'users-page' },
    h('section', { class: 'card', 'aria-labelledby': 'users-title' },
      h('h1', { id: 'users-title' }, 'Users & security'),
      h('p', { class: 'hint' }, `You are ${me}, the unit's owner: change your own password on My password.`),
      status,
      usersAlert.el,
      h('div', { class: 'scroll' }, h('table', { class: 'stack accounts' },
        h('thead', {}, h('tr', {}, ...['User', 'Status', 'NUT roles', 'Setup page', 'Change'].map((t) => h('th', { scope: 'col' }, t)))), userBody)),
    ),
    h('section', { class: 'card', 'aria-labelledby': 'add-user-title' }, h('h2', { id: 'add-user-title' }, 'Add a user'), addForm),
    h('section', { class: 'card', 'aria-labelledby': 'certs-title' },
      h('h2', { id: 'certs-title' }, 'Client certificates'),
      h('p', { class: 'hint' }, 'For upsmon\'s CERTIDENT and any NUT client that presents a certificate. A revoked one is refused at its next TLS handshake.'),
      h('div', { class: 'scroll' }, h('table', { class: 'stack certs' },
        h('thead', {}, h('tr', {}, ...['Client', 'Serial', 'Expires', 'Status', 'Change'].map((t) => h('th', { scope: 'col' }, t)))), certBody)),
      h('h3', {}, 'Issue a certificate'),
      certForm,
      issuedBox,
    ),
    h('section', { class: 'card', 'aria-labelledby': 'users-ca-title' },
      h('h2', { id: 'users-ca-title' }, "This unit's certificate authority"),
      h('p', {}, 'NUT clients that check the server (CERTVERIFY 1) trust this certificate.'),
      h('div', { class: 'actions start' }, h('a', { class: 'button', href: '/api/ca', download: 'walnut-ca.pem', id: 'users-ca-download' }, 'Download the CA certificate')),
    ),
    dialog,
  );
}
