// `walnut client-cert` and `walnut ca export`: argument parsing with its usage errors, the printed upsmon.conf
// lines and NSS commands (quoting for the shell and for NUT's parseconf), the list format, and the command run
// in-process on a temporary data folder (the files, their modes, the refusal with a factory CA).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { CliError, HelpRequest, UsageError, commandHelp } from './command.ts';
import {
  DEFAULT_NSS_DB, caCommand, clientCertCommand, confQuote, formatCertificate, formatIssueReport, generatePassword, parseClientCertArgs, runCaExport,
  runClientCert, shellQuote, type ClientCertArgs, type ClientCertIo,
} from './client-cert.ts';
import { parseSingleAction } from './single-action.ts';

/** The words after `walnut`, for the two commands of this file. */
function parseArgs(argv: string[]): unknown {
  const [command, ...rest] = argv;
  return command === 'ca' ? parseSingleAction('ca', 'export', rest) : parseClientCertArgs(rest);
}
import { inspectCertificate } from '../tls/inspect.ts';

function usageError(argv: string[], message: string | RegExp): void {
  assert.throws(
    () => parseArgs(argv),
    (err: unknown) => err instanceof UsageError && (typeof message === 'string' ? err.message === message : message.test(err.message)),
    `${JSON.stringify(argv)} should fail with ${message}`,
  );
}

test('client-cert issue takes a name, --out, --password-stdin, --nss-db, --host, --data and --config', () => {
  assert.deepEqual(parseArgs(['client-cert', 'issue', 'nas-kitchen']), { action: 'issue', name: 'nas-kitchen', passwordStdin: false });
  assert.deepEqual(
    parseArgs(['client-cert', 'issue', 'NAS Küche "1"', '--out', '/tmp/o', '--password-stdin', '--nss-db=/etc/nut/db', '--host', '192.168.1.5', '--data', '/d', '--config', '/c.json']),
    { action: 'issue', name: 'NAS Küche "1"', out: '/tmp/o', passwordStdin: true, nssDb: '/etc/nut/db', host: '192.168.1.5', data: '/d', config: '/c.json' },
  );
  assert.deepEqual(parseArgs(['client-cert', 'issue', '--', '-dash']), { action: 'issue', name: '-dash', passwordStdin: false });
});

test('client-cert issue refuses names an X.509 common name cannot carry, "/" and characters outside the BMP', () => {
  usageError(['client-cert', 'issue'], "client-cert issue: name the client (the certificate's common name)");
  usageError(['client-cert', 'issue', 'a', 'b'], 'client-cert issue: one certificate at a time (unexpected "b")');
  usageError(['client-cert', 'issue', 'x'.repeat(65)], 'client-cert issue: a common name is at most 64 characters');
  usageError(['client-cert', 'issue', 'a\tb'], 'client-cert issue: a common name cannot contain control characters');
  usageError(['client-cert', 'issue', '../etc/x'], /cannot contain "\/"/);
  usageError(['client-cert', 'issue', 'ups 😀'], /Basic Multilingual Plane/);
  assert.equal((parseArgs(['client-cert', 'issue', 'ü'.repeat(64)]) as ClientCertArgs).name, 'ü'.repeat(64));
});

test('client-cert issue checks --nss-db and --host, and never takes a password on the command line', () => {
  usageError(['client-cert', 'issue', 'n', '--nss-db', 'rel/db'], /--nss-db takes an absolute path in printable ASCII/);
  usageError(['client-cert', 'issue', 'n', '--nss-db', '/etc/nüt'], /--nss-db takes an absolute path in printable ASCII/);
  usageError(['client-cert', 'issue', 'n', '--host', 'a b'], /--host takes a host name or address/);
  usageError(['client-cert', 'issue', 'n', '--host', 'a"b'], /--host takes a host name or address/);
  assert.equal((parseArgs(['client-cert', 'issue', 'n', '--host', '[fe80::1%eth0]']) as ClientCertArgs).host, '[fe80::1%eth0]');
  usageError(['client-cert', 'issue', 'n', '--password', 'x'], /passwords are never taken from the command line/);
  usageError(['client-cert', 'issue', 'n', '--out'], 'client-cert issue: --out needs a value');
  usageError(['client-cert', 'issue', 'n', '--password-stdin=yes'], 'client-cert issue: --password-stdin takes no value');
  usageError(['client-cert', 'issue', 'n', '--reason', 'x'], 'client-cert issue: unknown option "--reason"');
});

