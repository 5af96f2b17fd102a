// The wizard's text for every kind of client, word for word where a client parses it (upsmon.conf, shell,
// prometheus.yml), and the quoting that keeps a password or a path one word.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLIENT_KINDS, UPSMON_KINDS, confWord, generatedPassword, monitorHost, nssCommands, shellQuote, upsmonLines, wizardText, type UnitFacts } from './wizard-snippets.ts';

const UNIT: UnitFacts = { host: 'walnut.local', nutPort: 3493, webPort: 443, ups: 'ups', deviceName: 'walnut', caNickname: 'walnut CA', metrics: { anonymous: true, token: false } };
const ACCOUNT = { user: 'nas1', password: 'abcdefghijkmnpqrstuvwxyz' };
const CERT = { name: 'nas1', p12File: 'nas1.p12', p12Password: 'p12-secret' };

test('the upsmon.conf lines monitor as a secondary over TLS with the CA checked and walnut named', () => {
  assert.deepEqual(upsmonLines(UNIT, { kind: 'debian', ...ACCOUNT }), [
    'MONITOR ups@walnut.local 1 nas1 abcdefghijkmnpqrstuvwxyz secondary',
    'CERTPATH /etc/nut/certdb',
    'CERTHOST walnut.local "walnut" 1 1',
    'CERTVERIFY 1',
    'FORCESSL 1',
  ]);
});

test('with a client certificate the lines add CERTIDENT with its nickname and the empty NSS password', () => {
  const lines = upsmonLines({ ...UNIT, host: '192.0.2.7', nutPort: 13493 }, { kind: 'debian', ...ACCOUNT, cert: CERT, nssDb: '/srv/nss db' });
  assert.deepEqual(lines, [
    'MONITOR ups@192.0.2.7:13493 1 nas1 abcdefghijkmnpqrstuvwxyz secondary',
    'CERTPATH "/srv/nss db"',
    'CERTIDENT "nas1" ""',
    'CERTHOST 192.0.2.7 "walnut" 1 1',
    'CERTVERIFY 1',
    'FORCESSL 1',
  ]);
});

test('an IPv6 host is bracketed in MONITOR and bare in CERTHOST', () => {
  assert.equal(monitorHost('fd00::5', 3493), '[fd00::5]');
  assert.equal(monitorHost('fd00::5', 1234), '[fd00::5]:1234');
  assert.match(upsmonLines({ ...UNIT, host: 'fd00::5' }, { kind: 'debian', ...ACCOUNT })[2]!, /^CERTHOST fd00::5 /);
});

test('the NSS commands make the database, trust the CA for servers, import the certificate and let the nut group read it', () => {
  assert.deepEqual(nssCommands(UNIT, { kind: 'debian', ...ACCOUNT, cert: CERT }), [
    'mkdir -p /etc/nut/certdb',
    'certutil -N -d sql:/etc/nut/certdb --empty-password',
    "certutil -A -d sql:/etc/nut/certdb -n 'walnut CA' -t C,, -a -i walnut-ca.pem",
    'pk12util -i nas1.p12 -d sql:/etc/nut/certdb -W p12-secret',
    'chgrp -R nut /etc/nut/certdb && chmod 0750 /etc/nut/certdb && chmod 0640 /etc/nut/certdb/*',
  ]);
  assert.equal(nssCommands(UNIT, { kind: 'debian', ...ACCOUNT }).length, 4, 'no pk12util without a certificate');
});

test('shell and upsmon.conf quoting keep any word one word', () => {
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
  assert.equal(shellQuote('/etc/nut/certdb'), '/etc/nut/certdb');
  assert.equal(confWord('a#b'), '"a\\#b"');
  assert.equal(confWord('plain'), 'plain');
  assert.equal(confWord(''), '""');
});

