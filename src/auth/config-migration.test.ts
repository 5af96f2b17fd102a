// The config file's users move into the principal database once; afterwards the database is authoritative.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../storage/database.ts';
import { Settings } from '../storage/settings.ts';
import { migrateConfigUsers } from './config-migration.ts';
import { PrincipalStore } from './principals.ts';
import { createVerifier, verifyPassword } from './verifier.ts';
import { describeRoles, noRoles } from './roles.ts';
import type { UserConfig } from '../config/config.ts';
import type { Logger } from '../util/log.ts';

const FAST = { N: 1024, r: 8, p: 1 };
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

function setup(t: { after(fn: () => void): void }): { db: Db; store: PrincipalStore; settings: Settings; lines: string[]; log: Logger } {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-migrate-'));
  const db = openDatabase(join(dir, 'data'), join(dir, 'cache'));
  t.after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const lines: string[] = [];
  const at = (level: string) => (m: string) => void lines.push(`${level} ${m}`);
  return { db, store: new PrincipalStore(db), settings: new Settings(db), lines, log: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

const USERS: Record<string, UserConfig> = {
  admin: { password: 'adminpass', actions: ['SET', 'FSD'], instcmds: ['ALL'] },
  monsec: { password: 'secret', upsmon: 'secondary' },
};

test('config users are created in the database with their roles and a verifier of their password', async (t) => {
  const { db, store, settings, log, lines } = setup(t);
  const events: string[] = [];
  const r = await migrateConfigUsers(USERS, { store, settings, log, scrypt: FAST, events: { record: (k, s, d) => void events.push(`${k} ${s} ${d}`) } });
  assert.deepEqual(r, { created: ['admin', 'monsec'], alreadyThere: [], removedSince: [] });
  const admin = store.find(utf8('admin'))!;
  assert.equal(describeRoles(admin.principal.roles), 'actions=FSD,SET instcmds=ALL');
  assert.equal(await verifyPassword(utf8('adminpass'), admin.verifier!), true);
  assert.equal(describeRoles(store.find(utf8('monsec'))!.principal.roles), 'upsmon=secondary');
  assert.deepEqual(events, [
    'user-migrated config user admin (actions=FSD,SET instcmds=ALL) moved from the config file into the user database',
    'user-migrated config user monsec (upsmon=secondary) moved from the config file into the user database',
  ]);
  assert.equal(lines.filter((l) => l.startsWith('info config user')).length, 2);
  assert.equal([...lines, ...events].some((l) => l.includes('adminpass') || l.includes('secret')), false);
  const stored = (db.prepare('SELECT count(*) AS n FROM principal_keys').get() as { n: number }).n;
  assert.equal(stored, 2);
});

test('a second start changes nothing, even when the config password was edited since', async (t) => {
  const { store, settings, log, lines } = setup(t);
  await migrateConfigUsers(USERS, { store, settings, log, scrypt: FAST });
  lines.length = 0;
  const edited = { ...USERS, admin: { ...USERS.admin!, password: 'edited-in-config' } };
  const r = await migrateConfigUsers(edited, { store, settings, log, scrypt: FAST });
  assert.deepEqual(r, { created: [], alreadyThere: ['admin', 'monsec'], removedSince: [] });
  assert.equal(await verifyPassword(utf8('adminpass'), store.find(utf8('admin'))!.verifier!), true);
  assert.match(lines[0]!, /^info config user admin is already in the user database; its config entry is ignored/);
});

test('a config user that exists in the database already (made with the CLI) is left alone and logged', async (t) => {
  const { store, settings, log, lines } = setup(t);
  store.add(utf8('admin'), await createVerifier(utf8('from-the-cli'), FAST), noRoles());
  const r = await migrateConfigUsers(USERS, { store, settings, log, scrypt: FAST });
  assert.deepEqual(r.alreadyThere, ['admin']);
  assert.equal(await verifyPassword(utf8('from-the-cli'), store.find(utf8('admin'))!.verifier!), true);
  assert.equal(describeRoles(store.find(utf8('admin'))!.principal.roles), 'none');
  assert.ok(lines.some((l) => l.includes('config user admin is already in the user database')));
});

test('a migrated user removed with the CLI is not brought back by the next start', async (t) => {
  const { store, settings, log, lines } = setup(t);
  await migrateConfigUsers(USERS, { store, settings, log, scrypt: FAST });
  store.remove(utf8('monsec'));
  lines.length = 0;
  const r = await migrateConfigUsers(USERS, { store, settings, log, scrypt: FAST });
  assert.deepEqual(r.removedSince, ['monsec']);
  assert.equal(store.find(utf8('monsec')), undefined);
  assert.ok(lines.some((l) => l.startsWith('warn config user monsec was moved into the user database before and removed from it since')));
});
