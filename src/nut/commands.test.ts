// The command handlers against docs/nut-protocol.md §2-§4 and the upsd 2.8.0 transcripts of Appendix A, with a real
// CommandContext (assembled by NutServer, as `walnut serve` does), real UpsModels, a real TrackingTable and
// the Appendix A users checked in memory with walnut's role rules (src/auth/roles.ts; the database-backed
// authorizer is tested beside it in src/auth/). Each request line goes through the real tokenizer first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execute, type AuditEvent, type Authorizer, type CommandContext, type Right } from './commands.ts';
import { NUT_ERROR_CODES, NutError } from './errors.ts';
import { fitsReplyLine } from './encode.ts';
import { NutServer } from './server.ts';
import { newSession, type Session } from './session.ts';
import { requestTokenizer, tokenizeRequest } from './credential-words.ts';
import type { TokenizerEvent } from './tokenizer.ts';
import { TrackingTable } from './tracking.ts';
import { allows, rolesFromUserConfig, type Roles } from '../auth/roles.ts';
import { BUILD } from '../util/build-info.ts';
import type { UserConfig } from '../auth/config-migration.ts';
import { describeCommand, describeVariable } from '../ups/descriptions.ts';
import { UpsModel, type DeviceControl } from '../ups/model.ts';

// As `walnut serve` builds them (src/cli/serve.ts).
const SERVER_INFO = `walnut ${BUILD.version} - NUT protocol 1.3 server`;
const SERVER_VERSION = BUILD.version;

/** The upsd.users of Appendix A, in walnut's config form. */
const USERS: Record<string, UserConfig> = {
  admin: { password: 'adminpass', actions: ['SET', 'FSD'], instcmds: ['ALL'] },
  monprimary: { password: 'primpass', upsmon: 'primary' },
  monsec: { password: 'secret', upsmon: 'secondary' },
  setonly: { password: 'setpass', actions: ['set'], instcmds: ['test.battery.start'] },
};

/** Appendix A's upsd.users in memory: plain passwords (test data), the production role rules. */
class AppendixUsers implements Authorizer {
  private readonly users = new Map<string, { password: string; roles: Roles }>();

  constructor(users: Record<string, UserConfig>) {
    for (const [name, u] of Object.entries(users)) this.users.set(name, { password: u.password, roles: rolesFromUserConfig(u) });
  }

  allowed(username: string, password: string, right: Right): boolean {
    const user = this.users.get(username);
    return user !== undefined && user.password === password && allows(user.roles, right);
  }
}

/** A device that records what it was asked and ends each request as `mode` says. */
class RecordingControl implements DeviceControl {
  readonly calls: string[] = [];
  /** ok: resolves; reject: rejects; throw: fails synchronously (no link); hold: waits for release() */
  mode: 'ok' | 'reject' | 'throw' | 'hold' = 'ok';
  private held: { resolve: () => void; reject: (e: Error) => void }[] = [];

  setVariable(name: string, value: string): Promise<void> {
    this.calls.push(`set ${name}=${value}`);
    return this.outcome();
  }

  runCommand(name: string, parameter: string | undefined): Promise<void> {
    this.calls.push(parameter === undefined ? `cmd ${name}` : `cmd ${name} ${parameter}`);
    return this.outcome();
  }

  release(ok: boolean): void {
    for (const h of this.held.splice(0)) {
      if (ok) h.resolve();
      else h.reject(new Error('device refused'));
    }
  }

  private outcome(): Promise<void> {
    switch (this.mode) {
      case 'ok':
        return Promise.resolve();
      case 'reject':
        return Promise.reject(new Error('device refused'));
      case 'throw':
        throw new Error('no link to the device');
      case 'hold':
        return new Promise((resolve, reject) => this.held.push({ resolve, reject }));
    }
  }
}

interface Harness {
  ctx: CommandContext;
  myups: UpsModel;
  second: UpsModel;
  control: RecordingControl;
  tracking: TrackingTable;
  audits: AuditEvent[];
  clock: { now: number };
  connect(address?: string): Session;
}

let nextPort = 40000;

function harness(options: { startTls?: (s: Session) => void; authorizer?: Authorizer } = {}): Harness {
  const clock = { now: 1_700_000_000_000 };
  const now = (): number => clock.now;
  const control = new RecordingControl();

  // `myups` is Appendix A's dummy-ups, with one variable of each kind GET TYPE and SET VAR distinguish.
  const myups = new UpsModel({ name: 'myups', description: 'Test "quoted" UPS #1 back\\slash', now });
  myups.setVariable('ups.status', 'OL');
  myups.setVariable('ups.mfr', 'Dummy'); // read-only
  myups.setVariable('ups.model', 'Back-UPS "XS" #1 \\ edition');
  myups.setVariable('ups.id', 'MyId', { writable: true, maxLength: 16 });
  myups.setVariable('battery.charge', '100', { writable: true }); // RW NUMBER
  myups.setVariable('input.sensitivity', 'medium', { writable: true, maxLength: 10, enumValues: ['medium', 'low', 'high'] });
  myups.setVariable('input.transfer.low', '90', { writable: true, ranges: [{ min: 80, max: 100 }, { min: 110, max: 120 }] });
  myups.setVariable('ups.delay.shutdown', '20', { writable: true, maxLength: 10, ranges: [{ min: 0, max: 600 }] });
  myups.setVariable('input.frequency.nominal', '50', { writable: true, enumValues: ['50', '60'], ranges: [{ min: 45, max: 65 }] });
  myups.setVariable('device.location', '', { writable: true, maxLength: 0 }); // a driver bug: no room at all
  for (const c of ['test.battery.start', 'load.off', 'load.on', 'beeper.toggle']) myups.addCommand(c);
  myups.control = control;
  myups.markConnected();

  // `second` reports OB LB and has no desc=.
  const second = new UpsModel({ name: 'second', now });
  second.setVariable('ups.status', 'OB LB');
  second.setVariable('ups.id', 'Second', { writable: true, maxLength: 16 });
  second.addCommand('load.off');
  second.control = control;
  second.markConnected();

  const all = [myups, second];
  const tracking = new TrackingTable({ now });
  const audits: AuditEvent[] = [];
  const server = new NutServer({
    context: {
      serverInfo: SERVER_INFO,
      serverVersion: SERVER_VERSION,
      findUps: (name) => all.find((u) => u.name.toLowerCase() === name.toLowerCase()),
      upsList: () => all,
      authorizer: options.authorizer ?? new AppendixUsers(USERS),
      tracking,
      ...(options.startTls ? { startTls: options.startTls } : {}),
    },
    limits: {
      idleTimeoutMs: 300_000,
      maxConnections: 100,
      outputHighWaterBytes: 65_536,
      writeStallMs: 30_000,
      maxPendingInputBytes: 262_144,
      maxConsecutiveErrors: 20,
    },
    onAudit: (e) => audits.push(e),
  });
  return {
    ctx: server.context,
    myups,
    second,
    control,
    tracking,
    audits,
    clock,
    connect: (address = '127.0.0.1') => newSession(address, nextPort++),
  };
}

/** Every reply line any test saw, to check at the end that each error code was produced somewhere. */
const seenReplies = new Set<string>();

/** Runs one request line, as the server would: tokenize, execute, and an error becomes its ERR line. */
async function ask(ctx: CommandContext, session: Session, line: string): Promise<string[]> {
  const ev = tokenizeRequest(line);
  assert.equal(ev.kind, 'line', `request ${JSON.stringify(line)} did not tokenize`);
  const lines = await answer(ctx, session, ev.kind === 'line' ? ev.words : []);
  for (const l of lines) seenReplies.add(l);
  return lines;
}