test('every upsmon kind shows the account and the TLS lines; Debian and Proxmox install, TrueNAS and Unraid name their UI', () => {
  for (const kind of UPSMON_KINDS) {
    const t = wizardText(UNIT, { kind, ...ACCOUNT });
    const all = t.snippets.map((s) => s.text).join('\n');
    assert.match(all, /FORCESSL 1/, kind);
    assert.match(all, /CERTVERIFY 1/, kind);
    assert.match(all, /abcdefghijkmnpqrstuvwxyz/, kind);
    assert.match(all, /certutil -N/, kind);
    assert.ok(t.notes.length > 0, kind);
  }
  assert.match(wizardText(UNIT, { kind: 'debian', ...ACCOUNT }).snippets[0]!.text, /^apt-get install nut-client libnss3-tools$/);
  assert.match(wizardText(UNIT, { kind: 'proxmox', ...ACCOUNT }).notes[0]!, /Proxmox/);
  assert.match(wizardText(UNIT, { kind: 'truenas', ...ACCOUNT }).notes[0]!, /Services → UPS/);
  assert.doesNotMatch(wizardText(UNIT, { kind: 'truenas', ...ACCOUNT }).snippets.at(-1)!.text, /MONITOR/, 'TrueNAS writes MONITOR itself');
  assert.match(wizardText(UNIT, { kind: 'unraid', ...ACCOUNT }).notes[0]!, /NUT" plugin/);
});

test('Synology says plainly that monuser/secret travel in clear and are bound to one address, and gives the walnut.json entry', () => {
  const t = wizardText(UNIT, { kind: 'synology', address: '192.0.2.20' });
  assert.match(t.warning!, /monuser/);
  assert.match(t.warning!, /clear text/);
  assert.match(t.warning!, /192\.0\.2\.20/);
  assert.match(t.warning!, /tls\.clearCredentials/, 'the cost to every other client is said too');
  assert.deepEqual(JSON.parse(t.snippets[0]!.text), { legacyClients: [{ username: 'monuser', password: 'secret', from: ['192.0.2.20'] }], tls: { clearCredentials: true } });
  assert.deepEqual(t.snippets[1], { title: 'Network UPS server IP', text: 'walnut.local' });
});

test('Home Assistant gets the host and the port and no credentials', () => {
  const t = wizardText({ ...UNIT, nutPort: 13493 }, { kind: 'home-assistant' });
  assert.deepEqual(t.snippets, [
    { title: 'Host', text: 'walnut.local' },
    { title: 'Port', text: '13493' },
  ]);
  assert.match(t.notes[0]!, /Leave the username and password empty/);
  assert.match(t.notes[1]!, /does not set that up/, 'commands are not offered, and the page says so');
});

test('Prometheus scrapes /metrics over HTTPS with the CA, and with the bearer token only when one is set', () => {
  const open = wizardText(UNIT, { kind: 'prometheus' }).snippets[0]!.text;
  assert.match(open, /scheme: https\n {4}metrics_path: \/metrics/);
  assert.match(open, /ca_file: \/etc\/prometheus\/walnut-ca\.pem\n {6}server_name: walnut/);
  assert.match(open, /targets: \['walnut\.local:443'\]/);
  assert.doesNotMatch(open, /authorization/);
  const closed = wizardText({ ...UNIT, metrics: { anonymous: false, token: true } }, { kind: 'prometheus' });
  assert.match(closed.snippets[0]!.text, /type: Bearer\n {6}credentials_file: /);
  assert.match(closed.notes[1]!, /web\.metricsToken/);
});

test('every kind in the menu has text', () => {
  for (const { kind } of CLIENT_KINDS) assert.ok(wizardText(UNIT, { kind, ...ACCOUNT, address: '192.0.2.20' }).snippets.length > 0, kind);
});

test('a generated password is 24 characters of the unambiguous alphabet, from the random bytes given', () => {
  const p = generatedPassword((b) => b.fill(0xff));
  assert.equal(p, '9'.repeat(24));
  assert.match(generatedPassword((b) => b.map((_, i) => i * 11)), /^[a-km-np-z2-9]{24}$/);
});
