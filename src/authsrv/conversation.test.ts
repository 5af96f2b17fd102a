// The AS conversation (§7.1, §7.3, §7.4, §7.6) driven by the real server and client state machines of mutual.ts, in
// one process: every message crosses as bytes, exactly as the NUT `AUTH` lines and the sockets carry them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Conversation, MAX_USER_REQUESTS, type AsDeps, type Transport } from './conversation.ts';
import { ClientAuth, PasswdClient, ServerAuth, UserAdminClient, MSG, chooseFromOffer } from './mutual.ts';
import { AuthError } from './errors.ts';
import { passwordKey } from './keys.ts';
import { encodeNutreq, encodeTicketreq, openAuthenticator, openTicket, type Userreq } from './messages.ts';
import { PakState } from './pak.ts';
import { AuthAc, AuthNUT, AuthTs, TICKETLEN, PAKYLEN, AuthErr } from './constants.ts';

const DOM = 'walnut-test';
const dom = Buffer.from(DOM);
const b = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex');

interface World {
  deps: AsDeps;
  users: Map<string, Uint8Array>;
  failures: string[];
  successes: string[];
  locked: Set<string>;
  serverKey: Uint8Array;
  speaks: Set<string>;
}

async function world(users: Record<string, string> = { alice: 'correct horse battery', bob: 'bob password' }): Promise<World> {
  const w: World = {
    users: new Map(),
    failures: [],
    successes: [],
    locked: new Set(),
    serverKey: new Uint8Array(randomBytes(32)),
    speaks: new Set(),
    deps: undefined as unknown as AsDeps,
  };
  for (const [name, pw] of Object.entries(users)) w.users.set(name, await passwordKey(b(pw), dom, b(name)));
  const key = (n: Uint8Array): string => Buffer.from(n).toString('latin1');
  w.deps = {
    dom,
    keyseed: new Uint8Array(32).fill(7),
    userKey: (n) => w.users.get(key(n)),
    serverKey: (n) => (key(n) === 'upsd' ? w.serverKey : undefined),
    legacyKey: () => undefined,
    setUserKey: (n, k) => void w.users.set(key(n), k),
    speaksFor: (h, u) => w.speaks.has(`${key(h)}>${key(u)}`),
    locked: (n) => w.locked.has(key(n)),
    failed: (n) => void w.failures.push(key(n)),
    succeeded: (n) => {
      w.successes.push(key(n));
    },
    newPasswordProblem: (n, p) => (p.length < 8 ? 'password too short' : key(p) === key(n) ? 'password is the user name' : undefined),
    derive: (p, n) => passwordKey(p, dom, n),
    log: () => undefined,
  };
  return w;
}

/** Feeds a whole message through `need` the way a stream reader does, then handles it. */
async function send(c: Conversation, req: Uint8Array): Promise<{ reply: Uint8Array; close: boolean }> {
  assert.equal(c.need(req.subarray(0, Math.min(req.length, 273))), req.length, 'need() names the request size');
  return c.handle(req);
}

interface Run {
  server: ServerAuth;
  client: ClientAuth;
  as: Conversation;
  /** YBs ‖ Ts ‖ Ac as the client sends it to the server */
  toServer: Uint8Array;
  replies: Uint8Array[];
}

/** §7.2 + §7.1 up to the client's message to the server. */
async function login(w: World, user: string, password: string, transport: Transport = 'tcp'): Promise<Run> {
  const server = new ServerAuth({ id: b('upsd'), key: w.serverKey, dom: DOM });
  const client = new ClientAuth({ user: b(user), password: b(password) });
  server.choose(await client.choose(server.offer));
  const start = server.start(client.start());
  const as = new Conversation(w.deps, '192.0.2.7', transport);
  const r1 = await send(as, client.asRequest(start));
  const step2 = client.asConfirm(r1.reply);
  const r2 = await send(as, step2);
  return { server, client, as, toServer: client.asTickets(r2.reply), replies: [r1.reply, r2.reply] };
}