test('client-cert list takes no argument, and revoke one serial or name with an optional reason', () => {
  assert.deepEqual(parseArgs(['client-cert', 'list', '--data', '/d']), { action: 'list', passwordStdin: false, data: '/d' });
  usageError(['client-cert', 'list', 'x'], 'client-cert list: unexpected argument "x"');
  usageError(['client-cert', 'list', '--out', '/x'], 'client-cert list: unknown option "--out"');
  assert.deepEqual(parseArgs(['client-cert', 'revoke', '0A:1B', '--reason', 'box sold']), {
    action: 'revoke', name: '0A:1B', reason: 'box sold', passwordStdin: false,
  });
  usageError(['client-cert', 'revoke'], 'client-cert revoke: give the serial number or the name of the certificate');
  usageError(['client-cert', 'revoke', ''], 'client-cert revoke: the serial number or name is empty');
  usageError(['client-cert', 'revoke', 'n', '--reason', 'x'.repeat(201)], 'client-cert revoke: --reason is at most 200 characters');
  usageError(['client-cert', 'revoke', 'n', '--reason', 'a\nb'], 'client-cert revoke: --reason cannot contain control characters');
  usageError(['client-cert', 'renew', 'n'], 'unknown client-cert command "renew" (one of: issue, list, revoke)');
  assert.throws(() => parseArgs(['client-cert']), HelpRequest);
  assert.throws(() => parseArgs(['client-cert', 'issue', '--help']), HelpRequest);
});

test('ca export takes --data and --config and nothing else', () => {
  assert.deepEqual(parseArgs(['ca', 'export']), {});
  assert.deepEqual(parseArgs(['ca', 'export', '--data', '/d', '--config=/c']), { data: '/d', config: '/c' });
  usageError(['ca'], 'ca: expected "export"');
  usageError(['ca', 'import'], 'ca: expected "export", not "import"');
  usageError(['ca', 'export', 'x'], 'ca: unexpected argument "x"');
  usageError(['ca', 'export', '--out', 'x'], 'ca: unknown option "--out"');
});

test('the help of client-cert and ca shows their synopses, actions and options', () => {
  const text = commandHelp(clientCertCommand);
  assert.match(text, /walnut client-cert issue NAME \[--out DIR\] \[--password-stdin\] \[--nss-db DIR\] \[--host HOST\]/);
  assert.match(text, /walnut client-cert list \| revoke SERIAL\|NAME \[--reason TEXT\]/);
  assert.match(text, /revoke {15}the certificate with that serial, or every certificate of that name/);
  for (const flag of ['--out DIR', '--password-stdin', '--nss-db DIR', '--host HOST', '--reason TEXT', '--config FILE', '--data DIR']) assert.ok(text.includes(flag), flag);
  assert.match(commandHelp(caCommand), /^Usage: walnut ca export/);
});

test('words are quoted for the shell only when needed, and for upsmon.conf with ", \\ and # escaped', () => {
  assert.equal(shellQuote('sql:/etc/nut/certdb'), 'sql:/etc/nut/certdb');
  assert.equal(shellQuote('walnut vm CA'), "'walnut vm CA'");
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
  assert.equal(shellQuote('C,,'), 'C,,');
  assert.equal(confQuote('nas'), '"nas"');
  assert.equal(confQuote('a "b" #1 \\'), '"a \\"b\\" \\#1 \\\\"');
});

test('a generated password is 24 characters of an unambiguous alphabet, different every time', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const p = generatePassword();
    assert.match(p, /^[a-km-np-z2-9]{24}$/);
    seen.add(p);
  }
  assert.equal(seen.size, 50);
});

const REPORT = {
  name: 'nas-kitchen',
  serialHex: '5F1C',
  notAfter: new Date('2036-01-01T00:00:00Z'),
  pemPath: 'certs/nas-kitchen.pem',
  p12Path: 'certs/nas-kitchen.p12',
  generatedPassword: 'abcdefghijkmnpqrstuvwxyz' as string | undefined,
  caNickname: 'walnut ups1 CA',
  deviceName: 'ups1',
  deviceNames: ['ups1', 'ups1.local', '192.168.1.5'],
  host: 'ups1.local',
  nssDb: DEFAULT_NSS_DB,
};

