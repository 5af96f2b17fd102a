// The factory station (issue 14, acceptance 1), through the built binary: `walnut factory ca init` then
// `walnut factory provision` of 20 units from a serials CSV. Every unit folder and the three batch files are
// written; an independent decoder (zbarimg, Debian's zbar-tools, on labels.svg rasterised by librsvg's
// rsvg-convert) reads every label's QR code back to labels.csv's payloads; no setup code, in any spelling, is in
// any other file of the batch; every unit certificate verifies against the root with `openssl verify`; and each
// bad input fails with a message and leaves no batch behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { REPO, X64_BINARY } from './helpers/walnut.ts';
import { run } from './helpers/clients.ts';
import { passwordKey } from '../src/authsrv/keys.ts';
import { OWNER } from '../src/auth/owner.ts';
import { decodeQrPayload } from '../src/factory/qr-payload.ts';
import { parseSetupCode } from '../src/factory/setup-code.ts';
import { parseUnitRecord } from '../src/factory/unit-record.ts';

const PASSPHRASE = 'a factory passphrase for the test';
const SERIALS = Array.from({ length: 20 }, (_, i) => `WN-2026-${String(i + 1).padStart(4, '0')}`);

let base: string;
let caDir: string;
let batch: string;

const factory = (args: string[], input?: string) => run(X64_BINARY, ['factory', ...args], { timeoutMs: 120_000, ...(input === undefined ? {} : { input }) });

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** labels.csv as rows of its three columns, header checked. */
function labelRows(): { serial: string; code: string; payload: string }[] {
  const [header, ...lines] = readFileSync(join(batch, 'labels.csv'), 'utf8').trimEnd().split('\n');
  assert.equal(header, 'serial,setup_code,qr_payload');
  return lines.map((l) => {
    const [serial, code, payload] = l.split(',') as [string, string, string];
    return { serial, code, payload };
  });
}

before(async () => {
  execFileSync('bash', [join(REPO, 'build', 'need-debian-packages.sh'), 'zbar-tools', 'librsvg2-bin', 'openssl'], { stdio: 'inherit' });
  base = mkdtempSync(join(tmpdir(), 'walnut-factory-'));
  caDir = join(base, 'ca');
  batch = join(base, 'batch');
  const ca = await factory(['ca', 'init', '--out', caDir, '--passphrase-stdin'], `${PASSPHRASE}\n`);
  assert.equal(ca.code, 0, ca.stderr);
  writeFileSync(join(base, 'serials.csv'), `serial\n${SERIALS.join('\n')}\n`);
  const p = await factory(['provision', '--ca', caDir, '--serials', join(base, 'serials.csv'), '--out', batch]);
  assert.equal(p.code, 0, p.stderr);
  assert.match(p.stdout, /^provisioned 20 units into /);
});

after(() => rmSync(base, { recursive: true, force: true }));

test('ca init writes the root, its key only encrypted, and the intermediate with its key 0600', () => {
  assert.deepEqual(readdirSync(caDir).sort(), ['intermediate.key', 'intermediate.pem', 'root.key.enc', 'root.pem']);
  assert.match(readFileSync(join(caDir, 'root.key.enc'), 'utf8'), /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
  assert.equal(statSync(join(caDir, 'intermediate.key')).mode & 0o777, 0o600);
  assert.equal(statSync(join(caDir, 'root.key.enc')).mode & 0o777, 0o600);
  execFileSync('openssl', ['pkey', '-in', join(caDir, 'root.key.enc'), '-passin', `pass:${PASSPHRASE}`, '-noout']);
  assert.throws(() => execFileSync('openssl', ['pkey', '-in', join(caDir, 'root.key.enc'), '-passin', 'pass:wrong', '-noout'], { stdio: 'pipe' }));
  const text = execFileSync('openssl', ['x509', '-in', join(caDir, 'intermediate.pem'), '-noout', '-text'], { encoding: 'utf8' });
  assert.match(text, /CA:TRUE, pathlen:0/);
});

test('every unit of the batch has its folder, and the batch its labels.csv, labels.svg and manifest.csv', () => {
  assert.deepEqual(readdirSync(batch).sort(), ['labels.csv', 'labels.svg', 'manifest.csv', 'units']);
  assert.deepEqual(readdirSync(join(batch, 'units')).sort(), [...SERIALS].sort());
  for (const s of SERIALS) {
    const dir = join(batch, 'units', s);
    assert.deepEqual(readdirSync(dir).sort(), ['ca.pem', 'device.key', 'device.pem', 'unit.json']);
    assert.equal(statSync(join(dir, 'device.key')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'unit.json')).mode & 0o777, 0o600);
    assert.equal(readFileSync(join(dir, 'ca.pem'), 'utf8'), readFileSync(join(caDir, 'root.pem'), 'utf8'));
  }
  assert.deepEqual(labelRows().map((r) => r.serial), SERIALS);
  const manifest = readFileSync(join(batch, 'manifest.csv'), 'utf8').trimEnd().split('\n');
  assert.equal(manifest[0], 'serial,cert_sha256_hex,host_id');
  assert.equal(manifest.length, 21);
});