async function answer(ctx: CommandContext, session: Session, words: readonly string[]): Promise<string[]> {
  try {
    const reply = await execute(ctx, session, words);
    return typeof reply === 'string' ? [reply] : [...reply];
  } catch (err) {
    if (err instanceof NutError) return [err.wire];
    throw err;
  }
}

type Exchange = [request: string, reply: string | string[]];

/** Sends each request in order on one session and checks each reply exactly. */
async function converse(ctx: CommandContext, session: Session, exchanges: readonly Exchange[]): Promise<void> {
  for (const [request, expected] of exchanges) {
    assert.deepEqual(await ask(ctx, session, request), typeof expected === 'string' ? [expected] : expected, `C: ${request}`);
  }
}

/** A session that sent USERNAME and PASSWORD (which upsd accepts whatever they are). */
async function as(h: Harness, user: string, password: string, address?: string): Promise<Session> {
  const s = h.connect(address);
  await converse(h.ctx, s, [
    [`USERNAME ${user}`, 'OK'],
    [`PASSWORD ${password}`, 'OK'],
  ]);
  return s;
}

/** Lets promise callbacks (device outcomes) run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const TRACKING_ID = /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/;

function trackingId(reply: string[]): string {
  assert.equal(reply.length, 1);
  const m = /^OK TRACKING (.*)$/.exec(reply[0]!);
  assert.ok(m, `expected OK TRACKING <id>, got ${reply[0]}`);
  assert.equal(m[1]!.length, 36);
  assert.match(m[1]!, TRACKING_ID);
  return m[1]!;
}

// ---------------------------------------------------------------------------------------------------------
// Appendix A, anonymous access and argument errors

test('Appendix A anonymous requests get the replies upsd 2.8.0 gave (walnut names itself in server.version)', async () => {
  const h = harness();
  await converse(h.ctx, h.connect(), [
    ['GET VAR myups ups.status', 'VAR myups ups.status "OL"'],
    ['get var MYUPS UPS.STATUS', 'VAR MYUPS UPS.STATUS "OL"'],
    ['GET VAR nosuch server.version', `VAR nosuch server.version "${SERVER_VERSION}"`],
    ['GET VAR myups server.foo', 'ERR VAR-NOT-SUPPORTED'],
    ['GET VAR myups nosuch.var', 'ERR VAR-NOT-SUPPORTED'],
    ['GET VAR nosuch ups.status', 'ERR UNKNOWN-UPS'],
    ['GET VAR myups', 'ERR INVALID-ARGUMENT'],
    ['GET', 'ERR INVALID-ARGUMENT'],
    ['GET FOO a b', 'ERR INVALID-ARGUMENT'],
    ['GET TYPE myups nosuch', 'ERR VAR-NOT-SUPPORTED'],
    ['GET DESC myups nosuch.var', 'DESC myups nosuch.var "Description unavailable"'],
    ['GET UPSDESC second', 'UPSDESC second "Unavailable"'],
    ['GET NUMLOGINS myups', 'NUMLOGINS myups 0'],
    ['LIST ENUM myups nosuch', 'ERR VAR-NOT-SUPPORTED'],
    ['LIST CLIENTS myups', 'ERR INVALID-ARGUMENT'],
    ['LIST VAR nosuch', 'ERR UNKNOWN-UPS'],
    ['FOO', 'ERR UNKNOWN-COMMAND'],
    ['', 'ERR UNKNOWN-COMMAND'],
    ['VER extra', 'ERR INVALID-ARGUMENT'],
    ['STARTTLS', 'ERR FEATURE-NOT-CONFIGURED'],
  ]);
});

test('Appendix A tokenizer edge cases get the replies upsd 2.8.0 gave', async () => {
  const h = harness();
  await converse(h.ctx, h.connect(), [
    ['GET VAR "myups" "ups.status"', 'VAR myups ups.status "OL"'],
    ['GET\tVAR\tmyups\tups.status', 'VAR myups ups.status "OL"'],
    ['GET VAR myups ups.status # comment', 'VAR myups ups.status "OL"'],
    ['GET VAR myups=ups.status', 'ERR VAR-NOT-SUPPORTED'],
    ['GET VAR my\xe9ups ups.st\x01atus', 'VAR myups ups.status "OL"'],
    ['ver\r', SERVER_INFO],
    ['   ', 'ERR UNKNOWN-COMMAND'],
    ['# only a comment', 'ERR UNKNOWN-COMMAND'],
  ]);
});

/** Feeds raw bytes, in the given pushes, through one tokenizer and answers each event like the server. */
async function replay(h: Harness, session: Session, ...pushes: string[]): Promise<(string[] | 'parse-error')[]> {
  const t = requestTokenizer();
  const events: TokenizerEvent[] = [];
  for (const p of pushes) t.push(Buffer.from(p, 'latin1'), (ev) => void events.push(ev));
  const out: (string[] | 'parse-error')[] = [];
  for (const ev of events) out.push(ev.kind === 'line' ? await answer(h.ctx, session, ev.words) : 'parse-error');
  return out;
}

test('a request split across two packets is answered once it is complete', async () => {
  const h = harness();
  assert.deepEqual(await replay(h, h.connect(), 'GET VAR myups battery.ch', 'arge\n'), [['VAR myups battery.charge "100"']]);
});

test('an unescaped # in quotes is a parse error and the pipelined requests after it are still answered', async () => {
  // upsd answers nothing and drops VER and NETVER; walnut reports the bad line (the server sends
  // ERR INVALID-ARGUMENT for it) and answers the rest.
  const h = harness();
  assert.deepEqual(await replay(h, h.connect(), 'GET VAR myups "ups.sta#tus"\nVER\nNETVER\n'), [
    'parse-error',
    [SERVER_INFO],
    ['1.3'],
  ]);
});

test('32 words reach the handler and the rest are dropped, so INSTCMD with 40 words has no parameter', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  const extra = Array.from({ length: 36 }, (_, i) => `p${i}`).join(' ');
  assert.deepEqual(await replay(h, s, `INSTCMD myups load.off ${extra}\n`), [['OK']]);
  assert.deepEqual(h.control.calls, ['cmd load.off']);
});

// ---------------------------------------------------------------------------------------------------------
// Misc commands (§2.2)

test('VER, NETVER, PROTVER and HELP answer and refuse any argument', async () => {
  const h = harness();
  await converse(h.ctx, h.connect(), [
    ['VER', SERVER_INFO],
    ['NETVER', '1.3'],
    ['PROTVER', '1.3'],
    ['netver', '1.3'],
    ['HELP', 'Commands: HELP VER PROTVER GET LIST SET INSTCMD LOGIN LOGOUT USERNAME PASSWORD STARTTLS'],
    ['NETVER x', 'ERR INVALID-ARGUMENT'],
    ['PROTVER x', 'ERR INVALID-ARGUMENT'],
    ['HELP me', 'ERR INVALID-ARGUMENT'],
  ]);
});

test('VER and server.info report walnut, not upsd', async () => {
  const h = harness();
  const s = h.connect();
  const [ver] = await ask(h.ctx, s, 'VER');
  assert.match(ver!, /^walnut /);
  assert.doesNotMatch(ver!, /upsd|2\.8\.0/);
  assert.deepEqual(await ask(h.ctx, s, 'GET VAR myups server.info'), [`VAR myups server.info "${SERVER_INFO}"`]);
  assert.deepEqual(await ask(h.ctx, s, 'GET VAR myups SERVER.VERSION'), [`VAR myups SERVER.VERSION "${SERVER_VERSION}"`]);
});

test('commands that do not exist in protocol 1.3 are unknown', async () => {
  const h = harness();
  await converse(h.ctx, h.connect(), [
    ['ATTACH myups', 'ERR UNKNOWN-COMMAND'],
    ['DETACH myups', 'ERR UNKNOWN-COMMAND'],
    ['REQ myups ups.status', 'ERR UNKNOWN-COMMAND'],
    ['LISTVARS myups', 'ERR UNKNOWN-COMMAND'],
    ['GETVAR', 'ERR UNKNOWN-COMMAND'],
  ]);
});

