// walnut factory-reset (issue 14, acceptance 5): a claimed unit with users is reset and claimed again; and a
// reset killed with SIGKILL at random points always leaves, after the next start, a unit that is either still
// claimed with its users or claimable with none: never a mix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X64_BINARY, authServerReady as started, shownSetupCode as shownCode, startWalnut } from './helpers/walnut.ts';
import { run } from './helpers/clients.ts';

const cfg = (dir: string) => ['--config', join(dir, 'walnut.json')];

/** A copy of a stopped unit's folder whose config names the copy's own folders (it names absolute paths). */
function copyUnit(from: string, to: string): void {
  cpSync(from, to, { recursive: true });
  const file = join(to, 'walnut.json');
  writeFileSync(file, readFileSync(file, 'utf8').replaceAll(from, to));
}

/** A unit claimed with the code it showed, with one NAS user; left stopped, its folder kept. */
async function claimedUnit(): Promise<string> {
  const w = await startWalnut();
  await started(w);
  const claim = await run(X64_BINARY, ['claim', `127.0.0.1:${w.port}`, '--password-stdin'], { input: `${shownCode(w)}\nthe-owners-password\n` });
  assert.equal(claim.code, 0, claim.stderr);
  const add = await run(X64_BINARY, ['user', 'add', 'nas', '--upsmon', 'secondary', '--password-stdin', ...cfg(w.dir)], { input: 'nas-password-1\n' });
  assert.equal(add.code, 0, add.stderr);
  await w.stop(true);
  return w.dir;
}

/** What a start on `dir` finds: the claim state and the users. */
async function stateAfterStart(dir: string): Promise<{ status: string; users: string; code: string | undefined }> {
  const w = await startWalnut({ dir });
  try {
    await started(w);
    const status = (await run(X64_BINARY, ['setup', 'status', ...cfg(dir)])).stdout.trim();
    const users = (await run(X64_BINARY, ['user', 'list', ...cfg(dir)])).stdout;
    return { status, users, code: shownCode(w) };
  } finally {
    await w.stop(true);
  }
}

test('a factory reset wipes users and keys, keeps the TLS identity, and the unit is claimed again', async () => {
  const dir = await claimedUnit();
  try {
    const reset = await run(X64_BINARY, ['factory-reset', '--yes', ...cfg(dir)]);
    assert.equal(reset.code, 0, reset.stderr);
    assert.ok(existsSync(join(dir, 'data', 'tls', 'ca.pem')), 'the TLS identity stays');
    const w = await startWalnut({ dir });
    try {
      await started(w);
      const code = shownCode(w);
      assert.ok(code, 'a DIY unit shows a new code after the reset');
      assert.equal((await run(X64_BINARY, ['user', 'list', ...cfg(dir)])).stdout, '');
      const oldPassword = await run(X64_BINARY, ['auth', 'ping', '--server', `127.0.0.1:${w.port}`, '--user', 'admin', '--password-stdin'], { input: 'the-owners-password\n' });
      assert.equal(oldPassword.code, 1, 'the old password is gone');
      const claim = await run(X64_BINARY, ['claim', `127.0.0.1:${w.port}`, '--password-stdin'], { input: `${code}\nsecond-owner-pw\n` });
      assert.equal(claim.code, 0, claim.stderr);
    } finally {
      await w.stop(true);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a factory reset refuses to run while walnut runs', async () => {
  const w = await startWalnut();
  try {
    await started(w);
    const reset = await run(X64_BINARY, ['factory-reset', '--yes', ...cfg(w.dir)]);
    assert.equal(reset.code, 1);
    assert.match(reset.stderr, /walnut is running: stop it first/);
  } finally {
    await w.stop();
  }
});

/** Where a state after a crash and a restart must be: claimed with the user, or reset with none. */
function assertWhole(after: { status: string; users: string; code: string | undefined }, what: string): 'claimed' | 'reset' {
  if (after.status === 'claimed') {
    assert.match(after.users, /^nas /m, `${what}: claimed, so its users are all there`);
    return 'claimed';
  }
  assert.match(after.status, /^unclaimed; setup window open/, what);
  assert.equal(after.users, '', `${what}: reset, so no user is left`);
  assert.ok(after.code, `${what}: a reset DIY unit shows a new code`);
  return 'reset';
}

test('a factory reset killed with SIGKILL at every point of its removal, and at random times, leaves a unit either still claimed or claimable', async () => {
  const template = await claimedUnit();
  const work = mkdtempSync(join(tmpdir(), 'walnut-reset-kill-'));
  try {
    const seen = { claimed: 0, reset: 0 };
    // strace's fault injection delivers SIGKILL at the K-th unlink (each file the reset removes, the marker
    // last) and at the rename that makes the marker: every step where a crash could split the reset
    const points = [['rename', 1], ...Array.from({ length: 12 }, (_, k) => ['unlink', k + 1])] as const;
    for (const [call, k] of points) {
      const dir = join(work, `${call}-${k}`);
      copyUnit(template, dir);
      const r = await run('strace', ['-f', '-qq', '-o', '/dev/null', '-e', `trace=${call}`, '-e', `inject=${call}:signal=KILL:when=${k}`, X64_BINARY, 'factory-reset', '--yes', ...cfg(dir)]);
      const killed = r.code !== 0;
      const outcome = assertWhole(await stateAfterStart(dir), `SIGKILL at ${call} #${k}${killed ? '' : ' (ran to its end)'}`);
      if (call === 'rename') assert.equal(outcome, 'claimed', 'killed before its marker exists, the reset never began');
      seen[outcome]++;
    }
    // and at random times over a whole run (start-up included, where most of a run's time goes)
    const timing = join(work, 'timing');
    copyUnit(template, timing);
    const t0 = Date.now();
    assert.equal((await run(X64_BINARY, ['factory-reset', '--yes', ...cfg(timing)])).code, 0);
    const span = Date.now() - t0;
    for (let i = 0; i < 10; i++) {
      const dir = join(work, `random-${i}`);
      copyUnit(template, dir);
      const delay = Math.floor(Math.random() * span);
      const child = spawn(X64_BINARY, ['factory-reset', '--yes', ...cfg(dir)], { stdio: 'ignore' });
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      setTimeout(() => child.kill('SIGKILL'), delay);
      await exited;
      seen[assertWhole(await stateAfterStart(dir), `SIGKILL after ${delay} ms`)]++;
    }
    process.stdout.write(`kill -9 during factory-reset (${points.length} injected points, 10 random times over ${span} ms): ${seen.claimed} still claimed, ${seen.reset} reset\n`);
    assert.ok(seen.reset > 0 && seen.claimed > 0, 'both outcomes were reached');
    // the template itself was never touched: every run began from a claimed unit
    assert.equal((await stateAfterStart(template)).status, 'claimed');
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(template, { recursive: true, force: true });
  }
});