test('the right password gives mutual authentication: both ends agree on the user and the Finished tags', async () => {
  const w = await world();
  const run = await login(w, 'alice', 'correct horse battery');
  const serverFinish = run.server.finish(run.toServer);
  const clientTag = run.client.finish(serverFinish);
  assert.equal(Buffer.from(run.server.confirm(clientTag)).toString(), 'alice');
  assert.equal(Buffer.from(run.client.user!).toString(), 'alice');
  assert.deepEqual(w.failures, ['alice'], 'counted when the PAK started');
  assert.deepEqual(w.successes, ['alice'], 'and undone by the confirmation');
});

test('a wrong password fails at the key confirmation and stays counted', async () => {
  const w = await world();
  await assert.rejects(login(w, 'alice', 'correct horse batterY'), (e: unknown) => e instanceof AuthError && e.text === 'auth failed');
  assert.deepEqual(w.failures, ['alice']);
  assert.deepEqual(w.successes, []);
});

test('an unknown user and a wrong password get AS replies of identical length and structure', async () => {
  const w = await world();
  const replyFor = async (user: string, pw: string): Promise<Uint8Array> => {
    const server = new ServerAuth({ id: b('upsd'), key: w.serverKey, dom: DOM });
    const client = new ClientAuth({ user: b(user), password: b(pw) });
    server.choose(await client.choose(server.offer));
    const as = new Conversation(w.deps, '192.0.2.7', 'tcp');
    const r = await as.handle(client.asRequest(server.start(client.start())));
    assert.throws(() => client.asConfirm(r.reply), AuthError);
    return r.reply;
  };
  const unknown = await replyFor('mallory', 'whatever');
  const wrong = await replyFor('alice', 'whatever');
  assert.equal(unknown.length, wrong.length);
  assert.equal(unknown[0], wrong[0]);
  assert.equal(unknown.length, 1 + 3 * PAKYLEN);
  // a forged confirmation gets the same AuthErr for both
  for (const user of ['mallory', 'alice']) {
    const as = new Conversation(w.deps, '192.0.2.7', 'tcp');
    const client = new ClientAuth({ user: b(user), password: b('whatever') });
    const server = new ServerAuth({ id: b('upsd'), key: w.serverKey, dom: DOM });
    server.choose(await client.choose(server.offer));
    const req = client.asRequest(server.start(client.start()));
    await as.handle(req);
    const forged = new Uint8Array(32 + 273);
    forged.set(req.subarray(0, 273), 32);
    forged[32] = 1;
    const r = await as.handle(forged);
    assert.equal(hex(r.reply), hex(Buffer.concat([Buffer.of(AuthErr), Buffer.from('auth failed'), Buffer.alloc(64 - 11)])));
  }
});

test('a recorded client message replayed to a new server conversation is refused (fresh CHs)', async () => {
  const w = await world();
  const run = await login(w, 'alice', 'correct horse battery');
  const fresh = new ServerAuth({ id: b('upsd'), key: w.serverKey, dom: DOM });
  fresh.choose(`dp9r1 ${DOM}`);
  fresh.start(new Uint8Array(16));
  assert.throws(() => fresh.finish(run.toServer), AuthError);
});

test('type confusion is refused: Tc offered as Ts, and an authenticator in place of a ticket', async () => {
  const w = await world();
  const run = await login(w, 'alice', 'correct horse battery');
  const tc = run.replies[1]!.subarray(1, 1 + TICKETLEN);
  const withTc = Uint8Array.from(run.toServer);
  withTc.set(tc, PAKYLEN);
  assert.throws(() => run.server.finish(withTc), AuthError);

  const run2 = await login(w, 'alice', 'correct horse battery');
  const ac = run2.toServer.subarray(PAKYLEN + TICKETLEN);
  const acAsTicket = new Uint8Array(Buffer.concat([run2.toServer.subarray(0, PAKYLEN), ac, ac]));
  assert.throws(() => run2.server.finish(acAsTicket), AuthError);
});

