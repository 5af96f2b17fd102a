// The config file's users move into the principal database once, with their roles only (the authentication
// server takes their passwords over on its own); afterwards the database is authoritative.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../storage/database.ts';
import { Settings } from '../storage/settings.ts';
import { migrateConfigUsers } from './config-migration.ts';
import { PrincipalStore } from './principals.ts';
import { describeRoles, noRoles } from './roles.ts';
import type { UserConfig } from './config-migration.ts';
import type { Logger } from '../util/log.ts';

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

/** walnut.db's bytes on disk, write-ahead log included */
function fileBytes(db: Db): Buffer {
  db.pragma('wal_checkpoint(TRUNCATE)');
  const parts = [readFileSync(db.name)];
  if (existsSync(`${db.name}-wal`)) parts.push(readFileSync(`${db.name}-wal`));
  return Buffer.concat(parts);
}

test('config users are created in the database with their roles, and their passwords are not kept there', async (t) => {
  const { db, store, settings, log, lines } = setup(t);
  const events: string[] = [];
  const r = await migrateConfigUsers(USERS, { store, settings, log, events: { record: (k, s, d) => void events.push(`${k} ${s} ${d}`) } });
  assert.deepEqual(r, { created: ['admin', 'monsec'], alreadyThere: [], removedSince: [] });
  const admin = store.find(utf8('admin'))!;
  assert.equal(admin.principal.status, 'active');
  assert.equal(describeRoles(admin.principal.roles), 'actions=FSD,SET instcmds=ALL');
  assert.equal(describeRoles(store.find(utf8('monsec'))!.principal.roles), 'upsmon=secondary');
  assert.deepEqual(events, [
    'user-migrated config user admin (actions=FSD,SET instcmds=ALL) moved from the config file into the user database',
    'user-migrated config user monsec (upsmon=secondary) moved from the config file into the user database',
  ]);
  assert.equal(lines.filter((l) => l.startsWith('info config user')).length, 2);
  assert.equal([...lines, ...events].some((l) => l.includes('adminpass') || l.includes('secret')), false);
  const bytes = fileBytes(db);
  assert.ok(bytes.includes(utf8('monsec')), 'the file read is the one written');
  assert.equal(bytes.includes(utf8('adminpass')), false, 'the config password is the AS\u2019s to take, not walnut.db\u2019s');
});

test('a second start changes nothing, even when the config entry was edited since', async (t) => {
  const { store, settings, log, lines } = setup(t);
  await migrateConfigUsers(USERS, { store, settings, log });
  const before = store.find(utf8('admin'))!.principal;
  lines.length = 0;
  const edited = { ...USERS, admin: { ...USERS.admin!, password: 'edited-in-config', instcmds: [] } };
  const r = await migrateConfigUsers(edited, { store, settings, log });
  assert.deepEqual(r, { created: [], alreadyThere: ['admin', 'monsec'], removedSince: [] });
  assert.deepEqual(store.find(utf8('admin'))!.principal, before, 'roles and updated_at as they were');
  assert.match(lines[0]!, /^info config user admin is already in the user database; its config entry is ignored/);
});

test('a config user that exists in the database already (made with the CLI) is left alone and logged', async (t) => {
  const { store, settings, log, lines } = setup(t);
  store.add(utf8('admin'), noRoles());
  const before = store.find(utf8('admin'))!.principal;
  const r = await migrateConfigUsers(USERS, { store, settings, log });
  assert.deepEqual(r, { created: ['monsec'], alreadyThere: ['admin'], removedSince: [] });
  assert.deepEqual(store.find(utf8('admin'))!.principal, before);
  assert.equal(describeRoles(store.find(utf8('admin'))!.principal.roles), 'none');
  assert.ok(lines.some((l) => l.includes('config user admin is already in the user database')));
});

test('a migrated user removed with the CLI is not brought back by the next start', async (t) => {
  const { store, settings, log, lines } = setup(t);
  await migrateConfigUsers(USERS, { store, settings, log });
  store.remove(utf8('monsec'));
  lines.length = 0;
  const r = await migrateConfigUsers(USERS, { store, settings, log });
  assert.deepEqual(r.removedSince, ['monsec']);
  assert.equal(store.find(utf8('monsec')), undefined);
  assert.ok(lines.some((l) => l.startsWith('warn config user monsec was moved into the user database before and removed from it since')));
});

test('a config user created by the CLI while the move ran is counted as already there', async (t) => {
  const { store, settings, log } = setup(t);
  // the CLI adds the name between the migration's look-up and its add
  const racing = Object.assign(Object.create(store) as PrincipalStore, {
    find: (name: Uint8Array) => {
      const found = store.find(name);
      if (!found && utf8('admin').equals(Buffer.from(name))) store.add(name, noRoles());
      return found;
    },
  });
  const r = await migrateConfigUsers(USERS, { store: racing, settings, log });
  assert.deepEqual(r, { created: ['monsec'], alreadyThere: ['admin'], removedSince: [] });
  assert.equal(describeRoles(store.find(utf8('admin'))!.principal.roles), 'none', 'the CLI\u2019s user is kept as it was made');
});
