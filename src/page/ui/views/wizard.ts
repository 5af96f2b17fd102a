// "Add a client" (issue 16), for the admin: pick what will watch the UPS, and the page makes what it needs — for an
// upsmon host a secondary NUT account with a password made here (crypto.getRandomValues) and set through the AS
// (account-flows.ts setUserPassword: the admin's own password proves them; neither password reaches the web server), and on
// request a TLS client certificate — then shows the exact commands and config lines, each with a copy button.
// The text itself is wizard-snippets.ts (pure, tested word for word).
import { h, fill } from '../dom.ts';
import { setUserPassword } from '../account-flows.ts';
import { caFacts } from '../flows.ts';
import { api, b64 } from '../http.ts';
import type { Hello } from '../session.ts';
import { CLIENT_KINDS, DEFAULT_NSS_DB, UPSMON_KINDS, generatedPassword, usesTls, wizardText, type ClientKind, type UnitFacts, type WizardChoice } from '../wizard-snippets.ts';
import { alertRegion, busy, field } from './forms.ts';

interface Facts {
  ups: string;
  nutPort: number;
  webPort: number;
  metrics: { anonymous: boolean; token: boolean };
  clientCertificates: string;
  deviceName: string;
  names: string[];
  caNickname: string;
  caPem: string;
  canIssue: boolean;
}

interface IssuedCert { name: string; serial: string; notAfter: string; pem: string; p12: string }

const random = (b: Uint8Array): Uint8Array => crypto.getRandomValues(b);
/** upsmon's account names: a NUT word the CLI's rules also take, short enough to type */
const ACCOUNT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;
const DEFAULT_ACCOUNT: Partial<Record<ClientKind, string>> = { debian: 'upsmon-host', proxmox: 'proxmox', truenas: 'truenas', unraid: 'unraid' };

/** A download link for text or bytes made in the page (a blob: URL; the CSP allows nothing else to be fetched). */
function download(file: string, content: string | Uint8Array, type: string): HTMLAnchorElement {
  const blob = new Blob([typeof content === 'string' ? content : Uint8Array.from(content)], { type });
  return h('a', { class: 'button', href: URL.createObjectURL(blob), download: file, 'data-file': file }, `Download ${file}`);
}

/** forms.ts field() with a fixed id (tests and links find it), its label following. */
function namedField(id: string, label: string, props: Record<string, string | number | boolean>, hint?: string): { row: HTMLElement; input: HTMLInputElement } {
  const f = field(label, props, hint);
  f.input.id = id;
  f.row.querySelector('label')!.htmlFor = id;
  return f;
}

let snippetIds = 0;

/** One snippet: its heading, the text in a <pre>, and a button that copies it. */
function snippetBlock(title: string, text: string, announce: (s: string) => void): HTMLElement {
  const id = `snippet-${++snippetIds}`;
  const copy = h('button', { type: 'button', class: 'copy', 'aria-label': `Copy: ${title}` }, 'Copy');
  copy.addEventListener('click', () => {
    void navigator.clipboard.writeText(text).then(
      () => announce(`Copied: ${title}`),
      () => announce('The browser did not allow copying; select the text instead.'),
    );
  });
  return h('div', { class: 'snippet' },
    h('div', { class: 'snippet-head' }, h('h3', { id: `${id}-title` }, title), copy),
    h('pre', { tabIndex: 0, 'data-snippet': title }, h('code', {}, text)),
  );
}

