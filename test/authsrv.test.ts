// Issue 6 acceptance 2 and 5 against the built binary: `walnut auth ping` / `walnut upsc` / `walnut passwd` over
// NUT AUTH, the AS spawned by `walnut serve`. The attacks run through a man in the middle written here, on a
// walnut with TLS off so the proxy can read and rewrite the AUTH lines (with TLS on, the exporter binding makes
// any such proxy fail on its own; the first test shows a plain TLS login is channel-bound).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { execFile } from 'node:child_process';
import { X64_BINARY, startWalnut, type RunningWalnut } from './helpers/walnut.ts';
import { addUser, cli } from './accounts-support.ts';
import { LineClient } from './helpers/clients.ts';
import { PAKYLEN, TICKETLEN } from '../src/authsrv/constants.ts';
import { adminRequest, connectAdmin } from '../src/authsrv/admin-client.ts';
import { join } from 'node:path';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function walnutCli(args: string[], input: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(X64_BINARY, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    child.stdin!.end(input);
  });
}

const ping = (port: number, user: string, password: string, extra: string[] = []): Promise<Run> =>
  walnutCli(['auth', 'ping', '--server', `127.0.0.1:${port}`, '--user', user, '--password-stdin', ...extra], `${password}\n`);

/** A man in the middle between one client and walnut: records each direction's lines and may rewrite them. */
class Proxy {
  readonly server: net.Server;
  readonly fromClient: string[] = [];
  readonly fromServer: string[] = [];
  port = 0;
  constructor(
    target: number,
    rewrite: { toServer?: (line: string, p: Proxy) => string; toClient?: (line: string, p: Proxy) => string } = {},
  ) {
    this.server = net.createServer((client) => {
      const upstream = net.connect(target, '127.0.0.1');
      const pipe = (from: net.Socket, to: net.Socket, log: string[], edit?: (l: string, p: Proxy) => string): void => {
        let buf = '';
        from.setEncoding('latin1');
        from.on('data', (d: string) => {
          buf += d;
          for (let lf = buf.indexOf('\n'); lf >= 0; lf = buf.indexOf('\n')) {
            const line = buf.slice(0, lf);
            buf = buf.slice(lf + 1);
            log.push(line);
            to.write((edit ? edit(line, this) : line) + '\n', 'latin1');
          }
        });
        from.on('close', () => to.destroy());
        from.on('error', () => undefined);
      };
      pipe(client, upstream, this.fromClient, rewrite.toServer);
      pipe(upstream, client, this.fromServer, rewrite.toClient);
    });
  }
  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }
  close(): void {
    this.server.close();
  }
}

/** The bytes of the n-th (0-based) `AUTH AS` reply the server sent, joining its `AUTH MORE` pieces. */
function asReply(lines: readonly string[], n: number): Buffer {
  const replies: Buffer[] = [];
  let parts: Buffer[] = [];
  for (const l of lines) {
    const m = /^AUTH (MORE|AS|DATA) (\S+)$/.exec(l);
    if (!m) continue;
    parts.push(Buffer.from(m[2]!, 'base64url'));
    if (m[1] === 'MORE') continue;
    if (m[1] === 'AS') replies.push(Buffer.concat(parts));
    parts = [];
  }
  return replies[n]!;
}

let tlsWalnut: RunningWalnut;
let clear: RunningWalnut;

before(async () => {
  tlsWalnut = await startWalnut();
  await addUser(tlsWalnut, 'alice', 'alice secret 1', ['--upsmon', 'secondary']);
  clear = await startWalnut({ config: { tls: { enabled: false } } });
  await addUser(clear, 'alice', 'alice secret 1', ['--upsmon', 'secondary']);
});

after(async () => {
  await tlsWalnut?.stop();
  await clear?.stop();
});

test('the right password gives mutual authentication over a TLS channel it is bound to, and walnut upsc reads variables', async () => {
  const ok = await ping(tlsWalnut.port, 'alice', 'alice secret 1');
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, `authenticated as alice to 127.0.0.1:${tlsWalnut.port} (mutual, TLS channel-bound)\n`);
  const one = await walnutCli(['upsc', '--user', 'alice', '--password-stdin', `ups@127.0.0.1:${tlsWalnut.port}`, 'ups.status'], 'alice secret 1\n');
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stdout, /^OL( [A-Z]+)*\n$/); // the fixture's own status
  const all = await walnutCli(['upsc', '--user', 'alice', '--password-stdin', `ups@127.0.0.1:${tlsWalnut.port}`], 'alice secret 1\n');
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stdout, /^battery\.charge: \d+$/m);
  assert.match(all.stdout, /^ups\.mfr: American Power Conversion$/m);
  assert.match(tlsWalnut.logs(), /user alice proved by a ticket \(TLS, channel-bound\)/);
});

