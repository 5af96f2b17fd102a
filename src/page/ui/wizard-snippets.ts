// The "Add a client" wizard's text (issue 16), pure: from what the owner chose and what the unit is, the commands
// and config lines each kind of client needs, each as one snippet the page shows with a copy button. No DOM and no
// randomness here, so every kind is checked by wizard-snippets.test.ts word for word.
//
// Facts behind the lines (from NUT's upsmon.conf(5) and nut.conf(5), read, not copied): upsmon needs FORCESSL 1
// and CERTVERIFY 1 to refuse a server that does not prove itself; CERTHOST's first field is the host exactly as
// the MONITOR line writes it and its second the name walnut's certificate carries; CERTIDENT names the NSS
// nickname of the client's own certificate and the NSS database's password (empty here). Debian's NUT is built
// with NSS, so its trust store is an NSS database made with certutil and filled with pk12util.

export type ClientKind = 'debian' | 'proxmox' | 'truenas' | 'unraid' | 'synology' | 'home-assistant' | 'prometheus';

export const CLIENT_KINDS: readonly { kind: ClientKind; label: string }[] = [
  { kind: 'debian', label: 'Debian, Ubuntu or Raspberry Pi OS (upsmon)' },
  { kind: 'proxmox', label: 'Proxmox VE' },
  { kind: 'truenas', label: 'TrueNAS' },
  { kind: 'unraid', label: 'Unraid' },
  { kind: 'synology', label: 'Synology DSM' },
  { kind: 'home-assistant', label: 'Home Assistant' },
  { kind: 'prometheus', label: 'Prometheus' },
];

/** The kinds that talk TLS to this unit, and so need its CA: upsmon's and Prometheus. */
export const usesTls = (kind: ClientKind): boolean => UPSMON_KINDS.includes(kind) || kind === 'prometheus';

/** The kinds that run upsmon with an account of their own (a secondary NUT user made by the wizard). */
export const UPSMON_KINDS: readonly ClientKind[] = ['debian', 'proxmox', 'truenas', 'unraid'];

/** Synology DSM's fixed credentials: its UI has no fields for them (hence the legacy entry and its warning). */
export const SYNOLOGY_USER = 'monuser';
export const SYNOLOGY_PASSWORD = 'secret';

export const DEFAULT_NSS_DB = '/etc/nut/certdb';
export const NUT_PORT = 3493;

export interface UnitFacts {
  /** the host as the client will reach the unit (a name or an address, as the owner typed it) */
  host: string;
  nutPort: number;
  webPort: number;
  ups: string;
  /** the name walnut's certificate carries (its CN), CERTHOST's second field */
  deviceName: string;
  /** the NSS nickname for walnut's CA (its CN) */
  caNickname: string;
  /** /metrics: readable without a token (tls.anonymousReads any), or a bearer token is configured */
  metrics: { anonymous: boolean; token: boolean };
}

export interface WizardChoice {
  kind: ClientKind;
  /** upsmon kinds: the account the wizard made and its generated password */
  user?: string;
  password?: string;
  /** the NSS database folder on the client */
  nssDb?: string;
  /** a client certificate: its name (CN, the NSS nickname) and the PKCS#12 file's name and password */
  cert?: { name: string; p12File: string; p12Password: string };
  /** the CA file's name as downloaded */
  caFile?: string;
  /** Synology: the NAS's address the legacy entry is bound to */
  address?: string;
}

export interface Snippet {
  /** a short heading: where the text goes */
  title: string;
  text: string;
}

export interface WizardText {
  snippets: Snippet[];
  /** sentences the page shows before the snippets (steps in a UI, warnings) */
  notes: string[];
  /** a warning the page shows in its alert style */
  warning?: string;
}

/** A word for a POSIX shell: as it is when plainly safe, else in single quotes. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A quoted word for upsmon.conf (NUT's parseconf): `"`, `\` and `#` need a backslash even inside quotes. */
export function confQuote(word: string): string {
  return `"${word.replace(/["\\#]/g, (c) => '\\' + c)}"`;
}