test('issue prints the files, the password once, the NSS commands and the upsmon.conf lines', () => {
  assert.equal(
    formatIssueReport(REPORT),
    `issued client certificate nas-kitchen: serial 5F1C, valid until 2036-01-01T00:00:00.000Z
  certs/nas-kitchen.pem  certificate, CA certificate and private key (PEM, mode 0600)
  certs/nas-kitchen.p12  PKCS#12 for NSS's pk12util, nickname nas-kitchen (mode 0600)
PKCS#12 password (shown only now): abcdefghijkmnpqrstuvwxyz

On the upsmon host, with nas-kitchen.p12 copied there (certutil and pk12util: Debian's libnss3-tools):
  mkdir -p /etc/nut/certdb
  certutil -N -d sql:/etc/nut/certdb --empty-password
  pk12util -i nas-kitchen.p12 -d sql:/etc/nut/certdb -W abcdefghijkmnpqrstuvwxyz
  certutil -M -d sql:/etc/nut/certdb -n 'walnut ups1 CA' -t C,,
  chgrp -R nut /etc/nut/certdb && chmod 0750 /etc/nut/certdb && chmod 0640 /etc/nut/certdb/*    # upsmon reads it as nut

upsmon.conf (CERTHOST's first field is the host exactly as the MONITOR line writes it; walnut's certificate names ups1, ups1.local, 192.168.1.5):
  CERTPATH /etc/nut/certdb
  CERTIDENT "nas-kitchen" ""
  CERTHOST ups1.local "ups1" 1 1
  CERTVERIFY 1
  FORCESSL 1
`,
  );
});

