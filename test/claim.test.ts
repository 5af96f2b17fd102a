// The first-boot claim without factory data (issue 14, acceptance 3, 4 and 6): a fresh unit makes its own setup
// code and shows it once; `walnut claim` with it sets admin's password through the AS's password change; a wrong
// code gets the reply a wrong user gets; 20 failures close the window even for the right code, `walnut setup
// open` reopens it, and outside the window the right code fails; a recording of the whole claim holds neither the
// code nor the new password in any encoding tried here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X64_BINARY, authServerReady as started, shownSetupCode, startWalnut, type RunningWalnut } from './helpers/walnut.ts';

/** The code the unit showed on stdout at its first start (there must be one). */
function shownCode(w: RunningWalnut): string {
  const code = shownSetupCode(w);
  assert.ok(code, `no setup code in the log:\n${w.logs()}`);
  return code;
}

import { run } from './helpers/clients.ts';
import { encodings, recordingProxy } from './helpers/wire.ts';

const claim = (port: number, input: string, ...extra: string[]) =>
  run(X64_BINARY, ['claim', `127.0.0.1:${port}`, '--password-stdin', ...extra], { input, timeoutMs: 30_000 });

const configArgs = (w: RunningWalnut) => ['--config', join(w.dir, 'walnut.json')];

test('a fresh unit shows its setup code once, and walnut claim with it sets admin\'s password', async () => {
  let w = await startWalnut();
  try {
    await started(w);
    const code = shownCode(w);
    const file = join(w.dataDir, 'auth', 'setup-code.txt');
    assert.equal(readFileSync(file, 'utf8'), `${code}\n`);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.doesNotMatch(w.logs().replace(/Its setup code: \S+/, ''), new RegExp(code), 'the code is shown on stdout once, never in a log line');

    w = await restart(w);
    assert.doesNotMatch(w.logs(), /setup code:/, 'a second start shows no code');

    const r = await claim(w.port, `${code.toLowerCase()}\nthe-owners-password\n`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^claimed 127\.0\.0\.1:\d+: admin's password is set/);
    const ping = await run(X64_BINARY, ['auth', 'ping', '--server', `127.0.0.1:${w.port}`, '--user', 'admin', '--password-stdin'], { input: 'the-owners-password\n' });
    assert.equal(ping.code, 0, ping.stderr);
    assert.match(ping.stdout, /authenticated as admin/);
    const status = await run(X64_BINARY, ['setup', 'status', ...configArgs(w)]);
    assert.equal(status.stdout, 'claimed\n');

    // claimed for good: the code opens nothing, and the window cannot be reopened
    const again = await claim(w.port, `${code}\nanother-password\n`);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /the setup code was refused/);
    const reopen = await run(X64_BINARY, ['setup', 'open', ...configArgs(w)]);
    assert.equal(reopen.code, 1);
    assert.match(reopen.stderr, /the unit is claimed/);
  } finally {
    await w.stop();
  }
});

async function restart(w: RunningWalnut): Promise<RunningWalnut> {
  await w.stop(true);
  const next = await startWalnut({ dir: w.dir });
  await started(next);
  return next;
}

test('--keep-code keeps the label code as admin\'s password, and the unit is claimed', async () => {
  const w = await startWalnut();
  try {
    await started(w);
    const code = shownCode(w);
    const r = await claim(w.port, `${code}\n`, '--keep-code');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /the label code stays admin's password/);
    const ping = await run(X64_BINARY, ['auth', 'ping', '--server', `127.0.0.1:${w.port}`, '--user', 'admin', '--password-stdin'], { input: `${code.replaceAll('-', '')}\n` });
    assert.equal(ping.code, 0, ping.stderr);
  } finally {
    await w.stop();
  }
});

