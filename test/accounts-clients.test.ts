// Issue 4 acceptance 1 with the built binary and Debian's real NUT clients (nut-client 2.8.0): users created
// with `walnut user` on the data folder of a running server work at once for upsrw -s and upscmd, a wrong
// password or a missing grant gets ERR ACCESS-DENIED, and a real upsmon logs in as secondary (NUMLOGINS 1,
// LIST CLIENT shows it). Also: config users move into the database once, and the database stays authoritative.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWalnut, type RunningWalnut } from './helpers/walnut.ts';
import { LineClient, run } from './helpers/clients.ts';
import { startUpsmon } from './helpers/upsmon.ts';
import { addUser, cli, eventually, numLogins } from './accounts-support.ts';

let walnut: RunningWalnut;

before(async () => {
  // the wrong passwords below are about replies, not the brute-force throttle (test/accounts-bruteforce.test.ts)
  walnut = await startWalnut({ config: { loginThrottle: { freeFailures: 100 } } });
});

after(async () => {
  await walnut.stop();
});

const upsrwSet = (variable: string, value: string, user: string, password: string) =>
  run('upsrw', ['-s', `${variable}=${value}`, '-u', user, '-p', password, walnut.target()]);
const upscmd = (command: string, user: string, password: string) => run('upscmd', ['-u', user, '-p', password, walnut.target(), command]);
/** upsrw and upscmd print their verdict on stderr */
const said = (r: { stdout: string; stderr: string }): string => (r.stdout + r.stderr).trim();
const value = async (variable: string): Promise<string> => (await run('upsc', [walnut.target(), variable])).stdout.trim();

test('a user added with walnut user add while the server runs can upsrw -s and upscmd at once', async () => {
  const add = await cli(walnut, ['user', 'add', 'operator', '--actions', 'SET', '--instcmds', 'test.battery.start.quick,beeper.enable', '--password-stdin'], 'op-pass\n');
  assert.equal(add.code, 0, add.stderr);
  assert.equal(add.stdout, 'added operator: actions=SET instcmds=beeper.enable,test.battery.start.quick\n');

  const set = await upsrwSet('battery.runtime.low', '240', 'operator', 'op-pass');
  assert.equal(set.code, 0, set.stderr);
  assert.equal(said(set), 'OK');
  assert.ok(await eventually(async () => (await value('battery.runtime.low')) === '240'), 'the value reached the UPS');

  const cmd = await upscmd('test.battery.start.quick', 'operator', 'op-pass');
  assert.equal(cmd.code, 0, cmd.stderr);
  assert.equal(said(cmd), 'OK');
});

test('a wrong password gets ERR ACCESS-DENIED from upsrw and upscmd, and changes nothing', async () => {
  await addUser(walnut, 'setter', 'set-pass', ['--actions', 'SET', '--instcmds', 'beeper.enable']);
  const before = await value('battery.runtime.low');
  const set = await upsrwSet('battery.runtime.low', before === '300' ? '360' : '300', 'setter', 'set-pasS');
  assert.notEqual(set.code, 0);
  assert.match(set.stderr + set.stdout, /Unexpected response from upsd: ERR ACCESS-DENIED/);
  const cmd = await upscmd('beeper.enable', 'setter', 'wrong');
  assert.notEqual(cmd.code, 0);
  assert.match(cmd.stderr + cmd.stdout, /ERR ACCESS-DENIED/);
  assert.equal(await value('battery.runtime.low'), before);
});

test('a missing grant gets ERR ACCESS-DENIED: a command not granted, SET without the SET action', async () => {
  await addUser(walnut, 'commander', 'cmd-pass', ['--instcmds', 'beeper.enable']);
  const notGranted = await upscmd('test.battery.start.quick', 'commander', 'cmd-pass');
  assert.match(notGranted.stderr + notGranted.stdout, /ERR ACCESS-DENIED/);
  const noSet = await upsrwSet('battery.runtime.low', '180', 'commander', 'cmd-pass');
  assert.match(noSet.stderr + noSet.stdout, /ERR ACCESS-DENIED/);
  const granted = await upscmd('beeper.enable', 'commander', 'cmd-pass');
  assert.equal(said(granted), 'OK');
});

