// The owner manages a unit's NUT users from another computer (issue 14: "the admin principal may create and
// manage NUT users remotely"): walnut user … --server, a ticket login as admin for the names and roles (NUT
// AUTH USER) and an AuthUser conversation relayed to the AS for the passwords (docs/auth-protocol.md §7.6).
// Real binary, real TLS, real NUT sessions; the box's own `walnut user list` is the judge of what changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { X64_BINARY, startClaimed, until, type RunningWalnut } from './helpers/walnut.ts';
import { run } from './helpers/clients.ts';
import { encodings, recordingProxy } from './helpers/wire.ts';
import { NutLineClient, RefusedError, ticketLogin, words } from '../src/cli/ticket-client.ts';

const OWNER_PW = 'the-owners-password';

const claimed = (): Promise<RunningWalnut> => startClaimed(OWNER_PW);

const remote = (port: number, args: string[], input: string) =>
  run(X64_BINARY, ['user', ...args, '--server', `127.0.0.1:${port}`, '--password-stdin'], { input, timeoutMs: 60_000 });
const list = async (w: RunningWalnut): Promise<string> => (await run(X64_BINARY, ['user', 'list', '--config', join(w.dir, 'walnut.json')])).stdout;
const ping = (w: RunningWalnut, user: string, password: string) =>
  run(X64_BINARY, ['auth', 'ping', '--server', `127.0.0.1:${w.port}`, '--user', user, '--password-stdin'], { input: `${password}\n` });

test('the owner adds, grants, re-passwords and removes a NUT user from another computer; the box records who did it', async () => {
  const w = await claimed();
  try {
    const add = await remote(w.port, ['add', 'nas1', '--upsmon', 'secondary'], `${OWNER_PW}\nnas-one-password\n`);
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /^added nas1 at 127\.0\.0\.1:\d+: upsmon=secondary$/m);
    assert.match(await list(w), /^nas1 active upsmon=secondary /m);
    assert.equal((await ping(w, 'nas1', 'nas-one-password')).code, 0, 'the new user logs in with its password');

    const again = await remote(w.port, ['add', 'nas1', '--upsmon', 'primary'], `${OWNER_PW}\nanother-password\n`);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /user nas1 already exists/);
    assert.equal((await ping(w, 'nas1', 'nas-one-password')).code, 0, 'a refused add changes no password');

    const grant = await remote(w.port, ['grant', 'nas1', '--upsmon', 'primary', '--instcmds', 'beeper.toggle'], `${OWNER_PW}\n`);
    assert.equal(grant.code, 0, grant.stderr);
    assert.match(await list(w), /^nas1 active upsmon=primary instcmds=beeper\.toggle /m);

    const passwd = await remote(w.port, ['passwd', 'nas1'], `${OWNER_PW}\nnas-one-new-password\n`);
    assert.equal(passwd.code, 0, passwd.stderr);
    assert.equal((await ping(w, 'nas1', 'nas-one-password')).code, 1, 'the old password no longer works');
    assert.equal((await ping(w, 'nas1', 'nas-one-new-password')).code, 0);

    const missing = await remote(w.port, ['passwd', 'nobody'], `${OWNER_PW}\nsome-password-1\n`);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no user nobody/);
    assert.equal((await ping(w, 'nobody', 'some-password-1')).code, 1, 'no key is left behind for a user that does not exist');

    const remove = await remote(w.port, ['remove', 'nas1'], `${OWNER_PW}\n`);
    assert.equal(remove.code, 0, remove.stderr);
    assert.doesNotMatch(await list(w), /^nas1 /m);
    assert.equal((await ping(w, 'nas1', 'nas-one-new-password')).code, 1, 'its key is gone at the AS too');

    // the event log writes its queue once a second (src/storage/event-log.ts): wait for the last change to land
    const log = async (): Promise<string> => (await run(X64_BINARY, ['log', '--limit', '1000', '--config', join(w.dir, 'walnut.json')])).stdout;
    await until('the removal in the event log', async () => /user-removed /.test(await log()));
    const events = await log();
    for (const kind of ['user-added', 'user-granted', 'user-password', 'user-removed']) {
      assert.match(events, new RegExp(`${kind} .*user nas1.*\\(by admin\\)`), `${kind} names admin:\n${events}`);
    }
  } finally {
    await w.stop();
  }
});

test('a wrong owner password, a non-owner and a session without a ticket login change nothing', async () => {
  const w = await claimed();
  try {
    const wrong = await remote(w.port, ['add', 'nas2', '--upsmon', 'secondary'], `not-the-owners-password\nnas-two-password\n`);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /admin's password was refused/);
    assert.doesNotMatch(await list(w), /^nas2 /m);

    assert.equal((await remote(w.port, ['add', 'nas1', '--upsmon', 'secondary'], `${OWNER_PW}\nnas-one-password\n`)).code, 0);
    // nas1, ticket-authenticated in TLS, is not an administrator
    const c = await NutLineClient.connect('127.0.0.1', w.port);
    try {
      const exporter = await c.startTls('127.0.0.1');
      assert.equal(await ticketLogin(c, Buffer.from('nas1'), Buffer.from('nas-one-password'), exporter), 'nas1');
      await assert.rejects(async () => words(await c.request('AUTH USER ADD nas3 "upsmon=primary"')), (e: unknown) => e instanceof RefusedError && e.code === 'ACCESS-DENIED');
    } finally {
      c.close();
    }
    // a session that never did AUTH gets the same refusal, in TLS or not
    const plain = await NutLineClient.connect('127.0.0.1', w.port);
    try {
      await assert.rejects(async () => words(await plain.request('AUTH USER ADD nas3 "upsmon=primary"')), (e: unknown) => e instanceof RefusedError && e.code === 'ACCESS-DENIED');
      await plain.startTls('127.0.0.1');
      await assert.rejects(async () => words(await plain.request('AUTH USER REMOVE nas1')), (e: unknown) => e instanceof RefusedError && e.code === 'ACCESS-DENIED');
    } finally {
      plain.close();
    }
    assert.doesNotMatch(await list(w), /^nas3 /m);
    assert.match(await list(w), /^nas1 active upsmon=secondary /m);
  } finally {
    await w.stop();
  }
});

test('a recording of a remote add holds neither the owner\'s nor the new user\'s password, in any encoding tried', async () => {
  const w = await claimed();
  const proxy = await recordingProxy(w.port);
  try {
    const userPw = 'Nas Password Staple 77';
    const add = await remote(proxy.port, ['add', 'nas1', '--upsmon', 'secondary'], `${OWNER_PW}\n${userPw}\n`);
    assert.equal(add.code, 0, add.stderr);
    const text = proxy.recorded().toString('latin1');
    assert.match(text, /STARTTLS/);
    for (const secret of [OWNER_PW, userPw]) {
      for (const form of encodings(secret)) assert.equal(text.includes(form), false, `${JSON.stringify(form)} is on the wire`);
    }
    // and the NUT server's log (what it was told) holds neither
    for (const secret of [OWNER_PW, userPw]) assert.equal(w.logs().includes(secret), false);
  } finally {
    await proxy.close();
    await w.stop();
  }
});
