// The worst day, rehearsed: walnut is the primary of a simulated UPS (the real Tripp Lite 09ae:3016 descriptor,
// reports synthesized where the source published none), two real upsmon secondaries watch it, and mains fail.
// The order and timing of the shutdown are read back from walnut's event log in SQLite:
//   power fails → OB LB → FSD set → both secondaries run SHUTDOWNCMD and log out → final delay →
//   shutdown.return reaches the UPS as SET_REPORT bytes → mains return → FSD clears, OL again.
// A second test restarts walnut in the middle of the sequence: it resumes and commands the UPS exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { REPO, X64_BINARY, startWalnut, type RunningWalnut } from './helpers/walnut.ts';
import { LineClient, run } from './helpers/clients.ts';
import { startUpsmon } from './helpers/upsmon.ts';

const TRIPPLITE = join(REPO, 'test', 'fixtures', 'ups', 'tripplite-09ae-3016.json');
const FINAL_DELAY_S = 2;
const OFF_DELAY_S = 2;
const ON_DELAY_S = 3;
// Tripp Lite 3016 (docs/hid-mapping.md §2.6): load.on.delay is report 0x61, load.off.delay report 0x15, both
// 16-bit seconds — shutdown.return sends the on delay first, then the off delay
const SHUTDOWN_RETURN_BYTES = [`610${ON_DELAY_S}00`, `150${OFF_DELAY_S}00`];

function config(hostSyncSeconds: number): Record<string, unknown> {
  return {
    ups: {
      pollIntervalSeconds: 0.5,
      // LB (10 %) about 9 s after mains fail
      simulation: { dischargePercentPerSecond: 10, chargePercentPerSecond: 5, fillMissingReports: true },
    },
    shutdown: { hostSyncSeconds, finalDelaySeconds: FINAL_DELAY_S, offDelaySeconds: OFF_DELAY_S, onDelaySeconds: ON_DELAY_S },
    users: {
      admin: { password: 'drill-admin', instcmds: ['ALL'] },
      nas1: { password: 'nas-one', upsmon: 'secondary' },
      nas2: { password: 'nas-two', upsmon: 'secondary' },
    },
  };
}

interface Event {
  at: number;
  kind: string;
  source: string | null;
  detail: string | null;
}