test('grant, passwd, disable, enable and remove apply to the running server on the next command', async () => {
  await addUser(walnut, 'changing', 'first-pass', ['--instcmds', 'beeper.enable']);
  const before = await upscmd('test.battery.start.quick', 'changing', 'first-pass');
  assert.match(before.stderr + before.stdout, /ERR ACCESS-DENIED/);

  const grant = await cli(walnut, ['user', 'grant', 'changing', '--instcmds', 'ALL']);
  assert.equal(grant.stdout, 'changing: instcmds=ALL\n', grant.stderr);
  assert.equal(said(await upscmd('test.battery.start.quick', 'changing', 'first-pass')), 'OK');

  const passwd = await cli(walnut, ['user', 'passwd', 'changing', '--password-stdin'], 'second-pass\n');
  assert.equal(passwd.stdout, 'password changed for changing\n', passwd.stderr);
  assert.match(said(await upscmd('beeper.enable', 'changing', 'first-pass')), /ERR ACCESS-DENIED/);
  assert.equal(said(await upscmd('beeper.enable', 'changing', 'second-pass')), 'OK');

  assert.equal((await cli(walnut, ['user', 'disable', 'changing'])).stdout, 'changing is disabled\n');
  assert.match(said(await upscmd('beeper.enable', 'changing', 'second-pass')), /ERR ACCESS-DENIED/);
  assert.equal((await cli(walnut, ['user', 'enable', 'changing'])).stdout, 'changing is active\n');
  assert.equal(said(await upscmd('beeper.enable', 'changing', 'second-pass')), 'OK');

  assert.equal((await cli(walnut, ['user', 'remove', 'changing'])).stdout, 'removed changing\n');
  assert.match(said(await upscmd('beeper.enable', 'changing', 'second-pass')), /ERR ACCESS-DENIED/);
  const list = await cli(walnut, ['user', 'list']);
  assert.doesNotMatch(list.stdout, /^changing /m);
});