test('zbarimg decodes every QR code of labels.svg to exactly the payloads of labels.csv', () => {
  const png = join(base, 'labels.png');
  execFileSync('rsvg-convert', ['--dpi-x', '300', '--dpi-y', '300', '--background-color', 'white', '--output', png, join(batch, 'labels.svg')]);
  const decoded = execFileSync('zbarimg', ['--quiet', '--raw', '-Sdisable', '-Sqrcode.enable', png], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const seen = decoded.trimEnd().split('\n').sort();
  assert.deepEqual(seen, labelRows().map((r) => r.payload).sort());
});

test('each label ties its serial, its code and its unit certificate together, as the manifest and unit.json do', async () => {
  const manifest = new Map(readFileSync(join(batch, 'manifest.csv'), 'utf8').trimEnd().split('\n').slice(1).map((l) => {
    const [serial, sha, hostId] = l.split(',') as [string, string, string];
    return [serial, { sha, hostId }];
  }));
  const hostIds = new Set<string>();
  const rows = labelRows();
  for (const [i, row] of rows.entries()) {
    const qr = decodeQrPayload(row.payload);
    const code = parseSetupCode(row.code);
    assert.equal(qr.serial, row.serial);
    assert.equal(qr.code, code);
    assert.match(row.code, /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z*$]{2}$/);
    const dir = join(batch, 'units', row.serial);
    const leaf = new X509Certificate(readFileSync(join(dir, 'device.pem'), 'utf8'));
    const sha = createHash('sha256').update(leaf.raw).digest();
    assert.deepEqual(qr.fingerprint, sha);
    assert.equal(manifest.get(row.serial)!.sha, sha.toString('hex'));
    assert.equal(leaf.subject, `CN=${row.serial}\nserialNumber=${row.serial}`);
    assert.equal(leaf.subjectAltName, `DNS:walnut-${row.serial.toLowerCase()}, DNS:walnut-${row.serial.toLowerCase()}.local`);
    const unit = parseUnitRecord(readFileSync(join(dir, 'unit.json'), 'utf8'));
    assert.equal(unit.serial, row.serial);
    assert.equal(unit.domain, `walnut-${row.serial.toLowerCase()}`);
    assert.equal(unit.hostId, manifest.get(row.serial)!.hostId);
    hostIds.add(unit.hostId);
    // the verifier is the AS key of admin for the label's code (scrypt is slow: three units are enough)
    if (i < 3) assert.deepEqual(Buffer.from(unit.setupKey), Buffer.from(await passwordKey(Buffer.from(code, 'ascii'), Buffer.from(unit.domain), OWNER)));
  }
  assert.equal(hostIds.size, 20);
  assert.equal(new Set(rows.map((r) => r.code)).size, 20);
});

test('no setup code, in any spelling, is in any file of the batch but labels.csv and labels.svg', () => {
  const spellings = labelRows().flatMap(({ code }) => {
    const canonical = code.replace(/-/g, '');
    const forms = [canonical, code, code.replace(/-/g, ' '), Buffer.from(canonical).toString('base64'), Buffer.from(canonical).toString('hex')];
    return forms.flatMap((f) => [f, f.toLowerCase()]);
  });
  const others = filesUnder(batch).filter((f) => !['labels.csv', 'labels.svg'].includes(relative(batch, f)));
  assert.equal(others.length, 20 * 4 + 1);
  for (const file of others) {
    const text = readFileSync(file, 'latin1').toLowerCase();
    for (const s of spellings) assert.ok(!text.includes(s.toLowerCase()), `${relative(batch, file)} holds a setup code (${s})`);
  }
  const svg = readFileSync(join(batch, 'labels.svg'), 'utf8');
  for (const { code } of labelRows()) assert.ok(svg.includes(`>${code}<`), `labels.svg prints ${code}`);
});

test('every unit certificate verifies against the root through the intermediate with openssl verify', () => {
  for (const s of SERIALS) {
    const device = join(batch, 'units', s, 'device.pem');
    const out = execFileSync('openssl', ['verify', '-CAfile', join(caDir, 'root.pem'), '-untrusted', join(caDir, 'intermediate.pem'), device], { encoding: 'utf8' });
    assert.equal(out, `${device}: OK\n`);
    // the chain in device.pem is the one a TLS server sends: the unit, then the intermediate
    const pems = readFileSync(device, 'utf8').match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----\n/g)!;
    assert.equal(pems.length, 2);
    assert.equal(pems[1], readFileSync(join(caDir, 'intermediate.pem'), 'utf8'));
  }
});