function events(dataDir: string): Event[] {
  const db = new Database(join(dataDir, 'walnut.db'), { readonly: true });
  try {
    return db.prepare('SELECT at, kind, source, detail FROM events ORDER BY id').all() as Event[];
  } finally {
    db.close();
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${what}: not within ${timeoutMs} ms`);
}

async function ask(walnut: RunningWalnut, line: string): Promise<string> {
  const c = await LineClient.connect(walnut.port);
  try {
    c.send(`${line}\n`);
    return await c.line();
  } finally {
    c.socket.destroy();
  }
}

const upscmd = (walnut: RunningWalnut, cmd: string) => run('upscmd', ['-u', 'admin', '-p', 'drill-admin', walnut.target(), cmd]);

test('two upsmon secondaries shut down, walnut waits for them, then sends shutdown.return; mains back clear FSD', async () => {
  const walnut = await startWalnut({ simulate: TRIPPLITE, config: config(15) });
  const nas1 = startUpsmon({ dir: join(walnut.dir, 'nas1'), port: walnut.port, user: 'nas1', password: 'nas-one' });
  const nas2 = startUpsmon({ dir: join(walnut.dir, 'nas2'), port: walnut.port, user: 'nas2', password: 'nas-two' });
  let dataDir = '';
  try {
    await until('both secondaries logged in', async () => (await ask(walnut, 'GET NUMLOGINS ups')) === 'NUMLOGINS ups 2', 15_000);
    assert.equal(await ask(walnut, 'GET VAR ups ups.status'), 'VAR ups ups.status "OL"');

    const start = await upscmd(walnut, 'test.failure.start');
    assert.equal(start.code, 0, start.stderr);
    await until('both secondaries ran SHUTDOWNCMD', () => nas1.shutDown() && nas2.shutDown(), 40_000);
    await until('walnut commanded the UPS', () => /shutdown-command: shutdown\.return sent/.test(walnut.logs()), 20_000);
    assert.match(await ask(walnut, 'GET VAR ups ups.status'), /^VAR ups ups\.status "FSD OB/);

    const stop = await upscmd(walnut, 'test.failure.stop');
    assert.equal(stop.code, 0, stop.stderr);
    await until('FSD cleared and OL', async () => /^VAR ups ups\.status "OL/.test(await ask(walnut, 'GET VAR ups ups.status')), 20_000);
    assert.doesNotMatch(await ask(walnut, 'GET VAR ups ups.status'), /FSD/);
  } finally {
    await nas1.stop();
    await nas2.stop();
    dataDir = walnut.dataDir;
    await walnut.stop(true);
  }

  // the bytes the UPS received for shutdown.return, once, after FSD
  const writes = [...walnut.logs().matchAll(/SET_REPORT\(Feature\) 0x(61|15): ([0-9a-f]+)/g)].map((m) => m[2]);
  assert.deepEqual(writes, SHUTDOWN_RETURN_BYTES);

  const log = events(dataDir);
  const at = (kind: string): number => {
    const e = log.find((x) => x.kind === kind);
    assert.ok(e, `event ${kind} recorded; have ${log.map((x) => x.kind).join(', ')}`);
    return e.at;
  };
  const triggered = at('shutdown-triggered');
  const fsd = at('fsd-set');
  const gone = at('shutdown-clients-gone');
  const command = at('shutdown-command');
  const cleared = at('fsd-cleared');
  assert.match(log.find((e) => e.kind === 'shutdown-triggered')!.detail!, /on battery and low battery/);
  // the secondaries leave after FSD (upsmon 2.8.0 closes without LOGOUT when it shuts its host down)
  const secondaries = new Set(log.filter((e) => e.kind === 'login' && /user nas[12] logged into ups/.test(e.detail ?? '')).map((e) => e.source));
  assert.equal(secondaries.size, 2);
  const logouts = log.filter((e) => e.kind === 'disconnect' && secondaries.has(e.source) && e.at >= fsd);
  assert.equal(logouts.length, 2, `both secondaries left after FSD: ${JSON.stringify(log.filter((e) => e.at >= fsd).slice(0, 8))}`);
  const lastLogout = Math.max(...logouts.map((e) => e.at));
  assert.ok(triggered <= fsd && fsd <= lastLogout, 'FSD came first');
  assert.ok(log.some((e) => e.kind === 'fsd-latch' && e.detail === 'ups: set' && e.at >= triggered));
  assert.ok(lastLogout <= gone + 1000, 'walnut saw them gone at the last logout (event log batches connection events per second)');
  assert.ok(gone - fsd < 15_000, 'without waiting for HOSTSYNC');
  assert.ok(command - gone >= FINAL_DELAY_S * 1000, `the final delay was kept (${command - gone} ms)`);
  assert.ok(command < cleared, 'FSD cleared only after the command');
  assert.ok(log.some((e) => e.kind === 'ups-cycled' && e.at > command && e.at < cleared));
  assert.match(log.find((e) => e.kind === 'fsd-cleared')!.detail!, /mains returned after the UPS cycled/);
  const power = log.filter((e) => e.kind === 'power').map((e) => e.detail);
  assert.ok(power.some((d) => /^on battery/.test(d ?? '')), `the power failure is in the log: ${JSON.stringify(power)}`);
  assert.ok(power.some((d) => /battery low/.test(d ?? '')), 'and the low battery');
  assert.equal(log.filter((e) => e.kind === 'shutdown-command').length, 1);
});

test('walnut restarted in the middle of the shutdown resumes it and commands the UPS exactly once', async () => {
  // a secondary that never logs out keeps the sequence waiting for HOSTSYNC (12 s), long enough to restart
  let walnut = await startWalnut({ simulate: TRIPPLITE, config: config(12) });
  const dir = walnut.dir;
  const login = async (): Promise<LineClient> => {
    const c = await LineClient.connect(walnut.port);
    c.send('USERNAME nas1\nPASSWORD nas-one\nLOGIN ups\n');
    assert.deepEqual([await c.line(), await c.line(), await c.line()], ['OK', 'OK', 'OK']);
    return c;
  };
  let stuck = await login();
  try {
    assert.equal((await upscmd(walnut, 'test.failure.start')).code, 0);
    await until('FSD set', () => /fsd-set: waiting/.test(walnut.logs()), 30_000);
    // a crash, not a polite stop: nothing gets to tidy up
    walnut.process.kill('SIGKILL');
    await walnut.stop(true);
    stuck.socket.destroy();

    walnut = await startWalnut({ simulate: TRIPPLITE, config: config(12), dir });
    stuck = await login(); // it comes back, as upsmon does, and still does not log out
    assert.match(walnut.logs(), /shutdown-resumed: resumed in phase waiting \(on battery and low battery\)/);
    // FSD holds across the restart, from the first answer on
    assert.match(await ask(walnut, 'GET VAR ups ups.status'), /^VAR ups ups\.status "FSD /);
    await until('the UPS commanded', () => /shutdown-command: shutdown\.return sent/.test(walnut.logs()), 20_000);
    const first = walnut.logs();
    assert.deepEqual([...first.matchAll(/SET_REPORT\(Feature\) 0x(?:61|15): ([0-9a-f]+)/g)].map((m) => m[1]), SHUTDOWN_RETURN_BYTES);

    // and once more, after the command: nothing is sent again
    await walnut.stop(true);
    walnut = await startWalnut({ simulate: TRIPPLITE, config: config(12), dir });
    await until('FSD cleared (mains are on in the new process and the off delay has passed)', () => /fsd-cleared/.test(walnut.logs()), 15_000);
    assert.doesNotMatch(walnut.logs(), /SET_REPORT\(Feature\) 0x(61|15)/);
    const dataDir = walnut.dataDir;
    await walnut.stop(true);
    const log = events(dataDir);
    assert.equal(log.filter((e) => e.kind === 'shutdown-command').length, 1, 'one command over three runs');
    assert.equal(log.filter((e) => e.kind === 'shutdown-resumed').length, 2);
    assert.ok(log.some((e) => e.kind === 'shutdown-hostsync-timeout'), 'the resumed run gave up on the stuck client');
  } finally {
    stuck.socket.destroy();
    await walnut.stop();
  }
});

test('walnut fsd clear ends a running sequence from the command line, and the low battery does not set FSD again', async () => {
  const walnut = await startWalnut({ simulate: TRIPPLITE, config: config(60) });
  const stuck = await LineClient.connect(walnut.port);
  try {
    stuck.send('USERNAME nas1\nPASSWORD nas-one\nLOGIN ups\n');
    assert.deepEqual([await stuck.line(), await stuck.line(), await stuck.line()], ['OK', 'OK', 'OK']);
    assert.equal((await upscmd(walnut, 'test.failure.start')).code, 0);
    await until('FSD set', async () => /"FSD /.test(await ask(walnut, 'GET VAR ups ups.status')), 30_000);

    const r = await run(X64_BINARY, ['fsd', 'clear', '--config', join(walnut.dir, 'walnut.json')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /FSD clear requested/);
    await until('FSD cleared', async () => !/FSD/.test(await ask(walnut, 'GET VAR ups ups.status')), 5_000);
    assert.match(walnut.logs(), /fsd-cleared: by an administrator during waiting; no new shutdown until mains are back/);
    // still on battery and low: it stays cleared, and the UPS was never commanded
    await new Promise((res) => setTimeout(res, 1500));
    assert.match(await ask(walnut, 'GET VAR ups ups.status'), /^VAR ups ups\.status "OB /);
    assert.doesNotMatch(walnut.logs(), /shutdown-command/);
  } finally {
    stuck.socket.destroy();
    await walnut.stop();
  }
});
