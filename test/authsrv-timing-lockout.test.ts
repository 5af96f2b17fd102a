// Issue 6 acceptance 3 and 4 with the built binary: the AS's TCP ticket service answers an unknown user exactly
// as it answers a known user with a wrong password (same bytes in the same shape, in the same time), and its
// persistent lockout (src/authsrv/lockout.ts) locks one user name after a few confirmed failures, leaves every
// other name alone, survives an AS restart and ends when its window has passed or an admin unlocks the name.
//
// The timing test speaks dp9r1 to the ticket service itself, building the §7.1 requests with the pure modules of
// src/authsrv exactly as ClientAuth.asRequest/asConfirm (src/authsrv/mutual.ts) do; the lockout tests use the
// real client, `walnut auth ping`, which goes through the NUT server's `AUTH` relay as a NAS would.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { randomBytes } from 'node:crypto';
import { X64_BINARY, startWalnut, type RunningWalnut } from './helpers/walnut.ts';
import { run, type ClientResult } from './helpers/clients.ts';
import { addUser, cli, withCredentials } from './accounts-support.ts';
import { PakState, confirmationMatches } from '../src/authsrv/pak.ts';
import { encodeTicketreq, openTicket } from '../src/authsrv/messages.ts';
import { passwordKey } from '../src/authsrv/keys.ts';
import { AuthErr, AuthOK, AuthPAK, AuthTc, AuthTreq, CHALLEN, ERRREPLYLEN, PAKYLEN, TICKETLEN, TICKREQLEN } from '../src/authsrv/constants.ts';

const DOMAIN = 'walnut-test';
const DOM = new Uint8Array(Buffer.from(DOMAIN, 'latin1'));
const SERVER = new Uint8Array(Buffer.from('upsd'));
const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

/** §7.1 sizes: TR ‖ YAs ‖ YAc; AuthOK ‖ YBs ‖ YBc ‖ cBc; cAc ‖ TR; AuthOK ‖ Tc ‖ Ts. */
const SIZE = { pakRequest: TICKREQLEN + 2 * PAKYLEN, pakReply: 1 + 3 * PAKYLEN, treq: PAKYLEN + TICKREQLEN, tickets: 1 + 2 * TICKETLEN } as const;

/** One TCP connection to the ticket service, reading replies of known sizes. */
class AsConnection {
  #buf = Buffer.alloc(0);
  #closed = false;
  #wake: (() => void) | undefined;
  readonly socket: net.Socket;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, d]);
      this.#wake?.();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake?.();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number): Promise<AsConnection> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => resolve(new AsConnection(s)));
      s.once('error', reject);
    });
  }

  /** Writes `req` and resolves with what arrived once `size` bytes are there (or the AS closed, or 5 s passed),
   *  and the milliseconds from the write to that moment. */
  async exchange(req: Uint8Array, size: number): Promise<{ reply: Buffer; ms: number }> {
    const start = process.hrtime.bigint();
    this.socket.write(req);
    const deadline = Date.now() + 5000;
    while (this.#buf.length < size && !this.#closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.#wake = () => {
          clearTimeout(timer);
          this.#wake = undefined;
          resolve();
        };
      });
    }
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const reply = this.#buf.subarray(0, size);
    this.#buf = this.#buf.subarray(reply.length);
    return { reply, ms };
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A client's side of §7.1 for `user`, whose key is `key` (from the right password, a wrong one, or none). */
function clientRequest(user: string, key: Uint8Array): { request: Uint8Array; tr: Uint8Array; pak: PakState } {
  const u = bytes(user);
  // the server's side (what upsd sends in AUTH START): any key will do, the AS's upsd key only decides Ts
  const server = new PakState('client', { key: random(32), dom: DOM, id: SERVER });
  const pak = new PakState('client', { key, dom: DOM, id: u });
  const tr = encodeTicketreq({ type: AuthPAK, authid: SERVER, authdom: DOM, chal: random(CHALLEN), hostid: u, uid: u });
  return { request: new Uint8Array(Buffer.concat([tr, server.y, pak.y])), tr, pak };
}