test('a wrong code is refused like a wrong user; 20 failures close the window even for the right code; setup open reopens it', async () => {
  // the AS's lockout (10 failures from one address by default) would refuse the right code first: this test is
  // about the window's own bound, so the lockout is set past it
  const w = await startWalnut({ config: { auth: { lockout: { failures: 100 } } } });
  try {
    await started(w);
    const code = shownCode(w);
    // the wrong user: bob with the right code, through the same password change
    const wrongUser = await run(X64_BINARY, ['passwd', '--server', `127.0.0.1:${w.port}`, '--user', 'bob', '--password-stdin'], { input: `${code.replaceAll('-', '')}\nnew-password-1\n` });
    assert.equal(wrongUser.code, 1);
    assert.match(wrongUser.stderr, /wrong user name or password/);
    // a wrong code for admin gets the same answer from the AS (both are "auth failed")
    const wrongCode = await run(X64_BINARY, ['passwd', '--server', `127.0.0.1:${w.port}`, '--user', 'admin', '--password-stdin'], { input: 'ZZZZZZZZZZZZZQ\nnew-password-1\n' });
    assert.equal(wrongCode.code, 1);
    assert.equal(wrongCode.stderr, wrongUser.stderr);
    // 19 more wrong codes: 20 in this window
    for (let i = 0; i < 19; i++) {
      const r = await claim(w.port, 'ZZZZZZZZZZZZZQ\nnew-password-1\n');
      assert.equal(r.code, 1, r.stderr);
    }
    const closed = await claim(w.port, `${code}\nnew-password-1\n`);
    assert.equal(closed.code, 1);
    assert.match(closed.stderr, /the setup code was refused/);
    assert.match(w.logs(), /setup window closed after 20 failed attempts/);
    // every attempt is logged with its source
    assert.ok((w.logs().match(/127\.0\.0\.1: user admin: (PAK not confirmed|key confirmation failed)/g) ?? []).length >= 20);

    const open = await run(X64_BINARY, ['setup', 'open', ...configArgs(w)]);
    assert.equal(open.code, 0, open.stderr);
    assert.match(open.stdout, /^unclaimed; setup window open until \S+ \(0 failed attempts\)/);
    const ok = await claim(w.port, `${code}\nnew-password-1\n`);
    assert.equal(ok.code, 0, ok.stderr);
  } finally {
    await w.stop();
  }
});

test('outside the setup window the right code fails, until walnut setup open', async () => {
  const w = await startWalnut({ config: { setup: { windowSeconds: 1 } } });
  try {
    await started(w);
    const code = shownCode(w);
    await new Promise((r) => setTimeout(r, 1500));
    const late = await claim(w.port, `${code}\nnew-password-1\n`);
    assert.equal(late.code, 1);
    assert.match(late.stderr, /the setup code was refused/);
    const status = await run(X64_BINARY, ['setup', 'status', ...configArgs(w)]);
    assert.equal(status.stdout, 'unclaimed; setup window closed\n');
    assert.equal((await run(X64_BINARY, ['setup', 'open', ...configArgs(w)])).code, 0);
    const ok = await claim(w.port, `${code}\nnew-password-1\n`);
    assert.equal(ok.code, 0, ok.stderr);
  } finally {
    await w.stop();
  }
});

/** A TCP relay on loopback that records both directions of every connection. */
test('a recording of the whole claim holds neither the setup code nor the new password, in any encoding tried', async () => {
  const w = await startWalnut();
  const proxy = await recordingProxy(w.port);
  try {
    await started(w);
    const code = shownCode(w);
    const password = 'Correct Horse Battery Staple 42';
    const r = await claim(proxy.port, `${code}\n${password}\n`);
    assert.equal(r.code, 0, r.stderr);
    const wire = proxy.recorded();
    assert.ok(wire.length > 1000, `the claim went through the proxy (${wire.length} bytes)`);
    const text = wire.toString('latin1');
    for (const secret of [code, password]) {
      for (const form of encodings(secret)) assert.equal(text.includes(form), false, `${JSON.stringify(form)} is on the wire`);
    }
    // and the recording is real: the claim's own words are in it
    assert.match(text, /STARTTLS/);
  } finally {
    await proxy.close();
    await w.stop();
  }
});

test('a trigger file present at start opens the setup window, and is removed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-trigger-'));
  const trigger = join(dir, 'walnut-setup');
  let w = await startWalnut({ config: { setup: { windowSeconds: 1, triggerFile: trigger } } });
  try {
    await started(w);
    const code = shownCode(w);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await run(X64_BINARY, ['setup', 'status', ...configArgs(w)])).stdout, 'unclaimed; setup window closed\n');
    await w.stop(true);
    writeFileSync(trigger, '');
    w = await startWalnut({ dir: w.dir, config: { setup: { windowSeconds: 5, triggerFile: trigger } } });
    await started(w);
    assert.match(w.logs(), /setup window opened by .*walnut-setup/);
    assert.equal(existsSync(trigger), false, 'the trigger is used once');
    const ok = await claim(w.port, `${code}\nnew-password-1\n`);
    assert.equal(ok.code, 0, ok.stderr);
  } finally {
    await w.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
