// The database-backed NUT credential check: roles, unknown users that cost what wrong passwords cost, the
// throttle in front of every check, legacy client entries, and the event log (never a password in it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../storage/database.ts';
import { DbAuthorizer, type EventSink } from './authorizer.ts';
import { PrincipalStore } from './principals.ts';
import { LoginThrottle } from './throttle.ts';
import { createVerifier, DEFAULT_SCRYPT } from './verifier.ts';
import { noRoles, rolesFromUserConfig } from './roles.ts';
import type { Right } from '../nut/commands.ts';
import { setLogSink } from '../util/log.ts';

const FAST = { N: 1024, r: 8, p: 1 };
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
/** what the tokenizer hands over for bytes a client sent */
const word = (s: string): string => utf8(s).toString('latin1');
const LOGIN: Right = { kind: 'action', action: 'login' };
const PRIMARY: Right = { kind: 'action', action: 'primary' };
const FSD: Right = { kind: 'action', action: 'fsd' };
const SET: Right = { kind: 'action', action: 'set' };
const cmd = (command: string): Right => ({ kind: 'instcmd', command });
const peer = (address: string, port = 40000): { address: string; port: number; closed: boolean } => ({ address, port, closed: false });

interface Recorded {
  kind: string;
  source: string | undefined;
  detail: string | undefined;
}

const logLines: string[] = [];
setLogSink((line) => logLines.push(line));

function setup(t: { after(fn: () => void): void }): { db: Db; store: PrincipalStore; events: Recorded[]; sink: EventSink } {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-authorizer-'));
  const db = openDatabase(join(dir, 'data'), join(dir, 'cache'));
  t.after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const events: Recorded[] = [];
  return { db, store: new PrincipalStore(db), events, sink: { record: (kind, source, detail) => events.push({ kind, source, detail }) } };
}

async function addUser(store: PrincipalStore, name: string, password: string, roles = noRoles()): Promise<void> {
  store.add(utf8(name), await createVerifier(utf8(password), FAST), roles);
}

test('the right password gets exactly the rights the roles give', async (t) => {
  const { store, sink } = setup(t);
  await addUser(store, 'admin', 'adminpass', rolesFromUserConfig({ actions: ['SET', 'FSD'], instcmds: ['ALL'] }));
  await addUser(store, 'monsec', 'secret', rolesFromUserConfig({ upsmon: 'secondary' }));
  const auth = await DbAuthorizer.create({ store, events: sink, scrypt: FAST });
  const p = peer('192.168.1.5');
  assert.equal(await auth.allowed('admin', 'adminpass', SET, p), true);
  assert.equal(await auth.allowed('admin', 'adminpass', cmd('load.off'), p), true);
  assert.equal(await auth.allowed('admin', 'adminpass', LOGIN, p), false, 'no upsmon role: no LOGIN (Appendix A)');
  assert.equal(await auth.allowed('monsec', 'secret', LOGIN, p), true);
  assert.equal(await auth.allowed('monsec', 'secret', PRIMARY, p), false);
  assert.equal(await auth.allowed('monsec', 'secret', FSD, p), false);
});

test('a wrong password, an unknown user and a disabled user are all refused and logged as failed logins', async (t) => {
  const { store, sink, events } = setup(t);
  await addUser(store, 'admin', 'adminpass', rolesFromUserConfig({ actions: ['SET'] }));
  await addUser(store, 'off', 'offpass', rolesFromUserConfig({ actions: ['SET'] }));
  store.setStatus(utf8('off'), 'disabled');
  const auth = await DbAuthorizer.create({ store, events: sink, scrypt: FAST });
  logLines.length = 0;
  assert.equal(await auth.allowed('admin', 'Adminpass', SET, peer('10.1.1.1', 5555)), false);
  assert.equal(await auth.allowed('nobody', 'adminpass', SET, peer('10.1.1.2', 5556)), false);
  assert.equal(await auth.allowed('off', 'offpass', SET, peer('::ffff:10.1.1.3', 5557)), false);
  assert.deepEqual(
    events.map((e) => [e.kind, e.source, e.detail]),
    [
      ['login-failed', '10.1.1.1:5555', 'user admin: wrong password (for SET)'],
      ['login-failed', '10.1.1.2:5556', 'user nobody: unknown user (for SET)'],
      ['login-failed', '::ffff:10.1.1.3:5557', 'user off: user disabled (for SET)'],
    ],
  );
  assert.equal(logLines.filter((l) => / warn auth: .*failed login/.test(l)).length, 3);
  for (const text of [...logLines, ...events.map((e) => `${e.source} ${e.detail}`)]) {
    assert.equal(/Adminpass|adminpass|offpass/.test(text), false, text);
  }
});

