// The Clients page's routes through the real Api (origin, session, role rules) over a directory in memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UpsModel } from '../ups/model.ts';
import type { NewRosterEntry, RosterEntry } from '../storage/client-roster.ts';
import { Api, type ApiDeps, type ApiRequest } from './api.ts';
import { AuthFlows } from './auth-flows.ts';
import type { SessionView } from './client-rules.ts';
import { clientRoutes, type ClientDirectory } from './routes-clients.ts';
import { SessionTable, type WebRole } from './sessions.ts';

const HOST = 'ups.local:8443';

function setup() {
  const entries: RosterEntry[] = [];
  const sessions: SessionView[] = [{ address: '192.0.2.10', port: 40001, user: 'nas1', tls: true, since: 1, ups: 'ups', upsmon: 'secondary' }];
  const events: string[] = [];
  const clients: ClientDirectory = {
    checkSeconds: 2,
    sessions: () => sessions,
    roster: () => entries,
    add: (e: NewRosterEntry) => {
      if (entries.some((x) => x.name === e.name)) return 'exists';
      entries.push({ ...e, id: entries.length + 1, createdAt: Date.now(), lastSeenAt: null });
      return entries.length;
    },
    remove: (id) => {
      const i = entries.findIndex((e) => e.id === id);
      return i < 0 ? undefined : entries.splice(i, 1)[0];
    },
  };
  const table = new SessionTable({ idleMs: 60_000, maxMs: 600_000, maxSessions: 8 });
  const deps: ApiDeps = {
    ups: new UpsModel({ name: 'ups' }), sessions: table, setupState: async () => 'claimed', offer: () => undefined, roleOf: () => undefined, allowed: async () => false,
    flows: new AuthFlows({ newConversation: () => 1, relay: async () => Uint8Array.of(4), end: () => undefined, serverAuth: () => undefined }),
    events: { recent: () => [], record: (kind, _source, detail) => void events.push(`${kind} ${detail}`) },
    modules: [clientRoutes({ clients, events: { record: (kind, _s, detail) => void events.push(`${kind} ${detail}`) } })],
  };
  const as = (role: WebRole) => {
    const s = table.create(role === 'admin' ? 'owner' : role, role);
    return { cookie: `__Host-walnut=${s.id}`, token: s.token };
  };
  const call = (method: 'GET' | 'POST', path: string, who: { cookie: string; token: string }, json?: unknown) => {
    const req: ApiRequest = {
      method, path, query: new URLSearchParams(), host: HOST, origin: `https://${HOST}`, address: '192.0.2.9', contentType: 'application/json',
      body: json === undefined ? undefined : Buffer.from(JSON.stringify(json)), ...who,
    };
    return new Api(deps).handle(req);
  };
  return { call, as, events, entries };
}

const good = { name: 'NAS kitchen', user: 'nas1', address: '::ffff:192.0.2.10', tls: 'required', seenWithinSeconds: 5 };

test('the admin adds a roster entry (its address canonical) and removes it, each an event naming the admin', async () => {
  const { call, as, events, entries } = setup();
  const admin = as('admin');
  const added = await call('POST', '/api/clients/roster', admin, good);
  assert.equal(added.status, 201, JSON.stringify(added.json));
  assert.equal(entries[0]!.address, '192.0.2.10');
  assert.equal(entries[0]!.tls, true);
  assert.equal((await call('POST', '/api/clients/roster', admin, good)).status, 409, 'the name is taken');
  assert.equal((await call('POST', '/api/clients/roster/remove', admin, { id: 1 })).status, 204);
  assert.equal((await call('POST', '/api/clients/roster/remove', admin, { id: 1 })).status, 404);
  assert.deepEqual(events, [
    'client-roster-add user owner: "NAS kitchen" (nas1 from 192.0.2.10, TLS, seen within 5 s)',
    'client-roster-remove user owner: "NAS kitchen" (nas1 from 192.0.2.10, TLS, seen within 5 s)',
  ]);
});

test('a viewer lists the connections and the roster with their verdicts but may not change the roster', async () => {
  const { call, as, entries } = setup();
  await call('POST', '/api/clients/roster', as('admin'), good);
  const viewer = as('viewer');
  const r = await call('GET', '/api/clients', viewer);
  assert.equal(r.status, 200);
  const body = r.json as { sessions: { client: string | null; upsmon: string }[]; roster: { state: string; flagged: boolean }[]; checkSeconds: number };
  assert.deepEqual(body.sessions.map((s) => [s.client, s.upsmon]), [['NAS kitchen', 'secondary']]);
  assert.deepEqual(body.roster.map((e) => [e.state, e.flagged]), [['connected', false]]);
  assert.equal(body.checkSeconds, 2);
  assert.equal((await call('POST', '/api/clients/roster', viewer, { ...good, name: 'other' })).status, 403);
  assert.equal((await call('POST', '/api/clients/roster', as('operator'), { ...good, name: 'other' })).status, 403);
  assert.equal((await call('POST', '/api/clients/roster/remove', viewer, { id: 1 })).status, 403);
  assert.equal(entries.length, 1);
});

test('bad values are refused with a message naming the field, never echoing it', async () => {
  const { call, as, entries } = setup();
  const admin = as('admin');
  for (const [over, field] of [
    [{ seenWithinSeconds: 4 }, /seenWithinSeconds/],
    [{ seenWithinSeconds: 2_592_001 }, /seenWithinSeconds/],
    [{ address: '192.0.2.300' }, /address/],
    [{ address: 'fe80::1%eth0' }, /address/],
    [{ user: 'two words' }, /user/],
    [{ name: ' padded ' }, /name/],
    [{ name: 'x'.repeat(65) }, /name/],
    [{ name: 'bell\u0007' }, /name/],
    [{ tls: 'maybe' }, /tls/],
    [{ extra: 1 }, /unknown key/],
  ] as const) {
    const r = await call('POST', '/api/clients/roster', admin, { ...good, ...over });
    assert.equal(r.status, 400, JSON.stringify(over));
    const message = (r.json as { message: string }).message;
    assert.match(message, field);
    assert.doesNotMatch(message, /300|eth0|two words|padded|xxxx/);
  }
  assert.equal(entries.length, 0);
  assert.equal((await call('POST', '/api/clients/roster', admin, { ...good, address: '' })).status, 201, 'an empty address means any');
  assert.equal(entries[0]!.address, null);
});
