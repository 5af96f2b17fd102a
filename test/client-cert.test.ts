// Issue 5, client certificates, with the built binary: `walnut client-cert issue` on a data folder serve never
// used (the identity is made on first use), the files and their modes, the PEM verified by openssl against
// `walnut ca export`, the printed NSS commands run as printed (pk12util, certutil) and the nickname upsmon's
// CERTIDENT names, a TLS handshake with the certificate, revocation in `list` and the event log, the refusal with
// a factory CA, and, as root on a folder the service user owns, where the files and records end up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { execFileSync } from 'node:child_process';
import { X64_BINARY } from './helpers/walnut.ts';
import { run, type ClientResult } from './helpers/clients.ts';
import { createCa, issueServerCertificate } from '../src/tls/x509.ts';
import { inspectCertificate } from '../src/tls/inspect.ts';

interface Setup {
  dir: string;
  data: string;
  config: string;
  out: string;
  walnut(args: string[], input?: string): Promise<ClientResult>;
}

/** A temporary folder with a config file and an output folder; the data folder does not exist yet. */
function setup(t: { after(fn: () => void): void }, extraConfig: Record<string, unknown> = {}): Setup {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-cc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, 'data');
  const config = join(dir, 'walnut.json');
  const out = join(dir, 'out');
  mkdirSync(out);
  writeFileSync(config, JSON.stringify({ dataDir: data, nativeCacheDir: join(dir, 'native'), ...extraConfig }));
  return { dir, data, config, out, walnut: (args, input) => run(X64_BINARY, [...args, '--config', config], input === undefined ? {} : { input }) };
}

async function issue(s: Setup, name: string, extra: string[] = [], input?: string): Promise<ClientResult> {
  const r = await s.walnut(['client-cert', 'issue', name, '--out', s.out, '--nss-db', join(s.dir, 'nss'), ...extra], input);
  assert.equal(r.code, 0, `issue ${name}: ${r.stderr}`);
  return r;
}

const mode = (path: string): number => statSync(path).mode & 0o777;

/** The indented shell commands `issue` prints under "On the upsmon host". */
function nssCommands(stdout: string): string[] {
  const block = stdout.split('\n\n').find((b) => b.startsWith('On the upsmon host'));
  assert.ok(block, stdout);
  return block.split('\n').slice(1).map((l) => l.trim());
}

