import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Principal, PrincipalStatus } from '../auth/principals.ts';
import { noRoles } from '../auth/roles.ts';
import type { ClientCertificateRecord } from '../tls/client-certs.ts';
import { UpsModel } from '../ups/model.ts';
import { Api, type ApiDeps, type ApiRequest } from './api.ts';
import { AuthFlows } from './auth-flows.ts';
import { certRow, usersRoutes, type CertificateIssuer } from './routes-users.ts';
import { SessionTable, type WebRole } from './sessions.ts';

const HOST = 'ups.local:8443';

function principal(name: string, status: PrincipalStatus = 'active'): Principal {
  const roles = noRoles();
  roles.upsmon = 'secondary';
  return { id: 1, name: Buffer.from(name), status, roles, createdAt: 0, updatedAt: 0 };
}

function setup(certs?: CertificateIssuer) {
  const users = new Map<string, Principal>([['admin', principal('admin')], ['nas', principal('nas')]]);
  const events: string[] = [];
  const changed: string[] = [];
  const sessions = new SessionTable({ idleMs: 60_000, maxMs: 600_000, maxSessions: 16 });
  const module = usersRoutes({
    accounts: {
      list: () => [...users.values()],
      setStatus: (name, status) => {
        const p = users.get(Buffer.from(name).toString());
        if (p) p.status = status;
        return p !== undefined;
      },
      remove: (name) => users.delete(Buffer.from(name).toString()),
      passwordChanged: (name) => (changed.push(Buffer.from(name).toString()), users.has(Buffer.from(name).toString())),
    },
    roleOf: (user) => (user === 'admin' ? 'admin' : users.get(user)?.status === 'active' ? 'viewer' : undefined),
    sessions,
    events: { record: (kind, source, detail) => void events.push(`${kind} ${source} ${detail}`) },
    ...(certs ? { certs } : {}),
  });
  const deps: ApiDeps = {
    ups: new UpsModel({ name: 'ups' }),
    flows: new AuthFlows({ newConversation: () => 1, relay: async () => Uint8Array.of(4), end: () => undefined, serverAuth: () => undefined }),
    sessions, setupState: async () => 'claimed', offer: () => undefined, roleOf: () => undefined, allowed: async () => false,
    events: { recent: () => [], record: () => undefined },
    modules: [module],
  };
  const api = new Api(deps);
  const call = async (role: WebRole, user: string, method: 'GET' | 'POST', path: string, json?: unknown) => {
    const s = sessions.create(user, role);
    const r = await api.handle({
      method, path, query: new URLSearchParams(), host: HOST, origin: `https://${HOST}`, cookie: `__Host-walnut=${s.id}`, token: s.token,
      address: '192.0.2.7', contentType: 'application/json', body: method === 'POST' ? Buffer.from(JSON.stringify(json ?? {})) : undefined,
    } satisfies ApiRequest);
    return { ...r, session: s };
  };
  return { api, users, events, changed, sessions, call };
}

test('the user list is the admin\'s alone and shows each account\'s status, roles and web role', async () => {
  const { call } = setup();
  const r = await call('admin', 'admin', 'GET', '/api/users');
  assert.equal(r.status, 200);
  assert.deepEqual((r.json as { name: string; status: string; roles: string; webRole: string; owner: boolean }[]).map((u) => [u.name, u.status, u.roles, u.webRole, u.owner]), [
    ['admin', 'active', 'upsmon=secondary', 'admin', true],
    ['nas', 'active', 'upsmon=secondary', 'viewer', false],
  ]);
  for (const role of ['operator', 'viewer'] as const) assert.equal((await call(role, 'nas', 'GET', '/api/users')).status, 403, role);
});

test('disabling a user ends their web sessions and is an event naming the admin who did it', async () => {
  const { call, sessions, events, users } = setup();
  const theirs = sessions.create('nas', 'viewer');
  const r = await call('admin', 'admin', 'POST', '/api/users/status', { name: 'nas', status: 'disabled' });
  assert.equal(r.status, 204);
  assert.equal(users.get('nas')!.status, 'disabled');
  assert.equal(sessions.get(theirs.id), undefined);
  assert.deepEqual(events, ['user-disabled 192.0.2.7 user nas disabled (by admin)']);
  assert.equal((await call('admin', 'admin', 'POST', '/api/users/status', { name: 'nas', status: 'active' })).status, 204);
  assert.equal(events[1], 'user-enabled 192.0.2.7 user nas enabled (by admin)');
});

test('the administrator\'s own account cannot be disabled, removed or given a password by the admin routes', async () => {
  const { call, users } = setup();
  for (const [path, json] of [['/api/users/status', { name: 'admin', status: 'disabled' }], ['/api/users/remove', { name: 'admin' }], ['/api/users/password', { name: 'admin' }]] as const) {
    const r = await call('admin', 'admin', 'POST', path, json);
    assert.equal(r.status, 403, path);
  }
  assert.equal(users.get('admin')!.status, 'active');
});

