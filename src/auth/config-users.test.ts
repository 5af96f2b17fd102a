// Credentials with upsd.users semantics (nut-protocol.md §4.1), checked with the users of Appendix A.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigUsers, grantsFor } from './config-users.ts';
import type { Right } from '../nut/commands.ts';
import type { UserConfig } from '../config/config.ts';

const USERS: Record<string, UserConfig> = {
  admin: { password: 'adminpass', actions: ['SET', 'FSD'], instcmds: ['ALL'] },
  monprimary: { password: 'primpass', upsmon: 'primary' },
  monsec: { password: 'secret', upsmon: 'secondary' },
  setonly: { password: 'setpass', actions: ['set'], instcmds: ['test.battery.start'] },
};

const LOGIN: Right = { kind: 'action', action: 'login' };
const PRIMARY: Right = { kind: 'action', action: 'primary' };
const FSD: Right = { kind: 'action', action: 'fsd' };
const SET: Right = { kind: 'action', action: 'set' };
const cmd = (command: string): Right => ({ kind: 'instcmd', command });

test('Appendix A users get exactly the rights their upsd.users entries give', () => {
  const users = new ConfigUsers(USERS);
  const table: [user: string, password: string, right: Right, allowed: boolean][] = [
    ['admin', 'adminpass', SET, true],
    ['admin', 'adminpass', FSD, true],
    ['admin', 'adminpass', LOGIN, false], // no upsmon role: LOGIN is denied
    ['admin', 'adminpass', PRIMARY, false],
    ['admin', 'adminpass', cmd('load.off'), true],
    ['admin', 'adminpass', cmd('anything.at.all'), true],
    ['monprimary', 'primpass', LOGIN, true],
    ['monprimary', 'primpass', PRIMARY, true],
    ['monprimary', 'primpass', FSD, true],
    ['monprimary', 'primpass', SET, false],
    ['monprimary', 'primpass', cmd('load.off'), false],
    ['monsec', 'secret', LOGIN, true],
    ['monsec', 'secret', PRIMARY, false],
    ['monsec', 'secret', FSD, false],
    ['monsec', 'secret', SET, false],
    ['setonly', 'setpass', SET, true],
    ['setonly', 'setpass', cmd('test.battery.start'), true],
    ['setonly', 'setpass', cmd('TEST.Battery.Start'), true],
    ['setonly', 'setpass', cmd('test.battery.stop'), false],
    ['setonly', 'setpass', cmd('load.off'), false],
    ['setonly', 'setpass', LOGIN, false],
    ['setonly', 'setpass', FSD, false],
  ];
  for (const [user, password, right, allowed] of table) {
    assert.equal(users.allowed(user, password, right), allowed, `${user} ${JSON.stringify(right)}`);
  }
});

test('a wrong password denies every right', () => {
  const users = new ConfigUsers(USERS);
  for (const [user] of Object.entries(USERS)) {
    const rights: Right[] = [LOGIN, PRIMARY, FSD, SET, cmd('test.battery.start')];
    for (const right of rights) {
      assert.equal(users.allowed(user, 'wrong', right), false, user);
      assert.equal(users.allowed(user, '', right), false, user);
    }
  }
});

test('passwords are case-sensitive and compared whole', () => {
  const users = new ConfigUsers(USERS);
  assert.equal(users.allowed('admin', 'AdminPass', SET), false);
  assert.equal(users.allowed('admin', 'adminpass ', SET), false);
  assert.equal(users.allowed('admin', 'adminpas', SET), false);
  assert.equal(users.allowed('admin', 'adminpass', SET), true);
});

test('user names are case-sensitive, as in upsd.users', () => {
  const users = new ConfigUsers(USERS);
  assert.equal(users.allowed('Admin', 'adminpass', SET), false);
  assert.equal(users.allowed('ADMIN', 'adminpass', SET), false);
});

test('an unknown user is denied, even with a password some user has', () => {
  const users = new ConfigUsers(USERS);
  assert.equal(users.allowed('nobody', 'adminpass', SET), false);
  assert.equal(users.allowed('', '', LOGIN), false);
  assert.equal(users.allowed('constructor', 'x', LOGIN), false);
  assert.equal(users.allowed('__proto__', 'x', LOGIN), false);
});

test('passwords with spaces, quotes, hashes and backslashes work as given', () => {
  const users = new ConfigUsers({ odd: { password: 'p a"s#s\\', upsmon: 'secondary' } });
  assert.equal(users.allowed('odd', 'p a"s#s\\', LOGIN), true);
  assert.equal(users.allowed('odd', 'p a"s#s', LOGIN), false);
});

test('upsmon primary (or master) grants login, primary and fsd; secondary (or slave) grants login', () => {
  for (const upsmon of ['primary', 'master'] as const) {
    const g = grantsFor({ password: 'x', upsmon });
    assert.deepEqual([...g.actions].sort(), ['fsd', 'login', 'primary'], upsmon);
  }
  for (const upsmon of ['secondary', 'slave'] as const) {
    assert.deepEqual([...grantsFor({ password: 'x', upsmon }).actions], ['login'], upsmon);
  }
});

test('actions are case-insensitive, MASTER means PRIMARY, and LOGIN by hand works', () => {
  const g = grantsFor({ password: 'x', actions: ['Set', 'MASTER', 'login'] });
  assert.deepEqual([...g.actions].sort(), ['login', 'master', 'primary', 'set']);
  const users = new ConfigUsers({ hand: { password: 'x', actions: ['LOGIN', 'Master'] } });
  assert.equal(users.allowed('hand', 'x', LOGIN), true);
  assert.equal(users.allowed('hand', 'x', PRIMARY), true);
  assert.equal(users.allowed('hand', 'x', FSD), false);
});

test('instcmds ALL matches every command whatever its case; named commands match case-insensitively', () => {
  assert.equal(grantsFor({ password: 'x', instcmds: ['all'] }).allCommands, true);
  assert.equal(grantsFor({ password: 'x', instcmds: ['load.off'] }).allCommands, false);
  const users = new ConfigUsers({ a: { password: 'x', instcmds: ['All'] }, b: { password: 'x', instcmds: ['Load.Off'] } });
  assert.equal(users.allowed('a', 'x', cmd('beeper.toggle')), true);
  assert.equal(users.allowed('b', 'x', cmd('load.off')), true);
  assert.equal(users.allowed('b', 'x', cmd('load.on')), false);
});

test('a user with no roles at all may do nothing', () => {
  const users = new ConfigUsers({ plain: { password: 'x' } });
  for (const right of [LOGIN, PRIMARY, FSD, SET, cmd('load.off')]) assert.equal(users.allowed('plain', 'x', right), false);
});
