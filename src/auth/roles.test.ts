// Roles with upsd.users semantics (docs/nut-protocol.md §4.1), checked with the users of Appendix A.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allows, describeRight, describeRoles, noRoles, parseAction, parseInstcmd, parseUpsmon, rolesFromUserConfig } from './roles.ts';
import type { Right } from './rights.ts';

const LOGIN: Right = { kind: 'action', action: 'login' };
const PRIMARY: Right = { kind: 'action', action: 'primary' };
const FSD: Right = { kind: 'action', action: 'fsd' };
const SET: Right = { kind: 'action', action: 'set' };
const cmd = (command: string): Right => ({ kind: 'instcmd', command });

const APPENDIX_A = {
  admin: rolesFromUserConfig({ actions: ['SET', 'FSD'], instcmds: ['ALL'] }),
  monprimary: rolesFromUserConfig({ upsmon: 'primary' }),
  monsec: rolesFromUserConfig({ upsmon: 'secondary' }),
  setonly: rolesFromUserConfig({ actions: ['set'], instcmds: ['test.battery.start'] }),
};

test('Appendix A users get exactly the rights their upsd.users entries give', () => {
  const table: [user: keyof typeof APPENDIX_A, right: Right, allowed: boolean][] = [
    ['admin', SET, true],
    ['admin', FSD, true],
    ['admin', LOGIN, false], // no upsmon role: LOGIN is denied
    ['admin', PRIMARY, false],
    ['admin', cmd('load.off'), true],
    ['admin', cmd('anything.at.all'), true],
    ['monprimary', LOGIN, true],
    ['monprimary', PRIMARY, true],
    ['monprimary', FSD, true],
    ['monprimary', SET, false],
    ['monprimary', cmd('load.off'), false],
    ['monsec', LOGIN, true],
    ['monsec', PRIMARY, false],
    ['monsec', FSD, false],
    ['monsec', SET, false],
    ['setonly', SET, true],
    ['setonly', cmd('test.battery.start'), true],
    ['setonly', cmd('TEST.Battery.Start'), true],
    ['setonly', cmd('test.battery.stop'), false],
    ['setonly', cmd('load.off'), false],
    ['setonly', LOGIN, false],
    ['setonly', FSD, false],
  ];
  for (const [user, right, allowed] of table) assert.equal(allows(APPENDIX_A[user], right), allowed, `${user} ${describeRight(right)}`);
});

test('upsmon primary (or master) grants login, primary and fsd; secondary (or slave) grants login only', () => {
  for (const upsmon of ['primary', 'master']) {
    const r = rolesFromUserConfig({ upsmon });
    assert.deepEqual([LOGIN, PRIMARY, FSD, SET].map((x) => allows(r, x)), [true, true, true, false], upsmon);
  }
  for (const upsmon of ['secondary', 'slave']) {
    const r = rolesFromUserConfig({ upsmon });
    assert.deepEqual([LOGIN, PRIMARY, FSD, SET].map((x) => allows(r, x)), [true, false, false, false], upsmon);
  }
});

test('actions are case-insensitive, MASTER means PRIMARY, and LOGIN by hand works', () => {
  const r = rolesFromUserConfig({ actions: ['Set', 'MASTER', 'login'] });
  assert.deepEqual([...r.actions].sort(), ['login', 'primary', 'set']);
  assert.equal(allows(r, LOGIN), true);
  assert.equal(allows(r, PRIMARY), true);
  assert.equal(allows(r, FSD), false);
});

test('instcmds ALL matches every command whatever its case; named commands match case-insensitively', () => {
  const all = rolesFromUserConfig({ instcmds: ['All'] });
  const one = rolesFromUserConfig({ instcmds: ['Load.Off'] });
  assert.equal(allows(all, cmd('beeper.toggle')), true);
  assert.equal(allows(one, cmd('load.off')), true);
  assert.equal(allows(one, cmd('LOAD.OFF')), true);
  assert.equal(allows(one, cmd('load.on')), false);
});

test('a principal with no roles at all may do nothing', () => {
  for (const right of [LOGIN, PRIMARY, FSD, SET, cmd('load.off')]) assert.equal(allows(noRoles(), right), false);
});

test('role words parse as upsd.users spells them and anything else is refused', () => {
  assert.equal(parseUpsmon('PRIMARY'), 'primary');
  assert.equal(parseUpsmon('slave'), 'secondary');
  assert.equal(parseUpsmon('boss'), undefined);
  assert.equal(parseAction('master'), 'primary');
  assert.equal(parseAction('FSD'), 'fsd');
  assert.equal(parseAction('shutdown'), undefined);
  assert.equal(parseInstcmd('Load.Off'), 'load.off');
  assert.equal(parseInstcmd('ALL'), 'all');
  assert.equal(parseInstcmd('load off'), undefined);
  assert.equal(parseInstcmd('.hidden'), undefined);
});

test('roles and rights are described in the words the CLI takes', () => {
  assert.equal(describeRoles(noRoles()), 'none');
  assert.equal(describeRoles(APPENDIX_A.admin), 'actions=FSD,SET instcmds=ALL');
  assert.equal(describeRoles(APPENDIX_A.monsec), 'upsmon=secondary');
  assert.equal(describeRoles(rolesFromUserConfig({ upsmon: 'primary', instcmds: ['load.on', 'beeper.toggle'] })), 'upsmon=primary instcmds=beeper.toggle,load.on');
  assert.equal(describeRight(FSD), 'FSD');
  assert.equal(describeRight(cmd('load.off')), 'INSTCMD load.off');
});