test('STARTTLS answers OK STARTTLS when TLS can start, and ALREADY-SSL-MODE inside TLS', async () => {
  const started: Session[] = [];
  const h = harness({ startTls: (s) => void started.push(s) });
  const s = h.connect();
  assert.deepEqual(await ask(h.ctx, s, 'STARTTLS ignored args'), ['OK STARTTLS']);
  assert.deepEqual(started, [s]);
  s.tls = true;
  assert.deepEqual(await ask(h.ctx, s, 'STARTTLS'), ['ERR ALREADY-SSL-MODE']);
  assert.equal(started.length, 1);
});

test('STARTTLS passes on the reason TLS cannot start', async () => {
  const h = harness({
    startTls: () => {
      throw new NutError('FEATURE-NOT-SUPPORTED');
    },
  });
  assert.deepEqual(await ask(h.ctx, h.connect(), 'STARTTLS'), ['ERR FEATURE-NOT-SUPPORTED']);
});

test('LOGOUT says goodbye and asks for the connection to close; with an argument it is refused', async () => {
  const h = harness();
  const s = h.connect();
  assert.deepEqual(await ask(h.ctx, s, 'LOGOUT now'), ['ERR INVALID-ARGUMENT']);
  assert.equal(s.closeAfterReply, false);
  assert.deepEqual(await ask(h.ctx, s, 'logout'), ['OK Goodbye']);
  assert.equal(s.closeAfterReply, true);
});

// ---------------------------------------------------------------------------------------------------------
// Credentials (§2.1, §2.3) and Appendix A's login sections

test('every command that needs a login asks for USERNAME first, whatever its arguments', async () => {
  const h = harness();
  const s = h.connect();
  for (const line of [
    'LOGIN myups',
    'LOGIN',
    'LOGIN a b c',
    'PRIMARY myups',
    'PRIMARY',
    'MASTER myups',
    'FSD myups',
    'FSD',
    'SET VAR myups ups.id x',
    'SET',
    'SET TRACKING ON',
    'SET FOO',
    'INSTCMD myups load.off',
    'INSTCMD',
    'INSTCMD nosuch nosuch',
  ]) {
    assert.deepEqual(await ask(h.ctx, s, line), ['ERR USERNAME-REQUIRED'], line);
  }
  assert.deepEqual(h.control.calls, []);
});

test('after USERNAME alone, every command that needs a login asks for PASSWORD, whatever its arguments', async () => {
  const h = harness();
  const s = h.connect();
  assert.deepEqual(await ask(h.ctx, s, 'USERNAME admin'), ['OK']);
  for (const line of ['LOGIN myups', 'LOGIN', 'PRIMARY myups', 'MASTER', 'FSD myups', 'SET VAR myups ups.id x', 'SET', 'SET TRACKING ON', 'INSTCMD myups load.off', 'INSTCMD']) {
    assert.deepEqual(await ask(h.ctx, s, line), ['ERR PASSWORD-REQUIRED'], line);
  }
  assert.deepEqual(h.control.calls, []);
});

test('PASSWORD without USERNAME still leaves USERNAME required', async () => {
  const h = harness();
  await converse(h.ctx, h.connect(), [
    ['PASSWORD adminpass', 'OK'],
    ['LOGIN myups', 'ERR USERNAME-REQUIRED'],
    ['SET VAR myups ups.id x', 'ERR USERNAME-REQUIRED'],
  ]);
});

test('Appendix A: a wrong password is only reported when an action is attempted', async () => {
  const h = harness();
  await converse(h.ctx, h.connect(), [
    ['USERNAME admin', 'OK'],
    ['PASSWORD wrong', 'OK'],
    ['LOGIN myups', 'ERR ACCESS-DENIED'],
    ['SET VAR myups ups.id x', 'ERR ACCESS-DENIED'],
    ['USERNAME other', 'ERR ALREADY-SET-USERNAME'],
  ]);
  assert.deepEqual(h.control.calls, []);
});

test('USERNAME and PASSWORD take exactly one argument, accept anything, and are set once per connection', async () => {
  const h = harness();
  const s = h.connect();
  await converse(h.ctx, s, [
    ['USERNAME', 'ERR INVALID-ARGUMENT'],
    ['USERNAME a b', 'ERR INVALID-ARGUMENT'],
    ['PASSWORD', 'ERR INVALID-ARGUMENT'],
    ['PASSWORD "two words" extra', 'ERR INVALID-ARGUMENT'],
    ['USERNAME nobody-configured', 'OK'],
    ['USERNAME nobody-configured', 'ERR ALREADY-SET-USERNAME'],
    ['PASSWORD "pass with spaces"', 'OK'],
    ['PASSWORD again', 'ERR ALREADY-SET-PASSWORD'],
  ]);
  assert.equal(s.username, 'nobody-configured');
  assert.equal(s.password, 'pass with spaces');
});

test('Appendix A: admin (SET, FSD, instcmds ALL, no upsmon role) may set and run commands but not log in', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  await converse(h.ctx, s, [
    ['LOGIN myups', 'ERR ACCESS-DENIED'],
    ['PRIMARY myups', 'ERR ACCESS-DENIED'],
    ['SET VAR myups ups.id NewId', 'OK'],
    ['SET VAR myups ups.id "12345678901234567"', 'ERR TOO-LONG'],
    ['SET VAR myups ups.id', 'ERR INVALID-ARGUMENT'],
    ['INSTCMD myups load.off 5', 'OK'],
    ['INSTCMD myups nosuch.cmd', 'ERR CMD-NOT-SUPPORTED'],
    ['INSTCMD myups', 'ERR INVALID-ARGUMENT'],
    ['FSD', 'ERR INVALID-ARGUMENT'],
    ['LOGOUT', 'OK Goodbye'],
  ]);
  assert.deepEqual(h.control.calls, ['set ups.id=NewId', 'cmd load.off 5']);
  assert.equal(s.loginUps, undefined);
});

test('Appendix A: upsmon primary and secondary roles, NUMLOGINS and the FSD latch', async () => {
  const h = harness();
  const a = await as(h, 'monprimary', 'primpass');
  const b = await as(h, 'monsec', 'secret');
  const c = await as(h, 'monsec', 'secret', '::1');
  await converse(h.ctx, a, [
    ['LOGIN myups', 'OK'],
    ['PRIMARY myups', 'OK PRIMARY-GRANTED'],
    ['MASTER myups', 'OK MASTER-GRANTED'],
    ['LOGIN second', 'ERR ALREADY-LOGGED-IN'],
  ]);
  await converse(h.ctx, b, [
    ['LOGIN MYUPS', 'OK'],
    ['PRIMARY myups', 'ERR ACCESS-DENIED'],
    ['FSD myups', 'ERR ACCESS-DENIED'],
  ]);
  await converse(h.ctx, c, [['LOGIN myups', 'OK']]);
  await converse(h.ctx, a, [
    ['GET NUMLOGINS myups', 'NUMLOGINS myups 3'],
    ['FSD myups', 'OK FSD-SET'],
  ]);
  await converse(h.ctx, b, [['GET VAR myups ups.status', 'VAR myups ups.status "FSD OL"']]);
  // the login is recorded under the canonical name, whatever spelling LOGIN used
  assert.equal(b.loginUps, 'myups');
  assert.equal(h.myups.fsd, true);
  assert.equal(h.second.fsd, false);
});