test('an edited p9any offer makes the session secrets differ: the Finished tags do not verify', async () => {
  const w = await world();
  const server = new ServerAuth({ id: b('upsd'), key: w.serverKey, dom: DOM });
  const client = new ClientAuth({ user: b('alice'), password: b('correct horse battery') });
  // a man in the middle injects a weaker protocol into the offer; the client still picks dp9r1
  const edited = `v.2 p9sk1@${DOM} dp9r1@${DOM}`;
  server.choose(await client.choose(edited));
  const as = new Conversation(w.deps, '192.0.2.7', 'tcp');
  const r1 = await as.handle(client.asRequest(server.start(client.start())));
  const r2 = await as.handle(client.asConfirm(r1.reply));
  const finish = server.finish(client.asTickets(r2.reply));
  assert.throws(() => client.finish(finish), AuthError);
});

test('the TLS exporter is bound in: different channels give different secrets', async () => {
  const w = await world();
  const run = await login(w, 'alice', 'correct horse battery');
  const finish = run.server.finish(run.toServer, new Uint8Array(32).fill(1));
  assert.throws(() => run.client.finish(finish, new Uint8Array(32).fill(2)), AuthError);
});

test('p9any refuses v.1, other protocols only, and malformed domains', () => {
  assert.equal(chooseFromOffer('v.2 dp9r1@walnut'), 'walnut');
  for (const bad of ['v.1 dp9r1@walnut', 'v.2 p9sk1@walnut', 'v.2 dp9ik@walnut', 'v.2 dp9r1@wal/nut', 'v.2 dp9r1@', 'dp9r1@walnut']) {
    assert.throws(() => chooseFromOffer(bad), AuthError, bad);
  }
});

test('speaks-for: a client may get tickets for another user only when the database allows it', async () => {
  const w = await world();
  const ask = async (): Promise<string | undefined> => {
    const serverPak = new PakState('client', { key: w.serverKey, dom, id: b('upsd') });
    const clientPak = new PakState('client', { key: w.users.get('alice')!, dom, id: b('alice') });
    // alice asks for tickets naming bob (IDc = alice, IDr = bob)
    const tr = encodeTicketreq({ type: 19, authid: b('upsd'), authdom: dom, chal: new Uint8Array(16), hostid: b('alice'), uid: b('bob') });
    const as = new Conversation(w.deps, '192.0.2.7', 'tcp');
    const r1 = await send(as, new Uint8Array(Buffer.concat([tr, serverPak.y, clientPak.y])));
    const s = serverPak.finish(r1.reply.subarray(1, 33));
    const c = clientPak.finish(r1.reply.subarray(33, 65));
    const treq = Uint8Array.from(tr);
    treq[0] = 1;
    const r2 = await send(as, new Uint8Array(Buffer.concat([c.confirmClient, treq])));
    assert.equal(r2.reply.length, 1 + 2 * TICKETLEN, 'the same shape, allowed or not');
    try {
      return Buffer.from(openTicket(s.key, AuthTs, r2.reply.subarray(1 + TICKETLEN), dom).suid).toString();
    } catch (e) {
      assert.ok(e instanceof AuthError);
      return undefined;
    }
  };
  assert.equal(await ask(), undefined, 'no entry: the tickets open for nobody');
  w.speaks.add('alice>bob');
  assert.equal(await ask(), 'bob', 'allowed by the database');
});

test('password change: the old password then fails and the new one works; rules and replays are refused', async () => {
  const w = await world();
  const change = async (oldPw: string, newPw: string): Promise<void> => {
    const p = new PasswdClient({ user: b('alice'), oldPassword: b(oldPw), newPassword: b(newPw) });
    const as = new Conversation(w.deps, '192.0.2.7', 'tcp');
    const r1 = await send(as, await p.request(DOM));
    const r2 = await send(as, p.confirm(r1.reply));
    const pr = p.passwordRequest(r2.reply);
    const r3 = await send(as, pr);
    p.done(r3.reply);
  };
  await assert.rejects(change('correct horse battery', 'short'), (e: unknown) => e instanceof AuthError && e.text === 'password too short');
  await change('correct horse battery', 'a much better passphrase');
  await assert.rejects(login(w, 'alice', 'correct horse battery'), AuthError);
  const run = await login(w, 'alice', 'a much better passphrase');
  run.client.finish(run.server.finish(run.toServer));

  // a recorded Passwordreq replayed into the same conversation is refused (counter), and into a new one
  // cannot even be opened (fresh Kn)
  const p = new PasswdClient({ user: b('alice'), oldPassword: b('a much better passphrase'), newPassword: b('x') });
  const as = new Conversation(w.deps, '192.0.2.7', 'tcp');
  const r1 = await as.handle(await p.request(DOM));
  const r2 = await as.handle(p.confirm(r1.reply));
  const first = p.passwordRequest(r2.reply);
  const refused = await as.handle(first);
  assert.throws(() => p.done(refused.reply), /password too short/);
  const replayed = await as.handle(first);
  assert.equal(replayed.close, true);
  assert.throws(() => p.done(replayed.reply), /auth failed/);
});

