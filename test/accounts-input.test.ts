// Issue 4 acceptance 6 with the built binary: names and passwords with spaces, quotes, `#`, backslashes and
// non-ASCII bytes round-trip exactly from the CLI (argv, stdin, the terminal prompt) through the database to a
// NUT login; a 10 MB password on stdin is refused cleanly without being read whole; bad input gets the right
// exit status and a message; `walnut log` prints the event log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { join } from 'node:path';
import { readdirSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { X64_BINARY, startWalnut, type RunningWalnut } from './helpers/walnut.ts';
import { run } from './helpers/clients.ts';
import { addUser, cli, configOf, withCredentials } from './accounts-support.ts';

const NAME = 'we ird "nâme" #1 \\ ✓';
const PASSWORD = `p a"s#s\\wörd 'q' ✓`;
let walnut: RunningWalnut;

before(async () => {
  walnut = await startWalnut({ config: { loginThrottle: { freeFailures: 100 } } });
});

after(async () => {
  await walnut.stop();
});

/** LOGIN's reply for these exact bytes, sent quoted and escaped as libupsclient's pconf_encode does. */
async function login(user: string | Buffer, password: string | Buffer): Promise<string> {
  const c = await withCredentials(walnut.port, user, password);
  try {
    return (await c.request('LOGIN ups'))[0]!;
  } finally {
    c.close();
  }
}

test('a name and password with spaces, quotes, #, backslashes and non-ASCII bytes round-trip from the CLI to a NUT login', async () => {
  const add = await cli(walnut, ['user', 'add', NAME, '--upsmon', 'secondary', '--password-stdin'], `${PASSWORD}\n`);
  assert.equal(add.code, 0, add.stderr);
  assert.equal(add.stdout, 'added "we ird \\"nâme\\" #1 \\\\ ✓": upsmon=secondary\n');
  assert.equal(await login(NAME, PASSWORD), 'OK');

  // one byte off anywhere is another name or password
  assert.equal(await login(NAME, PASSWORD.slice(0, -1)), 'ERR ACCESS-DENIED');
  assert.equal(await login(NAME, PASSWORD + ' '), 'ERR ACCESS-DENIED');
  assert.equal(await login(NAME.replace('â', 'a'), PASSWORD), 'ERR ACCESS-DENIED');
  assert.equal(await login(NAME.replace('â', ''), PASSWORD), 'ERR ACCESS-DENIED', 'what upsd would make of it by dropping bytes >= 0x80');
  assert.equal(await login(Buffer.from(NAME, 'latin1'), PASSWORD), 'ERR ACCESS-DENIED', 'latin1 bytes are not UTF-8 bytes');
});

test('walnut.db holds the name as its exact UTF-8 bytes and no key; the AS key database never the password', async () => {
  const db = new Database(join(walnut.dataDir, 'walnut.db'), { readonly: true });
  try {
    const row = db.prepare('SELECT name FROM principals WHERE name = ?').get(Buffer.from(NAME, 'utf8')) as { name: Buffer } | undefined;
    assert.ok(row, 'found by its UTF-8 bytes');
    assert.deepEqual(row.name, Buffer.from(NAME, 'utf8'));
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
    assert.equal(tables.includes('principal_keys'), false, 'keys live with the authentication server only');
  } finally {
    db.close();
  }
  // The AS holds keys.db under an exclusive lock, so read its bytes (database and WAL) as they are on disk.
  const keyDir = join(walnut.dataDir, 'auth');
  const bytes = Buffer.concat(readdirSync(keyDir).filter((f) => f.startsWith('keys.db')).map((f) => readFileSync(join(keyDir, f))));
  assert.ok(bytes.includes(Buffer.from(NAME, 'utf8')), 'the key is stored under the exact name bytes');
  assert.equal(bytes.includes(Buffer.from(PASSWORD, 'utf8')), false, 'never the password');
});

test('user list shows the name exactly, quoted and escaped, and the CLI finds it again by the same argument', async () => {
  const list = await cli(walnut, ['user', 'list']);
  assert.match(list.stdout, /^"we ird \\"nâme\\" #1 \\\\ ✓" active upsmon=secondary created=\S+ updated=\S+$/m);
  const grant = await cli(walnut, ['user', 'grant', NAME, '--actions', 'SET']);
  assert.equal(grant.stdout, '"we ird \\"nâme\\" #1 \\\\ ✓": upsmon=secondary actions=SET\n', grant.stderr);
});

test('the real upsrw and upscmd send a UTF-8 name and password that walnut matches byte for byte', async () => {
  await addUser(walnut, 'jürgen', 'pässwörd✓', ['--actions', 'SET', '--instcmds', 'beeper.enable']);
  const ok = await run('upscmd', ['-u', 'jürgen', '-p', 'pässwörd✓', walnut.target(), 'beeper.enable']);
  assert.equal((ok.stdout + ok.stderr).trim(), 'OK');
  const set = await run('upsrw', ['-s', 'battery.runtime.low=420', '-u', 'jürgen', '-p', 'pässwörd✓', walnut.target()]);
  assert.equal((set.stdout + set.stderr).trim(), 'OK');
  const stripped = await run('upscmd', ['-u', 'jürgen', '-p', 'psswrd', walnut.target(), 'beeper.enable']);
  assert.match(stripped.stdout + stripped.stderr, /ERR ACCESS-DENIED/);
  assert.match(walnut.logs(), /user "j\\xc3\\xbcrgen" ran beeper\.enable on ups/);
});

test('a password of 512 bytes (a NUT word) is accepted and works; 513 bytes are refused', async () => {
  const long = 'ü'.repeat(255) + 'xy'; // 512 bytes
  await addUser(walnut, 'longpass', long, ['--upsmon', 'secondary']);
  assert.equal(await login('longpass', long), 'OK');
  const tooLong = await cli(walnut, ['user', 'add', 'toolong', '--password-stdin'], `${long}z\n`);
  assert.equal(tooLong.code, 1);
  assert.equal(tooLong.stderr, "walnut: user: the password is longer than 512 bytes (a NUT word's limit); nothing was changed\n");
});

test('a 10 MB password on stdin is refused at once, without reading it all, and nothing is created', async () => {
  const child = spawn(X64_BINARY, ['user', 'add', 'huge', '--password-stdin', '--config', configOf(walnut)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = Date.now();
  const written = new Promise<string>((resolve) => {
    child.stdin.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    child.stdin.end(Buffer.alloc(10 * 1024 * 1024, 0x61), (err?: NodeJS.ErrnoException | null) => resolve(err ? (err.code ?? err.message) : 'all written'));
  });
  const [code, writeOutcome] = await Promise.all([exited, written]);
  assert.equal(code, 1);
  assert.equal(stderr, "walnut: user: the password is longer than 512 bytes (a NUT word's limit); nothing was changed\n");
  // a pipe holds 64 KiB: had walnut read the 10 MB, the write would have completed
  assert.equal(writeOutcome, 'EPIPE');
  assert.ok(Date.now() - started < 5000);
  assert.doesNotMatch((await cli(walnut, ['user', 'list'])).stdout, /^huge /m);
});

/** Runs `walnut ARGS` on a pseudo-terminal, answering each prompt with the next line; the terminal's output
 *  (prompts, anything echoed) and the exit status come back. */
function onTerminal(args: string[], answers: Buffer[]): Promise<{ code: number; output: string }> {
  const script = `
import os, pty, sys
answers = [bytes.fromhex(a) for a in sys.argv[2].split(',')]
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1]] + sys.argv[3:])
out = b''
def wait_for(marker):
    global out
    while marker not in out:
        out += os.read(fd, 4096)
for i, a in enumerate(answers):
    wait_for(b'Password for' if i == 0 else b'Again:')
    os.write(fd, a + b'\\r')
try:
    while True:
        chunk = os.read(fd, 4096)
        if not chunk: break
        out += chunk
except OSError:
    pass
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.hex())
sys.exit(os.waitstatus_to_exitcode(status))
`;
  return new Promise((resolve) => {
    execFile(
      'python3',
      ['-c', script, X64_BINARY, answers.map((a) => a.toString('hex')).join(','), ...args, '--config', configOf(walnut)],
      { timeout: 15_000 },
      (err, stdout) => {
        const code = err ? Number((err as NodeJS.ErrnoException).code ?? 1) : 0;
        resolve({ code, output: Buffer.from(stdout.trim(), 'hex').toString('utf8') });
      },
    );
  });
}

test('a password typed at the terminal prompt is asked twice, not echoed, and kept byte for byte', async () => {
  const typed = Buffer.from('tÿped "at" the #prompt\\ ✓', 'utf8');
  const r = await onTerminal(['user', 'passwd', NAME], [typed, typed]);
  assert.equal(r.code, 0, r.output);
  assert.match(r.output, /Password for "we ird \\"nâme\\" #1 \\\\ ✓": \r?\n/);
  assert.match(r.output, /Again: \r?\n/);
  assert.match(r.output, /password changed for "we ird \\"nâme\\" #1 \\\\ ✓"/);
  assert.equal(r.output.includes('tÿped'), false, 'nothing typed is echoed');
  assert.equal(await login(NAME, typed), 'OK');
  assert.equal(await login(NAME, PASSWORD), 'ERR ACCESS-DENIED');
});

test('two different answers at the prompt change nothing', async () => {
  const r = await onTerminal(['user', 'passwd', NAME], [Buffer.from('one'), Buffer.from('two')]);
  assert.equal(r.code, 1);
  assert.match(r.output, /the passwords do not match; nothing was changed/);
  assert.equal(await login(NAME, 'one'), 'ERR ACCESS-DENIED');
});

test('bad names and passwords get a message and the documented exit status, and change nothing', async () => {
  const cases: [args: string[], input: string | undefined, code: number, stderr: RegExp][] = [
    [['user', 'add', 'x'.repeat(65), '--password-stdin'], 'pw\n', 2, /a user name is at most 64 bytes \(this one is 65\)/],
    [['user', 'add', 'ü'.repeat(33), '--password-stdin'], 'pw\n', 2, /at most 64 bytes \(this one is 66\)/],
    [['user', 'add', 'tab\there', '--password-stdin'], 'pw\n', 2, /cannot contain control characters/],
    [['user', 'add', 'argv', '--password', 'secret'], undefined, 2, /passwords are never taken from the command line/],
    [['user', 'add', 'empty', '--password-stdin'], '\n', 1, /walnut: user: the password is empty; nothing was changed/],
    [['user', 'add', 'ctl', '--password-stdin'], 'a\tb\n', 1, /a password cannot contain control characters/],
    [['user', 'add', 'notty'], '', 2, /stdin is not a terminal: give --password-stdin/],
    [['user', 'add', NAME, '--password-stdin'], 'pw\n', 1, /user "we ird \\"nâme\\" #1 \\\\ ✓" already exists/],
    [['user', 'passwd', 'nobody', '--password-stdin'], 'pw\n', 1, /no user nobody/],
    [['user', 'grant', 'nobody', '--upsmon', 'primary'], undefined, 1, /no user nobody/],
    [['user', 'add', 'x', '--upsmon', 'boss', '--password-stdin'], 'pw\n', 2, /--upsmon takes primary, secondary or none/],
  ];
  for (const [args, input, code, stderr] of cases) {
    const r = await cli(walnut, args, input);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, stderr, args.join(' '));
  }
  const list = (await cli(walnut, ['user', 'list'])).stdout;
  for (const name of ['empty', 'ctl', 'notty', 'argv']) assert.doesNotMatch(list, new RegExp(`^${name} `, 'm'));
  const badConfig = await run(X64_BINARY, ['user', 'list', '--config', '/nonexistent/walnut.json']);
  assert.equal(badConfig.code, 3);
  assert.match(badConfig.stderr, /^walnut: configuration: cannot read config file \/nonexistent\/walnut\.json/);
});

test('walnut log prints the event log newest last, one line per event with an ISO time, filtered by kind', async () => {
  const all = await cli(walnut, ['log', '--limit', '1000']);
  assert.equal(all.code, 0, all.stderr);
  const lines = all.stdout.trimEnd().split('\n');
  for (const l of lines) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z [a-z-]+( |$)/, l);
  const times = lines.map((l) => Date.parse(l.slice(0, 24)));
  assert.deepEqual(times, [...times].sort((a, b) => a - b), 'oldest first, newest last');
  assert.match(lines[0]!, / start walnut /);
  const added = await cli(walnut, ['log', '--kind', 'user-added', '--limit', '2']);
  const addedLines = added.stdout.trimEnd().split('\n');
  assert.equal(addedLines.length, 2);
  assert.match(addedLines[1]!, / user-added cli user longpass \(upsmon=secondary\)$/);
  assert.match(addedLines[0]!, / user-added cli user "j\\xc3\\xbcrgen" \(actions=SET instcmds=beeper.enable\)$/);
  assert.equal((await cli(walnut, ['log', '--kind', 'no-such-kind'])).stdout, '');
});