test('LOGIN checks, in order: credentials, argument count, an earlier LOGIN, the UPS name, then the right', async () => {
  const h = harness();
  const wrong = await as(h, 'monsec', 'wrong');
  await converse(h.ctx, wrong, [
    ['LOGIN', 'ERR INVALID-ARGUMENT'],
    ['LOGIN myups extra', 'ERR INVALID-ARGUMENT'],
    ['LOGIN nosuch', 'ERR UNKNOWN-UPS'], // before ACCESS-DENIED
    ['LOGIN myups', 'ERR ACCESS-DENIED'],
  ]);
  const ok = await as(h, 'monsec', 'secret');
  await converse(h.ctx, ok, [
    ['LOGIN second', 'OK'],
    ['LOGIN second', 'ERR ALREADY-LOGGED-IN'],
    ['LOGIN nosuch', 'ERR ALREADY-LOGGED-IN'], // before UNKNOWN-UPS
    ['LOGIN', 'ERR INVALID-ARGUMENT'], // the count comes before ALREADY-LOGGED-IN
  ]);
});

test('a denied LOGIN is audited and does not count as a login', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  assert.deepEqual(await ask(h.ctx, s, 'LOGIN myups'), ['ERR ACCESS-DENIED']);
  assert.equal(s.loginUps, undefined);
  assert.deepEqual(await ask(h.ctx, h.connect(), 'GET NUMLOGINS myups'), ['NUMLOGINS myups 0']);
  assert.deepEqual(
    h.audits.map((e) => ({ kind: e.kind, ups: 'ups' in e ? e.ups : undefined, command: 'command' in e ? e.command : undefined })),
    [{ kind: 'denied', ups: 'myups', command: 'LOGIN' }],
  );
});

test('PRIMARY and MASTER need no LOGIN first and change no state', async () => {
  const h = harness();
  const s = await as(h, 'monprimary', 'primpass');
  await converse(h.ctx, s, [
    ['MASTER second', 'OK MASTER-GRANTED'],
    ['primary SECOND', 'OK PRIMARY-GRANTED'],
    ['PRIMARY', 'ERR INVALID-ARGUMENT'],
    ['MASTER a b', 'ERR INVALID-ARGUMENT'],
    ['PRIMARY nosuch', 'ERR UNKNOWN-UPS'],
  ]);
  assert.equal(s.loginUps, undefined);
  assert.equal(h.second.fsd, false);
  const wrong = await as(h, 'monprimary', 'nope');
  assert.deepEqual(await ask(h.ctx, wrong, 'PRIMARY nosuch'), ['ERR UNKNOWN-UPS']); // before ACCESS-DENIED
  assert.deepEqual(await ask(h.ctx, wrong, 'MASTER myups'), ['ERR ACCESS-DENIED']);
});

test('FSD checks credentials, argument count, the UPS name, then the fsd right', async () => {
  const h = harness();
  const wrong = await as(h, 'monprimary', 'nope');
  await converse(h.ctx, wrong, [
    ['FSD', 'ERR INVALID-ARGUMENT'],
    ['FSD a b', 'ERR INVALID-ARGUMENT'],
    ['FSD nosuch', 'ERR UNKNOWN-UPS'],
    ['FSD myups', 'ERR ACCESS-DENIED'],
  ]);
  assert.equal(h.myups.fsd, false);
  const admin = await as(h, 'admin', 'adminpass'); // actions FSD
  assert.deepEqual(await ask(h.ctx, admin, 'FSD Second'), ['OK FSD-SET']);
  assert.equal(h.second.fsd, true);
  assert.ok(h.audits.some((e) => e.kind === 'fsd' && e.ups === 'second'));
});

test('FSD is a latch: a second FSD is still OK and the prefix stays', async () => {
  const h = harness();
  const s = await as(h, 'monprimary', 'primpass');
  await converse(h.ctx, s, [
    ['FSD second', 'OK FSD-SET'],
    ['FSD second', 'OK FSD-SET'],
    ['GET VAR second ups.status', 'VAR second ups.status "FSD OB LB"'],
  ]);
});

// ---------------------------------------------------------------------------------------------------------
// FSD prefix, LIST framing and order (§2.4, §2.6)

test('the FSD prefix appears in GET VAR and LIST VAR but not in LIST RW, and the stored value is unchanged', async () => {
  const h = harness();
  // make ups.status writable so LIST RW would show it
  h.myups.setVariable('ups.status', 'OL', { writable: true, maxLength: 32 });
  const s = await as(h, 'monprimary', 'primpass');
  assert.deepEqual(await ask(h.ctx, s, 'FSD myups'), ['OK FSD-SET']);
  assert.deepEqual(await ask(h.ctx, s, 'GET VAR myups UPS.Status'), ['VAR myups UPS.Status "FSD OL"']);
  const listVar = await ask(h.ctx, s, 'LIST VAR myups');
  assert.ok(listVar.includes('VAR myups ups.status "FSD OL"'), listVar.join('\n'));
  const listRw = await ask(h.ctx, s, 'LIST RW myups');
  assert.ok(listRw.includes('RW myups ups.status "OL"'), listRw.join('\n'));
  assert.equal(h.myups.getVariable('ups.status')!.value, 'OL');
});

test('LIST VAR lists every variable sorted case-insensitively, values escaped, the UPS name as the client spelled it', async () => {
  const h = harness();
  assert.deepEqual(await ask(h.ctx, h.connect(), 'LIST VAR MyUps'), [
    'BEGIN LIST VAR MyUps',
    'VAR MyUps battery.charge "100"',
    'VAR MyUps device.location ""',
    'VAR MyUps input.frequency.nominal "50"',
    'VAR MyUps input.sensitivity "medium"',
    'VAR MyUps input.transfer.low "90"',
    'VAR MyUps ups.delay.shutdown "20"',
    'VAR MyUps ups.id "MyId"',
    'VAR MyUps ups.mfr "Dummy"',
    'VAR MyUps ups.model "Back-UPS \\"XS\\" \\#1 \\\\ edition"',
    'VAR MyUps ups.status "OL"',
    'END LIST VAR MyUps',
  ]);
});

test('LIST VAR and LIST CMD order names case-insensitively, not by byte value', async () => {
  const h = harness();
  for (const name of ['gamma.x', 'Beta.x', 'alpha.x', 'Delta.x']) h.second.setVariable(name, '1');
  for (const name of ['zeta.run', 'Alpha.run', 'beta.RUN', 'Gamma.run']) h.second.addCommand(name);
  const vars = await ask(h.ctx, h.connect(), 'LIST VAR second');
  assert.deepEqual(
    vars.slice(1, -1).map((l) => l.split(' ')[2]),
    ['alpha.x', 'Beta.x', 'Delta.x', 'gamma.x', 'ups.id', 'ups.status'],
  );
  assert.deepEqual(await ask(h.ctx, h.connect(), 'LIST CMD second'), [
    'BEGIN LIST CMD second',
    'CMD second Alpha.run',
    'CMD second beta.RUN',
    'CMD second Gamma.run',
    'CMD second load.off',
    'CMD second zeta.run',
    'END LIST CMD second',
  ]);
});

test('LIST RW lists only writable variables', async () => {
  const h = harness();
  assert.deepEqual(await ask(h.ctx, h.connect(), 'LIST RW myups'), [
    'BEGIN LIST RW myups',
    'RW myups battery.charge "100"',
    'RW myups device.location ""',
    'RW myups input.frequency.nominal "50"',
    'RW myups input.sensitivity "medium"',
    'RW myups input.transfer.low "90"',
    'RW myups ups.delay.shutdown "20"',
    'RW myups ups.id "MyId"',
    'END LIST RW myups',
  ]);
});

test('LIST CMD lists the commands sorted, with the UPS name as the client spelled it', async () => {
  const h = harness();
  assert.deepEqual(await ask(h.ctx, h.connect(), 'LIST CMD MYUPS'), [
    'BEGIN LIST CMD MYUPS',
    'CMD MYUPS beeper.toggle',
    'CMD MYUPS load.off',
    'CMD MYUPS load.on',
    'CMD MYUPS test.battery.start',
    'END LIST CMD MYUPS',
  ]);
});