test('a real upsmon logs in as secondary: NUMLOGINS 1, LIST CLIENT shows it, and it is gone after it stops', async () => {
  await addUser(walnut, 'nas', 'nas-secret', ['--upsmon', 'secondary']);
  assert.equal(await numLogins(walnut.port), 0);
  const dir = mkdtempSync(join(tmpdir(), 'walnut-upsmon-'));
  const upsmon = startUpsmon({ dir, port: walnut.port, user: 'nas', password: 'nas-secret', role: 'secondary' });
  try {
    assert.ok(await eventually(async () => (await numLogins(walnut.port)) === 1), `upsmon did not log in; its log:\n${upsmon.logs()}`);
    const c = await LineClient.connect(walnut.port);
    assert.deepEqual(await c.request('LIST CLIENT ups'), ['BEGIN LIST CLIENT ups', 'CLIENT ups 127.0.0.1', 'END LIST CLIENT ups']);
    c.close();
    const upsc = await run('upsc', ['-c', walnut.target()]);
    assert.equal(upsc.stdout, '127.0.0.1\n');
    assert.match(walnut.logs(), /127\.0\.0\.1: user nas logged into ups/);
  } finally {
    await upsmon.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(await eventually(async () => (await numLogins(walnut.port)) === 0), 'the login count drops when upsmon goes');
});

test('a secondary cannot become primary or set FSD, and a user without an upsmon role cannot LOGIN', async () => {
  await addUser(walnut, 'sec', 'sec-pass', ['--upsmon', 'secondary']);
  await addUser(walnut, 'admin', 'admin-pass', ['--actions', 'SET,FSD', '--instcmds', 'ALL']);
  const c = await LineClient.connect(walnut.port);
  for (const [request, reply] of [
    ['USERNAME sec', 'OK'],
    ['PASSWORD sec-pass', 'OK'],
    ['PRIMARY ups', 'ERR ACCESS-DENIED'],
    ['MASTER ups', 'ERR ACCESS-DENIED'],
    ['FSD ups', 'ERR ACCESS-DENIED'],
    ['LOGIN ups', 'OK'],
  ]) assert.deepEqual(await c.request(request!), [reply], request);
  c.close();
  const a = await LineClient.connect(walnut.port);
  for (const [request, reply] of [
    ['USERNAME admin', 'OK'],
    ['PASSWORD admin-pass', 'OK'],
    ['LOGIN ups', 'ERR ACCESS-DENIED'], // Appendix A: no upsmon line, no LOGIN
    ['PRIMARY ups', 'ERR ACCESS-DENIED'],
  ]) assert.deepEqual(await a.request(request!), [reply], request);
  a.close();
  assert.doesNotMatch((await run('upsc', [walnut.target(), 'ups.status'])).stdout, /FSD/);
});

test('walnut user list shows every user with status, roles and timestamps', async () => {
  const r = await cli(walnut, ['user', 'list']);
  assert.equal(r.code, 0, r.stderr);
  const iso = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';
  assert.match(r.stdout, new RegExp(`^operator active actions=SET instcmds=beeper.enable,test.battery.start.quick created=${iso} updated=${iso}$`, 'm'));
  assert.match(r.stdout, /^nas active upsmon=secondary created=/m);
  assert.match(r.stdout, /^admin active actions=FSD,SET instcmds=ALL created=/m);
});

test('config users move into the database once; later config edits and removed users are not re-applied', async () => {
  const first = await startWalnut({ config: { users: { cfgadmin: { password: 'cfg-pass', actions: ['SET'], instcmds: ['beeper.enable'] } } } });
  const dir = first.dir;
  try {
    assert.match(first.logs(), /config user cfgadmin moved into the user database \(actions=SET instcmds=beeper.enable\)/);
    const ok = await run('upscmd', ['-u', 'cfgadmin', '-p', 'cfg-pass', first.target(), 'beeper.enable']);
    assert.equal(said(ok), 'OK');
    assert.match((await cli(first, ['user', 'list'])).stdout, /^cfgadmin active actions=SET instcmds=beeper.enable /m);
  } finally {
    await first.stop(true);
  }
  // the config password is edited afterwards: the database keeps the migrated one
  const second = await startWalnut({ dir, config: { users: { cfgadmin: { password: 'edited', actions: ['SET'] } } } });
  try {
    assert.match(second.logs(), /config user cfgadmin is already in the user database; its config entry is ignored/);
    assert.equal(said(await run('upscmd', ['-u', 'cfgadmin', '-p', 'cfg-pass', second.target(), 'beeper.enable'])), 'OK');
    assert.match(said(await run('upscmd', ['-u', 'cfgadmin', '-p', 'edited', second.target(), 'beeper.enable'])), /ERR ACCESS-DENIED/);
    assert.equal((await cli(second, ['user', 'remove', 'cfgadmin'])).code, 0);
  } finally {
    await second.stop(true);
  }
  const third = await startWalnut({ dir, config: { users: { cfgadmin: { password: 'cfg-pass', actions: ['SET'] } } } });
  try {
    assert.match(third.logs(), /config user cfgadmin was moved into the user database before and removed from it since; not re-creating it/);
    assert.match(said(await run('upscmd', ['-u', 'cfgadmin', '-p', 'cfg-pass', third.target(), 'beeper.enable'])), /ERR ACCESS-DENIED/);
    const events = await cli(third, ['log', '--kind', 'user-migrated']);
    assert.equal(events.stdout.trim().split('\n').length, 1, events.stdout);
  } finally {
    await third.stop();
  }
});

test('no password ever reaches the server log or the event log', async () => {
  const log = await cli(walnut, ['log', '--limit', '1000']);
  assert.equal(log.code, 0, log.stderr);
  for (const secret of ['op-pass', 'set-pass', 'set-pasS', 'cmd-pass', 'first-pass', 'second-pass', 'nas-secret', 'sec-pass', 'admin-pass']) {
    assert.equal(walnut.logs().includes(secret), false, `server log has ${secret}`);
    assert.equal(log.stdout.includes(secret), false, `event log has ${secret}`);
  }
  assert.match(log.stdout, /login-failed 127\.0\.0\.1:\d+ user setter: wrong password \(for SET\)/);
});