export function wizardView(hello: Hello): HTMLElement {
  let facts: Facts | undefined;
  /** an account made on an earlier try whose password step failed */
  let madeWithoutPassword: string | undefined;
  const alert = alertRegion();
  const status = h('p', { role: 'status', class: 'hint', id: 'wizard-status' });
  const output = h('section', { class: 'card', id: 'wizard-output', 'aria-labelledby': 'wizard-output-title', hidden: true });

  const radios = CLIENT_KINDS.map(({ kind, label }, i) => {
    const input = h('input', { type: 'radio', name: 'kind', value: kind, id: `kind-${kind}`, checked: i === 0 });
    return h('div', { class: 'check' }, input, h('label', { htmlFor: `kind-${kind}` }, label));
  });
  const kinds = h('fieldset', { class: 'kinds' }, h('legend', {}, 'What will watch this UPS?'), ...radios);
  const kindNow = (): ClientKind => (kinds.querySelector<HTMLInputElement>('input[name=kind]:checked')?.value ?? 'debian') as ClientKind;

  const host = namedField('wizard-host', 'This unit, as the client reaches it', { name: 'host', value: location.hostname, autocomplete: 'off', maxLength: 253 },
    'A name or an address of this unit on the client\'s network; with TLS, one of the names in this unit\'s certificate.');
  const account = namedField('wizard-account', 'Account name', { name: 'account', autocomplete: 'off', maxLength: 32 },
    'A secondary NUT account of its own: it may watch the UPS and is told when to shut down, nothing more.');
  const nssDb = namedField('wizard-nssdb', 'NSS database folder on the client', { name: 'nssdb', value: DEFAULT_NSS_DB, autocomplete: 'off', maxLength: 200 });
  const certBox = h('input', { type: 'checkbox', id: 'wizard-cert', name: 'cert' });
  const certRow = h('div', { class: 'check' }, certBox, h('label', { htmlFor: 'wizard-cert' }, 'Also make a TLS client certificate for it (upsmon presents it with CERTIDENT)'));
  const nasAddress = namedField('wizard-address', "The NAS's address", { name: 'address', autocomplete: 'off', maxLength: 45 },
    'Its fixed LAN address: the entry works from there and nowhere else.');
  const adminPassword = namedField('wizard-admin-password', 'Your password', { type: 'password', name: 'admin-password', autocomplete: 'current-password', maxLength: 512 },
    'It proves you to the authentication server, which sets the new account\'s password; neither leaves this page except sealed for it.');
  const submit = h('button', { type: 'submit', class: 'primary', id: 'wizard-submit' }, 'Show the settings');
  const upsmonOnly = h('div', {}, account.row, certRow, nssDb.row, adminPassword.row);
  const synologyOnly = h('div', {}, nasAddress.row);
  const form = h('form', { id: 'wizard-form', novalidate: true }, kinds, host.row, upsmonOnly, synologyOnly, h('div', { class: 'actions start' }, submit));

  const showFor = (): void => {
    const kind = kindNow();
    const upsmon = UPSMON_KINDS.includes(kind);
    upsmonOnly.hidden = !upsmon;
    synologyOnly.hidden = kind !== 'synology';
    certRow.hidden = !(facts?.canIssue ?? true);
    account.input.value = DEFAULT_ACCOUNT[kind] ?? '';
    submit.textContent = upsmon ? 'Create the account and show the settings' : 'Show the settings';
    output.hidden = true;
    alert.clear();
  };
  kinds.addEventListener('change', showFor);

  const unitFacts = (f: Facts): UnitFacts => ({
    host: host.input.value.trim(),
    nutPort: f.nutPort,
    webPort: f.webPort,
    ups: f.ups,
    deviceName: f.deviceName,
    caNickname: f.caNickname,
    metrics: f.metrics,
  });

  const render = async (f: Facts, choice: WizardChoice, cert: IssuedCert | undefined): Promise<void> => {
    const t = wizardText(unitFacts(f), choice);
    const { fingerprint } = await caFacts(f.caPem);
    const files = usesTls(choice.kind) ? [download('walnut-ca.pem', f.caPem, 'application/x-pem-file')] : [];
    if (cert) {
      files.push(download(`${cert.name}.p12`, b64.decode(cert.p12), 'application/x-pkcs12'), download(`${cert.name}.pem`, cert.pem, 'application/x-pem-file'));
    }
    const announce = (s: string): void => void (status.textContent = s);
    fill(output,
      h('h2', { id: 'wizard-output-title', tabIndex: -1 }, `Settings for ${CLIENT_KINDS.find((k) => k.kind === choice.kind)!.label}`),
      t.warning ? h('p', { class: 'alert warning', id: 'wizard-warning' }, t.warning) : null,
      ...t.notes.map((n) => h('p', {}, n)),
      choice.password ? h('p', { class: 'hint' }, 'The password is shown only now: copy it before you leave this page.') : null,
      cert ? h('p', { class: 'hint' }, `Client certificate ${cert.name}, serial ${cert.serial}, valid until ${new Date(cert.notAfter).toLocaleDateString()}. Its key is in the two files below and nowhere else.`) : null,
      files.length > 0 ? h('div', { class: 'actions start downloads' }, ...files) : null,
      files.length > 0 ? h('p', { class: 'hint' }, 'The CA certificate\'s SHA-256 fingerprint, to compare with the one the login showed: ', h('span', { class: 'fingerprint' }, fingerprint)) : null,
      ...t.snippets.map((s) => snippetBlock(s.title, s.text, announce)),
    );
    output.hidden = false;
    output.querySelector<HTMLElement>('h2')?.focus();
  };

  const p12Password = (): string => generatedPassword(random);

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    alert.clear();
    const f = facts;
    if (!f) return alert.show('The unit has not answered yet; try again in a moment.');
    const kind = kindNow();
    if (host.input.value.trim() === '' || !/^[A-Za-z0-9._:%[\]-]{1,253}$/.test(host.input.value.trim())) {
      host.input.focus();
      return alert.show('This unit, as the client reaches it: give a host name or an address.');
    }
    if (!UPSMON_KINDS.includes(kind)) {
      const address = nasAddress.input.value.trim();
      if (kind === 'synology' && !/^[0-9A-Fa-f.:]{2,45}$/.test(address)) {
        nasAddress.input.focus();
        return alert.show("The NAS's address: give its LAN address, IPv4 or IPv6.");
      }
      void render(f, { kind, address }, undefined);
      return;
    }
    const name = account.input.value.trim();
    if (!ACCOUNT.test(name)) {
      account.input.focus();
      return alert.show('Account name: letters, digits, dot, dash and underscore, up to 32, starting with a letter or digit.');
    }
    if (adminPassword.input.value === '') {
      adminPassword.input.focus();
      return alert.show('Your password: it is needed to set the new account\'s password.');
    }
    const session = hello.session;
    if (!session || !hello.offer) return alert.show('Log in again: the session is gone.');
    void busy(submit, 'Working…', async () => {
      const password = generatedPassword(random);
      // the account first: the server refuses a name that exists, so the wizard never sets another account's
      // password. One it made on an earlier try whose password step failed (a mistyped admin password) is reused.
      if (madeWithoutPassword !== name) {
        await api('POST', '/api/users', { name, roles: 'upsmon=secondary' });
        madeWithoutPassword = name;
      }
      try {
        await setUserPassword({ offer: hello.offer!, admin: session.user, adminPassword: adminPassword.input.value }, name, password);
      } catch (err) {
        throw new Error(`The account ${name} exists now, but its password was not set: ${(err as Error).message}. Try again.`);
      }
      madeWithoutPassword = undefined;
      adminPassword.input.value = '';
      let cert: IssuedCert | undefined;
      let certChoice: WizardChoice['cert'];
      if (certBox.checked) {
        const p12 = p12Password();
        cert = await api<IssuedCert>('POST', '/api/wizard/client-cert', { name, p12Password: p12 });
        certChoice = { name, p12File: `${name}.p12`, p12Password: p12 };
      }
      await render(f, { kind, user: name, password, nssDb: nssDb.input.value.trim() || DEFAULT_NSS_DB, ...(certChoice ? { cert: certChoice } : {}) }, cert);
    }).catch((err: Error) => alert.show(err.message));
  });

  void api<Facts>('GET', '/api/wizard/facts').then((f) => {
    facts = f;
    showFor();
  }, (err: Error) => alert.show(err.message));
  showFor();

  return h('div', { class: 'wizard' },
    h('section', { class: 'card', 'aria-labelledby': 'wizard-title' },
      h('h1', { id: 'wizard-title' }, 'Add a client'),
      h('p', {}, 'A computer, NAS or dashboard that watches this UPS. Pick it, and this page makes what it needs and shows the lines to paste.'),
      form, alert.el, status),
    output,
  );
}
