// The principal database on a real SQLite file: byte-exact names, verifiers only, roles, status, timestamps,
// and changes made through one connection seen by another at once (the CLI and a running server).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../storage/database.ts';
import { NUT_PASSWORD, PrincipalExistsError, PrincipalStore } from './principals.ts';
import { createVerifier, verifyPassword } from './verifier.ts';
import { noRoles, rolesFromUserConfig } from './roles.ts';

const FAST = { N: 1024, r: 8, p: 1 };
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

test('a principal is stored under its exact name bytes with a verifier, roles, status and timestamps', async (t) => {
  const { db } = tempDb(t);
  let now = 1_700_000_000_000;
  const store = new PrincipalStore(db, () => now);
  const name = utf8('we ird "nâme" #1 \\');
  const added = store.add(name, await createVerifier(utf8('pw'), FAST), rolesFromUserConfig({ upsmon: 'secondary', actions: ['SET'] }));
  assert.deepEqual(added.name, name);
  assert.equal(added.status, 'active');
  assert.equal(added.createdAt, now);
  assert.equal(added.updatedAt, now);
  const found = store.find(name)!;
  assert.equal(found.principal.roles.upsmon, 'secondary');
  assert.deepEqual([...found.principal.roles.actions], ['set']);
  assert.equal(await verifyPassword(utf8('pw'), found.verifier!), true);
  const row = db.prepare('SELECT typeof(name) AS t, hex(name) AS h FROM principals').get() as { t: string; h: string };
  assert.deepEqual(row, { t: 'blob', h: name.toString('hex').toUpperCase() });
  now += 5000;
  store.setRoles(name, { actions: null });
  assert.equal(store.find(name)!.principal.updatedAt, now);
  assert.equal(store.find(name)!.principal.createdAt, now - 5000);
});

test('names are case-sensitive and byte-exact: no folding, no normalisation', async (t) => {
  const { db } = tempDb(t);
  const store = new PrincipalStore(db);
  const v = await createVerifier(utf8('pw'), FAST);
  store.add(utf8('Admin'), v, noRoles());
  store.add(utf8('admin'), v, noRoles());
  store.add(utf8('caf\u00e9'), v, noRoles()); // precomposed é
  store.add(utf8('cafe\u0301'), v, noRoles()); // e + combining accent
  assert.equal(store.list().length, 4);
  assert.equal(store.find(utf8('ADMIN')), undefined);
  assert.equal(store.find(Buffer.from('caf\u00e9', 'latin1')), undefined);
});

test('adding a name twice is refused and keeps the first', async (t) => {
  const { db } = tempDb(t);
  const store = new PrincipalStore(db);
  store.add(utf8('bob'), await createVerifier(utf8('first'), FAST), noRoles());
  await assert.rejects(async () => store.add(utf8('bob'), await createVerifier(utf8('second'), FAST), noRoles()), PrincipalExistsError);
  assert.equal(await verifyPassword(utf8('first'), store.find(utf8('bob'))!.verifier!), true);
});

test('nothing in the database holds a password, only its verifier and the parameters', async (t) => {
  const { db } = tempDb(t);
  const store = new PrincipalStore(db);
  store.add(utf8('bob'), await createVerifier(utf8('hunter2-unique-secret'), FAST), noRoles());
  const key = db.prepare('SELECT purpose, algorithm, params, length(salt) AS s, length(material) AS m FROM principal_keys').get();
  assert.deepEqual(key, { purpose: NUT_PASSWORD, algorithm: 'scrypt', params: '{"N":1024,"r":8,"p":1}', s: 16, m: 32 });
  db.pragma('wal_checkpoint(TRUNCATE)');
  const dump = db.prepare("SELECT group_concat(hex(salt) || hex(material) || params) AS d FROM principal_keys").get() as { d: string };
  assert.equal(dump.d.includes(utf8('hunter2-unique-secret').toString('hex').toUpperCase()), false);
});