test('LIST UPS gives every UPS in configuration order with its escaped description or "Description unavailable"', async () => {
  const h = harness();
  assert.deepEqual(await ask(h.ctx, h.connect(), 'LIST UPS'), [
    'BEGIN LIST UPS',
    'UPS myups "Test \\"quoted\\" UPS \\#1 back\\\\slash"',
    'UPS second "Description unavailable"',
    'END LIST UPS',
  ]);
});

test('GET UPSDESC gives the escaped description, echoing the name as sent', async () => {
  const h = harness();
  await converse(h.ctx, h.connect(), [
    ['GET UPSDESC MYUPS', 'UPSDESC MYUPS "Test \\"quoted\\" UPS \\#1 back\\\\slash"'],
    ['GET UPSDESC nosuch', 'ERR UNKNOWN-UPS'],
    ['GET UPSDESC', 'ERR INVALID-ARGUMENT'],
  ]);
});

test('LIST ENUM keeps the driver order; a variable without an enum list gives an empty list', async () => {
  const h = harness();
  await converse(h.ctx, h.connect(), [
    [
      'LIST ENUM myups INPUT.SENSITIVITY',
      [
        'BEGIN LIST ENUM myups INPUT.SENSITIVITY',
        'ENUM myups INPUT.SENSITIVITY "medium"',
        'ENUM myups INPUT.SENSITIVITY "low"',
        'ENUM myups INPUT.SENSITIVITY "high"',
        'END LIST ENUM myups INPUT.SENSITIVITY',
      ],
    ],
    ['LIST ENUM myups ups.id', ['BEGIN LIST ENUM myups ups.id', 'END LIST ENUM myups ups.id']],
    ['LIST ENUM myups', 'ERR INVALID-ARGUMENT'],
    ['LIST ENUM nosuch ups.id', 'ERR UNKNOWN-UPS'],
  ]);
});

test('LIST RANGE gives each range as quoted integers', async () => {
  const h = harness();
  await converse(h.ctx, h.connect(), [
    [
      'LIST RANGE myups input.transfer.low',
      [
        'BEGIN LIST RANGE myups input.transfer.low',
        'RANGE myups input.transfer.low "80" "100"',
        'RANGE myups input.transfer.low "110" "120"',
        'END LIST RANGE myups input.transfer.low',
      ],
    ],
    ['LIST RANGE myups ups.id', ['BEGIN LIST RANGE myups ups.id', 'END LIST RANGE myups ups.id']],
    ['LIST RANGE myups nosuch', 'ERR VAR-NOT-SUPPORTED'],
    ['LIST RANGE myups', 'ERR INVALID-ARGUMENT'],
  ]);
});

test('LIST without a subcommand, with an unknown one, or without its UPS name is an invalid argument', async () => {
  const h = harness();
  await converse(h.ctx, h.connect(), [
    ['LIST', 'ERR INVALID-ARGUMENT'],
    ['LIST FOO', 'ERR INVALID-ARGUMENT'],
    ['LIST FOO myups', 'ERR INVALID-ARGUMENT'],
    ['LIST CLIENTS myups', 'ERR INVALID-ARGUMENT'],
    ['LIST VAR', 'ERR INVALID-ARGUMENT'],
    ['LIST RW', 'ERR INVALID-ARGUMENT'],
    ['LIST CMD', 'ERR INVALID-ARGUMENT'],
    ['LIST CLIENT', 'ERR INVALID-ARGUMENT'],
    ['LIST RW nosuch', 'ERR UNKNOWN-UPS'],
    ['LIST CMD nosuch', 'ERR UNKNOWN-UPS'],
    ['LIST CLIENT nosuch', 'ERR UNKNOWN-UPS'],
  ]);
});

test('LIST CLIENT lists each connection that did LOGIN, under the canonical UPS name', async () => {
  const h = harness();
  const v6 = await as(h, 'monsec', 'secret', '::1');
  const v4 = await as(h, 'monprimary', 'primpass', '127.0.0.1');
  assert.deepEqual(await ask(h.ctx, v6, 'LOGIN MYUPS'), ['OK']);
  assert.deepEqual(await ask(h.ctx, v4, 'LOGIN myups'), ['OK']);
  assert.deepEqual(await ask(h.ctx, h.connect(), 'LIST CLIENT MyUps'), [
    'BEGIN LIST CLIENT MyUps',
    'CLIENT myups ::1',
    'CLIENT myups 127.0.0.1',
    'END LIST CLIENT MyUps',
  ]);
  assert.deepEqual(await ask(h.ctx, h.connect(), 'LIST CLIENT second'), ['BEGIN LIST CLIENT second', 'END LIST CLIENT second']);
  assert.deepEqual(await ask(h.ctx, h.connect(), 'GET NUMLOGINS MYUPS'), ['NUMLOGINS MYUPS 2']);
});

// ---------------------------------------------------------------------------------------------------------
// GET (§2.5)

test('GET TYPE gives RW, ENUM, RANGE, then STRING:n or NUMBER', async () => {
  const h = harness();
  await converse(h.ctx, h.connect(), [
    ['GET TYPE myups ups.id', 'TYPE myups ups.id RW STRING:16'],
    ['GET TYPE myups battery.charge', 'TYPE myups battery.charge RW NUMBER'],
    ['GET TYPE myups ups.status', 'TYPE myups ups.status NUMBER'],
    ['GET TYPE myups input.sensitivity', 'TYPE myups input.sensitivity RW ENUM STRING:10'],
    ['GET TYPE myups input.transfer.low', 'TYPE myups input.transfer.low RW RANGE NUMBER'],
    ['GET TYPE myups ups.delay.shutdown', 'TYPE myups ups.delay.shutdown RW RANGE STRING:10'],
    ['GET TYPE myups input.frequency.nominal', 'TYPE myups input.frequency.nominal RW ENUM RANGE NUMBER'],
    ['GET TYPE myups device.location', 'TYPE myups device.location RW STRING:0'],
    ['GET TYPE MYUPS UPS.ID', 'TYPE MYUPS UPS.ID RW STRING:16'],
    ['GET TYPE nosuch ups.id', 'ERR UNKNOWN-UPS'],
    ['GET TYPE myups', 'ERR INVALID-ARGUMENT'],
  ]);
});

test('GET VAR escapes the value and echoes both names as the client spelled them', async () => {
  const h = harness();
  await converse(h.ctx, h.connect(), [
    ['GET VAR MyUps UPS.MODEL', 'VAR MyUps UPS.MODEL "Back-UPS \\"XS\\" \\#1 \\\\ edition"'],
    ['GET VAR second ups.status extra words', 'VAR second ups.status "OB LB"'],
  ]);
});

test('server.info and server.version are answered for any UPS name, known or not', async () => {
  const h = harness();
  await converse(h.ctx, h.connect(), [
    ['GET VAR nosuch server.info', `VAR nosuch server.info "${SERVER_INFO}"`],
    ['GET VAR anything Server.Version', `VAR anything Server.Version "${SERVER_VERSION}"`],
    ['GET VAR myups server.', 'ERR VAR-NOT-SUPPORTED'],
  ]);
});