function sh(script: string, cwd: string): { code: number; output: string } {
  try {
    return { code: 0, output: execFileSync('bash', ['-euo', 'pipefail', '-c', script], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { code: e.status, output: `${e.stdout}${e.stderr}` };
  }
}

test('issue on a folder serve never used makes the identity, writes NAME.pem and NAME.p12 mode 0600 and prints the upsmon.conf lines', async (t) => {
  const s = setup(t);
  const r = await issue(s, 'nas-kitchen');
  assert.equal(r.stderr, '');
  assert.deepEqual(readdirSync(s.out).sort(), ['nas-kitchen.p12', 'nas-kitchen.pem']);
  assert.equal(mode(join(s.out, 'nas-kitchen.pem')), 0o600);
  assert.equal(mode(join(s.out, 'nas-kitchen.p12')), 0o600);
  for (const f of ['ca.pem', 'ca.key', 'device.pem', 'device.key']) assert.ok(existsSync(join(s.data, 'tls', f)), f);
  assert.equal(mode(join(s.data, 'tls', 'ca.key')), 0o600);

  const pem = readFileSync(join(s.out, 'nas-kitchen.pem'), 'utf8');
  const cert = inspectCertificate(pem);
  const device = inspectCertificate(readFileSync(join(s.data, 'tls', 'device.pem')));
  const caName = inspectCertificate(readFileSync(join(s.data, 'tls', 'ca.pem'))).subjectCommonName!;
  assert.equal(cert.subjectCommonName, 'nas-kitchen');
  assert.equal(cert.issuerCommonName, caName);
  assert.match(r.stdout, new RegExp(`^issued client certificate nas-kitchen: serial ${cert.serialHex}, valid until ${cert.notAfter.toISOString()}$`, 'm'));
  assert.match(r.stdout, /^PKCS#12 password \(shown only now\): [a-z2-9]{24}$/m);
  const lines = r.stdout.split('\n').map((l) => l.trim());
  assert.ok(lines.includes(`CERTPATH ${join(s.dir, 'nss')}`), r.stdout);
  assert.ok(lines.includes('CERTIDENT "nas-kitchen" ""'), r.stdout);
  assert.ok(lines.includes(`CERTHOST ${device.subjectCommonName} "${device.subjectCommonName}" 1 1`), r.stdout);
  assert.ok(lines.includes('CERTVERIFY 1') && lines.includes('FORCESSL 1'), r.stdout);
  assert.ok(device.dnsNames.includes(device.subjectCommonName!), 'the CERTHOST name is a subjectAltName: NSS checks those');

  // the key is in the PEM only; nothing secret went to the database or the event log
  assert.match(pem, /-----BEGIN PRIVATE KEY-----/);
  const log = await s.walnut(['log']);
  assert.match(log.stdout, new RegExp(`client-cert-issued cli client certificate nas-kitchen serial ${cert.serialHex} expires `));
  assert.doesNotMatch(log.stdout, /PRIVATE|password/i);
});

test('the PEM verifies against `walnut ca export` for TLS client use, and not as a server certificate', async (t) => {
  const s = setup(t);
  await issue(s, 'nas');
  const verify = (purpose: string) =>
    sh(`openssl verify -purpose ${purpose} -CAfile <(${X64_BINARY} ca export --config ${s.config}) nas.pem`, s.out);
  const ok = verify('sslclient');
  assert.equal(ok.code, 0, ok.output);
  assert.equal(ok.output.trim(), 'nas.pem: OK');
  const server = verify('sslserver');
  assert.notEqual(server.code, 0, server.output);
  assert.match(server.output, /unsuitable certificate purpose/);

  const exported = await s.walnut(['ca', 'export']);
  assert.equal(exported.code, 0, exported.stderr);
  assert.equal(exported.stdout, readFileSync(join(s.data, 'tls', 'ca.pem'), 'utf8'));
  assert.equal(exported.stderr, '');
});

test('the printed NSS commands, run as printed, give a database with the nickname, its key and the trusted CA', async (t) => {
  const s = setup(t);
  const name = 'NAS "Küche" #2';
  const r = await issue(s, name);
  const commands = nssCommands(r.stdout);
  assert.equal(commands.length, 5, r.stdout);
  assert.match(commands[1]!, /^certutil -N -d \S+ --empty-password$/);
  assert.match(commands[2]!, /^pk12util -i 'NAS "Küche" #2\.p12' -d \S+ -W [a-z2-9]{24}$/);
  assert.match(commands[3]!, /^certutil -M -d \S+ -n '.+ CA' -t C,,$/);
  // the chgrp to nut needs root and a nut group (nut-client makes one); the rest runs anywhere
  const root = process.getuid?.() === 0 && sh('getent group nut', s.dir).code === 0;
  const ran = sh((root ? commands : commands.slice(0, 4)).join('\n'), s.out);
  assert.equal(ran.code, 0, ran.output);
  assert.match(ran.output, /PKCS12 IMPORT SUCCESSFUL/);

  const db = `sql:${join(s.dir, 'nss')}`;
  const caName = inspectCertificate(readFileSync(join(s.data, 'tls', 'ca.pem'))).subjectCommonName!;
  const listed = sh(`certutil -L -d ${db}`, s.dir);
  assert.equal(listed.code, 0, listed.output);
  const rows = listed.output.split('\n').map((l) => l.trimEnd());
  assert.ok(rows.some((l) => /^NAS "Küche" #2\s+u,u,u$/.test(l)), listed.output); // u: NSS holds its private key
  assert.ok(rows.some((l) => new RegExp(`^${caName}\\s+C,,$`).test(l)), listed.output);
  // C,, is what CERTVERIFY needs: walnut's server certificate verifies as an SSL server under that CA
  const device = join(s.data, 'tls', 'device.pem');
  const valid = sh(`certutil -A -d ${db} -n walnut-device -t ,, -a -i ${device} && certutil -V -u V -d ${db} -n walnut-device`, s.dir);
  assert.equal(valid.code, 0, valid.output);
  assert.match(valid.output, /certificate is valid/);
  if (root) assert.equal(statSync(join(s.dir, 'nss', 'cert9.db')).mode & 0o777, 0o640);
});

test('a PKCS#12 password given on stdin protects the file and is printed nowhere', async (t) => {
  const s = setup(t);
  const password = `p12 pässwörd "x" 'y'`;
  const r = await issue(s, 'nas', ['--password-stdin'], `${password}\n`);
  assert.ok(!r.stdout.includes(password) && !r.stderr.includes(password));
  assert.doesNotMatch(r.stdout, /shown only now/);
  assert.match(nssCommands(r.stdout)[2]!, /^pk12util -i nas\.p12 -d \S+ {4}# asks for the PKCS#12 password you gave$/);
  const db = join(s.dir, 'nss');
  mkdirSync(db);
  execFileSync('certutil', ['-N', '-d', `sql:${db}`, '--empty-password']);
  const wrong = sh(`pk12util -i nas.p12 -d sql:${db} -W wrong`, s.out);
  assert.notEqual(wrong.code, 0, wrong.output);
  const right = spawnPk12(join(s.out, 'nas.p12'), db, password);
  assert.equal(right.code, 0, right.output);
  const log = await s.walnut(['log']);
  assert.ok(!log.stdout.includes('pässwörd'));
});

function spawnPk12(file: string, db: string, password: string): { code: number; output: string } {
  try {
    return { code: 0, output: execFileSync('pk12util', ['-i', file, '-d', `sql:${db}`, '-W', password], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { code: e.status, output: `${e.stdout}${e.stderr}` };
  }
}

test('the certificate in the PEM completes a TLS handshake with a server that requires one from walnut’s CA', async (t) => {
  const s = setup(t);
  await issue(s, 'nas');
  const pem = readFileSync(join(s.out, 'nas.pem'), 'utf8');
  const ca = (await s.walnut(['ca', 'export'])).stdout;
  // a server certificate from another CA made here; only the client side is under test
  const serverCa = createCa({ commonName: 'test server CA' });
  const serverCert = issueServerCertificate(serverCa, { commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  const server = tls.createServer({ key: serverCert.keyPem, cert: serverCert.certPem, ca, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' });
  const seen = new Promise<{ cn: unknown; serial: string }>((resolve) =>
    server.on('secureConnection', (sock) => {
      const peer = sock.getPeerCertificate();
      resolve({ cn: peer.subject.CN, serial: peer.serialNumber });
      sock.end();
    }),
  );
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  t.after(() => server.close());
  const port = (server.address() as { port: number }).port;
  const client = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', cert: pem, key: pem, ca: serverCa.certPem });
  client.on('error', () => undefined);
  const peer = await seen;
  client.destroy();
  assert.equal(peer.cn, 'nas');
  const listed = await s.walnut(['client-cert', 'list']);
  assert.ok(listed.stdout.startsWith(`${peer.serial} nas `), `${peer.serial} vs ${listed.stdout}`);
});

test('revoke marks a certificate by serial or every certificate of a name, list shows it, and the event log records it', async (t) => {
  const s = setup(t);
  await issue(s, 'nas-a');
  await issue(s, 'nas-b');
  const second = join(s.dir, 'second');
  mkdirSync(second);
  await issue(s, 'nas-b', ['--out', second]); // a replacement for the same client (the later --out wins)
  const before = (await s.walnut(['client-cert', 'list'])).stdout.trim().split('\n');
  assert.equal(before.length, 3);
  for (const l of before) assert.match(l, /^[0-9A-F]+ nas-[ab] issued=\S+Z expires=\S+Z active$/);
  const serialA = before.find((l) => / nas-a /.test(l))!.split(' ')[0]!;

  const bySerial = await s.walnut(['client-cert', 'revoke', serialA.toLowerCase().match(/../g)!.join(':'), '--reason', 'box sold']);
  assert.equal(bySerial.code, 0, bySerial.stderr);
  assert.equal(bySerial.stdout, `revoked ${serialA} nas-a\nthe server refuses a revoked certificate from its next TLS handshake on\n`);
  const byName = await s.walnut(['client-cert', 'revoke', 'nas-b']);
  assert.equal(byName.code, 0, byName.stderr);
  assert.equal(byName.stdout.split('\n').filter((l) => l.startsWith('revoked ')).length, 2);

  const after = (await s.walnut(['client-cert', 'list'])).stdout.trim().split('\n');
  assert.match(after.find((l) => l.startsWith(serialA))!, /^[0-9A-F]+ nas-a issued=\S+Z expires=\S+Z revoked=\S+Z reason="box sold"$/);
  for (const l of after.filter((x) => / nas-b /.test(x))) assert.match(l, / revoked=\S+Z$/);

  const again = await s.walnut(['client-cert', 'revoke', serialA]);
  assert.equal(again.code, 0);
  assert.match(again.stdout, new RegExp(`^${serialA} nas-a was already revoked at \\S+Z\\n$`));

  const unknown = await s.walnut(['client-cert', 'revoke', 'nobody']);
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stderr, 'walnut: client-cert: no client certificate has the serial number or name nobody\n');

  const log = (await s.walnut(['log', '--kind', 'client-cert-revoked'])).stdout.trim().split('\n');
  assert.equal(log.length, 3, log.join('\n'));
  assert.match(log[0]!, new RegExp(`client-cert-revoked cli client certificate nas-a serial ${serialA} reason "box sold"$`));
});

test('issue refuses an existing file, a bad name, and a factory CA, each with a message and nothing issued', async (t) => {
  const s = setup(t);
  writeFileSync(join(s.out, 'nas.pem'), 'keep me');
  const exists = await s.walnut(['client-cert', 'issue', 'nas', '--out', s.out]);
  assert.equal(exists.code, 1);
  assert.equal(exists.stderr, `walnut: client-cert: ${join(s.out, 'nas.pem')} exists; nothing was issued (remove it or give another --out)\n`);
  assert.equal(readFileSync(join(s.out, 'nas.pem'), 'utf8'), 'keep me');

  const bad = await s.walnut(['client-cert', 'issue', 'a/b']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^walnut: client-cert issue: a name cannot contain "\/"/);

  const list = await s.walnut(['client-cert', 'list']);
  assert.equal(list.stdout, '');

  // a factory bundle: the CA key stays at the factory
  const f = setup(t);
  const factoryCa = createCa({ commonName: 'Vendor Device CA' });
  const device = issueServerCertificate(factoryCa, { commonName: 'ups-0001', dnsNames: ['ups-0001'], ipAddresses: [] });
  writeFileSync(join(f.dir, 'device.pem'), device.certPem);
  writeFileSync(join(f.dir, 'device.key'), device.keyPem, { mode: 0o600 });
  writeFileSync(join(f.dir, 'ca.pem'), factoryCa.certPem);
  writeFileSync(
    f.config,
    JSON.stringify({
      dataDir: f.data,
      nativeCacheDir: join(f.dir, 'native'),
      tls: { factory: { certificate: join(f.dir, 'device.pem'), key: join(f.dir, 'device.key'), ca: join(f.dir, 'ca.pem') } },
    }),
  );
  const refused = await f.walnut(['client-cert', 'issue', 'nas', '--out', f.out]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^walnut: client-cert: this unit's TLS identity is a factory bundle, whose CA key is not on the unit, so walnut cannot issue client certificates/);
  assert.deepEqual(readdirSync(f.out), []);
  const exported = await f.walnut(['ca', 'export']);
  assert.equal(exported.code, 0, exported.stderr);
  assert.equal(exported.stdout, factoryCa.certPem, 'ca export prints the factory CA');
});

const asRoot = process.getuid?.() === 0;
const nutUid = (() => {
  try {
    return Number(execFileSync('id', ['-u', 'nut'], { encoding: 'utf8' }).trim());
  } catch {
    return undefined;
  }
})();
/** `make test` runs as root and installs nut-client (which creates the nut user): these tests always run. */
function needRootAndNutUser(): void {
  assert.ok(asRoot, 'this test runs as root, as make test does');
  assert.ok(nutUid !== undefined, 'the nut user exists (Debian nut-client, installed by make test-deps)');
}

test('as root on a data folder another user owns, the files are root’s in a root-only folder and the records the owner’s', async (t) => {
  needRootAndNutUser();
  const s = setup(t);
  for (const d of [s.data, join(s.dir, 'native')]) {
    mkdirSync(d, { mode: 0o700 });
    chownSync(d, nutUid!, nutUid!);
  }
  chmodSync(s.dir, 0o755); // the owner must reach its data folder
  chmodSync(s.out, 0o700); // and cannot write here
  const r = await issue(s, 'nas');
  assert.equal(r.stderr, '');
  for (const f of ['nas.pem', 'nas.p12']) {
    const st = statSync(join(s.out, f));
    assert.equal(st.uid, 0, f);
    assert.equal(st.mode & 0o777, 0o600, f);
  }
  for (const f of ['walnut.db', 'tls', join('tls', 'ca.key'), join('tls', 'device.pem')]) assert.equal(statSync(join(s.data, f)).uid, nutUid, f);
  assert.match((await s.walnut(['client-cert', 'list'])).stdout, / nas issued=/);
});

test('when issuing fails after root was dropped, nothing is recorded and no key is left behind', async (t) => {
  needRootAndNutUser();
  const s = setup(t);
  for (const d of [s.data, join(s.dir, 'native')]) {
    mkdirSync(d, { mode: 0o700 });
    chownSync(d, nutUid!, nutUid!);
  }
  chmodSync(s.dir, 0o755);
  chmodSync(s.out, 0o700);
  assert.equal((await s.walnut(['ca', 'export'])).code, 0); // the owner makes the identity
  chownSync(join(s.data, 'tls', 'ca.key'), 0, 0); // now the owner cannot read the CA key
  const r = await s.walnut(['client-cert', 'issue', 'nas', '--out', s.out]);
  assert.equal(r.code, 1);
  // the owner cannot unlink in root's folder: the files are emptied and named
  assert.match(r.stderr, new RegExp(`^walnut: client-cert: TLS identity in .*: EACCES.*; remove the empty files ${join(s.out, 'nas.pem')} ${join(s.out, 'nas.p12')}\\n$`));
  for (const f of readdirSync(s.out)) assert.equal(statSync(join(s.out, f)).size, 0, f);
  assert.equal((await s.walnut(['client-cert', 'list'])).stdout, '');
});