/** A word for upsmon.conf, quoted only when parseconf needs it. */
export const confWord = (word: string): string => (/^[\x21-\x7e]+$/.test(word) && !/["\\#]/.test(word) ? word : confQuote(word));

/** The host as a MONITOR line writes it: an IPv6 address in brackets; the port only when not NUT's 3493. */
export function monitorHost(host: string, port: number): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return port === NUT_PORT ? h : `${h}:${port}`;
}

/** CERTHOST's first field: the host without the port or brackets, as upsmon compares it. */
const certHostName = (host: string): string => host.replace(/^\[|\]$/g, '');

/** upsmon.conf for walnut's TLS: the MONITOR line, the NSS database, who walnut must be, and no clear text. */
export function upsmonLines(u: UnitFacts, c: WizardChoice): string[] {
  const db = c.nssDb ?? DEFAULT_NSS_DB;
  return [
    `MONITOR ${u.ups}@${monitorHost(u.host, u.nutPort)} 1 ${confWord(c.user ?? '')} ${confWord(c.password ?? '')} secondary`,
    `CERTPATH ${confWord(db)}`,
    ...(c.cert ? [`CERTIDENT ${confQuote(c.cert.name)} ""`] : []),
    `CERTHOST ${certHostName(u.host)} ${confQuote(u.deviceName)} 1 1`,
    'CERTVERIFY 1',
    'FORCESSL 1',
  ];
}

/** The NSS database upsmon reads: made empty, walnut's CA trusted to issue server certificates, the client's own
 *  certificate imported when there is one, then readable by the nut group (upsmon drops to it). */
export function nssCommands(u: UnitFacts, c: WizardChoice): string[] {
  const dir = c.nssDb ?? DEFAULT_NSS_DB;
  const db = shellQuote(`sql:${dir}`);
  return [
    `mkdir -p ${shellQuote(dir)}`,
    `certutil -N -d ${db} --empty-password`,
    `certutil -A -d ${db} -n ${shellQuote(u.caNickname)} -t C,, -a -i ${shellQuote(c.caFile ?? 'walnut-ca.pem')}`,
    ...(c.cert ? [`pk12util -i ${shellQuote(c.cert.p12File)} -d ${db} -W ${shellQuote(c.cert.p12Password)}`] : []),
    `chgrp -R nut ${shellQuote(dir)} && chmod 0750 ${shellQuote(dir)} && chmod 0640 ${shellQuote(dir)}/*`,
  ];
}

const TLS_NOTE = 'walnut takes no password in clear text: FORCESSL 1 and CERTVERIFY 1 make upsmon talk TLS and check that it is this unit.';

function upsmonText(u: UnitFacts, c: WizardChoice): WizardText {
  const files = `walnut-ca.pem${c.cert ? ` and ${c.cert.p12File}` : ''}`;
  const conf: Snippet = { title: 'Add to /etc/nut/upsmon.conf', text: upsmonLines(u, c).join('\n') };
  const nss: Snippet = { title: `As root, in the folder holding ${files}`, text: nssCommands(u, c).join('\n') };
  switch (c.kind) {
    case 'debian':
    case 'proxmox':
      return {
        notes: [
          `${c.kind === 'proxmox' ? 'On the Proxmox host (its shell is Debian)' : 'On the computer'}, install NUT's client and NSS's tools, copy ${files} there, and run:`,
          TLS_NOTE,
        ],
        snippets: [
          { title: 'Install', text: 'apt-get install nut-client libnss3-tools' },
          nss,
          { title: 'Set /etc/nut/nut.conf', text: 'MODE=netclient' },
          conf,
          { title: 'Then', text: 'chmod 0640 /etc/nut/upsmon.conf && systemctl restart nut-monitor' },
        ],
      };
    case 'truenas':
      return {
        notes: [
          `System Settings → Services → UPS: UPS Mode "Slave" (secondary), Remote Host ${certHostName(u.host)}, Remote Port ${u.nutPort}, Identifier ${u.ups}, Monitor User ${c.user ?? ''}, Monitor Password as below.`,
          `Make the NSS database in a folder that survives updates (a dataset), and put the lines below after the MONITOR line in "Auxiliary Parameters (upsmon.conf)" with CERTPATH pointing there. ${TLS_NOTE}`,
        ],
        snippets: [{ title: 'Monitor password', text: c.password ?? '' }, nss, { title: 'Auxiliary Parameters (upsmon.conf)', text: upsmonLines(u, c).slice(1).join('\n') }],
      };
    case 'unraid':
      return {
        notes: [
          `Install the "NUT" plugin (Network UPS Tools) from Community Applications; Settings → NUT: Network UPS Mode "Slave" (secondary), Remote UPS IP ${certHostName(u.host)}, UPS name ${u.ups}, Monitor user ${c.user ?? ''} and the password below.`,
          `Keep the NSS database on the flash drive (/boot/config/plugins/nut/certdb) and add the lines below to upsmon.conf in the plugin's config editor. ${TLS_NOTE}`,
        ],
        snippets: [{ title: 'Monitor password', text: c.password ?? '' }, nss, { title: 'upsmon.conf', text: upsmonLines(u, c).join('\n') }],
      };
    default:
      throw new RangeError(`${c.kind} does not run upsmon with its own account`);
  }
}

/** The "Add a client" wizard's text for one choice. */
export function wizardText(u: UnitFacts, c: WizardChoice): WizardText {
  if (UPSMON_KINDS.includes(c.kind)) return upsmonText(u, c);
  const host = certHostName(u.host);
  if (c.kind === 'synology') {
    const address = c.address ?? '192.0.2.10';
    const entry = { legacyClients: [{ username: SYNOLOGY_USER, password: SYNOLOGY_PASSWORD, from: [address] }] };
    return {
      warning:
        `Synology DSM logs in with the fixed name ${SYNOLOGY_USER} and password ${SYNOLOGY_PASSWORD}, in clear text and without TLS: anyone ` +
        `who can send from ${address} can use them. walnut accepts them only from that one address, only as a secondary, only to watch the UPS. ` +
        'And because DSM cannot use TLS, this unit must also take passwords in clear (tls.clearCredentials), which every other client then may do too.',
      notes: [
        'This page cannot make the entry yet: add it to walnut.json on this unit (walnut reads it at start), set tls.clearCredentials to true there, and restart walnut.',
        `Then on the NAS: Control Panel → Hardware & Power → UPS: Enable UPS support, UPS type "Synology UPS server", Network UPS server IP ${host}, Apply.`,
      ],
      snippets: [
        { title: 'walnut.json on this unit (merge into the file)', text: JSON.stringify({ ...entry, tls: { clearCredentials: true } }, null, 2) },
        { title: 'Network UPS server IP', text: host },
      ],
    };
  }
  if (c.kind === 'home-assistant') {
    return {
      notes: [
        'Settings → Devices & services → Add integration → Network UPS Tools (NUT), with the values below. Leave the username and password empty: ' +
          "Home Assistant's NUT client has no TLS and would send them in clear text, which walnut refuses; reading the UPS needs none.",
        'Running UPS commands from Home Assistant would need a name and password, sent in clear: this page does not set that up.',
      ],
      snippets: [
        { title: 'Host', text: host },
        { title: 'Port', text: String(u.nutPort) },
      ],
    };
  }
  if (c.kind === 'prometheus') {
    const target = `${u.host.includes(':') && !u.host.startsWith('[') ? `[${u.host}]` : u.host}:${u.webPort}`;
    const lines = [
      'scrape_configs:',
      '  - job_name: walnut',
      '    scheme: https',
      '    metrics_path: /metrics',
      '    tls_config:',
      '      ca_file: /etc/prometheus/walnut-ca.pem',
      `      server_name: ${u.deviceName}`,
      ...(u.metrics.token ? ['    authorization:', '      type: Bearer', '      credentials_file: /etc/prometheus/walnut-metrics-token'] : []),
      '    static_configs:',
      `      - targets: ['${target}']`,
    ];
    return {
      notes: [
        'Copy walnut-ca.pem to /etc/prometheus/ and add this job to prometheus.yml.',
        u.metrics.token
          ? 'This unit asks for the bearer token set as web.metricsToken: put it alone in /etc/prometheus/walnut-metrics-token (mode 0600).'
          : u.metrics.anonymous
            ? 'This unit lets anyone read /metrics (tls.anonymousReads is any), as anyone may read the UPS over NUT.'
            : 'This unit refuses /metrics without a token: set web.metricsToken in walnut.json first.',
      ],
      snippets: [{ title: 'prometheus.yml', text: lines.join('\n') }],
    };
  }
  throw new RangeError(`unknown client kind ${String(c.kind)}`);
}

/** A password for an upsmon account: 24 characters from 32 unambiguous ones (120 bits), safe in a shell and in
 *  upsmon.conf unquoted. `random` is crypto.getRandomValues in the page. */
export function generatedPassword(random: (bytes: Uint8Array) => Uint8Array): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  // 32 divides 256: a byte's low five bits are uniform
  return [...random(new Uint8Array(24))].map((b) => alphabet[b & 31]).join('');
}