test('names and passwords are matched as the bytes the client sent', async (t) => {
  const { store, sink } = setup(t);
  const name = 'we ird "nâme" #1 \\';
  const password = 'p a"s#s\\wörd ✓';
  await addUser(store, name, password, rolesFromUserConfig({ upsmon: 'secondary' }));
  const auth = await DbAuthorizer.create({ store, events: sink, scrypt: FAST });
  assert.equal(await auth.allowed(word(name), word(password), LOGIN, peer('10.0.0.1')), true);
  // what a client that dropped the non-ASCII bytes (as upsd's tokenizer does) would present
  assert.equal(await auth.allowed(word('we ird "nme" #1 \\'), word(password), LOGIN, peer('10.0.0.1')), false);
  assert.equal(await auth.allowed(word(name), word('p a"s#s\\wrd '), LOGIN, peer('10.0.0.1')), false);
  // latin1 text is not the same bytes as UTF-8 text
  assert.equal(await auth.allowed(name, password.replace('✓', ''), LOGIN, peer('10.0.0.1')), false);
});

test('a change made through another connection applies to the very next check', async (t) => {
  const { store, sink, db } = setup(t);
  const auth = await DbAuthorizer.create({ store, events: sink, scrypt: FAST });
  const other = openDatabase(db.name.replace(/walnut\.db$/, ''), '/nonexistent-cache');
  t.after(() => other.close());
  const cli = new PrincipalStore(other);
  const p = peer('10.0.0.1');
  assert.equal(await auth.allowed('late', 'pw', SET, p), false);
  cli.add(utf8('late'), await createVerifier(utf8('pw'), FAST), rolesFromUserConfig({ actions: ['SET'] }));
  assert.equal(await auth.allowed('late', 'pw', SET, p), true);
  assert.equal(await auth.allowed('late', 'pw', cmd('load.off'), p), false);
  cli.setRoles(utf8('late'), { instcmds: new Set(['load.off']) });
  assert.equal(await auth.allowed('late', 'pw', cmd('load.off'), p), true);
  cli.setPassword(utf8('late'), await createVerifier(utf8('new'), FAST));
  assert.equal(await auth.allowed('late', 'pw', SET, p), false);
  assert.equal(await auth.allowed('late', 'new', SET, p), true);
  cli.remove(utf8('late'));
  assert.equal(await auth.allowed('late', 'new', SET, p), false);
});