test('a wrong password and an unknown user fail, with the same message', async () => {
  const wrong = await ping(tlsWalnut.port, 'alice', 'alice secret 2');
  const unknown = await ping(tlsWalnut.port, 'mallory', 'alice secret 1');
  assert.equal(wrong.code, 1);
  assert.equal(unknown.code, 1);
  assert.equal(wrong.stderr, 'walnut: auth ping: authentication failed: wrong user name or password (or the user is locked out)\n');
  assert.equal(unknown.stderr, wrong.stderr);
});

test('the password never crosses the wire: not in any line of a recorded exchange', async () => {
  const proxy = await new Proxy(clear.port).listen();
  try {
    const r = await ping(proxy.port, 'alice', 'alice secret 1');
    assert.equal(r.code, 0, r.stderr);
    const wire = Buffer.concat([...proxy.fromClient, ...proxy.fromServer].map((l) => {
      const m = /^AUTH \S+ (\S+)$/.exec(l);
      return m ? Buffer.from(m[1]!, 'base64url') : Buffer.from(l, 'latin1');
    }));
    assert.equal(wire.includes(Buffer.from('alice secret 1')), false);
  } finally {
    proxy.close();
  }
});

test('a recorded exchange replayed on a new connection is refused', async () => {
  const proxy = await new Proxy(clear.port).listen();
  let recorded: string[];
  try {
    assert.equal((await ping(proxy.port, 'alice', 'alice secret 1')).code, 0);
    recorded = proxy.fromClient.filter((l) => l.startsWith('AUTH '));
  } finally {
    proxy.close();
  }
  assert.ok(recorded.some((l) => l.startsWith('AUTH CONFIRM ')));
  const c = await LineClient.connect(clear.port);
  try {
    const replies: string[] = [];
    for (const l of recorded) {
      const reply = await c.request(l);
      replies.push(...reply);
      if (reply.some((r) => r.startsWith('ERR '))) break;
    }
    assert.ok(replies.includes('ERR ACCESS-DENIED'), replies.join('\n'));
    assert.equal(replies.some((r) => r.startsWith('OK AUTH')), false);
    // the session is not logged in: a privileged command still wants credentials
    assert.deepEqual(await c.request('LOGIN ups'), ['ERR USERNAME-REQUIRED']);
  } finally {
    c.close();
  }
});

test('type confusion is refused: the client ticket Tc offered as the server ticket Ts, and an authenticator as a ticket', async () => {
  const swapTc = (line: string, p: Proxy): string => {
    const m = /^AUTH FINISH (\S+)$/.exec(line);
    if (!m) return line;
    const msg = Buffer.from(m[1]!, 'base64url');
    const tickets = asReply(p.fromServer, 1); // AuthOK ‖ Tc ‖ Ts
    tickets.subarray(1, 1 + TICKETLEN).copy(msg, PAKYLEN);
    return `AUTH FINISH ${msg.toString('base64url')}`;
  };
  const acAsTicket = (line: string): string => {
    const m = /^AUTH FINISH (\S+)$/.exec(line);
    if (!m) return line;
    const msg = Buffer.from(m[1]!, 'base64url');
    const ac = msg.subarray(PAKYLEN + TICKETLEN);
    return `AUTH FINISH ${Buffer.concat([msg.subarray(0, PAKYLEN), ac, ac, ac.subarray(0, TICKETLEN - ac.length)]).toString('base64url')}`;
  };
  for (const edit of [swapTc, acAsTicket]) {
    const proxy = await new Proxy(clear.port, { toServer: edit }).listen();
    try {
      const r = await ping(proxy.port, 'alice', 'alice secret 1');
      assert.equal(r.code, 1, `${edit.name}: ${r.stdout}`);
      assert.ok(proxy.fromServer.includes('ERR ACCESS-DENIED'), edit.name);
    } finally {
      proxy.close();
    }
  }
  assert.match(clear.logs(), /ticket-refused|AUTH FINISH: (auth failed|bad ticket)/);
});

test('a p9any offer edited by a man in the middle makes the session keys disagree: authentication fails', async () => {
  const inject = (line: string): string => line.replace(/^AUTH OFFER "v\.2 (dp9r1@\S+)"$/, 'AUTH OFFER "v.2 p9sk1@walnut $1"');
  const proxy = await new Proxy(clear.port, { toClient: inject }).listen();
  try {
    const r = await ping(proxy.port, 'alice', 'alice secret 1');
    assert.equal(r.code, 1, r.stdout);
    assert.ok(proxy.fromServer.some((l) => l.startsWith('AUTH DATA ')), 'the exchange got as far as the Finished tags');
    assert.match(r.stderr, /authentication failed: bad authenticator/);
  } finally {
    proxy.close();
  }
  // an offer with dp9r1 stripped altogether is refused by the client outright
  const strip = await new Proxy(clear.port, { toClient: (l) => l.replace(/^AUTH OFFER .*$/, 'AUTH OFFER "v.2 p9sk1@walnut"') }).listen();
  try {
    const r = await ping(strip.port, 'alice', 'alice secret 1');
    assert.equal(r.code, 1);
  } finally {
    strip.close();
  }
});

