// The wizard's routes through the real Api (origin, session and role checks) over a real local CA and walnut.db:
// admin only; a certificate is recorded, its PKCS#12 opens with the page's password and names the certificate
// for NSS; bad names and passwords are refused naming the field, and nothing is recorded for them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../storage/database.ts';
import { ClientCertStore } from '../tls/client-certs.ts';
import { loadIdentity } from '../tls/identity.ts';
import { UpsModel } from '../ups/model.ts';
import { Api, type ApiRequest } from './api.ts';
import { AuthFlows } from './auth-flows.ts';
import { wizardRoutes } from './routes-wizard.ts';
import { SessionTable, type WebRole } from './sessions.ts';

const HOST = 'ups.local:8443';

function setup(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-wizard-'));
  const db = openDatabase(join(dir, 'data'), join(dir, 'cache'));
  t.after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const identity = loadIdentity(join(dir, 'data'), undefined);
  const certs = new ClientCertStore(db);
  const events: string[] = [];
  const sessions = new SessionTable({ idleMs: 60_000, maxMs: 600_000, maxSessions: 8 });
  const api = new Api({
    ups: new UpsModel({ name: 'ups' }),
    flows: new AuthFlows({ newConversation: () => 1, relay: async () => Uint8Array.of(4), end: () => undefined, serverAuth: () => undefined }),
    sessions,
    setupState: async () => 'claimed',
    offer: () => 'v.2 dp9r1@ups',
    roleOf: () => 'viewer',
    allowed: async () => false,
    events: { recent: () => [], record: (kind, _source, detail) => void events.push(`${kind} ${detail}`) },
    modules: [
      wizardRoutes({
        facts: () => ({ ups: 'ups', nutPort: 3493, webPort: 8443, metrics: { anonymous: true, token: false }, clientCertificates: 'request' }),
        identity: () => identity,
        certs,
        events: { record: (kind, _source, detail) => void events.push(`${kind} ${detail}`) },
      }),
    ],
  });
  const as = (role: WebRole) => {
    const s = sessions.create(role === 'admin' ? 'admin' : role, role);
    return { cookie: `__Host-walnut=${s.id}`, token: s.token };
  };
  return { api, certs, events, as, dir };
}

function request(over: Partial<ApiRequest> & { json?: unknown }): ApiRequest {
  const { json, ...rest } = over;
  return {
    method: 'GET', path: '/api/wizard/facts', query: new URLSearchParams(), host: HOST, origin: `https://${HOST}`, cookie: undefined, token: undefined,
    address: '192.0.2.9', contentType: 'application/json', body: json === undefined ? undefined : Buffer.from(JSON.stringify(json)), ...rest,
  };
}

test('the facts and the certificates are for the admin only', async (t) => {
  const { api, as } = setup(t);
  for (const role of ['viewer', 'operator'] as const) {
    assert.equal((await api.handle(request({ cookie: as(role).cookie }))).status, 403, role);
    const r = await api.handle(request({ method: 'POST', path: '/api/wizard/client-cert', ...as(role), json: { name: 'nas1', p12Password: 'p12-password-long' } }));
    assert.equal(r.status, 403, role);
  }
  assert.equal((await api.handle(request({}))).status, 401);
  const facts = await api.handle(request({ cookie: as('admin').cookie }));
  assert.equal(facts.status, 200);
  const f = facts.json as Record<string, unknown>;
  assert.equal(f.canIssue, true);
  assert.equal(f.nutPort, 3493);
  assert.match(String(f.caPem), /^-----BEGIN CERTIFICATE-----/);
  assert.equal(typeof f.deviceName, 'string');
});

test('an issued certificate is recorded and its PKCS#12 opens with the password the page chose, under the certificate\'s name', async (t) => {
  const { api, as, certs, events, dir } = setup(t);
  const r = await api.handle(request({ method: 'POST', path: '/api/wizard/client-cert', ...as('admin'), json: { name: 'nas-kitchen', p12Password: 'p12-password-long' } }));
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const j = r.json as { serial: string; pem: string; p12: string };
  assert.equal(certs.find(j.serial)?.commonName, 'nas-kitchen');
  assert.match(j.pem, /BEGIN CERTIFICATE[\s\S]*BEGIN CERTIFICATE[\s\S]*PRIVATE KEY/, 'certificate, CA, key: CERTFILE order');
  const p12 = join(dir, 'c.p12');
  writeFileSync(p12, Buffer.from(j.p12, 'base64url'));
  const info = execFileSync('openssl', ['pkcs12', '-in', p12, '-passin', 'pass:p12-password-long', '-nokeys', '-info'], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  assert.match(info, /friendlyName: nas-kitchen/);
  assert.equal(r.headers?.['Cache-Control'], 'no-store');
  assert.match(events.join('\n'), /client-cert-issued client certificate nas-kitchen serial [0-9A-F]+ expires .* by admin/);
  assert.doesNotMatch(events.join('\n'), /p12-password-long/, 'the PKCS#12 password is not logged');
});

test('a bad certificate name or PKCS#12 password is refused naming the field, and nothing is recorded', async (t) => {
  const { api, as, certs } = setup(t);
  const admin = as('admin');
  for (const [json, field] of [
    [{ name: 'has space', p12Password: 'p12-password-long' }, /^name: /],
    [{ name: '-dash', p12Password: 'p12-password-long' }, /^name: /],
    [{ name: 'nas1', p12Password: 'short' }, /^p12Password: /],
    [{ name: 'nas1', p12Password: 'with space inside' }, /^p12Password: /],
    [{ name: 'nas1' }, /^p12Password: missing/],
  ] as const) {
    const r = await api.handle(request({ method: 'POST', path: '/api/wizard/client-cert', ...admin, json }));
    assert.equal(r.status, 400, JSON.stringify(json));
    assert.match((r.json as { message: string }).message, field, JSON.stringify(json));
  }
  assert.deepEqual(certs.list(), []);
});