test('an unknown user costs what a wrong password costs (one scrypt at the default cost)', async (t) => {
  const { store } = setup(t);
  store.add(utf8('admin'), await createVerifier(utf8('adminpass')), rolesFromUserConfig({ actions: ['SET'] }));
  const auth = await DbAuthorizer.create({ store, throttle: new LoginThrottle({ freeFailures: 1000 }) });
  const time = async (user: string): Promise<number> => {
    const start = process.hrtime.bigint();
    assert.equal(await auth.allowed(user, 'wrong', SET, peer('10.0.0.1')), false);
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  const wrong: number[] = [];
  const unknown: number[] = [];
  for (let i = 0; i < 8; i++) {
    wrong.push(await time('admin'));
    unknown.push(await time(`nobody${i}`));
  }
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[xs.length >> 1]!;
  const [w, u] = [median(wrong), median(unknown)];
  assert.ok(w > 30, `a check runs scrypt at N=${DEFAULT_SCRYPT.N} (took ${w} ms)`);
  assert.ok(Math.abs(w - u) / w < 0.25, `wrong password ${w.toFixed(1)} ms vs unknown user ${u.toFixed(1)} ms`);
});

test('failures slow their source down exponentially; another source is not slowed', async (t) => {
  const { store, sink, events } = setup(t);
  await addUser(store, 'admin', 'adminpass', rolesFromUserConfig({ actions: ['SET'] }));
  const slept: [string, number][] = [];
  let current = '';
  const auth = await DbAuthorizer.create({
    store,
    events: sink,
    scrypt: FAST,
    throttle: new LoginThrottle({ freeFailures: 2, baseDelayMs: 10, maxDelayMs: 80 }),
    sleep: async (ms) => void slept.push([current, ms]),
  });
  for (let i = 0; i < 8; i++) {
    current = 'attacker';
    assert.equal(await auth.allowed('admin', `guess${i}`, SET, peer('10.6.6.6')), false);
  }
  current = 'user';
  assert.equal(await auth.allowed('admin', 'adminpass', SET, peer('10.0.0.7')), true);
  assert.deepEqual(slept, [
    ['attacker', 10],
    ['attacker', 20],
    ['attacker', 40],
    ['attacker', 80],
    ['attacker', 80],
    ['attacker', 80],
  ]);
  assert.equal(events.filter((e) => e.kind === 'login-throttled').length, 1);
  assert.equal(events.filter((e) => e.kind === 'login-failed').length, 8);
});

test('concurrent attempts from one source are checked one at a time; other sources run alongside', async (t) => {
  const { store } = setup(t);
  const order: string[] = [];
  // the database read marks where each check starts
  const spy = Object.assign(Object.create(store) as PrincipalStore, {
    find: (name: Uint8Array) => {
      order.push('check starts');
      return store.find(name);
    },
  });
  const auth = await DbAuthorizer.create({ store: spy, scrypt: FAST, throttle: new LoginThrottle({ freeFailures: 1000 }) });
  const attempt = async (label: string, address: string): Promise<void> => {
    await auth.allowed('x', 'y', SET, peer(address));
    order.push(`end ${label}`);
  };
  await Promise.all([attempt('a1', '10.0.0.1'), attempt('a2', '10.0.0.1'), attempt('b1', '10.0.0.2')]);
  const starts = order.flatMap((e, i) => (e === 'check starts' ? [i] : []));
  assert.equal(starts.length, 3, order.join(', '));
  assert.ok(starts[1]! < order.indexOf('end a1'), `b1 is checked while a1 is: ${order.join(', ')}`);
  assert.ok(order.indexOf('end a1') < starts[2]!, `a2 waits for a1: ${order.join(', ')}`);
});

test('an attempt whose connection closed while it waited is dropped without a check or a count', async (t) => {
  const { store, events, sink } = setup(t);
  const throttle = new LoginThrottle({ freeFailures: 0, baseDelayMs: 5, maxDelayMs: 5 });
  const p = peer('10.0.0.9');
  const auth = await DbAuthorizer.create({
    store,
    events: sink,
    scrypt: FAST,
    throttle,
    sleep: async () => {
      p.closed = true;
    },
  });
  throttle.failure('10.0.0.9', 'x');
  const before = throttle.sourceFailures('10.0.0.9');
  assert.equal(await auth.allowed('x', 'y', SET, p), false);
  assert.equal(events.filter((e) => e.kind === 'login-failed').length, 0);
  assert.ok(throttle.sourceFailures('10.0.0.9') <= before);
});

test('a legacy client works only from its addresses, only as upsmon secondary, and every use is logged', async (t) => {
  const { store, sink, events } = setup(t);
  const auth = await DbAuthorizer.create({
    store,
    events: sink,
    scrypt: FAST,
    legacyClients: [{ username: 'monuser', password: 'secret', from: ['192.168.1.10', '10.0.0.0/24', '::1'] }],
  });
  logLines.length = 0;
  assert.equal(await auth.allowed('monuser', 'secret', LOGIN, peer('192.168.1.10', 1001)), true);
  assert.equal(await auth.allowed('monuser', 'secret', LOGIN, peer('::ffff:10.0.0.77', 1002)), true);
  assert.equal(await auth.allowed('monuser', 'secret', LOGIN, peer('::1', 1003)), true);
  for (const right of [PRIMARY, FSD, SET, cmd('load.off')]) {
    assert.equal(await auth.allowed('monuser', 'secret', right, peer('192.168.1.10', 1004)), false, JSON.stringify(right));
  }
  assert.equal(await auth.allowed('monuser', 'secret', LOGIN, peer('192.168.1.11', 1005)), false);
  assert.equal(await auth.allowed('monuser', 'wrong', LOGIN, peer('192.168.1.10', 1006)), false);
  assert.deepEqual(
    events.map((e) => [e.kind, e.source, e.detail]),
    [
      ['legacy-login', '192.168.1.10:1001', 'legacy client monuser (upsmon secondary only): LOGIN allowed'],
      ['legacy-login', '::ffff:10.0.0.77:1002', 'legacy client monuser (upsmon secondary only): LOGIN allowed'],
      ['legacy-login', '::1:1003', 'legacy client monuser (upsmon secondary only): LOGIN allowed'],
      ['legacy-login', '192.168.1.10:1004', 'legacy client monuser (upsmon secondary only): PRIMARY refused'],
      ['legacy-login', '192.168.1.10:1004', 'legacy client monuser (upsmon secondary only): FSD refused'],
      ['legacy-login', '192.168.1.10:1004', 'legacy client monuser (upsmon secondary only): SET refused'],
      ['legacy-login', '192.168.1.10:1004', 'legacy client monuser (upsmon secondary only): INSTCMD load.off refused'],
      ['login-failed', '192.168.1.11:1005', 'user monuser: legacy client not allowed from this address (for LOGIN)'],
      ['login-failed', '192.168.1.10:1006', 'user monuser: wrong password for a legacy client (for LOGIN)'],
    ],
  );
  assert.equal(logLines.filter((l) => / warn auth: .*legacy client monuser/.test(l)).length, 7);
  assert.equal(logLines.some((l) => l.includes('secret')), false);
});

test('away from its addresses a legacy name is an ordinary database user, if there is one', async (t) => {
  const { store, sink } = setup(t);
  await addUser(store, 'monuser', 'long-random-password', rolesFromUserConfig({ upsmon: 'primary' }));
  const auth = await DbAuthorizer.create({
    store,
    events: sink,
    scrypt: FAST,
    legacyClients: [{ username: 'monuser', password: 'secret', from: ['192.168.1.10'] }],
  });
  assert.equal(await auth.allowed('monuser', 'secret', LOGIN, peer('192.168.1.10')), true);
  assert.equal(await auth.allowed('monuser', 'long-random-password', FSD, peer('192.168.1.10')), false);
  assert.equal(await auth.allowed('monuser', 'secret', LOGIN, peer('192.168.1.99')), false);
  assert.equal(await auth.allowed('monuser', 'long-random-password', FSD, peer('192.168.1.99')), true);
});

test('a verifier made at a lower cost is re-derived at the current cost after a successful check', async (t) => {
  const { store } = setup(t);
  store.add(utf8('old'), await createVerifier(utf8('pw'), { N: 256, r: 8, p: 1 }), rolesFromUserConfig({ actions: ['SET'] }));
  const auth = await DbAuthorizer.create({ store, scrypt: FAST });
  assert.equal(await auth.allowed('old', 'wrong', SET, peer('10.0.0.1')), false);
  assert.deepEqual(store.find(utf8('old'))!.verifier!.params, { N: 256, r: 8, p: 1 }, 'a wrong password upgrades nothing');
  assert.equal(await auth.allowed('old', 'pw', SET, peer('10.0.0.1')), true);
  for (let i = 0; i < 100 && store.find(utf8('old'))!.verifier!.params.N !== FAST.N; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(store.find(utf8('old'))!.verifier!.params, FAST);
  assert.equal(await auth.allowed('old', 'pw', SET, peer('10.0.0.1')), true);
});

test('later actions on one connection reuse its check, while status, roles and keys are still read every time', async (t) => {
  const { store, sink, events } = setup(t);
  store.add(utf8('ops'), await createVerifier(utf8('pw')), rolesFromUserConfig({ upsmon: 'secondary' }));
  const throttle = new LoginThrottle();
  const auth = await DbAuthorizer.create({ store, events: sink, throttle });
  const session = peer('10.0.0.1');
  const timed = async (fn: () => Promise<boolean>): Promise<[boolean, number]> => {
    const start = process.hrtime.bigint();
    const ok = await fn();
    return [ok, Number(process.hrtime.bigint() - start) / 1e6];
  };
  const [first, slow] = await timed(() => auth.allowed('ops', 'pw', LOGIN, session));
  const [again, fast] = await timed(() => auth.allowed('ops', 'pw', PRIMARY, session));
  assert.deepEqual([first, again], [true, false]);
  assert.ok(slow > 30 && fast < slow / 4, `first check ${slow.toFixed(1)} ms, the next ${fast.toFixed(1)} ms`);

  store.setRoles(utf8('ops'), { upsmon: 'primary' });
  assert.equal(await auth.allowed('ops', 'pw', PRIMARY, session), true, 'a grant applies to the open connection');
  store.setStatus(utf8('ops'), 'disabled');
  assert.equal(await auth.allowed('ops', 'pw', LOGIN, session), false, 'disabling applies to the open connection');
  store.setStatus(utf8('ops'), 'active');
  assert.equal(await auth.allowed('ops', 'pw', LOGIN, session), true);
  store.setPassword(utf8('ops'), await createVerifier(utf8('new'), FAST));
  assert.equal(await auth.allowed('ops', 'pw', LOGIN, session), false, 'a new password applies to the open connection');
  assert.equal(await auth.allowed('ops', 'pw', LOGIN, peer('10.0.0.1')), false);
  assert.equal(events.filter((e) => e.kind === 'login-failed').length, 3);
});

test('a wrong password repeated on one connection is logged each time but counted once', async (t) => {
  const { store, sink, events } = setup(t);
  await addUser(store, 'admin', 'adminpass', rolesFromUserConfig({ actions: ['SET'] }));
  const throttle = new LoginThrottle();
  const auth = await DbAuthorizer.create({ store, events: sink, scrypt: FAST, throttle });
  const session = peer('10.0.0.2');
  for (let i = 0; i < 10; i++) assert.equal(await auth.allowed('admin', 'wrong', SET, session), false);
  assert.equal(Math.round(throttle.sourceFailures('10.0.0.2')), 1, 'one guess, however often it is repeated');
  assert.equal(events.filter((e) => e.kind === 'login-failed').length, 10);
  assert.equal(await auth.allowed('admin', 'wrong', SET, peer('10.0.0.2')), false);
  assert.equal(Math.round(throttle.sourceFailures('10.0.0.2')), 2, 'a new connection is a new guess');
});
