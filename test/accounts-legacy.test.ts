// Issue 4 acceptance 5 with the built binary: an opt-in legacy client entry (Synology's monuser/secret, the
// one place a well-known password may exist) works from a listed address as upsmon secondary, a real upsmon
// included; it is refused from any other address and can never set FSD (nor PRIMARY, SET or INSTCMD); every
// use is a warning in the log and an event. Without the entry (the default) the pair is just wrong.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWalnut, type RunningWalnut } from './helpers/walnut.ts';
import { LineClient, run } from './helpers/clients.ts';
import { startUpsmon } from './helpers/upsmon.ts';
import { cli, eventually, numLogins, withCredentials } from './accounts-support.ts';

let walnut: RunningWalnut;

before(async () => {
  walnut = await startWalnut({
    config: { legacyClients: [{ username: 'monuser', password: 'secret', from: ['127.0.0.1', '10.0.0.0/24', '::1'] }] },
  });
});

after(async () => {
  await walnut.stop();
});

async function converse(c: LineClient, pairs: [string, string][]): Promise<void> {
  for (const [request, reply] of pairs) assert.deepEqual(await c.request(request), [reply], request);
}

test('starting with a legacy entry says so: which name, which addresses, and what it may do', () => {
  assert.match(walnut.logs(), /warn auth: legacy client monuser is enabled from 127\.0\.0\.1, 10\.0\.0\.0\/24, ::1: a well-known password, upsmon secondary only/);
});

test('the legacy entry logs in from a listed address as upsmon secondary', async () => {
  const c = await withCredentials(walnut.port, 'monuser', 'secret', '127.0.0.1');
  try {
    await converse(c, [['LOGIN ups', 'OK']]);
    assert.equal(await numLogins(walnut.port), 1);
  } finally {
    c.close();
  }
  assert.ok(await eventually(async () => (await numLogins(walnut.port)) === 0));
});

test('the legacy entry cannot set FSD, become primary, SET or run commands', async () => {
  const c = await withCredentials(walnut.port, 'monuser', 'secret', '127.0.0.1');
  try {
    await converse(c, [
      ['FSD ups', 'ERR ACCESS-DENIED'],
      ['PRIMARY ups', 'ERR ACCESS-DENIED'],
      ['MASTER ups', 'ERR ACCESS-DENIED'],
      ['SET VAR ups battery.runtime.low 300', 'ERR ACCESS-DENIED'],
      ['INSTCMD ups beeper.enable', 'ERR ACCESS-DENIED'],
      ['INSTCMD ups load.off', 'ERR ACCESS-DENIED'],
      ['LOGIN ups', 'OK'],
      ['FSD ups', 'ERR ACCESS-DENIED'],
    ]);
  } finally {
    c.close();
  }
  const status = await run('upsc', [walnut.target(), 'ups.status']);
  assert.doesNotMatch(status.stdout, /FSD/);
});

test('the legacy entry is refused from an address not listed', async () => {
  const c = await withCredentials(walnut.port, 'monuser', 'secret', '127.0.0.2');
  try {
    await converse(c, [['LOGIN ups', 'ERR ACCESS-DENIED']]);
  } finally {
    c.close();
  }
  assert.match(walnut.logs(), /warn auth: 127\.0\.0\.2:\d+: failed login: user monuser: legacy client not allowed from this address \(for LOGIN\)/);
});

test('a real upsmon with the legacy credentials logs in as secondary from the listed address', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-upsmon-'));
  const upsmon = startUpsmon({ dir, port: walnut.port, user: 'monuser', password: 'secret', role: 'secondary' });
  try {
    assert.ok(await eventually(async () => (await numLogins(walnut.port)) === 1), `upsmon did not log in; its log:\n${upsmon.logs()}`);
    const c = await LineClient.connect(walnut.port);
    assert.deepEqual(await c.request('LIST CLIENT ups'), ['BEGIN LIST CLIENT ups', 'CLIENT ups 127.0.0.1', 'END LIST CLIENT ups']);
    c.close();
  } finally {
    await upsmon.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a real upsmon that wants to be primary with the legacy credentials is refused PRIMARY', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-upsmon-'));
  const upsmon = startUpsmon({ dir, port: walnut.port, user: 'monuser', password: 'secret', role: 'primary' });
  const refusals = (): number => walnut.logs().split('\n').filter((l) => /legacy client monuser \(upsmon secondary only\): PRIMARY refused/.test(l)).length;
  const before = refusals();
  try {
    // upsmon asks PRIMARY, then MASTER (docs/nut-protocol.md §4.3): both refused
    assert.ok(await eventually(() => refusals() >= before + 2), walnut.logs());
  } finally {
    await upsmon.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every use of the legacy entry is a warning and an event, and the password is never logged', async () => {
  // the server writes its events to the database once a second
  let events = await cli(walnut, ['log', '--kind', 'legacy-login', '--limit', '1000']);
  const uses = (): number => walnut.logs().split('\n').filter((l) => / warn auth: 127\.0\.0\.1:\d+: legacy client monuser/.test(l)).length;
  assert.ok(
    await eventually(async () => {
      events = await cli(walnut, ['log', '--kind', 'legacy-login', '--limit', '1000']);
      return events.stdout.trim().split('\n').length === uses();
    }),
    events.stdout,
  );
  const lines = events.stdout.trim().split('\n');
  assert.ok(lines.length >= 10, events.stdout);
  for (const l of lines) assert.match(l, /^\S+Z legacy-login 127\.0\.0\.1:\d+ legacy client monuser \(upsmon secondary only\): (LOGIN allowed|\S+( \S+)? refused)$/);
  assert.ok(lines.some((l) => / FSD refused$/.test(l)));
  assert.doesNotMatch(walnut.logs() + events.stdout, /secret/);
  // and all those attempts never set FSD (the event log is flushed up to here)
  assert.equal((await cli(walnut, ['log', '--kind', 'fsd-set'])).stdout, '');
});

test('without a legacy entry (the default) the well-known pair is just a wrong password', async () => {
  const plain = await startWalnut();
  try {
    const c = await withCredentials(plain.port, 'monuser', 'secret', '127.0.0.1');
    await converse(c, [['LOGIN ups', 'ERR ACCESS-DENIED']]);
    c.close();
    assert.doesNotMatch(plain.logs(), /legacy client/);
  } finally {
    await plain.stop();
  }
});
