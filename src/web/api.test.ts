import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UpsModel } from '../ups/model.ts';
import { Api, type ApiDeps, type ApiRequest } from './api.ts';
import { AuthFlows } from './auth-flows.ts';
import { SessionTable, type WebRole } from './sessions.ts';

const HOST = 'ups.local:8443';
const ORIGIN = `https://${HOST}`;

function setup(): { api: Api; sessions: SessionTable; ran: string[]; events: string[]; ups: UpsModel } {
  const ups = new UpsModel({ name: 'ups' });
  ups.setVariable('ups.status', 'OL');
  ups.addCommand('beeper.disable');
  ups.addCommand('load.off');
  const ran: string[] = [];
  ups.control = { setVariable: async () => undefined, runCommand: async (name) => void ran.push(name) };
  const events: string[] = [];
  const sessions = new SessionTable({ idleMs: 60_000, maxMs: 600_000, maxSessions: 8 });
  const deps: ApiDeps = {
    ups,
    flows: new AuthFlows({ newConversation: () => 1, relay: async () => Uint8Array.of(4), end: () => undefined, serverAuth: () => undefined }),
    sessions,
    setupState: async () => 'claimed',
    offer: () => 'v.2 dp9r1@ups',
    roleOf: () => 'viewer',
    // the operator's NUT roles name beeper.disable only
    allowed: async (user, right) => user === 'admin' || (right.kind === 'instcmd' && right.command === 'beeper.disable'),
    events: { recent: () => [], record: (kind) => void events.push(kind) },
    users: { add: () => 'added' },
  };
  return { api: new Api(deps), sessions, ran, events, ups };
}

function request(over: Partial<ApiRequest> & { json?: unknown }): ApiRequest {
  const { json, ...rest } = over;
  return {
    method: 'GET', path: '/api/hello', query: new URLSearchParams(), host: HOST, origin: ORIGIN, cookie: undefined, token: undefined,
    address: '192.0.2.9', contentType: 'application/json', body: json === undefined ? undefined : Buffer.from(JSON.stringify(json)), ...rest,
  };
}

const as = (sessions: SessionTable, role: WebRole, user: string = role) => {
  const s = sessions.create(user, role);
  return { cookie: `__Host-walnut=${s.id}`, token: s.token };
};

test('a POST from another origin, or with no Origin, is refused before its body is read', async () => {
  const { api } = setup();
  for (const origin of ['https://evil.example', undefined, `http://${HOST}`]) {
    const r = await api.handle(request({ method: 'POST', path: '/api/flows', origin, body: Buffer.from('not json'), contentType: 'text/plain' }));
    assert.equal(r.status, 403, String(origin));
  }
  const ok = await api.handle(request({ method: 'POST', path: '/api/flows', body: Buffer.alloc(0) }));
  assert.equal(ok.status, 200);
});

test('a logged-in POST without its session token is refused even from the page\'s origin', async () => {
  const { api, sessions, ran } = setup();
  const { cookie } = as(sessions, 'admin');
  const r = await api.handle(request({ method: 'POST', path: '/api/ups/command', cookie, json: { command: 'beeper.disable' } }));
  assert.equal(r.status, 403);
  assert.deepEqual(ran, []);
});

test('a viewer may read but not run a command; an operator runs what their NUT roles name and adds no users', async () => {
  const { api, sessions, ran } = setup();
  const viewer = as(sessions, 'viewer');
  assert.equal((await api.handle(request({ path: '/api/ups', cookie: viewer.cookie }))).status, 200);
  const v = await api.handle(request({ method: 'POST', path: '/api/ups/command', ...viewer, json: { command: 'beeper.disable' } }));
  assert.equal(v.status, 403);
  const op = as(sessions, 'operator');
  assert.equal((await api.handle(request({ method: 'POST', path: '/api/ups/command', ...op, json: { command: 'beeper.disable' } }))).status, 200);
  assert.equal((await api.handle(request({ method: 'POST', path: '/api/ups/command', ...op, json: { command: 'load.off' } }))).status, 403);
  assert.equal((await api.handle(request({ method: 'POST', path: '/api/users', ...op, json: { name: 'x', roles: 'upsmon=secondary' } }))).status, 403);
  assert.deepEqual(ran, ['beeper.disable']);
  const admin = as(sessions, 'admin');
  assert.equal((await api.handle(request({ method: 'POST', path: '/api/users', ...admin, json: { name: 'nas', roles: 'upsmon=secondary' } }))).status, 201);
  const bad = await api.handle(request({ method: 'POST', path: '/api/users', ...admin, json: { name: 'nas', roles: 'upsmon=boss' } }));
  assert.equal(bad.status, 400);
});