test('GET DESC and GET CMDDESC give the description table text, or "Description unavailable"', async () => {
  const h = harness();
  const statusText = describeVariable('ups.status');
  const loadOffText = describeCommand('load.off');
  assert.equal(typeof statusText, 'string');
  assert.equal(typeof loadOffText, 'string');
  await converse(h.ctx, h.connect(), [
    ['GET DESC myups ups.status', `DESC myups ups.status "${statusText}"`],
    ['GET DESC MYUPS UPS.STATUS', `DESC MYUPS UPS.STATUS "${statusText}"`],
    ['GET DESC myups upstream.ups.status', `DESC myups upstream.ups.status "${statusText}"`],
    ['GET CMDDESC myups load.off', `CMDDESC myups load.off "${loadOffText}"`],
    ['GET CMDDESC myups nosuch.cmd', 'CMDDESC myups nosuch.cmd "Description unavailable"'],
    ['GET DESC nosuch ups.status', 'ERR UNKNOWN-UPS'],
    ['GET CMDDESC nosuch load.off', 'ERR UNKNOWN-UPS'],
    ['GET DESC myups', 'ERR INVALID-ARGUMENT'],
    ['GET CMDDESC myups', 'ERR INVALID-ARGUMENT'],
  ]);
});

test('GET DESC with a 600-byte variable name builds a line too long for a client, which fitsReplyLine rejects', async () => {
  // server.ts turns such a reply into ERR INVALID-ARGUMENT (upsd sends 512 truncated bytes with no LF).
  const h = harness();
  const name = 'y'.repeat(600);
  const reply = await answer(h.ctx, h.connect(), ['GET', 'DESC', 'myups', name]);
  assert.deepEqual(reply, [`DESC myups ${name} "Description unavailable"`]);
  assert.equal(fitsReplyLine(reply[0]!), false);
});

test('GET NUMLOGINS needs a UPS name that exists', async () => {
  const h = harness();
  await converse(h.ctx, h.connect(), [
    ['GET NUMLOGINS', 'ERR INVALID-ARGUMENT'],
    ['GET NUMLOGINS nosuch', 'ERR UNKNOWN-UPS'],
    ['GET NUMLOGINS second', 'NUMLOGINS second 0'],
  ]);
});

// ---------------------------------------------------------------------------------------------------------
// Availability (§3)

/** Requests that check ups_available(), on `second`; SET VAR and INSTCMD are sent as admin. */
const AVAILABILITY_CHECKED = [
  'GET NUMLOGINS second',
  'GET VAR second ups.status',
  'GET VAR second nosuch.var', // before VAR-NOT-SUPPORTED
  'GET TYPE second ups.status',
  'GET DESC second ups.status',
  'GET CMDDESC second load.off',
  'LIST VAR second',
  'LIST RW second',
  'LIST CMD second',
  'LIST ENUM second ups.id',
  'LIST RANGE second nosuch.var',
  'SET VAR second ups.id x',
  'SET VAR second nosuch.var x',
  'INSTCMD second load.off',
  'INSTCMD second nosuch.cmd', // before CMD-NOT-SUPPORTED
];

test('with stale data every availability-checked command gives DATA-STALE', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  h.second.markStale();
  for (const line of AVAILABILITY_CHECKED) assert.deepEqual(await ask(h.ctx, s, line), ['ERR DATA-STALE'], line);
  assert.deepEqual(h.control.calls, []);
});

test('with the driver gone every availability-checked command gives DRIVER-NOT-CONNECTED', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  h.second.markDisconnected();
  for (const line of AVAILABILITY_CHECKED) assert.deepEqual(await ask(h.ctx, s, line), ['ERR DRIVER-NOT-CONNECTED'], line);
  assert.deepEqual(h.control.calls, []);
});

test('data not heard from for more than MAXAGE is stale, and fresh again once heard', async () => {
  const h = harness();
  const s = h.connect();
  h.clock.now += 15_000;
  assert.deepEqual(await ask(h.ctx, s, 'GET VAR second ups.status'), ['VAR second ups.status "OB LB"']);
  h.clock.now += 1;
  assert.deepEqual(await ask(h.ctx, s, 'GET VAR second ups.status'), ['ERR DATA-STALE']);
  h.second.heard();
  assert.deepEqual(await ask(h.ctx, s, 'GET VAR second ups.status'), ['VAR second ups.status "OB LB"']);
});

test('the availability check comes before ACCESS-DENIED for SET VAR and INSTCMD', async () => {
  const h = harness();
  const wrong = await as(h, 'admin', 'wrong');
  const monsec = await as(h, 'monsec', 'secret');
  h.second.markStale();
  for (const s of [wrong, monsec]) {
    await converse(h.ctx, s, [
      ['SET VAR second ups.id x', 'ERR DATA-STALE'],
      ['INSTCMD second load.off', 'ERR DATA-STALE'],
    ]);
  }
  assert.deepEqual(h.audits, []);
});

test('the unknown-UPS check comes before the availability check', async () => {
  const h = harness();
  h.second.markStale();
  await converse(h.ctx, h.connect(), [
    ['GET VAR nosuch ups.status', 'ERR UNKNOWN-UPS'],
    ['LIST VAR nosuch', 'ERR UNKNOWN-UPS'],
  ]);
});

test('Appendix A: with stale or dead data, UPSDESC, LIST UPS, LIST CLIENT, LOGIN, PRIMARY, FSD and server.* still work', async () => {
  for (const mark of ['markStale', 'markDisconnected'] as const) {
    const h = harness();
    h.second[mark]();
    const sec = await as(h, 'monsec', 'secret');
    const prim = await as(h, 'monprimary', 'primpass');
    await converse(h.ctx, sec, [
      ['GET UPSDESC second', 'UPSDESC second "Unavailable"'],
      ['LIST CLIENT second', ['BEGIN LIST CLIENT second', 'END LIST CLIENT second']],
      ['LOGIN second', 'OK'],
      ['GET VAR second server.info', `VAR second server.info "${SERVER_INFO}"`],
      ['GET VAR second server.version', `VAR second server.version "${SERVER_VERSION}"`],
      ['LIST CLIENT second', ['BEGIN LIST CLIENT second', 'CLIENT second 127.0.0.1', 'END LIST CLIENT second']],
    ]);
    await converse(h.ctx, prim, [
      ['PRIMARY second', 'OK PRIMARY-GRANTED'],
      ['MASTER second', 'OK MASTER-GRANTED'],
      ['FSD second', 'OK FSD-SET'],
    ]);
    const list = await ask(h.ctx, h.connect(), 'LIST UPS');
    assert.equal(list.length, 4, mark);
  }
});

// ---------------------------------------------------------------------------------------------------------
// SET VAR (§2.7)

test('SET and SET VAR argument errors', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  await converse(h.ctx, s, [
    ['SET', 'ERR INVALID-ARGUMENT'],
    ['SET FOO', 'ERR INVALID-ARGUMENT'],
    ['SET FOO bar', 'ERR INVALID-ARGUMENT'],
    ['SET VAR', 'ERR INVALID-ARGUMENT'],
    ['SET VAR myups', 'ERR INVALID-ARGUMENT'],
    ['SET VAR myups ups.id', 'ERR INVALID-ARGUMENT'],
    ['SET VAR nosuch ups.id x', 'ERR UNKNOWN-UPS'],
  ]);
});

test('SET VAR checks the right before the variable: ACCESS-DENIED comes before VAR-NOT-SUPPORTED', async () => {
  const h = harness();
  const noSet = await as(h, 'monsec', 'secret');
  const wrong = await as(h, 'admin', 'wrong');
  const setonly = await as(h, 'setonly', 'setpass');
  assert.deepEqual(await ask(h.ctx, noSet, 'SET VAR myups nosuch.var x'), ['ERR ACCESS-DENIED']);
  assert.deepEqual(await ask(h.ctx, wrong, 'SET VAR myups nosuch.var x'), ['ERR ACCESS-DENIED']);
  assert.deepEqual(await ask(h.ctx, noSet, 'SET VAR myups ups.mfr x'), ['ERR ACCESS-DENIED']);
  assert.deepEqual(await ask(h.ctx, setonly, 'SET VAR myups nosuch.var x'), ['ERR VAR-NOT-SUPPORTED']);
  assert.deepEqual(await ask(h.ctx, setonly, 'SET VAR myups ups.id Fine'), ['OK']);
  assert.deepEqual(h.control.calls, ['set ups.id=Fine']);
  assert.deepEqual(
    h.audits.filter((e) => e.kind === 'denied').map((e) => (e.kind === 'denied' ? e.command : '')),
    ['SET VAR', 'SET VAR', 'SET VAR'],
  );
});

