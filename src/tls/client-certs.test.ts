// The client-certificate store on a real SQLite database: what issuing records, revocation by serial and by name,
// the handshake-time isRevoked lookup (one primary-key search, every spelling of a serial), and the name rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../storage/database.ts';
import { MIGRATIONS } from '../storage/migrations.ts';
import { ClientCertStore, IS_REVOKED_SQL, clientNameProblem, normalizeSerial } from './client-certs.ts';
import { inspectCertificate } from './inspect.ts';
import { createCa } from './x509.ts';

const ca = createCa({ commonName: 'walnut test CA' });

function openStore(t: { after(fn: () => void): void }): { db: Db; store: ClientCertStore } {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-client-certs-'));
  const db = openDatabase(join(dir, 'data'), join(dir, 'cache'));
  t.after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { db, store: new ClientCertStore(db) };
}

test('the client_certificates table comes from migration 3', (t) => {
  const { db } = openStore(t);
  assert.match(MIGRATIONS[2]!, /CREATE TABLE client_certificates/);
  const columns = db.prepare("SELECT name, pk, \"notnull\" AS nn FROM pragma_table_info('client_certificates') ORDER BY cid").all();
  assert.deepEqual(columns, [
    { name: 'serial', pk: 1, nn: 1 },
    { name: 'common_name', pk: 0, nn: 1 },
    { name: 'issued_at', pk: 0, nn: 1 },
    { name: 'not_after', pk: 0, nn: 1 },
    { name: 'revoked_at', pk: 0, nn: 0 },
    { name: 'revoked_reason', pk: 0, nn: 0 },
  ]);
});

test('issuing records the serial, the name, the issue time and the expiry of the certificate it returns', (t) => {
  const { store } = openStore(t);
  const now = new Date('2026-03-01T10:00:00Z');
  const cert = store.issue(ca, 'nas-kitchen', { now });
  const summary = inspectCertificate(cert.certPem);
  assert.equal(summary.subjectCommonName, 'nas-kitchen');
  assert.equal(summary.issuerCommonName, 'walnut test CA');
  assert.deepEqual(store.list(), [
    { serialHex: summary.serialHex, commonName: 'nas-kitchen', issuedAt: now, notAfter: cert.notAfter, revokedAt: undefined, revokedReason: undefined },
  ]);
  assert.deepEqual(store.find(cert.serialHex), store.list()[0]);
  assert.equal(store.isRevoked(cert.serialHex), false);
});

test('the serial recorded is the one node reports for the peer certificate, for any serial the CA draws', (t) => {
  const { store } = openStore(t);
  for (let i = 0; i < 40; i++) {
    const cert = store.issue(ca, `client ${i}`);
    // getPeerCertificate().serialNumber and X509Certificate.serialNumber come from the same OpenSSL call
    const reported = new X509Certificate(cert.certPem).serialNumber;
    assert.equal(normalizeSerial(reported), cert.serialHex, reported);
    assert.ok(store.find(reported), reported);
  }
  assert.equal(store.list().length, 40);
});

test('isRevoked is false while active and for unknown or malformed serials, and true once revoked, however the serial is written', (t) => {
  const { store } = openStore(t);
  const cert = store.issue(ca, 'nas');
  const other = store.issue(ca, 'other');
  const spellings = [
    cert.serialHex,
    cert.serialHex.toLowerCase(),
    cert.serialHex.match(/../g)!.join(':'),
    `00${cert.serialHex}`,
    `serial=${cert.serialHex}`,
    `0x${cert.serialHex.toLowerCase()}`,
  ];
  for (const s of spellings) assert.equal(store.isRevoked(s), false, s);
  const result = store.revoke(cert.serialHex);
  assert.equal(result.found && result.by, 'serial');
  for (const s of spellings) assert.equal(store.isRevoked(s), true, s);
  assert.equal(store.isRevoked(other.serialHex), false);
  for (const s of ['', '00', 'xyz', 'AB'.repeat(21), 'DEADBEEF']) assert.equal(store.isRevoked(s), false, s);
});