test('role changes replace only the kinds given; null clears a kind', async (t) => {
  const { db } = tempDb(t);
  const store = new PrincipalStore(db);
  const name = utf8('ops');
  store.add(name, await createVerifier(utf8('pw'), FAST), rolesFromUserConfig({ upsmon: 'primary', actions: ['SET'], instcmds: ['load.off'] }));
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

test('the schema refuses what the code never writes: bad roles, two upsmon roles, long names', async (t) => {
  const { db } = tempDb(t);
  const store = new PrincipalStore(db);
  const { id } = store.add(utf8('x'), await createVerifier(utf8('pw'), FAST), rolesFromUserConfig({ upsmon: 'primary' }));
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

test('removing a principal removes its keys and roles', async (t) => {
  const { db } = tempDb(t);
  const store = new PrincipalStore(db);
  store.add(utf8('gone'), await createVerifier(utf8('pw'), FAST), rolesFromUserConfig({ upsmon: 'secondary', instcmds: ['ALL'] }));
  assert.equal(store.remove(utf8('gone')), true);
  assert.equal(store.remove(utf8('gone')), false);
  for (const table of ['principals', 'principal_keys', 'principal_roles']) {
    assert.equal((db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n, 0, table);
  }
});

test('a disabled principal stays, with its keys, until enabled again', async (t) => {
  const { db } = tempDb(t);
  const store = new PrincipalStore(db);
  store.add(utf8('nas'), await createVerifier(utf8('pw'), FAST), noRoles());
  assert.equal(store.setStatus(utf8('nas'), 'disabled'), true);
  assert.equal(store.find(utf8('nas'))!.principal.status, 'disabled');
  assert.notEqual(store.find(utf8('nas'))!.verifier, undefined);
  assert.equal(store.setStatus(utf8('nas'), 'active'), true);
  assert.equal(store.setStatus(utf8('nobody'), 'active'), false);
});

test('a second connection (another process) sees a committed change on its next read', async (t) => {
  const { db, open } = tempDb(t);
  const server = new PrincipalStore(open());
  const cli = new PrincipalStore(db);
  assert.equal(server.find(utf8('late')), undefined);
  cli.add(utf8('late'), await createVerifier(utf8('one'), FAST), noRoles());
  assert.notEqual(server.find(utf8('late')), undefined);
  cli.setPassword(utf8('late'), await createVerifier(utf8('two'), FAST));
  assert.equal(await verifyPassword(utf8('two'), server.find(utf8('late'))!.verifier!), true);
  cli.remove(utf8('late'));
  assert.equal(server.find(utf8('late')), undefined);
});

test('an upgrade of a verifier does not overwrite a password changed meanwhile', async (t) => {
  const { db } = tempDb(t);
  const store = new PrincipalStore(db);
  const old = await createVerifier(utf8('pw'), { N: 256, r: 8, p: 1 });
  const { id } = store.add(utf8('u'), old, noRoles());
  const changed = await createVerifier(utf8('new'), FAST);
  store.setPassword(utf8('u'), changed);
  assert.equal(store.upgradeVerifier(id, old, await createVerifier(utf8('pw'), FAST)), false);
  assert.equal(await verifyPassword(utf8('new'), store.find(utf8('u'))!.verifier!), true);
  assert.equal(store.upgradeVerifier(id, changed, await createVerifier(utf8('new'), { N: 2048, r: 8, p: 1 })), true);
  assert.deepEqual(store.find(utf8('u'))!.verifier!.params, { N: 2048, r: 8, p: 1 });
});

test('a stored verifier with unreadable parameters is reported, not used', async (t) => {
  const { db } = tempDb(t);
  const store = new PrincipalStore(db);
  store.add(utf8('u'), await createVerifier(utf8('pw'), FAST), noRoles());
  db.prepare("UPDATE principal_keys SET params = '{\"N\":4194304,\"r\":8,\"p\":1}'").run();
  const rec = store.find(utf8('u'))!;
  assert.equal(rec.verifier, undefined);
  assert.match(rec.verifierProblem!, /scrypt N=4194304 is outside/);
});

test('list returns every principal ordered by name bytes with its roles', async (t) => {
  const { db } = tempDb(t);
  const store = new PrincipalStore(db);
  const v = await createVerifier(utf8('pw'), FAST);
  store.add(utf8('zed'), v, rolesFromUserConfig({ upsmon: 'secondary' }));
  store.add(utf8('amy'), v, rolesFromUserConfig({ instcmds: ['ALL'] }));
  const all = store.list();
  assert.deepEqual(all.map((p) => p.name.toString()), ['amy', 'zed']);
  assert.deepEqual([...all[0]!.roles.instcmds], ['all']);
  assert.equal(all[1]!.roles.upsmon, 'secondary');
});
