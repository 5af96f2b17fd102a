// The composition root closes what it opened, in reverse, whatever start step fails (issue 13, acceptance 4).
// The appliance runs inside this test process (the SQLite addon from node_modules, the AS as the built binary's
// `authsrv --spawned`), so what a failed start leaves behind is visible here: this process's open file
// descriptors (databases, listeners, pipes), its child processes, its active handles and timers, and SQLite's
// WAL file, which goes only when the last connection closes cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { spawn } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE, X64_BINARY } from './helpers/walnut.ts';
import { StartError, startAppliance } from '../src/appliance/appliance.ts';
import { loadConfig } from '../src/config/load.ts';
import { ConfigError } from '../src/config/config.ts';
import { setLogLevel } from '../src/util/log.ts';

/** What this process holds: fd targets (sorted), child pids, and active resources by type. */
function holdings(): { fds: string[]; children: string[]; resources: string[] } {
  const fds = readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/self/fd/${fd}`)];
    } catch {
      return []; // the fd of the readdir itself, closed by now
    }
  });
  const children = readdirSync('/proc/self/task').flatMap((task) =>
    readFileSync(`/proc/self/task/${task}/children`, 'utf8').split(' ').filter((p) => p.trim() !== ''),
  );
  // sockets and pipes show as socket:[inode]: compare their count, not their inode numbers
  const normal = fds.map((f) => f.replace(/\[\d+\]$/, '[]')).sort();
  return { fds: normal, children, resources: process.getActiveResourcesInfo().sort() };
}

interface Unit {
  dir: string;
  data: string;
  configFile: string;
}

/** A folder with a config file for one start; `config` is merged over a loopback, no-mDNS base. */
function unit(config: Record<string, unknown> = {}): Unit {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-teardown-'));
  const data = join(dir, 'data');
  const configFile = join(dir, 'walnut.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      dataDir: data,
      nativeCacheDir: join(dir, 'native'),
      listen: ['127.0.0.1:0'],
      logLevel: 'error',
      ups: { simulate: FIXTURE },
      auth: { listen: [] },
      mdns: { enabled: false },
      ...config,
    }),
  );
  return { dir, data, configFile };
}

async function start(u: Unit) {
  const config = loadConfig({ config: u.configFile });
  return startAppliance(config, { authServer: { command: X64_BINARY, args: ['authsrv', '--spawned', '--config', u.configFile] } });
}

/** Closing handles finish on later turns of the event loop: wait (bounded) until this process holds `expected`. */
async function settlesTo(expected: ReturnType<typeof holdings>): Promise<void> {
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline && !isDeepStrictEqual(holdings(), expected)) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(holdings(), expected);
}

/** This process's holdings once nothing changes for 200 ms (what an earlier test closed has finished closing). */
async function steady(): Promise<ReturnType<typeof holdings>> {
  let last = holdings();
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 200));
    const now = holdings();
    if (isDeepStrictEqual(now, last)) return now;
    last = now;
  }
  return last;
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

setLogLevel('error');
let baseline: ReturnType<typeof holdings>;

test('a full start and stop leaves this process as it was (the baseline for the failures below)', async () => {
  // a first cycle makes what Node keeps once made (its signal pipe, the SQLite addon, the thread pool)
  const warm = unit();
  await (await start(warm)).stop();
  rmSync(warm.dir, { recursive: true, force: true });
  baseline = await steady();
  const u = unit();
  const appliance = await start(u);
  const port = appliance.ports[0]!;
  assert.equal(await refused(port), false, 'the NUT port answers while it runs');
  assert.ok(holdings().children.length > 0, 'the AS child runs');
  assert.ok(existsSync(join(u.data, 'walnut.db-wal')), 'walnut.db is open in WAL mode');
  await appliance.stop();
  await settlesTo(baseline);
  assert.equal(await refused(port), true, 'the NUT port is closed');
  assert.equal(existsSync(join(u.data, 'walnut.db-wal')), false, 'walnut.db was closed cleanly');
  rmSync(u.dir, { recursive: true, force: true });
});

/** Each failure, at a later start step than the one before. */
const failures: { step: string; setup: (u: Unit) => Record<string, unknown>; error: RegExp; opened: boolean }[] = [
  {
    step: 'storage: a data folder that cannot be made',
    setup: (u) => {
      writeFileSync(join(u.dir, 'file'), 'not a folder');
      return { dataDir: join(u.dir, 'file', 'data') };
    },
    error: /ENOTDIR|not a directory/i,
    opened: false,
  },
  {
    step: 'the UPS: a fixture that does not exist',
    setup: (u) => ({ ups: { simulate: join(u.dir, 'missing.json') } }),
    error: /--simulate .*missing\.json: ENOENT/,
    opened: true,
  },
  {
    step: 'TLS: a factory bundle whose files are missing',
    setup: (u) => ({ tls: { factory: { certificate: join(u.dir, 'c.pem'), key: join(u.dir, 'k.pem'), ca: join(u.dir, 'ca.pem') } } }),
    error: /^TLS: /,
    opened: true,
  },
  {
    step: 'the NUT listeners: a port that is taken',
    setup: () => ({ listen: ['127.0.0.1:0', `127.0.0.1:${taken}`] }),
    error: /cannot listen: .*EADDRINUSE/,
    opened: true,
  },
  {
    step: 'the authentication server: one that cannot start',
    setup: (u) => {
      writeFileSync(join(u.dir, 'file'), 'not a folder');
      return { auth: { listen: [], keyDir: join(u.dir, 'file', 'keys') } };
    },
    error: /authentication server exited before it was ready/,
    opened: true,
  },
];

let taken = 0;

for (const f of failures) {
  test(`a start that fails at ${f.step} closes everything it opened`, async () => {
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    taken = (holder.address() as net.AddressInfo).port;
    const u = unit();
    writeFileSync(u.configFile, JSON.stringify({ ...JSON.parse(readFileSync(u.configFile, 'utf8')), ...f.setup(u) }));
    const before = await steady();
    await assert.rejects(start(u), (err: unknown) => (err instanceof StartError || err instanceof ConfigError) && f.error.test((err as Error).message));
    await settlesTo(before);
    assert.deepEqual(holdings().children, []);
    if (f.opened) {
      assert.ok(existsSync(join(u.data, 'walnut.db')), 'the database had been opened');
      assert.equal(existsSync(join(u.data, 'walnut.db-wal')), false, 'and was closed cleanly');
    }
    holder.close();
    rmSync(u.dir, { recursive: true, force: true });
  });
}

/** The x64 binary's libdns_sd.so.1, hidden in a private mount namespace by /dev/null bound over it. */
const LIBDNS_SD = '/usr/lib/x86_64-linux-gnu/libdns_sd.so.1';

test('with mDNS missing (libdns_sd hidden from the real binary) serve keeps serving, and its stop leaves nothing', async () => {
  assert.ok(existsSync(LIBDNS_SD), 'make test installs libavahi-compat-libdnssd1');
  const u = unit({ mdns: { enabled: true, name: 'teardown-test' }, logLevel: 'info' });
  const script = `mount --bind /dev/null ${LIBDNS_SD} && exec "$0" serve --config "$1"`;
  const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, X64_BINARY, u.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const deadline = Date.now() + 20_000;
  while (!/mDNS: .*walnut is not announced/.test(log) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
  assert.match(log, /mDNS: cannot load the mDNS addon: .*libdns_sd\.so\.1.*walnut is not announced on the LAN/);
  const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(log)![1]);
  assert.equal(await refused(port), false, 'NUT answers without mDNS');
  const serve = child.pid!;
  const as = readFileSync(`/proc/${serve}/task/${serve}/children`, 'utf8').trim();
  assert.notEqual(as, '', 'the AS child runs');
  child.kill('SIGTERM');
  assert.equal(await exited, 0, log);
  assert.equal(await refused(port), true, 'the NUT port is closed');
  assert.equal(existsSync(`/proc/${as}`), false, 'the AS child is gone');
  assert.equal(existsSync(join(u.data, 'walnut.db-wal')), false, 'walnut.db was closed cleanly');
  assert.equal(existsSync(join(u.data, 'auth', 'keys.db-wal')), false, 'keys.db was closed cleanly');
  rmSync(u.dir, { recursive: true, force: true });
});

test('a stop asked for while the start is under way (SIGTERM during the AS start) ends it early, and stop leaves nothing', async () => {
  const u = unit();
  const before = await steady();
  const stop = new AbortController();
  const config = loadConfig({ config: u.configFile });
  const starting = startAppliance(config, {
    authServer: { command: X64_BINARY, args: ['authsrv', '--spawned', '--config', u.configFile] },
    stop: stop.signal,
  });
  setTimeout(() => stop.abort(), 30);
  const appliance = await starting;
  await appliance.stop();
  await settlesTo(before);
  assert.equal(existsSync(join(u.data, 'walnut.db-wal')), false, 'walnut.db was closed cleanly');
  rmSync(u.dir, { recursive: true, force: true });
});

test('an AS child that dies after it was ready is started again, and the stop ends the new one too', async () => {
  const u = unit();
  const before = await steady();
  const appliance = await start(u);
  const [first] = holdings().children;
  assert.ok(first, 'the AS child runs');
  process.kill(Number(first), 'SIGKILL');
  const deadline = Date.now() + 10_000;
  let again: string | undefined;
  while (Date.now() < deadline && !(again = holdings().children.find((c) => c !== first))) await new Promise((r) => setTimeout(r, 50));
  assert.ok(again, 'a new AS child was started');
  await appliance.stop();
  await settlesTo(before);
  assert.equal(existsSync(`/proc/${again}`), false, 'the restarted child is gone');
  rmSync(u.dir, { recursive: true, force: true });
});