test('walnut passwd changes the password through the NUT server: the old one then fails, the new one works', async () => {
  const w = await startWalnut();
  try {
    await addUser(w, 'bob', 'bob first password', ['--upsmon', 'secondary']);
    const tooShort = await walnutCli(['passwd', '--server', `127.0.0.1:${w.port}`, '--user', 'bob'], 'bob first password\nshort\n');
    assert.equal(tooShort.code, 1);
    assert.match(tooShort.stderr, /password not changed: password too short/);
    const wrongOld = await walnutCli(['passwd', '--server', `127.0.0.1:${w.port}`, '--user', 'bob'], 'not the password\nbob second password\n');
    assert.equal(wrongOld.code, 1);
    const changed = await walnutCli(['passwd', '--server', `127.0.0.1:${w.port}`, '--user', 'bob'], 'bob first password\nbob second password\n');
    assert.equal(changed.code, 0, changed.stderr);
    assert.equal(changed.stdout, 'password changed for bob\n');
    assert.equal((await ping(w.port, 'bob', 'bob first password')).code, 1);
    assert.equal((await ping(w.port, 'bob', 'bob second password')).code, 0);
    // the NUT PASSWORD path (AuthNUT) checks against the same key at the AS
    const nutLogin = async (password: string): Promise<string[]> => {
      const c = await LineClient.connect(w.port);
      try {
        await c.request('USERNAME bob');
        await c.request(`PASSWORD "${password}"`);
        return await c.request('LOGIN ups', 10_000);
      } finally {
        c.close();
      }
    };
    assert.deepEqual(await nutLogin('bob first password'), ['ERR ACCESS-DENIED']);
    assert.deepEqual(await nutLogin('bob second password'), ['OK']);
  } finally {
    await w.stop();
  }
});

test('speaks-for allows and denies as the database says, and a deny wins', async () => {
  const w = await startWalnut();
  try {
    await addUser(w, 'nas1', 'nas1 machine password', []);
    await addUser(w, 'bob', 'bob password 123', ['--upsmon', 'secondary']);
    await addUser(w, 'carol', 'carol password 123', ['--upsmon', 'secondary']);
    const asUser = (who: string): Promise<Run> => ping(w.port, 'nas1', 'nas1 machine password', ['--as', who]);

    assert.equal((await asUser('bob')).code, 1, 'no entry: nas1 may not speak for bob');
    const allow = await cli(w, ['speaksfor', 'allow', 'nas1', 'bob']);
    assert.equal(allow.code, 0, allow.stderr);
    assert.equal(allow.stdout, 'hostid=nas1 uid=bob\n');
    const ok = await asUser('bob');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^authenticated as bob /);
    assert.equal((await asUser('carol')).code, 1, 'bob only');

    assert.equal((await cli(w, ['speaksfor', 'allow', 'nas1', '*'])).code, 0);
    assert.equal((await cli(w, ['speaksfor', 'deny', 'nas1', 'bob'])).code, 0);
    assert.equal((await cli(w, ['speaksfor', 'show'])).stdout, 'hostid=nas1 uid=* uid=!bob\n');
    assert.equal((await asUser('carol')).code, 0, 'allowed by *');
    assert.equal((await asUser('bob')).code, 1, 'the deny wins over *');
    assert.match(w.logs(), /"?nas1"? may not speak for "?bob"?/);

    assert.equal((await cli(w, ['speaksfor', 'clear', 'nas1'])).code, 0);
    assert.equal((await asUser('carol')).code, 1);
  } finally {
    await w.stop();
  }
});

test('walnut user list marks a user the AS has no password for (as after an upgrade from verifiers)', async () => {
  const w = await startWalnut();
  try {
    await addUser(w, 'kept', 'kept password 1', ['--upsmon', 'secondary']);
    await addUser(w, 'keyless', 'keyless password', ['--upsmon', 'secondary']);
    // the key alone goes, as migration 4 leaves users of an older walnut
    const admin = await connectAdmin(join(w.dataDir, 'auth', 'admin.sock'));
    try {
      assert.deepEqual(await adminRequest(admin, { op: 'remove', name: Buffer.from('keyless').toString('base64') }), { ok: true, existed: true });
    } finally {
      admin.destroy();
    }
    const list = await cli(w, ['user', 'list']);
    assert.match(list.stdout, /^keyless active upsmon=secondary created=\S+ updated=\S+ no-password$/m);
    assert.match(list.stdout, /^kept active upsmon=secondary created=\S+ updated=\S+$/m);
    assert.equal((await ping(w.port, 'keyless', 'keyless password')).code, 1);
  } finally {
    await w.stop();
  }
});