test('isRevoked is a single search of the primary key', (t) => {
  const { db } = openStore(t);
  const plan = db.prepare(`EXPLAIN QUERY PLAN ${IS_REVOKED_SQL}`).all('AB') as { detail: string }[];
  assert.deepEqual(plan.map((p) => p.detail), ['SEARCH client_certificates USING PRIMARY KEY (serial=?)']);
});

test('revoking by name revokes every active certificate of that name, records when and why, and leaves the others', (t) => {
  const { store } = openStore(t);
  const a = store.issue(ca, 'nas');
  const b = store.issue(ca, 'nas');
  const c = store.issue(ca, 'nas2');
  const at = new Date('2026-04-01T00:00:00Z');
  const result = store.revoke('nas', { reason: 'box sold', now: at });
  assert.ok(result.found);
  assert.equal(result.by, 'name');
  assert.deepEqual(result.revoked.map((r) => r.serialHex).sort(), [a.serialHex, b.serialHex].sort());
  assert.deepEqual(result.alreadyRevoked, []);
  for (const r of result.revoked) {
    assert.deepEqual(r.revokedAt, at);
    assert.equal(r.revokedReason, 'box sold');
  }
  assert.equal(store.isRevoked(a.serialHex), true);
  assert.equal(store.isRevoked(b.serialHex), true);
  assert.equal(store.isRevoked(c.serialHex), false);
  assert.deepEqual(store.find(a.serialHex)?.revokedAt, at);
});

test('revoking again keeps the first time and reason and reports the certificate as already revoked', (t) => {
  const { store } = openStore(t);
  const cert = store.issue(ca, 'nas');
  const first = new Date('2026-04-01T00:00:00Z');
  store.revoke(cert.serialHex, { reason: 'lost', now: first });
  const again = store.revoke(cert.serialHex, { reason: 'other', now: new Date('2026-05-01T00:00:00Z') });
  assert.ok(again.found);
  assert.deepEqual(again.revoked, []);
  assert.equal(again.alreadyRevoked.length, 1);
  assert.deepEqual(again.alreadyRevoked[0]!.revokedAt, first);
  assert.equal(again.alreadyRevoked[0]!.revokedReason, 'lost');
  const byName = store.revoke('nas');
  assert.ok(byName.found);
  assert.equal(byName.revoked.length, 0);
});

test('a revocation without a reason stores none', (t) => {
  const { store } = openStore(t);
  const cert = store.issue(ca, 'nas');
  store.revoke(cert.serialHex, { reason: '' });
  assert.equal(store.find(cert.serialHex)?.revokedReason, undefined);
  assert.ok(store.find(cert.serialHex)?.revokedAt instanceof Date);
});

test('an unknown serial or name is not found and changes nothing', (t) => {
  const { store } = openStore(t);
  store.issue(ca, 'nas');
  assert.deepEqual(store.revoke('nobody'), { found: false });
  assert.deepEqual(store.revoke('0123456789ABCDEF'), { found: false });
  assert.equal(store.list()[0]!.revokedAt, undefined);
});

test('a serial matches before a name that happens to be spelled like it', (t) => {
  const { store } = openStore(t);
  const a = store.issue(ca, 'a');
  const b = store.issue(ca, a.serialHex); // a name that is a's serial
  const result = store.revoke(a.serialHex);
  assert.ok(result.found);
  assert.equal(result.by, 'serial');
  assert.deepEqual(result.revoked.map((r) => r.serialHex), [a.serialHex]);
  assert.equal(store.isRevoked(b.serialHex), false);
});

