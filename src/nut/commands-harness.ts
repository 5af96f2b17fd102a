// The shared setting of the command-handler tests (src/nut/commands-*.test.ts and src/nut/error-coverage.test.ts):
// a real CommandContext (assembled by NutServer, as `walnut serve` does), real UpsModels, a real TrackingTable and
// the Appendix A users checked in memory with walnut's role rules (src/auth/roles.ts; the database-backed
// authorizer is tested beside it in src/auth/). Each request line goes through the real tokenizer first.
// Not a test file itself (no .test.ts), and no product file imports it.
import assert from 'node:assert/strict';
import { execute } from './commands.ts';
import type { AuditEvent, CommandContext } from './context.ts';
import type { Authorizer, Right } from '../auth/rights.ts';
import { NutError } from './errors.ts';
import { NutServer } from './server.ts';
import { newSession, type Session } from './session.ts';
import { requestTokenizer, tokenizeRequest } from './credential-words.ts';
import type { TokenizerEvent } from './tokenizer.ts';
import { TrackingTable } from './tracking.ts';
import { allows, rolesFromUserConfig, type Roles } from '../auth/roles.ts';
import { BUILD } from '../util/build-info.ts';
import type { UserConfig } from '../auth/config-migration.ts';
import { UpsModel, type DeviceControl } from '../ups/model.ts';

// As `walnut serve` builds them (src/cli/serve.ts).
export const SERVER_INFO = `walnut ${BUILD.version} - NUT protocol 1.3 server`;
export const SERVER_VERSION = BUILD.version;

/** The upsd.users of Appendix A, in walnut's config form. */
export const USERS: Record<string, UserConfig> = {
  admin: { password: 'adminpass', actions: ['SET', 'FSD'], instcmds: ['ALL'] },
  monprimary: { password: 'primpass', upsmon: 'primary' },
  monsec: { password: 'secret', upsmon: 'secondary' },
  setonly: { password: 'setpass', actions: ['set'], instcmds: ['test.battery.start'] },
};

/** Appendix A's upsd.users in memory: plain passwords (test data), the production role rules. */
export class AppendixUsers implements Authorizer {
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
export class RecordingControl implements DeviceControl {
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

export interface Harness {
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

export function harness(options: { startTls?: (s: Session) => void; authorizer?: Authorizer } = {}): Harness {
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

/** Runs one request line, as the server would: tokenize, execute, and an error becomes its ERR line. */
export async function ask(ctx: CommandContext, session: Session, line: string): Promise<string[]> {
  const ev = tokenizeRequest(line);
  assert.equal(ev.kind, 'line', `request ${JSON.stringify(line)} did not tokenize`);
  return answer(ctx, session, ev.kind === 'line' ? ev.words : []);
}

export async function answer(ctx: CommandContext, session: Session, words: readonly string[]): Promise<string[]> {
  try {
    const reply = await execute(ctx, session, words);
    return typeof reply === 'string' ? [reply] : [...reply];
  } catch (err) {
    if (err instanceof NutError) return [err.wire];
    throw err;
  }
}

export type Exchange = [request: string, reply: string | string[]];

/** Sends each request in order on one session and checks each reply exactly. */
export async function converse(ctx: CommandContext, session: Session, exchanges: readonly Exchange[]): Promise<void> {
  for (const [request, expected] of exchanges) {
    assert.deepEqual(await ask(ctx, session, request), typeof expected === 'string' ? [expected] : expected, `C: ${request}`);
  }
}

/** A session that sent USERNAME and PASSWORD (which upsd accepts whatever they are). */
export async function as(h: Harness, user: string, password: string, address?: string): Promise<Session> {
  const s = h.connect(address);
  await converse(h.ctx, s, [
    [`USERNAME ${user}`, 'OK'],
    [`PASSWORD ${password}`, 'OK'],
  ]);
  return s;
}

/** Lets promise callbacks (device outcomes) run. */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const TRACKING_ID = /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/;

export function trackingId(reply: string[]): string {
  assert.equal(reply.length, 1);
  const m = /^OK TRACKING (.*)$/.exec(reply[0]!);
  assert.ok(m, `expected OK TRACKING <id>, got ${reply[0]}`);
  assert.equal(m[1]!.length, 36);
  assert.match(m[1]!, TRACKING_ID);
  return m[1]!;
}

/** Feeds raw bytes, in the given pushes, through one tokenizer and answers each event like the server. */
export async function replay(h: Harness, session: Session, ...pushes: string[]): Promise<(string[] | 'parse-error')[]> {
  const t = requestTokenizer();
  const events: TokenizerEvent[] = [];
  for (const p of pushes) t.push(Buffer.from(p, 'latin1'), (ev) => void events.push(ev));
  const out: (string[] | 'parse-error')[] = [];
  for (const ev of events) out.push(ev.kind === 'line' ? await answer(h.ctx, session, ev.words) : 'parse-error');
  return out;
}