test('with a password from stdin, issue neither prints it nor puts it in the pk12util command', () => {
  const text = formatIssueReport({ ...REPORT, generatedPassword: undefined, name: 'NAS "x" #2', p12Path: '/o/NAS "x" #2.p12', pemPath: '/o/NAS "x" #2.pem', nssDb: '/var/lib/nut db' });
  assert.doesNotMatch(text, /password \(shown only now\)/);
  assert.match(text, /^ {2}pk12util -i 'NAS "x" #2\.p12' -d 'sql:\/var\/lib\/nut db' {4}# asks for the PKCS#12 password you gave$/m);
  assert.match(text, /^ {2}'\/o\/NAS "x" #2\.pem' {2}certificate/m);
  assert.match(text, /^ {2}CERTIDENT "NAS \\"x\\" \\#2" ""$/m);
  assert.match(text, /^ {2}CERTPATH "\/var\/lib\/nut db"$/m);
});

test('list prints serial, name, issue time, expiry and active, expired or revoked with the reason', () => {
  const base = { serialHex: '0A1B', commonName: 'nas', issuedAt: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2036-01-01T00:00:00Z'), revokedAt: undefined, revokedReason: undefined };
  const now = new Date('2027-01-01T00:00:00Z');
  assert.equal(formatCertificate(base, now), '0A1B nas issued=2026-01-01T00:00:00.000Z expires=2036-01-01T00:00:00.000Z active');
  assert.equal(formatCertificate({ ...base, notAfter: new Date('2026-06-01T00:00:00Z') }, now), '0A1B nas issued=2026-01-01T00:00:00.000Z expires=2026-06-01T00:00:00.000Z expired');
  assert.equal(
    formatCertificate({ ...base, commonName: 'NAS 2', revokedAt: new Date('2026-02-01T00:00:00Z'), revokedReason: 'box sold' }, now),
    '0A1B "NAS 2" issued=2026-01-01T00:00:00.000Z expires=2036-01-01T00:00:00.000Z revoked=2026-02-01T00:00:00.000Z reason="box sold"',
  );
  assert.equal(formatCertificate({ ...base, revokedAt: new Date('2026-02-01T00:00:00Z') }, now), '0A1B nas issued=2026-01-01T00:00:00.000Z expires=2036-01-01T00:00:00.000Z revoked=2026-02-01T00:00:00.000Z');
});

/** A temporary folder with a config whose data folder is inside it. */
function tempSetup(t: { after(fn: () => void): void }, extra: Record<string, unknown> = {}): { dir: string; config: string; data: string; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-client-cert-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, 'data');
  const config = join(dir, 'walnut.json');
  writeFileSync(config, JSON.stringify({ dataDir: data, nativeCacheDir: join(dir, 'native'), ...extra }));
  return { dir, config, data, out: dir };
}

function capture(input = ''): { io: ClientCertIo; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { io: { stdin: Readable.from([Buffer.from(input)]), stdout, stderr }, out: () => out, err: () => err };
}

test('issuing in-process writes both files mode 0600, makes the identity on first use, and lists the certificate', async (t) => {
  const s = tempSetup(t);
  const c = capture('my p12 pässword\n');
  const args: ClientCertArgs = { action: 'issue', name: 'nas', out: s.out, passwordStdin: true, config: s.config };
  assert.equal(await runClientCert(args, c.io), 0);
  for (const f of ['nas.pem', 'nas.p12']) assert.equal(statSync(join(s.out, f)).mode & 0o777, 0o600, f);
  assert.ok(existsSync(join(s.data, 'tls', 'ca.key')), 'the local CA was made');
  assert.doesNotMatch(c.out(), /pässword/);
  const pem = readFileSync(join(s.out, 'nas.pem'), 'utf8');
  assert.deepEqual([...pem.matchAll(/-----BEGIN ([A-Z ]+)-----/g)].map((m) => m[1]), ['CERTIFICATE', 'CERTIFICATE', 'PRIVATE KEY']);
  const serial = inspectCertificate(pem).serialHex;
  assert.match(c.out(), new RegExp(`serial ${serial},`));

  const list = capture();
  assert.equal(await runClientCert({ action: 'list', passwordStdin: false, config: s.config }, list.io), 0);
  assert.match(list.out(), new RegExp(`^${serial} nas issued=\\S+ expires=\\S+ active\\n$`));

  let exported = '';
  const sink = new PassThrough();
  sink.on('data', (d: Buffer) => (exported += d.toString()));
  const ca = { config: s.config };
  assert.equal(await runCaExport(ca, sink), 0);
  assert.equal(exported, readFileSync(join(s.data, 'tls', 'ca.pem'), 'utf8'));
});

test('issuing refuses to overwrite a file and then issues nothing', async (t) => {
  const s = tempSetup(t);
  writeFileSync(join(s.out, 'nas.p12'), 'mine');
  const c = capture();
  await assert.rejects(
    runClientCert({ action: 'issue', name: 'nas', out: s.out, passwordStdin: false, config: s.config }, c.io),
    (err: unknown) => err instanceof CliError && /nas\.p12 exists; nothing was issued/.test(err.message),
  );
  assert.equal(readFileSync(join(s.out, 'nas.p12'), 'utf8'), 'mine');
  assert.ok(!existsSync(join(s.out, 'nas.pem')), 'the first file was removed again');
  assert.equal(c.out(), '');
});

test('with a factory CA, issuing is refused before any file or record exists', async (t) => {
  const s = tempSetup(t, { tls: { factory: { certificate: '/f/device.pem', key: '/f/device.key', ca: '/f/ca.pem' } } });
  const c = capture();
  await assert.rejects(
    runClientCert({ action: 'issue', name: 'nas', out: s.out, passwordStdin: false, config: s.config }, c.io),
    (err: unknown) => err instanceof CliError && /factory bundle, whose CA key is not on the unit/.test(err.message),
  );
  assert.deepEqual(readdirSync(s.out).sort(), ['walnut.json']);
});

test('an empty or non-UTF-8 PKCS#12 password on stdin is refused and nothing is issued', async (t) => {
  const s = tempSetup(t);
  for (const [input, message] of [['\n', /password on stdin is empty/], ['\xff\n', /not UTF-8 text/]] as const) {
    const c = capture();
    c.io.stdin = Readable.from([Buffer.from(input, 'latin1')]);
    await assert.rejects(
      runClientCert({ action: 'issue', name: 'nas', out: s.out, passwordStdin: true, config: s.config }, c.io),
      (err: unknown) => err instanceof CliError && message.test(err.message),
    );
  }
  assert.deepEqual(readdirSync(s.out).sort(), ['walnut.json']);
});