test('AuthNUT: the right NUT password gives the server a ticket and authenticator it can open; a wrong one an AuthErr', async () => {
  const w = await world();
  const nut = async (user: string, pw: string, transport: Transport = 'local'): Promise<string> => {
    const chs = new Uint8Array(randomBytes(16));
    const pak = new PakState('client', { key: w.serverKey, dom, id: b('upsd') });
    const tr = { type: AuthNUT, authid: b('upsd'), authdom: dom, chal: chs, hostid: b('upsd'), uid: b(user) };
    const req = new Uint8Array(Buffer.concat([encodeNutreq(tr, b(pw)), pak.y]));
    const c = new Conversation(w.deps, '192.0.2.9', transport);
    if (transport === 'local') assert.equal(c.need(req), req.length);
    const r = await c.handle(req);
    if (r.reply[0] === AuthErr) return 'refused';
    const res = pak.finish(r.reply.subarray(1, 33));
    const ts = openTicket(res.key, AuthTs, r.reply.subarray(33, 33 + TICKETLEN), dom);
    assert.equal(hex(ts.chal), hex(chs));
    const ac = openAuthenticator(ts.key, AuthAc, r.reply.subarray(33 + TICKETLEN), dom);
    assert.equal(hex(ac.chal), hex(chs));
    return Buffer.from(ts.suid).toString();
  };
  assert.equal(await nut('alice', 'correct horse battery'), 'alice');
  assert.equal(await nut('alice', 'wrong'), 'refused');
  assert.equal(await nut('nobody', 'wrong'), 'refused');
  assert.equal(await nut('alice', 'correct horse battery', 'tcp'), 'refused', 'AuthNUT is for walnut servers on the local socket only');
  w.locked.add('alice');
  assert.equal(await nut('alice', 'correct horse battery'), 'refused', 'locked out: even the right password');
});

test('a locked-out user cannot log in with the right password while another user can', async () => {
  const w = await world();
  w.locked.add('alice');
  await assert.rejects(login(w, 'alice', 'correct horse battery'), AuthError);
  const run = await login(w, 'bob', 'bob password');
  run.client.finish(run.server.finish(run.toServer));
});

test('old protocols are refused: p9sk1-style AuthTreq without a PAK, and unknown request types', async () => {
  const w = await world();
  const as = new Conversation(w.deps, '192.0.2.7', 'tcp');
  const treq = encodeTicketreq({ type: 1, authid: b('upsd'), authdom: dom, chal: new Uint8Array(16), hostid: b('alice'), uid: b('alice') });
  assert.equal(as.need(treq), 1);
  const r = await as.handle(treq);
  assert.equal(r.close, true);
  assert.match(Buffer.from(r.reply.subarray(1)).toString('latin1'), /^bad ticket request\0+$/);
  const r2 = await new Conversation(w.deps, '192.0.2.7', 'tcp').handle(Uint8Array.of(10)); // AuthApop
  assert.equal(r2.reply[0], AuthErr);
  assert.equal(MSG.clientFinish, 312);
});

/** A world where `admin` has no key and the label code's key is offered while `open`; what the AS did is kept. */
async function unclaimed(code: string): Promise<{ w: World; setup: { open: boolean; attempts: number; claimed: string[] } }> {
  const w = await world();
  const setupKey = await passwordKey(b(code), dom, b('admin'));
  const setup = { open: true, attempts: 0, claimed: [] as string[] };
  w.deps = {
    ...w.deps,
    setup: {
      key: (n) => (setup.open && Buffer.from(n).toString() === 'admin' ? setupKey : undefined),
      attempt: () => void setup.attempts++,
      confirmed: () => void setup.attempts--,
      claimed: (n) => void setup.claimed.push(Buffer.from(n).toString()),
    },
  };
  return { w, setup };
}

