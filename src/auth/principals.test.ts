// The principal database on a real SQLite file: byte-exact names, roles, status, timestamps, no secret of any
// kind (passwords are the authentication server's), and changes made through one connection seen by another at
// once (the CLI and a running server).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../storage/database.ts';
import { PrincipalExistsError, PrincipalStore } from './principals.ts';
import { noRoles, rolesFromUserConfig } from './roles.ts';

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

function tempDb(t: { after(fn: () => void): void }): { db: Db; dir: string; open(): Db } {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-principals-'));
  const dbs: Db[] = [];
  const open = (): Db => {
    const db = openDatabase(join(dir, 'data'), join(dir, 'cache'));
    dbs.push(db);
    return db;
  };
  const db = open();
  t.after(() => {
    for (const d of dbs) if (d.open) d.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { db, dir, open };
}

test('a principal is stored under its exact name bytes with roles, status and timestamps', (t) => {
  const { db } = tempDb(t);
  let now = 1_700_000_000_000;
  const store = new PrincipalStore(db, () => now);
  const name = utf8('we ird "nâme" #1 \\');
  const added = store.add(name, rolesFromUserConfig({ upsmon: 'secondary', actions: ['SET'] }));
  assert.deepEqual(added.name, name);
  assert.equal(added.status, 'active');
  assert.equal(added.createdAt, now);
  assert.equal(added.updatedAt, now);
  const found = store.find(name)!;
  assert.deepEqual(Object.keys(found), ['principal'], 'a record is the principal and nothing else');
  assert.deepEqual(found.principal, added);
  assert.equal(found.principal.roles.upsmon, 'secondary');
  assert.deepEqual([...found.principal.roles.actions], ['set']);
  const row = db.prepare('SELECT typeof(name) AS t, hex(name) AS h FROM principals').get() as { t: string; h: string };
  assert.deepEqual(row, { t: 'blob', h: name.toString('hex').toUpperCase() });
  now += 5000;
  store.setRoles(name, { actions: null });
  assert.equal(store.find(name)!.principal.updatedAt, now);
  assert.equal(store.find(name)!.principal.createdAt, now - 5000);
});

test('names are case-sensitive and byte-exact: no folding, no normalisation', (t) => {
  const { db } = tempDb(t);
  const store = new PrincipalStore(db);
  store.add(utf8('Admin'), noRoles());
  store.add(utf8('admin'), noRoles());
  store.add(utf8('caf\u00e9'), noRoles()); // precomposed é
  store.add(utf8('cafe\u0301'), noRoles()); // e + combining accent
  assert.equal(store.list().length, 4);
  assert.equal(store.find(utf8('ADMIN')), undefined);
  assert.equal(store.find(Buffer.from('caf\u00e9', 'latin1')), undefined);
});

test('adding a name twice is refused and keeps the first', (t) => {
  const { db } = tempDb(t);
  const store = new PrincipalStore(db);
  store.add(utf8('bob'), rolesFromUserConfig({ upsmon: 'secondary' }));
  assert.throws(() => store.add(utf8('bob'), rolesFromUserConfig({ upsmon: 'primary', instcmds: ['ALL'] })), PrincipalExistsError);
  const bob = store.find(utf8('bob'))!.principal;
  assert.equal(bob.roles.upsmon, 'secondary');
  assert.equal(bob.roles.instcmds.size, 0);
  assert.equal(store.list().length, 1);
});

test('walnut.db holds no keys: the key table is gone and a principal is only its name, status and times', (t) => {
  const { db } = tempDb(t);
  const store = new PrincipalStore(db);
  store.add(utf8('bob'), noRoles());
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
  assert.equal(tables.includes('principal_keys'), false, tables.join(', '));
  assert.ok(tables.includes('principals') && tables.includes('principal_roles'), tables.join(', '));
  const columns = (db.prepare('SELECT name FROM pragma_table_info(?)').all('principals') as { name: string }[]).map((r) => r.name);
  assert.deepEqual(columns, ['id', 'name', 'status', 'created_at', 'updated_at']);
});

test('a password change is recorded by moving updated_at, and nothing else', (t) => {
  const { db } = tempDb(t);
  let now = 1_700_000_000_000;
  const store = new PrincipalStore(db, () => now);
  const added = store.add(utf8('ops'), rolesFromUserConfig({ upsmon: 'primary', instcmds: ['load.off'] }));
  store.setStatus(utf8('ops'), 'disabled');
  now += 7000;
  assert.equal(store.passwordChanged(utf8('ops')), true);
  const after = store.find(utf8('ops'))!.principal;
  assert.equal(after.updatedAt, now);
  assert.equal(after.createdAt, added.createdAt);
  assert.equal(after.status, 'disabled', 'a password change does not enable a disabled principal');
  assert.deepEqual(after.roles, added.roles);
  assert.equal(store.passwordChanged(utf8('nobody')), false);
  assert.equal(store.passwordChanged(utf8('OPS')), false, 'byte-exact names here too');
  assert.equal(store.list().length, 1, 'nothing is created for an unknown name');
});

test('role changes replace only the kinds given; null clears a kind', (t) => {
  const { db } = tempDb(t);
  const store = new PrincipalStore(db);
  const name = utf8('ops');
  store.add(name, rolesFromUserConfig({ upsmon: 'primary', actions: ['SET'], instcmds: ['load.off'] }));
  let p = store.setRoles(name, { instcmds: new Set(['all']) })!;
  assert.equal(p.roles.upsmon, 'primary');
  assert.deepEqual([...p.roles.actions], ['set']);
  assert.deepEqual([...p.roles.instcmds], ['all']);
  p = store.setRoles(name, { upsmon: 'secondary', actions: null })!;
  assert.equal(p.roles.upsmon, 'secondary');
  assert.equal(p.roles.actions.size, 0);
  p = store.setRoles(name, { upsmon: null })!;
  assert.equal(p.roles.upsmon, undefined);
  assert.equal(store.setRoles(utf8('nobody'), { upsmon: null }), undefined);
});

test('the schema refuses what the code never writes: bad roles, two upsmon roles, long names', (t) => {
  const { db } = tempDb(t);
  const store = new PrincipalStore(db);
  const { id } = store.add(utf8('x'), rolesFromUserConfig({ upsmon: 'primary' }));
  const ins = db.prepare('INSERT INTO principal_roles (principal_id, kind, value) VALUES (?, ?, ?)');
  assert.throws(() => ins.run(id, 'upsmon', 'secondary'), /UNIQUE/);
  assert.throws(() => ins.run(id, 'upsmon', 'boss'), /CHECK/);
  assert.throws(() => ins.run(id, 'action', 'shutdown'), /CHECK/);
  assert.throws(() => ins.run(id, 'instcmd', 'Load.Off'), /CHECK/);
  assert.throws(() => ins.run(id, 'wheel', 'x'), /CHECK/);
  const p = db.prepare('INSERT INTO principals (name, created_at, updated_at) VALUES (?, 0, 0)');
  assert.throws(() => p.run(Buffer.alloc(65, 0x61)), /CHECK/);
  assert.throws(() => p.run(Buffer.alloc(0)), /CHECK/);
});

test('removing a principal removes its roles', (t) => {
  const { db } = tempDb(t);
  const store = new PrincipalStore(db);
  store.add(utf8('gone'), rolesFromUserConfig({ upsmon: 'secondary', instcmds: ['ALL'] }));
  assert.equal(store.remove(utf8('gone')), true);
  assert.equal(store.remove(utf8('gone')), false);
  for (const table of ['principals', 'principal_roles']) {
    assert.equal((db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n, 0, table);
  }
  assert.equal(store.find(utf8('gone')), undefined);
});

test('a disabled principal stays, with its roles, until enabled again', (t) => {
  const { db } = tempDb(t);
  const store = new PrincipalStore(db);
  store.add(utf8('nas'), rolesFromUserConfig({ upsmon: 'secondary' }));
  assert.equal(store.setStatus(utf8('nas'), 'disabled'), true);
  assert.equal(store.find(utf8('nas'))!.principal.status, 'disabled');
  assert.equal(store.find(utf8('nas'))!.principal.roles.upsmon, 'secondary');
  assert.equal(store.setStatus(utf8('nas'), 'active'), true);
  assert.equal(store.find(utf8('nas'))!.principal.status, 'active');
  assert.equal(store.setStatus(utf8('nobody'), 'active'), false);
});

test('a second connection (another process) sees a committed change on its next read', (t) => {
  const { db, open } = tempDb(t);
  let now = 1_700_000_000_000;
  const server = new PrincipalStore(open(), () => now);
  const cli = new PrincipalStore(db, () => now);
  assert.equal(server.find(utf8('late')), undefined);
  cli.add(utf8('late'), noRoles());
  const before = server.find(utf8('late'))!.principal.updatedAt;
  now += 1000;
  cli.passwordChanged(utf8('late'));
  assert.equal(server.find(utf8('late'))!.principal.updatedAt, before + 1000, 'a running server sees the password change');
  cli.setRoles(utf8('late'), { upsmon: 'secondary' });
  assert.equal(server.find(utf8('late'))!.principal.roles.upsmon, 'secondary');
  cli.remove(utf8('late'));
  assert.equal(server.find(utf8('late')), undefined);
});

test('list returns every principal ordered by name bytes with its roles', (t) => {
  const { db } = tempDb(t);
  const store = new PrincipalStore(db);
  store.add(utf8('zed'), rolesFromUserConfig({ upsmon: 'secondary' }));
  store.add(utf8('amy'), rolesFromUserConfig({ instcmds: ['ALL'] }));
  const all = store.list();
  assert.deepEqual(all.map((p) => p.name.toString()), ['amy', 'zed']);
  assert.deepEqual([...all[0]!.roles.instcmds], ['all']);
  assert.equal(all[1]!.roles.upsmon, 'secondary');
});