test('a bad name or status is refused with a message naming the field, and a missing user is a 404', async () => {
  const { call } = setup();
  const bad = await call('admin', 'admin', 'POST', '/api/users/status', { name: 'nas', status: 'gone' });
  assert.equal(bad.status, 400);
  assert.match((bad.json as { message: string }).message, /^status:/);
  const empty = await call('admin', 'admin', 'POST', '/api/users/remove', { name: '' });
  assert.match((empty.json as { message: string }).message, /^name:/);
  assert.equal((await call('admin', 'admin', 'POST', '/api/users/password', { name: 'nobody' })).status, 404);
});

test('another user\'s password change ends all their sessions; one\'s own ends the others but keeps this one', async () => {
  const { call, sessions, changed, events } = setup();
  const a = sessions.create('nas', 'viewer');
  assert.equal((await call('admin', 'admin', 'POST', '/api/users/password', { name: 'nas' })).status, 204);
  assert.equal(sessions.get(a.id), undefined);
  const other = sessions.create('nas', 'viewer');
  const own = await call('viewer', 'nas', 'POST', '/api/account/password');
  assert.equal(own.status, 204);
  assert.equal(sessions.get(other.id), undefined, 'the other session ended');
  assert.ok(sessions.get(own.session.id), 'the session that changed it stays');
  assert.deepEqual(changed, ['nas', 'nas']);
  // the owner may have no principal row: the change is an event all the same
  await call('admin', 'ghost', 'POST', '/api/account/password');
  assert.deepEqual(events, ['user-password 192.0.2.7 user ghost: password changed (by ghost)']);
});

test('a certificate is issued and revoked by serial only, each an event with its author; a factory unit says why it cannot', async () => {
  const records: ClientCertificateRecord[] = [];
  const certs: CertificateIssuer = {
    list: () => records,
    issue: (name, password) => {
      if (name === 'factory') return undefined;
      assert.equal(password, 'p12-secret');
      records.push({ serialHex: '0A1B', commonName: name, issuedAt: new Date(0), notAfter: new Date(1e12), revokedAt: undefined, revokedReason: undefined });
      return { serialHex: '0A1B', notAfter: new Date(1e12), pem: 'PEM', p12: Buffer.from([1, 2, 3]) };
    },
    revoke: (serial) => (serial === '0A1B' ? [records[0]!] : undefined),
  };
  const { call, events } = setup(certs);
  const r = await call('admin', 'admin', 'POST', '/api/certs/issue', { name: 'nas1', p12Password: 'p12-secret' });
  assert.equal(r.status, 201);
  assert.deepEqual(r.json, { serial: '0A1B', name: 'nas1', notAfter: 1e12, pem: 'PEM', p12: 'AQID' });
  assert.ok(!events.join('\n').includes('p12-secret'), 'the .p12 password is never in the log');
  assert.equal((await call('admin', 'admin', 'POST', '/api/certs/issue', { name: 'factory', p12Password: 'x' })).status, 409);
  assert.equal((await call('admin', 'admin', 'POST', '/api/certs/issue', { name: 'a/b', p12Password: 'x' })).status, 400);
  assert.equal((await call('admin', 'admin', 'POST', '/api/certs/issue', { name: 'nas1', p12Password: 'line\nbreak' })).status, 400);
  assert.equal((await call('operator', 'op', 'POST', '/api/certs/issue', { name: 'nas1', p12Password: 'x' })).status, 403);
  assert.equal((await call('admin', 'admin', 'POST', '/api/certs/revoke', { serial: '0A1B' })).status, 204);
  assert.equal((await call('admin', 'admin', 'POST', '/api/certs/revoke', { serial: 'FFFF' })).status, 404);
  assert.equal((await call('admin', 'admin', 'POST', '/api/certs/revoke', { serial: 'nas1' })).status, 400, 'a name is not a serial');
  assert.deepEqual(events, [
    'client-cert-issued 192.0.2.7 client certificate nas1 serial 0A1B expires 2001-09-09T01:46:40.000Z (by admin)',
    'client-cert-revoked 192.0.2.7 client certificate nas1 serial 0A1B revoked (by admin)',
  ]);
});

test('without TLS the certificate routes say so instead of failing', async () => {
  const { call } = setup();
  assert.equal((await call('admin', 'admin', 'GET', '/api/certs')).status, 503);
});

test('a certificate row says active, expired or revoked by the clock', () => {
  const base = { serialHex: '01', commonName: 'x', issuedAt: new Date(0), notAfter: new Date(1000), revokedAt: undefined, revokedReason: undefined };
  assert.equal((certRow(base, new Date(500)) as { status: string }).status, 'active');
  assert.equal((certRow(base, new Date(2000)) as { status: string }).status, 'expired');
  assert.equal((certRow({ ...base, revokedAt: new Date(600), revokedReason: 'lost' }, new Date(500)) as { status: string; reason: string }).reason, 'lost');
});