test('SET VAR value checks come in spec order: READONLY, SET-FAILED for no room, TOO-LONG, then INVALID-VALUE', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  await converse(h.ctx, s, [
    ['SET VAR myups nosuch.var x', 'ERR VAR-NOT-SUPPORTED'],
    ['SET VAR myups ups.mfr "a value far too long for anything"', 'ERR READONLY'],
    ['SET VAR myups ups.status OB', 'ERR READONLY'],
    ['SET VAR myups device.location x', 'ERR SET-FAILED'],
    ['SET VAR myups device.location ""', 'ERR SET-FAILED'],
    ['SET VAR myups input.sensitivity veryveryhigh', 'ERR TOO-LONG'], // 12 > 10, and not in the enum either
    ['SET VAR myups input.sensitivity extreme', 'ERR INVALID-VALUE'],
  ]);
  assert.deepEqual(h.control.calls, []);
});

test('SET VAR of a string accepts exactly its maximum length', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  await converse(h.ctx, s, [
    ['SET VAR myups ups.id "1234567890123456"', 'OK'],
    ['SET VAR myups ups.id "Hello World"', 'OK'],
    ['SET VAR myups ups.id ""', 'OK'],
  ]);
  assert.deepEqual(h.control.calls, ['set ups.id=1234567890123456', 'set ups.id=Hello World', 'set ups.id=']);
});

test('SET VAR of an ENUM variable needs an exact, case-sensitive match', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  await converse(h.ctx, s, [
    ['SET VAR myups input.sensitivity low', 'OK'],
    ['SET VAR myups input.sensitivity LOW', 'ERR INVALID-VALUE'],
    ['SET VAR myups input.sensitivity " low"', 'ERR INVALID-VALUE'],
    ['SET VAR myups input.frequency.nominal 60', 'OK'],
    ['SET VAR myups input.frequency.nominal 55', 'ERR INVALID-VALUE'], // in range, not in the enum
  ]);
  assert.deepEqual(h.control.calls, ['set input.sensitivity=low', 'set input.frequency.nominal=60']);
});

test('SET VAR of a RANGE variable reads the value as atoi() does and needs it inside some range', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  const cases: [string, string][] = [
    ['80', 'OK'],
    ['100', 'OK'],
    ['115', 'OK'],
    ['95.9', 'OK'], // atoi: 95
    ['79', 'ERR INVALID-VALUE'],
    ['105', 'ERR INVALID-VALUE'],
    ['121', 'ERR INVALID-VALUE'],
  ];
  for (const [value, reply] of cases) {
    assert.deepEqual(await ask(h.ctx, s, `SET VAR myups input.transfer.low ${value}`), [reply], value);
  }
  // a string variable with a range (usbhid-ups declares RW variables as STRING:10): atoi semantics
  const stringCases: [string, string][] = [
    ['"20 s"', 'OK'], // atoi: 20
    ['" +30"', 'OK'],
    ['abc', 'OK'], // atoi: 0, which is in 0..600
    ['600', 'OK'],
    ['601', 'ERR INVALID-VALUE'],
    ['-1', 'ERR INVALID-VALUE'],
  ];
  for (const [value, reply] of stringCases) {
    assert.deepEqual(await ask(h.ctx, s, `SET VAR myups ups.delay.shutdown ${value}`), [reply], value);
  }
});

test('SET VAR of a non-number to a NUMBER variable is INVALID-VALUE (walnut checks what upsd hands to the driver)', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  for (const value of ['abc', '""', '12abc', '"1 2"', '0x10', '.']) {
    assert.deepEqual(await ask(h.ctx, s, `SET VAR myups battery.charge ${value}`), ['ERR INVALID-VALUE'], value);
  }
  for (const value of ['95', '-5', '+7', '9.5', '.5', '" 42 "']) {
    assert.deepEqual(await ask(h.ctx, s, `SET VAR myups battery.charge ${value}`), ['OK'], value);
  }
});

test('SET VAR hands the canonical variable name and the value to the device, and ignores extra words', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  await converse(h.ctx, s, [
    ['set var MYUPS UPS.ID NewId', 'OK'],
    ['SET VAR myups ups.id first second', 'OK'],
  ]);
  assert.deepEqual(h.control.calls, ['set ups.id=NewId', 'set ups.id=first']);
  assert.deepEqual(
    h.audits.map((e) => (e.kind === 'set' ? `${e.ups} ${e.variable}=${e.value}` : e.kind)),
    ['myups ups.id=NewId', 'myups ups.id=first'],
  );
});

test('SET VAR without a way to reach the device, or when the device fails at once, is SET-FAILED', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  h.control.mode = 'throw';
  assert.deepEqual(await ask(h.ctx, s, 'SET VAR myups ups.id x'), ['ERR SET-FAILED']);
  h.myups.control = undefined;
  assert.deepEqual(await ask(h.ctx, s, 'SET VAR myups ups.id y'), ['ERR SET-FAILED']);
  assert.deepEqual(h.control.calls, ['set ups.id=x']);
});

test('SET VAR is OK once handed over, even when the device refuses later', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  h.control.mode = 'reject';
  assert.deepEqual(await ask(h.ctx, s, 'SET VAR myups ups.id x'), ['OK']);
  await settle(); // a rejection nobody handled would fail this test
  assert.deepEqual(h.control.calls, ['set ups.id=x']);
});

// ---------------------------------------------------------------------------------------------------------
// INSTCMD (§2.8)

test('INSTCMD checks, in order: argument count, UPS, CMD-NOT-SUPPORTED, then ACCESS-DENIED', async () => {
  const h = harness();
  const wrong = await as(h, 'admin', 'wrong');
  await converse(h.ctx, wrong, [
    ['INSTCMD', 'ERR INVALID-ARGUMENT'],
    ['INSTCMD myups', 'ERR INVALID-ARGUMENT'],
    ['INSTCMD nosuch load.off', 'ERR UNKNOWN-UPS'],
    ['INSTCMD myups nosuch.cmd', 'ERR CMD-NOT-SUPPORTED'], // before ACCESS-DENIED
    ['INSTCMD myups load.off', 'ERR ACCESS-DENIED'],
  ]);
  assert.deepEqual(h.control.calls, []);
});

test('INSTCMD needs the command in the user\'s instcmds, matched case-insensitively, or ALL', async () => {
  const h = harness();
  const setonly = await as(h, 'setonly', 'setpass');
  const monprimary = await as(h, 'monprimary', 'primpass');
  await converse(h.ctx, setonly, [
    ['INSTCMD myups TEST.BATTERY.START', 'OK'],
    ['INSTCMD myups load.off', 'ERR ACCESS-DENIED'],
  ]);
  await converse(h.ctx, monprimary, [['INSTCMD myups test.battery.start', 'ERR ACCESS-DENIED']]);
  const admin = await as(h, 'admin', 'adminpass');
  await converse(h.ctx, admin, [['INSTCMD myups beeper.toggle', 'OK']]);
  assert.deepEqual(h.control.calls, ['cmd test.battery.start', 'cmd beeper.toggle']);
});

test('INSTCMD passes a parameter only when there are exactly three arguments', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  await converse(h.ctx, s, [
    ['INSTCMD myups load.off 5', 'OK'],
    ['INSTCMD MYUPS LOAD.OFF 10', 'OK'],
    ['INSTCMD myups load.off', 'OK'],
    ['INSTCMD myups load.off a b', 'OK'],
    ['INSTCMD myups load.off "two words"', 'OK'],
  ]);
  assert.deepEqual(h.control.calls, ['cmd load.off 5', 'cmd load.off 10', 'cmd load.off', 'cmd load.off', 'cmd load.off two words']);
  assert.deepEqual(
    h.audits.map((e) => (e.kind === 'instcmd' ? `${e.ups} ${e.command} ${String(e.parameter)}` : e.kind)),
    ['myups load.off 5', 'myups load.off 10', 'myups load.off undefined', 'myups load.off undefined', 'myups load.off two words'],
  );
});

