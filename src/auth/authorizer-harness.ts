// The shared setting of the database-backed authorizer tests (src/auth/authorizer*.test.ts): a fresh walnut.db per
// test, a settable clock, an event sink that records, a fake authentication server built from a map of names to
// passwords, and the log lines (this module routes the log into `logLines` when it is loaded).
// Not a test file itself (no .test.ts), and no product file imports it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../storage/database.ts';
import type { EventSink, PasswordCheck } from './authorizer.ts';
import { PrincipalStore } from './principals.ts';
import { AddressList } from './address.ts';
import { noRoles } from './roles.ts';
import type { Right } from './rights.ts';
import { setLogSink } from '../util/log.ts';

export const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
/** what the tokenizer hands over for bytes a client sent */
export const word = (s: string): string => utf8(s).toString('latin1');
export const LOGIN: Right = { kind: 'action', action: 'login' };
export const PRIMARY: Right = { kind: 'action', action: 'primary' };
export const FSD: Right = { kind: 'action', action: 'fsd' };
export const SET: Right = { kind: 'action', action: 'set' };
export const cmd = (command: string): Right => ({ kind: 'instcmd', command });
export const peer = (address: string, port = 40000): { address: string; port: number; closed: boolean } => ({ address, port, closed: false });

export interface Recorded {
  kind: string;
  source: string | undefined;
  detail: string | undefined;
}

export const logLines: string[] = [];
setLogSink((line) => logLines.push(line));

/** A settable clock for the principal store: updated_at moves only when a test says time passed. */
export interface Clock {
  now: () => number;
  tick(ms?: number): void;
}

export function setup(t: { after(fn: () => void): void }): {
  db: Db;
  dir: string;
  store: PrincipalStore;
  clock: Clock;
  events: Recorded[];
  sink: EventSink;
} {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-authorizer-'));
  const db = openDatabase(join(dir, 'data'), join(dir, 'cache'));
  t.after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  let at = 1_700_000_000_000;
  const clock: Clock = { now: () => at, tick: (ms = 1000) => void (at += ms) };
  const events: Recorded[] = [];
  return {
    db,
    dir,
    store: new PrincipalStore(db, clock.now),
    clock,
    events,
    sink: { record: (kind, source, detail) => events.push({ kind, source, detail }) },
  };
}

/** One AuthNUT request the fake AS answered: the bytes it was given, as text. */
export interface AsCall {
  name: string;
  password: string;
  source: string;
}

export interface FakeAs {
  check: PasswordCheck;
  /** the AS's keys: name → password (change it to change a password at the AS) */
  passwords: Map<string, string>;
  calls: AsCall[];
}

/** The authentication server as the authorizer sees it: the name's bytes back for the right password, else
 *  undefined (unknown name, wrong password). A legacy entry's password applies from its addresses only, as in
 *  src/authsrv/service.ts. */
export function fakeAs(
  passwords: Record<string, string>,
  legacy?: { username: string; password: string; from: readonly string[] },
): FakeAs {
  const keys = new Map(Object.entries(passwords));
  const legacyFrom = legacy ? new AddressList(legacy.from) : undefined;
  const calls: AsCall[] = [];
  const check: PasswordCheck = async (name, password, source) => {
    calls.push({ name: name.toString('utf8'), password: password.toString('utf8'), source });
    await Promise.resolve(); // an answer always comes later
    let expected: string | undefined;
    if (legacy && utf8(legacy.username).equals(name) && legacyFrom!.has(source)) expected = legacy.password;
    else for (const [n, p] of keys) if (utf8(n).equals(name)) expected = p;
    if (expected === undefined || !utf8(expected).equals(password)) return undefined;
    return new Uint8Array(name);
  };
  return { check, passwords: keys, calls };
}

export const addUser = (store: PrincipalStore, name: string, roles = noRoles()): void => void store.add(utf8(name), roles);