async function changePassword(w: World, user: string, oldPw: string, newPw: string): Promise<void> {
  const p = new PasswdClient({ user: b(user), oldPassword: b(oldPw), newPassword: b(newPw) });
  const as = new Conversation(w.deps, '192.0.2.7', 'tcp');
  const r1 = await send(as, await p.request(DOM));
  const r2 = await send(as, p.confirm(r1.reply));
  p.done((await send(as, p.passwordRequest(r2.reply))).reply);
}

test('claim: the label code changes admin\'s password once, inside the window; the change claims the unit', async () => {
  const { w, setup } = await unclaimed('MPN4NAMMKYV96D');
  await changePassword(w, 'admin', 'MPN4NAMMKYV96D', 'the owners password');
  assert.deepEqual(setup.claimed, ['admin']);
  assert.equal(setup.attempts, 0, 'a confirmed attempt is not counted as failed');
  const run = await login(w, 'admin', 'the owners password');
  run.client.finish(run.server.finish(run.toServer));
});

test('claim: the label code gets no ticket, and a wrong code counts against the window', async () => {
  const { w, setup } = await unclaimed('MPN4NAMMKYV96D');
  // a ticket request (a server named) never takes the code: admin has no key there, as an unknown user
  await assert.rejects(login(w, 'admin', 'MPN4NAMMKYV96D'), (e: unknown) => e instanceof AuthError && e.text === 'auth failed');
  assert.equal(setup.attempts, 0);
  await assert.rejects(changePassword(w, 'admin', 'ZZZZZZZZZZZZZQ', 'the owners password'), (e: unknown) => e instanceof AuthError && e.text === 'auth failed');
  assert.equal(setup.attempts, 1);
  setup.open = false;
  await assert.rejects(changePassword(w, 'admin', 'MPN4NAMMKYV96D', 'the owners password'), (e: unknown) => e instanceof AuthError && e.text === 'auth failed');
  assert.deepEqual(setup.claimed, []);
});

/** A world whose `admin` administers users (§7.6); removals are kept. */
async function administered(): Promise<{ w: World; removed: string[] }> {
  const w = await world({ admin: 'the owners password', alice: 'correct horse battery' });
  const removed: string[] = [];
  const key = (n: Uint8Array): string => Buffer.from(n).toString('latin1');
  w.deps = {
    ...w.deps,
    users: {
      mayAdminister: (n) => key(n) === 'admin',
      setKey: (n, k) => void w.users.set(key(n), k),
      remove: (n) => {
        removed.push(key(n));
        return w.users.delete(key(n));
      },
    },
  };
  return { w, removed };
}

/** Runs an AuthUser conversation as `admin` with `password`: each request's AuthErr text, or 'ok'. */
async function administer(w: World, admin: string, password: string, requests: Userreq[]): Promise<string[]> {
  const c = new UserAdminClient({ admin: b(admin), password: b(password) });
  const as = new Conversation(w.deps, '192.0.2.7', 'relay');
  const r1 = await send(as, await c.request(DOM));
  c.open((await send(as, c.confirm(r1.reply))).reply);
  const out: string[] = [];
  for (const ur of requests) {
    try {
      c.done((await send(as, c.userRequest(ur))).reply);
      out.push('ok');
    } catch (err) {
      if (!(err instanceof AuthError)) throw err;
      out.push(err.text);
    }
  }
  return out;
}

test('user administration: the owner sets a new user\'s password, which then logs in, and removes it again', async () => {
  const { w, removed } = await administered();
  assert.deepEqual(await administer(w, 'admin', 'the owners password', [{ op: 'set', name: b('nas1'), password: b('a NAS password') }]), ['ok']);
  const run = await login(w, 'nas1', 'a NAS password');
  run.client.finish(run.server.finish(run.toServer));
  assert.deepEqual(await administer(w, 'admin', 'the owners password', [{ op: 'remove', name: b('nas1'), password: new Uint8Array(0) }]), ['ok']);
  assert.deepEqual(removed, ['nas1']);
  await assert.rejects(login(w, 'nas1', 'a NAS password'), AuthError);
});