test('INSTCMD without a way to reach the device, or when the device fails at once, is INSTCMD-FAILED', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  h.control.mode = 'throw';
  assert.deepEqual(await ask(h.ctx, s, 'INSTCMD myups load.off'), ['ERR INSTCMD-FAILED']);
  h.myups.control = undefined;
  assert.deepEqual(await ask(h.ctx, s, 'INSTCMD myups load.on'), ['ERR INSTCMD-FAILED']);
  assert.deepEqual(h.control.calls, ['cmd load.off']);
});

// ---------------------------------------------------------------------------------------------------------
// Tracking (§2.5, §2.7)

test('Appendix A tracking: OFF by default, ids upper-case, results readable in any case', async () => {
  const h = harness();
  const s = h.connect();
  await converse(h.ctx, s, [
    ['GET TRACKING', 'OFF'],
    ['GET TRACKING abc', 'ERR FEATURE-NOT-CONFIGURED'],
    ['USERNAME admin', 'OK'],
    ['PASSWORD adminpass', 'OK'],
    ['SET TRACKING ON', 'OK'],
    ['GET TRACKING', 'ON'],
  ]);
  const setId = trackingId(await ask(h.ctx, s, 'SET VAR myups ups.id T2'));
  await settle();
  assert.deepEqual(await ask(h.ctx, s, `GET TRACKING ${setId}`), ['SUCCESS']);
  h.control.mode = 'reject';
  const cmdId = trackingId(await ask(h.ctx, s, 'INSTCMD myups load.off'));
  assert.notEqual(cmdId, setId);
  await settle();
  assert.deepEqual(await ask(h.ctx, s, `GET TRACKING ${cmdId.toLowerCase()}`), ['ERR FAILED']);
  await converse(h.ctx, s, [
    ['GET TRACKING 00000000-0000-4000-8000-000000000000', 'ERR UNKNOWN'],
    ['SET TRACKING maybe', 'ERR INVALID-ARGUMENT'],
    ['SET TRACKING', 'ERR INVALID-ARGUMENT'],
  ]);
  assert.deepEqual(h.control.calls, ['set ups.id=T2', 'cmd load.off']);
});

test('a tracked operation is PENDING until the device answers', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  await converse(h.ctx, s, [['SET TRACKING on', 'OK']]);
  h.control.mode = 'hold';
  const id = trackingId(await ask(h.ctx, s, 'INSTCMD myups test.battery.start'));
  await settle();
  assert.deepEqual(await ask(h.ctx, s, `GET TRACKING ${id}`), ['PENDING']);
  h.control.release(true);
  await settle();
  assert.deepEqual(await ask(h.ctx, s, `GET TRACKING ${id}`), ['SUCCESS']);
});

test('SET TRACKING needs USERNAME and PASSWORD sent, but not valid ones, and is per connection', async () => {
  const h = harness();
  const s = await as(h, 'nobody', 'nothing');
  const other = h.connect();
  await converse(h.ctx, s, [
    ['SET TRACKING ON', 'OK'],
    ['GET TRACKING', 'ON'],
  ]);
  await converse(h.ctx, other, [['GET TRACKING', 'OFF']]);
  await converse(h.ctx, s, [
    ['SET TRACKING off', 'OK'],
    ['GET TRACKING', 'OFF'],
    ['GET TRACKING 00000000-0000-4000-8000-000000000000', 'ERR FEATURE-NOT-CONFIGURED'],
  ]);
});

test('tracking another connection\'s id works: entries are global', async () => {
  const h = harness();
  const a = await as(h, 'admin', 'adminpass');
  const b = await as(h, 'nobody', 'x');
  await ask(h.ctx, a, 'SET TRACKING ON');
  await ask(h.ctx, b, 'SET TRACKING ON');
  const id = trackingId(await ask(h.ctx, a, 'INSTCMD myups load.on'));
  await settle();
  assert.deepEqual(await ask(h.ctx, b, `GET TRACKING ${id}`), ['SUCCESS']);
});

test('a device that fails at once gives SET-FAILED or INSTCMD-FAILED even with tracking on', async () => {
  // upsd answers ERR INSTCMD-FAILED / SET-FAILED when it cannot hand the request to the driver (§2.7 step 9,
  // §2.8 step 6), tracking or not.
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  await ask(h.ctx, s, 'SET TRACKING ON');
  h.control.mode = 'throw';
  await converse(h.ctx, s, [
    ['INSTCMD myups load.off', 'ERR INSTCMD-FAILED'],
    ['SET VAR myups ups.id x', 'ERR SET-FAILED'],
  ]);
  assert.equal(h.tracking.size, 0, 'no tracking entry is left pending for a request that was never sent');
});

// ---------------------------------------------------------------------------------------------------------
// An authorizer that answers asynchronously (the Authorizer interface allows it)

test('an authorizer that answers later gives the same replies as one that answers at once', async () => {
  const users = new AppendixUsers(USERS);
  const later: Authorizer = {
    allowed: (u: string, p: string, right: Right) => new Promise<boolean>((resolve) => setImmediate(() => resolve(users.allowed(u, p, right)))),
  };
  const h = harness({ authorizer: later });
  const admin = await as(h, 'admin', 'adminpass');
  const prim = await as(h, 'monprimary', 'primpass');
  await converse(h.ctx, admin, [
    ['LOGIN myups', 'ERR ACCESS-DENIED'],
    ['SET VAR myups ups.id Later', 'OK'],
    ['SET VAR myups nosuch.var x', 'ERR VAR-NOT-SUPPORTED'],
    ['INSTCMD myups load.off', 'OK'],
  ]);
  await converse(h.ctx, prim, [
    ['LOGIN myups', 'OK'],
    ['PRIMARY myups', 'OK PRIMARY-GRANTED'],
    ['FSD myups', 'OK FSD-SET'],
    ['SET VAR myups ups.id x', 'ERR ACCESS-DENIED'],
  ]);
  assert.equal(prim.loginUps, 'myups');
  assert.deepEqual(h.control.calls, ['set ups.id=Later', 'cmd load.off']);
});

test('a LOGIN whose credential check ends after its connection closed does not count in NUMLOGINS', async () => {
  let release: (ok: boolean) => void = () => undefined;
  const later: Authorizer = { allowed: () => new Promise<boolean>((resolve) => (release = resolve)) };
  const h = harness({ authorizer: later });
  const monsec = await as(h, 'monsec', 'secret');
  const pending = answer(h.ctx, monsec, ['LOGIN', 'myups']);
  monsec.closed = true; // the server marks a session closed when its connection goes (server.ts forget)
  release(true);
  await pending;
  assert.equal(h.ctx.logins('myups').length, 0);
  assert.deepEqual(await ask(h.ctx, h.connect(), 'GET NUMLOGINS myups'), ['NUMLOGINS myups 0']);
});

test('the empty request is an unknown command', async () => {
  const h = harness();
  assert.deepEqual(await answer(h.ctx, h.connect(), []), ['ERR UNKNOWN-COMMAND']);
});

// Keep last: it reads what the tests above produced.
test('every error code walnut sends came out of some request above', () => {
  const seen = new Set([...seenReplies].filter((l) => l.startsWith('ERR ')).map((l) => l.slice(4)));
  const missing = NUT_ERROR_CODES.filter((code) => !seen.has(code));
  assert.deepEqual(missing, []);
});