test('a reason longer than 200 characters is refused', (t) => {
  const { store } = openStore(t);
  const cert = store.issue(ca, 'nas');
  assert.throws(() => store.revoke(cert.serialHex, { reason: 'x'.repeat(201) }), /at most 200 characters/);
  assert.equal(store.isRevoked(cert.serialHex), false);
  store.revoke(cert.serialHex, { reason: '€'.repeat(200) });
  assert.equal(store.find(cert.serialHex)?.revokedReason, '€'.repeat(200));
});

test('when delivering the certificate fails, no record of it is left and the error reaches the caller', (t) => {
  const { store } = openStore(t);
  let handed: string | undefined;
  assert.throws(
    () =>
      store.issue(ca, 'nas', {
        deliver: (cert) => {
          handed = cert.serialHex;
          assert.equal(store.find(cert.serialHex)?.commonName, 'nas', 'recorded before it is handed out');
          throw new Error('disk full');
        },
      }),
    /disk full/,
  );
  assert.ok(handed);
  assert.deepEqual(store.list(), []);
});

test('names follow the X.509 common name limits, without "/" and within the Basic Multilingual Plane', (t) => {
  for (const ok of ['nas', 'NAS Küche #1 "x" \\ y', 'x'.repeat(64), 'ü'.repeat(64), '-dash', '..', 'ИБП']) {
    assert.equal(clientNameProblem(ok), undefined, ok);
  }
  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['x'.repeat(65), /at most 64 characters/],
    ['tab\there', /control characters/],
    ['del\x7f', /control characters/],
    ['a/b', /"\/"/],
    ['smile 😀', /Basic Multilingual Plane/],
    ['\ud800', /well-formed|Basic Multilingual/],
  ];
  for (const [name, message] of bad) assert.match(clientNameProblem(name) ?? '', message, JSON.stringify(name));
  const { store } = openStore(t);
  assert.throws(() => store.issue(ca, 'a/b'), RangeError);
  assert.deepEqual(store.list(), []);
});

test('the table refuses a malformed serial and a reason without a revocation time', (t) => {
  const { db } = openStore(t);
  const insert = db.prepare('INSERT INTO client_certificates (serial, common_name, issued_at, not_after, revoked_at, revoked_reason) VALUES (?, ?, 0, 1, ?, ?)');
  for (const serial of ['ab', 'ABC', '', 'XY', 'AB'.repeat(21)]) assert.throws(() => insert.run(serial, 'n', null, null), /CHECK/, serial);
  assert.throws(() => insert.run('AB', 'n', null, 'why'), /CHECK/);
  assert.throws(() => insert.run('AB', '', null, null), /CHECK/);
  insert.run('AB', 'n', 5, 'why');
});

test('serials are normalised to upper-case hex without separators or leading zero bytes', () => {
  assert.equal(normalizeSerial('0a:1b:2c'), '0A1B2C');
  assert.equal(normalizeSerial('A1B2C'), '0A1B2C');
  assert.equal(normalizeSerial('000A'), '0A');
  assert.equal(normalizeSerial(' serial=00FF \n'), 'FF');
  assert.equal(normalizeSerial('80'), '80');
  assert.equal(normalizeSerial('00'), undefined);
  assert.equal(normalizeSerial('g1'), undefined);
  assert.equal(normalizeSerial('AB'.repeat(20)), 'AB'.repeat(20));
  assert.equal(normalizeSerial('AB'.repeat(21)), undefined);
});

test('a name the CA’s name constraints would make OpenSSL refuse is not issued, and nothing is recorded', (t) => {
  const { store } = openStore(t);
  const constrained = createCa({ commonName: 'walnut ups1 CA', permitted: { dnsNames: ['ups1', 'ups1.local'], ipAddresses: ['127.0.0.1'] } });
  assert.throws(() => store.issue(constrained, 'nas.kitchen'), { name: 'RangeError', message: /its name constraints.*not for "nas\.kitchen"/ });
  assert.deepEqual(store.list(), []);
  store.issue(constrained, 'nas-kitchen');
  assert.equal(store.list().length, 1);
});