test('user administration: a wrong administrator password fails at the key confirmation, counted', async () => {
  const { w } = await administered();
  await assert.rejects(administer(w, 'admin', 'a guess', [{ op: 'set', name: b('nas1'), password: b('a NAS password') }]), (e: unknown) => e instanceof AuthError && e.text === 'auth failed');
  assert.ok(w.failures.includes('admin'));
  assert.equal(w.users.has('nas1'), false);
});

test('user administration: anyone but an administrator is refused after their own PAK, and nothing changes', async () => {
  const { w } = await administered();
  await assert.rejects(administer(w, 'alice', 'correct horse battery', [{ op: 'set', name: b('nas1'), password: b('a NAS password') }]), (e: unknown) => e instanceof AuthError && e.text === 'not an administrator');
  assert.equal(w.users.has('nas1'), false);
  // and an AS without user administration refuses the owner too
  const plain = await world({ admin: 'the owners password' });
  await assert.rejects(administer(plain, 'admin', 'the owners password', []), (e: unknown) => e instanceof AuthError && e.text === 'not an administrator');
});

test('user administration: the password rules answer each request, an administrator\'s own key is out of reach', async () => {
  const { w } = await administered();
  const replies = await administer(w, 'admin', 'the owners password', [
    { op: 'set', name: b('nas1'), password: b('short') },
    { op: 'set', name: b('nas-user'), password: b('nas-user') },
    { op: 'set', name: b('admin'), password: b('taken over by a relay') },
    { op: 'remove', name: b('admin'), password: new Uint8Array(0) },
    { op: 'set', name: b('nas1'), password: b('a NAS password') },
  ]);
  assert.deepEqual(replies, ['password too short', 'password is the user name', 'an administrator changes their own password', 'an administrator changes their own password', 'ok']);
  const run = await login(w, 'admin', 'the owners password');
  run.client.finish(run.server.finish(run.toServer));
});

test('user administration: a replayed request ends the conversation, and one conversation carries a bounded number', async () => {
  const { w } = await administered();
  const c = new UserAdminClient({ admin: b('admin'), password: b('the owners password') });
  const as = new Conversation(w.deps, '192.0.2.7', 'relay');
  c.open((await as.handle(c.confirm((await as.handle(await c.request(DOM))).reply))).reply);
  const first = c.userRequest({ op: 'set', name: b('nas1'), password: b('a NAS password') });
  c.done((await as.handle(first)).reply);
  const replayed = await as.handle(first);
  assert.equal(replayed.close, true);
  assert.throws(() => c.done(replayed.reply), /auth failed/);

  const many = Array.from({ length: MAX_USER_REQUESTS }, (_, i) => ({ op: 'set' as const, name: b(`nas${i}`), password: b('a NAS password') }));
  const d = new UserAdminClient({ admin: b('admin'), password: b('the owners password') });
  const as2 = new Conversation(w.deps, '192.0.2.7', 'relay');
  d.open((await as2.handle(d.confirm((await as2.handle(await d.request(DOM))).reply))).reply);
  let last: { close: boolean } = { close: false };
  for (const ur of many) last = await as2.handle(d.userRequest(ur));
  assert.equal(last.close, true, `the ${MAX_USER_REQUESTS}th request ends the conversation`);
});

test('user administration: the label code administers nobody, even inside the setup window', async () => {
  const { w } = await unclaimed('MPN4NAMMKYV96D');
  const key = (n: Uint8Array): string => Buffer.from(n).toString('latin1');
  w.deps = { ...w.deps, users: { mayAdminister: (n) => key(n) === 'admin', setKey: (n, k) => void w.users.set(key(n), k), remove: () => false } };
  await assert.rejects(administer(w, 'admin', 'MPN4NAMMKYV96D', [{ op: 'set', name: b('nas1'), password: b('a NAS password') }]), (e: unknown) => e instanceof AuthError && e.text === 'bad ticket request');
  assert.equal(w.users.has('nas1'), false);
});