/** Runs a bad provision into a fresh BATCH name and checks it fails with 1 or 2, saying `why`, leaving nothing. */
async function refused(args: string[], why: RegExp, out = join(base, `bad-${Math.random().toString(36).slice(2)}`)): Promise<void> {
  const before = readdirSync(base).sort();
  const r = await factory(['provision', ...args, '--out', out]);
  assert.ok(r.code === 1 || r.code === 2, `exit status ${r.code}: ${r.stderr}`);
  assert.match(r.stderr, why);
  assert.ok(!existsSync(out) || readdirSync(out).length === 0 || out === batch, `${out} was written`);
  assert.deepEqual(readdirSync(base).sort(), before, 'no batch or staging folder is left');
}

test('duplicate serials, malformed CSV and a missing serials file are refused and leave no batch', async () => {
  writeFileSync(join(base, 'dup.csv'), 'serial\nWN-1\nWN-2\nWN-1\n');
  await refused(['--ca', caDir, '--serials', join(base, 'dup.csv')], /line 4: the serial WN-1 is a duplicate of line 2/);
  writeFileSync(join(base, 'two.csv'), 'serial,mac\nWN-1,00:11:22\n');
  await refused(['--ca', caDir, '--serials', join(base, 'two.csv')], /more than one field/);
  writeFileSync(join(base, 'lower.csv'), 'wn-1\n');
  await refused(['--ca', caDir, '--serials', join(base, 'lower.csv')], /lower-case/);
  writeFileSync(join(base, 'long.csv'), `${'X'.repeat(33)}\n`);
  await refused(['--ca', caDir, '--serials', join(base, 'long.csv')], /1 to 32 characters/);
  await refused(['--ca', caDir, '--serials', join(base, 'absent.csv')], /cannot read the serials file/);
  await refused(['--ca', caDir, '--count', '0', '--serial-prefix', 'WN-'], /--count is a whole number/);
});

test('a non-empty or unwritable output folder is refused and left as it was', async () => {
  const csv = join(base, 'serials.csv');
  await refused(['--ca', caDir, '--serials', csv], /is not empty: refusing to write into it/, batch);
  assert.deepEqual(readdirSync(batch).sort(), ['labels.csv', 'labels.svg', 'manifest.csv', 'units']);
  writeFileSync(join(base, 'a-file'), '');
  await refused(['--ca', caDir, '--serials', csv], /a folder above it is a file/, join(base, 'a-file', 'batch'));
  await refused(['--ca', caDir, '--serials', csv], /cannot create a folder beside/, '/proc/walnut-batch');
});

test('a CA folder with a missing, garbled or foreign intermediate key is refused clearly', async () => {
  const csv = join(base, 'serials.csv');
  const broken = join(base, 'ca-broken');
  mkdirSync(broken);
  for (const f of ['root.pem', 'intermediate.pem']) copyFileSync(join(caDir, f), join(broken, f));
  await refused(['--ca', broken, '--serials', csv], /cannot read .*intermediate\.key \(ENOENT\)/);
  writeFileSync(join(broken, 'intermediate.key'), '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n');
  await refused(['--ca', broken, '--serials', csv], /intermediate\.key is not a private key/);
  const other = join(base, 'ca-other');
  assert.equal((await factory(['ca', 'init', '--out', other, '--passphrase-stdin'], `${PASSPHRASE}\n`)).code, 0);
  copyFileSync(join(other, 'intermediate.key'), join(broken, 'intermediate.key'));
  await refused(['--ca', broken, '--serials', csv], /intermediate\.key is not intermediate\.pem's key/);
  cpSync(join(other, 'root.pem'), join(broken, 'root.pem'));
  copyFileSync(join(caDir, 'intermediate.key'), join(broken, 'intermediate.key'));
  await refused(['--ca', broken, '--serials', csv], /intermediate\.pem is not signed by root\.pem/);
  rmSync(broken, { recursive: true });
  rmSync(other, { recursive: true });
});

test('ca init refuses a non-empty folder, a short passphrase and a piped one without --passphrase-stdin', async () => {
  const before = readdirSync(caDir).sort();
  const busy = await factory(['ca', 'init', '--out', caDir, '--passphrase-stdin'], `${PASSPHRASE}\n`);
  assert.equal(busy.code, 1);
  assert.match(busy.stderr, /is not empty/);
  assert.deepEqual(readdirSync(caDir).sort(), before);
  const short = await factory(['ca', 'init', '--out', join(base, 'ca-short'), '--passphrase-stdin'], 'short\n');
  assert.equal(short.code, 2);
  assert.match(short.stderr, /shorter than 8 bytes/);
  const piped = await factory(['ca', 'init', '--out', join(base, 'ca-piped')], `${PASSPHRASE}\n`);
  assert.equal(piped.code, 2);
  assert.match(piped.stderr, /give --passphrase-stdin/);
  assert.ok(!existsSync(join(base, 'ca-short')) && !existsSync(join(base, 'ca-piped')));
});

test('--count with --serial-prefix provisions counted serials', async () => {
  const out = join(base, 'counted');
  const r = await factory(['provision', '--ca', caDir, '--count', '2', '--serial-prefix', 'LAB-', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(join(out, 'units')).sort(), ['LAB-000001', 'LAB-000002']);
  rmSync(out, { recursive: true });
});