test('no session is a 401; an unknown path a 404; another method a 405; a body that is not JSON a 415 or 400', async () => {
  const { api, sessions } = setup();
  assert.equal((await api.handle(request({ path: '/api/ups' }))).status, 401);
  assert.equal((await api.handle(request({ path: '/api/nothing' }))).status, 404);
  assert.equal((await api.handle(request({ method: 'DELETE', path: '/api/ups' }))).status, 405);
  const admin = as(sessions, 'admin');
  assert.equal((await api.handle(request({ method: 'POST', path: '/api/ups/command', ...admin, contentType: 'text/plain', body: Buffer.from('x') }))).status, 415);
  assert.equal((await api.handle(request({ method: 'POST', path: '/api/ups/command', ...admin, body: Buffer.from('{"command":') }))).status, 400);
  assert.equal((await api.handle(request({ method: 'POST', path: '/api/ups/command', ...admin, json: { command: '../x' } }))).status, 400);
  assert.equal((await api.handle(request({ method: 'POST', path: '/api/ups/command', ...admin, json: { command: 'no.such' } }))).status, 400);
});

test('hello tells the page whether the unit can be claimed, and its session, with nothing else', async () => {
  const { api, sessions } = setup();
  const r = await api.handle(request({}));
  assert.deepEqual(r.json, { ups: 'ups', offer: 'v.2 dp9r1@ups', setup: 'claimed', session: null });
  const s = as(sessions, 'operator', 'op1');
  const again = await api.handle(request({ cookie: s.cookie }));
  assert.deepEqual((again.json as { session: unknown }).session, { user: 'op1', role: 'operator', token: s.token });
});

test('logout ends the session: its cookie is cleared and the next call is a 401', async () => {
  const { api, sessions, events } = setup();
  const s = as(sessions, 'viewer');
  const out = await api.handle(request({ method: 'POST', path: '/api/logout', ...s, body: Buffer.alloc(0) }));
  assert.equal(out.status, 204);
  assert.match(out.headers?.['Set-Cookie'] ?? '', /^__Host-walnut=; Max-Age=0;/);
  assert.equal((await api.handle(request({ path: '/api/ups', cookie: s.cookie }))).status, 401);
  assert.deepEqual(events, ['web-logout']);
});

test('a route module answers its own paths under the same origin and session rules, and two modules may not claim one path', async () => {
  const ups = new UpsModel({ name: 'ups' });
  const sessions = new SessionTable({ idleMs: 60_000, maxMs: 600_000, maxSessions: 8 });
  const base = {
    ups, sessions, setupState: async () => 'claimed', offer: () => undefined, roleOf: () => undefined, allowed: async () => false,
    flows: new AuthFlows({ newConversation: () => 1, relay: async () => Uint8Array.of(4), end: () => undefined, serverAuth: () => undefined }),
    events: { recent: () => [], record: () => undefined },
  } satisfies ApiDeps;
  const api = new Api({ ...base, modules: [{ 'POST /api/things': (call) => ({ status: 200, json: { by: call.session('admin').user, body: call.body } }) }] });
  const admin = as(sessions, 'admin', 'owner');
  const ok = await api.handle(request({ method: 'POST', path: '/api/things', ...admin, json: { a: 1 } }));
  assert.deepEqual([ok.status, ok.json], [200, { by: 'owner', body: { a: 1 } }]);
  const viewer = as(sessions, 'viewer');
  assert.equal((await api.handle(request({ method: 'POST', path: '/api/things', ...viewer, json: {} }))).status, 403);
  assert.equal((await api.handle(request({ method: 'POST', path: '/api/things', ...admin, origin: 'https://evil', json: {} }))).status, 403);
  const twice = { 'GET /api/x': () => ({ status: 200 }) };
  assert.throws(() => new Api({ ...base, modules: [twice, twice] }), /two API modules answer GET \/api\/x/);
});
