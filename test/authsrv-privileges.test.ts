// Issue 6 acceptance 6 with the built binary, laid out as image/systemd/walnut-authsrv.service and walnut.service
// lay it out: the authentication server runs as its own user (walnut-t-auth, primary group walnut-t-nut, as
// Group=walnut), `walnut serve` as the NUT server's user (walnut-t-nut) with auth.server "connect". A real upsmon
// logs in with a password the AS checks, a wrong one is refused, and the NUT server's process can neither open
// the key database nor holds a key in its own database. Needs root (system users, setpriv), as `make test` is.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { FIXTURE, X64_BINARY } from './helpers/walnut.ts';
import { LineClient, run } from './helpers/clients.ts';
import { startUpsmon } from './helpers/upsmon.ts';
import { eventually, numLogins } from './accounts-support.ts';
import { passwordKey } from '../src/authsrv/keys.ts';

const NUT_USER = 'walnut-t-nut';
const AUTH_USER = 'walnut-t-auth';
const DOMAIN = 'walnut-priv.test';
const NAME = 'nas-priv';
const PASSWORD = 'nas-priv-secret';

interface Proc {
  process: ChildProcess;
  logs(): string;
  stop(): Promise<void>;
}

/** `cmd args` as `user` with primary group `group` and no other group, output captured. */
function startAs(user: string, group: string, cmd: string, args: string[]): Proc {
  // setpriv execs the command: the child's pid is walnut's own
  const child = spawn('setpriv', [`--reuid=${user}`, `--regid=${group}`, '--clear-groups', '--', cmd, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  return {
    process: child,
    logs: () => log,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** The first match of `re` in the process's output, within `timeoutMs`. */
async function waitFor(p: Proc, re: RegExp, what: string, timeoutMs = 15_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = re.exec(p.logs());
    if (m) return m;
    if (p.process.exitCode !== null || p.process.signalCode !== null) throw new Error(`${what} exited; its output:\n${p.logs()}`);
    if (Date.now() > deadline) throw new Error(`${what}: no ${re} within ${timeoutMs} ms; its output:\n${p.logs()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function removeUser(name: string): Promise<void> {
  // --force: a crashed run may have left a process of that user behind
  if ((await run('id', ['-u', name])).code === 0) await run('userdel', ['--force', name]);
  if ((await run('getent', ['group', name])).code === 0) await run('groupdel', [name]);
}

async function createUser(name: string): Promise<{ uid: number; gid: number }> {
  await removeUser(name); // leftovers of a crashed run
  const r = await run('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', '--user-group', name]);
  if (r.code !== 0) throw new Error(`useradd ${name}: ${r.stderr}`);
  return { uid: Number((await run('id', ['-u', name])).stdout), gid: Number((await run('id', ['-g', name])).stdout) };
}

/** A folder owned by uid:gid with exactly `mode`. */
function folder(path: string, uid: number, gid: number, mode: number): string {
  mkdirSync(path);
  chownSync(path, uid, gid);
  chmodSync(path, mode);
  return path;
}

/** The real, effective, saved and filesystem ids of a Uid: or Gid: line of /proc/PID/status. */
function ids(pid: number, field: 'Uid' | 'Gid'): number[] {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`))!;
  return line.split(/\s+/).slice(1, 5).map(Number);
}

let base: string;
let nut: { uid: number; gid: number };
let authUser: { uid: number; gid: number };
let dataDir: string;
let keyDir: string;
let runDir: string;
let serveConfig: string;
let authsrv: Proc | undefined;
let serve: Proc | undefined;
let port: number;
const killAll = (): void => {
  for (const p of [serve, authsrv]) if (p && p.process.exitCode === null && p.process.signalCode === null) p.process.kill('SIGKILL');
};

before(async () => {
  assert.equal(process.getuid!(), 0, 'this test creates system users: run it as root (make test does)');
  process.once('exit', killAll); // never leave a walnut of a test user behind, even when a hook throws
  nut = await createUser(NUT_USER);
  authUser = await createUser(AUTH_USER);

  base = mkdtempSync(join(tmpdir(), 'walnut-priv-'));
  chmodSync(base, 0o755); // both users traverse it
  // as systemd makes them: the NUT server's state folder (StateDirectory=walnut, 0700), the AS's (walnut-auth,
  // 0700, group walnut) and its run folder (RuntimeDirectory=walnut-auth, 0750, group walnut), a cache each
  dataDir = folder(join(base, 'data'), nut.uid, nut.gid, 0o700);
  keyDir = folder(join(base, 'keys'), authUser.uid, nut.gid, 0o700);
  runDir = folder(join(base, 'run'), authUser.uid, nut.gid, 0o750);
  const authCache = folder(join(base, 'cache-auth'), authUser.uid, nut.gid, 0o700);
  const nutCache = folder(join(base, 'cache-nut'), nut.uid, nut.gid, 0o700);

  // one config but for the native addon cache (each user unpacks its own copies, 0500 for their owner)
  const common = {
    dataDir,
    listen: ['127.0.0.1:0'],
    // Debian's upsmon 2.8.0 may send its password outside TLS
    tls: { clearCredentials: true },
    auth: { server: 'connect', keyDir, runDir, domain: DOMAIN, listen: ['127.0.0.1:0'] },
  };
  const authConfig = join(base, 'authsrv.json');
  serveConfig = join(base, 'serve.json');
  writeFileSync(authConfig, JSON.stringify({ ...common, nativeCacheDir: authCache }));
  writeFileSync(serveConfig, JSON.stringify({ ...common, nativeCacheDir: nutCache }));
  chmodSync(authConfig, 0o644);
  chmodSync(serveConfig, 0o644);

  authsrv = startAs(AUTH_USER, NUT_USER, X64_BINARY, ['authsrv', '--config', authConfig]);
  await waitFor(authsrv, /authentication server for domain walnut-priv\.test/, 'walnut authsrv');
  serve = startAs(NUT_USER, NUT_USER, X64_BINARY, ['serve', '--config', serveConfig, '--simulate', FIXTURE]);
  port = Number((await waitFor(serve, /listening on 127\.0\.0\.1:(\d+)/, 'walnut serve'))[1]);

  // root's CLI: the AS's admin socket first (0600 in its 0700 folder), then walnut.db as the data folder's owner
  const add = await run(X64_BINARY, ['user', 'add', NAME, '--upsmon', 'secondary', '--password-stdin', '--config', serveConfig], {
    input: `${PASSWORD}\n`,
  });
  assert.equal(add.code, 0, add.stderr);
  assert.equal(add.stdout, `added ${NAME}: upsmon=secondary\n`);
});

after(async () => {
  await serve?.stop();
  await authsrv?.stop();
  if (serve || authsrv) {
    // both outputs, for whoever reads a failure
    console.log(`--- walnut serve (${NUT_USER}) ---\n${serve?.logs() ?? ''}--- walnut authsrv (${AUTH_USER}) ---\n${authsrv?.logs() ?? ''}`);
  }
  if (base) rmSync(base, { recursive: true, force: true });
  await removeUser(AUTH_USER);
  await removeUser(NUT_USER);
});

test('a real upsmon logs in as secondary with a password the authentication server checked', async () => {
  assert.equal(await numLogins(port), 0);
  const dir = mkdtempSync(join(tmpdir(), 'walnut-upsmon-'));
  const upsmon = startUpsmon({ dir, port, user: NAME, password: PASSWORD, role: 'secondary' });
  try {
    assert.ok(await eventually(async () => (await numLogins(port)) === 1), `upsmon did not log in; its log:\n${upsmon.logs()}\nserve:\n${serve!.logs()}`);
    // the AS, not the NUT server, compared the password: its own log says so
    assert.match(authsrv!.logs(), new RegExp(`: user ${NAME} authenticated`), authsrv!.logs());
    assert.match(serve!.logs(), new RegExp(`127\\.0\\.0\\.1: user ${NAME} logged into ups`), serve!.logs());
    const c = await LineClient.connect(port);
    assert.deepEqual(await c.request('LIST CLIENT ups'), ['BEGIN LIST CLIENT ups', 'CLIENT ups 127.0.0.1', 'END LIST CLIENT ups']);
    c.close();
  } finally {
    await upsmon.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(await eventually(async () => (await numLogins(port)) === 0), 'the login count drops when upsmon goes');
});

test('a wrong password is refused with ERR ACCESS-DENIED and the authentication server says why', async () => {
  const c = await LineClient.connect(port);
  try {
    // NUT answers PASSWORD before checking it: the verdict comes with LOGIN
    for (const [request, reply] of [
      [`USERNAME ${NAME}`, 'OK'],
      ['PASSWORD nas-priv-wrong', 'OK'],
      ['LOGIN ups', 'ERR ACCESS-DENIED'],
    ]) assert.deepEqual(await c.request(request!), [reply], request);
  } finally {
    c.close();
  }
  assert.ok(
    await eventually(() => new RegExp(`: user ${NAME}: wrong NUT password`).test(authsrv!.logs()), 5000),
    `the AS did not log the failure:\n${authsrv!.logs()}`,
  );
  assert.equal(await numLogins(port), 0);
});

test('the NUT server runs as its own user, which cannot open the key database and holds no descriptor on it', async () => {
  const servePid = serve!.process.pid!;
  const asPid = authsrv!.process.pid!;
  assert.deepEqual(ids(servePid, 'Uid'), [nut.uid, nut.uid, nut.uid, nut.uid]);
  assert.deepEqual(ids(servePid, 'Gid'), [nut.gid, nut.gid, nut.gid, nut.gid]);
  assert.deepEqual(ids(asPid, 'Uid'), [authUser.uid, authUser.uid, authUser.uid, authUser.uid]);

  const keysDb = join(keyDir, 'keys.db');
  const st = statSync(keysDb);
  assert.equal(st.uid, authUser.uid);
  assert.equal(st.mode & 0o777, 0o600);
  assert.equal(statSync(keyDir).mode & 0o777, 0o700);

  // the NUT server's uid and group: refused by the kernel
  const asNut = await run('setpriv', [`--reuid=${NUT_USER}`, `--regid=${NUT_USER}`, '--clear-groups', '--', 'cat', keysDb]);
  assert.notEqual(asNut.code, 0);
  assert.match(asNut.stderr, /Permission denied/);
  assert.equal(asNut.stdout, '');
  // the AS's user reads the same path: the refusal is about who asks, not about the path
  const asAuth = await run('setpriv', [`--reuid=${AUTH_USER}`, `--regid=${NUT_USER}`, '--clear-groups', '--', 'head', '-c', '15', keysDb]);
  assert.equal(asAuth.code, 0, asAuth.stderr);
  assert.equal(asAuth.stdout, 'SQLite format 3');
  // ... while the NUT server may read what the AS shares with it: its own key and the socket
  const shared = await run('setpriv', [`--reuid=${NUT_USER}`, `--regid=${NUT_USER}`, '--clear-groups', '--', 'cat', join(runDir, 'upsd.key')]);
  assert.equal(shared.code, 0, shared.stderr);

  const serveFds = await run('ls', ['-l', `/proc/${servePid}/fd`]);
  assert.equal(serveFds.code, 0, serveFds.stderr);
  assert.doesNotMatch(serveFds.stdout, /keys\.db/);
  assert.match(serveFds.stdout, /walnut\.db/, 'the listing shows the files the NUT server has open');
  assert.match((await run('ls', ['-l', `/proc/${asPid}/fd`])).stdout, /keys\.db/, 'the AS holds the key database');
});

test("the NUT server's database holds no key: no key table, no verifier column, not the user's key bytes in any of its files", async () => {
  const file = join(dataDir, 'walnut.db');
  const db = new Database(file, { readonly: true, fileMustExist: true });
  let tables: string[];
  const columns: { table: string; name: string; type: string }[] = [];
  try {
    tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table'").all().map((r) => r.name);
    for (const table of tables) {
      for (const c of db.prepare<[], { name: string; type: string }>(`PRAGMA table_info("${table}")`).all()) columns.push({ table, ...c });
    }
    assert.ok(tables.includes('principals') && tables.includes('principal_roles'), `the user is in walnut.db: ${tables.join(', ')}`);
    const names = db.prepare<[], { name: Buffer }>('SELECT name FROM principals').all().map((r) => r.name.toString());
    assert.ok(names.includes(NAME), names.join(', '));
  } finally {
    db.close();
  }
  for (const t of ['principal_keys', 'user_keys', 'server_keys']) assert.ok(!tables.includes(t), `walnut.db has table ${t}`);
  for (const c of columns) {
    assert.doesNotMatch(c.name, /material|verifier|salt|secret|password/i, `${c.table}.${c.name}`);
    // settings.key is a setting's name (TEXT); a key never is
    if (/key/i.test(c.name)) assert.deepEqual([c.table, c.name, c.type], ['settings', 'key', 'TEXT']);
  }

  // the user's key as the AS derives it: in the AS's files, in no file of the NUT server's folder
  const key = Buffer.from(await passwordKey(Buffer.from(PASSWORD), Buffer.from(DOMAIN), Buffer.from(NAME)));
  const forms = [key, Buffer.from(key.toString('hex')), Buffer.from(key.toString('base64'))];
  const contents = (f: string): Buffer => (existsSync(f) ? readFileSync(f) : Buffer.alloc(0));
  const asFiles = Buffer.concat(['keys.db', 'keys.db-wal'].map((f) => contents(join(keyDir, f))));
  assert.ok(asFiles.includes(key), 'the key as computed here is the one the AS stores (else the search below proves nothing)');
  const nutFiles = readdirSync(dataDir, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(dataDir, f)).isFile());
  assert.ok(nutFiles.includes('walnut.db'), nutFiles.join(', '));
  for (const f of nutFiles) {
    const bytes = contents(join(dataDir, f));
    for (const form of forms) assert.ok(!bytes.includes(form), `${f} holds the user's key`);
  }
});