/** cAc ‖ TR{AuthTreq}: what ClientAuth.asConfirm sends (it would stop at the cBc check; a guesser need not). */
function treqFor(tr: Uint8Array, confirmClient: Uint8Array): Uint8Array {
  const treq = Uint8Array.from(tr);
  treq[0] = AuthTreq;
  return new Uint8Array(Buffer.concat([confirmClient, treq]));
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
function stats(xs: number[]): { median: number; q1: number; q3: number; iqr: number } {
  const s = [...xs].sort((a, b) => a - b);
  const [q1, median, q3] = [quantile(s, 0.25), quantile(s, 0.5), quantile(s, 0.75)];
  return { median, q1, q3, iqr: q3 - q1 };
}
const show = (name: string, x: ReturnType<typeof stats>): string =>
  `${name}: median ${x.median.toFixed(3)} ms, quartiles ${x.q1.toFixed(3)}-${x.q3.toFixed(3)} ms (IQR ${x.iqr.toFixed(3)})`;

test('an unknown user and a known user with a wrong password get identical AS replies, in times within the noise of 200 alternating trials', async (t: TestContext) => {
  // Every trial counts as a failure for its name (an unconfirmed PAK is counted when it starts, §5); at the
  // default 10 per name the lock would trip after a few trials and answer with a random key from then on, which
  // is a different code path from the one measured here. The lockout has tests of its own below.
  const walnut = await startWalnut({ config: { auth: { domain: DOMAIN, lockout: { failures: 1000 } } } });
  try {
    await addUser(walnut, 'alice', 'alices-real-password', ['--upsmon', 'secondary']);
    const port = await walnut.ticketPort();
    // 'carol' has as many bytes as 'alice' and no key: the AS answers for it with its stable fake key
    const known = { user: 'alice', key: await passwordKey(bytes('not-alices-password'), DOM, bytes('alice')) };
    const unknown = { user: 'carol', key: await passwordKey(bytes('not-alices-password'), DOM, bytes('carol')) };

    // First, that these requests are built right: with the right password the same two steps give tickets
    // (otherwise every "auth failed" below could just be a malformed request)
    {
      const right = clientRequest('alice', await passwordKey(bytes('alices-real-password'), DOM, bytes('alice')));
      const c = await AsConnection.connect(port);
      try {
        const { reply } = await c.exchange(right.request, SIZE.pakReply);
        assert.equal(reply.length, SIZE.pakReply);
        assert.equal(reply[0], AuthOK);
        const paked = right.pak.finish(reply.subarray(1 + PAKYLEN, 1 + 2 * PAKYLEN));
        assert.ok(confirmationMatches(paked.confirmAS, reply.subarray(1 + 2 * PAKYLEN)), 'cBc of the right password');
        const tickets = await c.exchange(treqFor(right.tr, paked.confirmClient), SIZE.tickets);
        assert.equal(tickets.reply.length, SIZE.tickets);
        assert.equal(tickets.reply[0], AuthOK);
        const tc = openTicket(paked.key, AuthTc, tickets.reply.subarray(1, 1 + TICKETLEN), DOM);
        assert.equal(Buffer.from(tc.suid).toString(), 'alice');
      } finally {
        c.close();
      }
    }

    /** One trial on a fresh connection: both steps, timed each; the replies kept for comparison. */
    const trial = async (who: { user: string; key: Uint8Array }): Promise<{ pak: Buffer; pakMs: number; confirm: Buffer; confirmMs: number; cbMatched: boolean }> => {
      const req = clientRequest(who.user, who.key);
      const c = await AsConnection.connect(port);
      try {
        const first = await c.exchange(req.request, SIZE.pakReply);
        // (outside the timed part) the client's PAK with the AS's YBc: a cAc from the wrong key, and whether cBc
        // matched it (it must not: neither the fake key nor alice's real key is the one this client holds)
        const paked = req.pak.finish(first.reply.subarray(1 + PAKYLEN, 1 + 2 * PAKYLEN));
        const cbMatched = confirmationMatches(paked.confirmAS, first.reply.subarray(1 + 2 * PAKYLEN));
        const second = await c.exchange(treqFor(req.tr, paked.confirmClient), ERRREPLYLEN);
        return { pak: first.reply, pakMs: first.ms, confirm: second.reply, confirmMs: second.ms, cbMatched };
      } finally {
        c.close();
      }
    };

    // warm-up, not counted: the first conversations of a fresh process run cold code (JIT, SQLite page cache)
    for (let i = 0; i < 10; i++) {
      await trial(unknown);
      await trial(known);
    }

    const TRIALS = 200;
    const results = { unknown: [] as Awaited<ReturnType<typeof trial>>[], known: [] as Awaited<ReturnType<typeof trial>>[] };
    const started = Date.now();
    for (let i = 0; i < TRIALS; i++) {
      if (i % 2 === 0) results.unknown.push(await trial(unknown));
      else results.known.push(await trial(known));
    }
    const elapsed = Date.now() - started;

    // identical length and structure: AuthOK ‖ YBs ‖ YBc ‖ cBc, 97 bytes, for both; the cBc never matched
    const failedAuth = Buffer.alloc(ERRREPLYLEN);
    failedAuth[0] = AuthErr;
    failedAuth.write('auth failed', 1, 'latin1');
    for (const [kind, rs] of Object.entries(results)) {
      assert.equal(rs.length, TRIALS / 2);
      for (const r of rs) {
        assert.equal(r.pak.length, SIZE.pakReply, `${kind}: PAK reply of ${r.pak.length} bytes`);
        assert.equal(r.pak[0], AuthOK, `${kind}: PAK reply type ${r.pak[0]}`);
        assert.equal(r.cbMatched, false, `${kind}: cBc matched a wrong key`);
        // the confirmation step: the same 65 bytes, AuthErr "auth failed" NUL-padded, for both
        assert.deepEqual(r.confirm, failedAuth, `${kind}: confirmation reply ${r.confirm.toString('hex')}`);
      }
    }

    // within the noise: the medians of the two kinds differ by less than either's spread (IQR); a real
    // difference in work (a scrypt run, a database write, a PAK skipped) would put them milliseconds apart
    const pak = { unknown: stats(results.unknown.map((r) => r.pakMs)), known: stats(results.known.map((r) => r.pakMs)) };
    const confirm = { unknown: stats(results.unknown.map((r) => r.confirmMs)), known: stats(results.known.map((r) => r.confirmMs)) };
    const report = [
      `${TRIALS} trials in ${elapsed} ms`,
      `PAK step, ${show('unknown user', pak.unknown)}`,
      `PAK step, ${show('wrong password', pak.known)}`,
      `confirmation step, ${show('unknown user', confirm.unknown)}`,
      `confirmation step, ${show('wrong password', confirm.known)}`,
    ].join('\n');
    t.diagnostic(report);
    const pakDiff = Math.abs(pak.unknown.median - pak.known.median);
    assert.ok(pakDiff < Math.max(pak.unknown.iqr, pak.known.iqr), `PAK step: medians ${pakDiff.toFixed(3)} ms apart\n${report}`);
    const confirmDiff = Math.abs(confirm.unknown.median - confirm.known.median);
    assert.ok(confirmDiff < Math.max(confirm.unknown.iqr, confirm.known.iqr), `confirmation step: medians ${confirmDiff.toFixed(3)} ms apart\n${report}`);

    // the AS's log names the reason (for the admin only): the same words for both kinds
    assert.match(walnut.logs(), /user alice: key confirmation failed \(wrong password, unknown user or locked out\)/);
    assert.match(walnut.logs(), /user carol: key confirmation failed \(wrong password, unknown user or locked out\)/);
    assert.doesNotMatch(walnut.logs(), /locked out for/);
  } finally {
    await walnut.stop();
  }
});

// ---- the lockout, with the real client ------------------------------------------------------------------

/** `walnut auth ping` as alice or bob would run it: exit 0 when the AS (through the NUT server) accepted. */
function ping(walnut: RunningWalnut, user: string, password: string): Promise<ClientResult> {
  return run(X64_BINARY, ['auth', 'ping', '--server', `127.0.0.1:${walnut.port}`, '--user', user, '--password-stdin'], { input: `${password}\n`, timeoutMs: 30_000 });
}

async function expectAccepted(walnut: RunningWalnut, user: string, password: string, why: string): Promise<void> {
  const r = await ping(walnut, user, password);
  assert.equal(r.code, 0, `${why}: ${user} refused\n${r.stderr}\n${walnut.logs()}`);
  assert.match(r.stdout, new RegExp(`^authenticated as ${user} to 127\\.0\\.0\\.1:`));
}

/** Refused, and in exactly the words of a wrong password: the client cannot tell a lock from a typo. */
async function expectRefused(walnut: RunningWalnut, user: string, password: string, why: string): Promise<void> {
  const r = await ping(walnut, user, password);
  assert.equal(r.code, 1, `${why}: ${user} not refused (${r.code})\n${r.stdout}${r.stderr}`);
  assert.match(r.stderr, /authentication failed: wrong user name or password \(or the user is locked out\)/, why);
}

test('after 3 confirmed failures alice is locked out, even with the right password, while bob is not; the lock survives a restart of the AS until an admin unlocks it', async () => {
  // a window far longer than this test runs (a restart takes a second or two): only the unlock ends it here
  const config = { auth: { domain: DOMAIN, lockout: { failures: 3, lockSeconds: 30 } } };
  let walnut = await startWalnut({ config });
  try {
    await addUser(walnut, 'alice', 'alices-password', ['--upsmon', 'secondary']);
    await addUser(walnut, 'bob', 'bobs-password', ['--upsmon', 'secondary']);
    await expectAccepted(walnut, 'alice', 'alices-password', 'before any failure');

    for (let i = 1; i <= 3; i++) await expectRefused(walnut, 'alice', `guess-${i}`, `wrong password ${i}`);
    // the lock starts at the attempt after the 3rd failure (src/authsrv/lockout.ts: a PAK is counted when it
    // starts, so the 3rd count may still be the right password's own, undone by its confirmation)
    await expectRefused(walnut, 'alice', 'alices-password', 'locked, right password');
    assert.match(walnut.logs(), /user alice locked out for 30 s from 127\.0\.0\.1 after repeated failures from there/);
    await expectAccepted(walnut, 'bob', 'bobs-password', 'another user, while alice is locked');
    assert.match(walnut.logs(), /user alice is locked out: PAK answered with a random key/);
    const status = await cli(walnut, ['auth', 'status']);
    assert.match(status.stdout, /^locked alice from 127\.0\.0\.1 until \S+$/m, status.stdout);
    assert.doesNotMatch(status.stdout, /^locked bob/m);

    // the lock is in the key database, not in the AS's memory: a restarted AS still refuses alice
    await walnut.stop(true);
    walnut = await startWalnut({ dir: walnut.dir, config });
    assert.doesNotMatch(walnut.logs(), /locked out/); // (this log is the new process's only)
    await expectRefused(walnut, 'alice', 'alices-password', 'locked, after a restart');
    assert.match(walnut.logs(), /user alice is locked out: PAK answered with a random key/);
    await expectAccepted(walnut, 'bob', 'bobs-password', 'another user, after a restart');

    // an admin ends it early
    const unlocked = await cli(walnut, ['auth', 'unlock', 'alice']);
    assert.equal(unlocked.code, 0, unlocked.stderr);
    assert.equal(unlocked.stdout, 'alice unlocked\n');
    await expectAccepted(walnut, 'alice', 'alices-password', 'after walnut auth unlock');
  } finally {
    await walnut.stop();
  }
});

test('a lock ends by itself when its window has passed', async () => {
  const LOCK_SECONDS = 3;
  const walnut = await startWalnut({ config: { auth: { domain: DOMAIN, lockout: { failures: 2, lockSeconds: LOCK_SECONDS } } } });
  try {
    await addUser(walnut, 'alice', 'alices-password', ['--upsmon', 'secondary']);
    await expectRefused(walnut, 'alice', 'guess-1', 'wrong password 1');
    await expectRefused(walnut, 'alice', 'guess-2', 'wrong password 2');
    const lockedAt = Date.now(); // (the lock started a little before: the client had to exit first)
    await expectRefused(walnut, 'alice', 'alices-password', 'locked, right password');
    // the refusal above must have come inside the window, or it would prove nothing
    assert.ok(Date.now() - lockedAt < LOCK_SECONDS * 1000, `the locked attempt took until ${Date.now() - lockedAt} ms into the window`);
    await new Promise((r) => setTimeout(r, Math.max(0, lockedAt + LOCK_SECONDS * 1000 + 500 - Date.now())));
    await expectAccepted(walnut, 'alice', 'alices-password', 'after the window');
  } finally {
    await walnut.stop();
  }
});

test('a success forgets the failures before it: two wrong passwords, the right one, two wrong, the right one still works', async () => {
  const walnut = await startWalnut({ config: { auth: { domain: DOMAIN, lockout: { failures: 3, lockSeconds: 30 } } } });
  try {
    await addUser(walnut, 'alice', 'alices-password', ['--upsmon', 'secondary']);
    for (let round = 1; round <= 2; round++) {
      await expectRefused(walnut, 'alice', `guess-${round}a`, `round ${round}, wrong password 1`);
      await expectRefused(walnut, 'alice', `guess-${round}b`, `round ${round}, wrong password 2`);
      await expectAccepted(walnut, 'alice', 'alices-password', `round ${round}, right password after 2 failures`);
      // the right password is itself a PAK, provisionally counted when it starts (the 3rd in a row here) and
      // undone by its confirmation: it must not be what locks alice
      assert.doesNotMatch(walnut.logs(), /locked out for/, `round ${round}: the right password after 2 failures locked alice`);
      const status = await cli(walnut, ['auth', 'status']);
      assert.doesNotMatch(status.stdout, /^locked alice/m, `round ${round}: ${status.stdout}`);
    }
    // and the count was really at work: a third wrong one in a row does lock
    for (let i = 1; i <= 3; i++) await expectRefused(walnut, 'alice', `guess-3${i}`, `wrong password ${i} in a row`);
    await expectRefused(walnut, 'alice', 'alices-password', 'locked after 3 in a row');
    assert.match(walnut.logs(), /user alice locked out for 30 s from 127\.0\.0\.1 after repeated failures from there/);
  } finally {
    await walnut.stop();
  }
});

test('failures from one address lock the name for that address only; failures from three addresses lock it for everyone until they stop', async () => {
  // NUT PASSWORD checks (AuthNUT) from 127.0.0.2-4 (Linux routes all of 127/8 to lo): the AS sees each NUT
  // client's own address, which the NUT server passes along
  const config = { auth: { domain: DOMAIN, lockout: { failures: 3, lockSeconds: 3, distinctSources: 3 } } };
  const walnut = await startWalnut({ config });
  const nutLogin = async (password: string, from: string): Promise<string> => {
    const c = await withCredentials(walnut.port, 'alice', password, from);
    try {
      return (await c.request('LOGIN ups', 10_000))[0]!;
    } finally {
      c.close();
    }
  };
  try {
    await addUser(walnut, 'alice', 'alices-password', ['--upsmon', 'secondary']);
    for (let i = 0; i < 3; i++) assert.equal(await nutLogin(`guess-${i}`, '127.0.0.2'), 'ERR ACCESS-DENIED');
    assert.equal(await nutLogin('alices-password', '127.0.0.2'), 'ERR ACCESS-DENIED', 'locked for the guessing address');
    assert.equal(await nutLogin('alices-password', '127.0.0.1'), 'OK', 'not for the real user on another address');

    // one failure each from two more addresses: three addresses and enough failures between them
    assert.equal(await nutLogin('guess-x', '127.0.0.3'), 'ERR ACCESS-DENIED');
    assert.equal(await nutLogin('guess-y', '127.0.0.4'), 'ERR ACCESS-DENIED');
    assert.equal(await nutLogin('alices-password', '127.0.0.1'), 'ERR ACCESS-DENIED', 'a guesser spread over addresses locks the name');
    assert.match(walnut.logs(), /user alice is locked for every address: failures from several addresses/);
    // lockSeconds after the last failure the name-wide lock is over (the first address's own lock too)
    await new Promise((r) => setTimeout(r, 3500));
    assert.equal(await nutLogin('alices-password', '127.0.0.1'), 'OK');
  } finally {
    await walnut.stop();
  }
});
