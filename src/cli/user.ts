// `walnut user ...`: the principal database on the data folder `walnut serve` uses (same --config/--data
// resolution). SQLite in WAL mode lets this process write while the server runs; the server reads the
// database on every credential check, so a change applies to the next LOGIN/SET/INSTCMD without a reload.
//
// Passwords come from the terminal (asked twice, not echoed) or from the first line of stdin with
// --password-stdin, never from argv (ps, shell history). They are bytes: what the terminal or the pipe
// delivers, exactly, so a password with spaces, quotes, `#`, backslashes or UTF-8 is the one NUT clients send.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { ReadStream } from 'node:tty';
import { EXIT, type UserArgs } from './args.ts';
import { loadConfig } from './serve.ts';
import type { WalnutConfig } from '../config/config.ts';
import { openDatabase, StorageError, type Db } from '../storage/database.ts';
import { EventLog } from '../storage/event-log.ts';
import { Settings } from '../storage/settings.ts';
import { AddonError } from '../native/addons.ts';
import { MAX_PASSWORD_BYTES, passwordProblem, showBytes, showName } from '../auth/bytes.ts';
import { PrincipalExistsError, PrincipalStore, type Principal, type RoleChange } from '../auth/principals.ts';
import { describeRoles, noRoles, type Roles } from '../auth/roles.ts';
import { authPaths } from '../authsrv/paths.ts';
import { adminRequest, connectAdmin, AdminUnavailableError } from '../authsrv/admin-client.ts';
import type { AdminRequest } from '../authsrv/admin.ts';
import type * as net from 'node:net';
import { migrateConfigUsers } from '../auth/config-migration.ts';
import type { Logger } from '../util/log.ts';

/** A command-line failure with its exit status; main prints `walnut: <message>`. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.failure) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

export interface CliIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

const processIo = (): CliIo => ({ stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });

/** Warnings only, as `walnut: ...` lines: a CLI run is not a server log. */
function cliLogger(stderr: Writable): Logger {
  const say = (m: string): void => void stderr.write(`walnut: ${m}\n`);
  return { debug: () => undefined, info: () => undefined, warn: say, error: say };
}

/**
 * The config (as `serve` reads it) and the database in its data folder. Run as root on a data folder another
 * user owns (the service's `walnut`), it first becomes that user, so no file in it ends up owned by root and
 * unwritable for the server.
 */
export function openDataFolder(args: { config?: string; data?: string }, mustExist: boolean): { config: WalnutConfig; db: Db } {
  const config = loadConfig({
    command: 'serve',
    listen: [],
    ...(args.config === undefined ? {} : { config: args.config }),
    ...(args.data === undefined ? {} : { data: args.data }),
  });
  if (existsSync(config.dataDir) && process.getuid?.() === 0) {
    const owner = statSync(config.dataDir);
    if (owner.uid !== 0) {
      process.setgroups!([owner.gid]); // root's supplementary groups go too
      process.setgid!(owner.gid);
      process.setuid!(owner.uid);
    }
  }
  if (mustExist && !existsSync(join(config.dataDir, 'walnut.db'))) {
    throw new CliError(`no database in ${config.dataDir} (has walnut served from it?)`);
  }
  try {
    return { config, db: openDatabase(config.dataDir, config.nativeCacheDir) };
  } catch (err) {
    if (err instanceof StorageError || err instanceof AddonError) throw new CliError(err.message);
    throw err;
  }
}

export class PasswordTooLongError extends CliError {
  constructor() {
    super(`the password is longer than ${MAX_PASSWORD_BYTES} bytes (a NUT word's limit); nothing was changed`);
  }
}

/**
 * The first line of `input` (LF, or CRLF, stripped), as bytes. Reads no further than the first line or
 * MAX_PASSWORD_BYTES + 2 bytes, whichever comes first, then stops reading: a 10 MB stream is refused after its
 * first chunk, never held in memory.
 */
export function readPasswordLine(input: Readable, max = MAX_PASSWORD_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    let settled = false;
    const done = (err: Error | undefined, value?: Buffer): void => {
      if (settled) return;
      settled = true;
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onError);
      input.pause();
      input.destroy(); // nothing more is read; a writer still going gets EPIPE
      if (err) reject(err);
      else resolve(value!);
    };
    const finish = (): void => {
      let line = Buffer.concat(parts);
      if (line.at(-1) === 0x0d) line = line.subarray(0, -1);
      if (line.length > max) done(new PasswordTooLongError());
      else done(undefined, line);
    };
    const onData = (chunk: Buffer | string): void => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      const lf = bytes.indexOf(0x0a);
      const take = lf >= 0 ? bytes.subarray(0, lf) : bytes;
      // max bytes, plus room for the CR of a CRLF
      if (size + take.length > max + 1) return done(new PasswordTooLongError());
      parts.push(Buffer.from(take));
      size += take.length;
      if (lf >= 0) finish();
    };
    const onEnd = (): void => finish();
    const onError = (err: Error): void => done(new CliError(`cannot read the password from stdin: ${err.message}`));
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
  });
}

/** Asks on the terminal without echo: raw bytes until Enter; Backspace removes one UTF-8 character, Ctrl-U the
 *  line, Ctrl-C aborts. */
export function promptPassword(prompt: string, input: ReadStream, output: Writable, max = MAX_PASSWORD_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const bytes: number[] = [];
    let tooLong = false;
    input.setRawMode(true); // before the prompt shows: an answer typed at once must not be echoed
    output.write(prompt);
    const done = (err: Error | undefined): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      if (err) reject(err);
      else if (tooLong) reject(new PasswordTooLongError());
      else resolve(Buffer.from(bytes));
    };
    const onData = (chunk: Buffer | string): void => {
      for (const b of typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk) {
        if (b === 0x0d || b === 0x0a) return done(undefined);
        if (b === 0x03) return done(new CliError('interrupted; nothing was changed', 130));
        if (b === 0x04) {
          if (bytes.length === 0) return done(new CliError('no password given; nothing was changed'));
          return done(undefined);
        }
        if (b === 0x7f || b === 0x08) {
          while (bytes.length > 0 && (bytes.at(-1)! & 0xc0) === 0x80) bytes.pop(); // continuation bytes
          bytes.pop();
        } else if (b === 0x15) bytes.length = 0;
        else if (bytes.length <= max) bytes.push(b);
        else tooLong = true;
      }
    };
    input.on('data', onData);
    input.resume();
  });
}

async function newPassword(args: UserArgs, io: CliIo, name: Buffer): Promise<Buffer> {
  let password: Buffer;
  if (args.passwordStdin) password = await readPasswordLine(io.stdin);
  else {
    const tty = io.stdin as ReadStream;
    if (!tty.isTTY) throw new CliError('stdin is not a terminal: give --password-stdin to read the password from it', EXIT.usage);
    password = await promptPassword(`Password for ${showName(name)}: `, tty, io.stderr);
    const again = await promptPassword('Again: ', tty, io.stderr);
    if (!password.equals(again)) throw new CliError('the passwords do not match; nothing was changed');
  }
  const problem = passwordProblem(password);
  if (problem) throw new CliError(`${problem}; nothing was changed`);
  return password;
}

function rolesFromArgs(args: UserArgs): Roles {
  const roles = noRoles();
  if (args.upsmon) roles.upsmon = args.upsmon;
  for (const a of args.actions ?? []) roles.actions.add(a);
  for (const c of args.instcmds ?? []) roles.instcmds.add(c);
  return roles;
}

function changeFromArgs(args: UserArgs): RoleChange {
  const change: RoleChange = {};
  if (args.upsmon !== undefined) change.upsmon = args.upsmon;
  if (args.actions !== undefined) change.actions = args.actions === null ? null : new Set(args.actions);
  if (args.instcmds !== undefined) change.instcmds = args.instcmds === null ? null : new Set(args.instcmds);
  return change;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** One line per principal: `NAME STATUS ROLES created=ISO updated=ISO`. */
export function formatPrincipal(p: Principal): string {
  return `${showName(p.name)} ${p.status} ${describeRoles(p.roles)} created=${iso(p.createdAt)} updated=${iso(p.updatedAt)}`;
}

/** The AS's admin socket, connected before openDataFolder drops root (the socket is the AS user's, 0600). */
async function adminFor(args: { config?: string; data?: string }, waitMs?: number): Promise<net.Socket> {
  const config = loadConfig({
    command: 'serve',
    listen: [],
    ...(args.config === undefined ? {} : { config: args.config }),
    ...(args.data === undefined ? {} : { data: args.data }),
  });
  try {
    return await connectAdmin(authPaths(config).adminSocket, waitMs);
  } catch (err) {
    if (err instanceof AdminUnavailableError) throw new CliError(err.message);
    throw err;
  }
}

async function ask(admin: net.Socket, req: AdminRequest): Promise<void> {
  const reply = await adminRequest(admin, req);
  if (!reply.ok) throw new CliError(`the authentication server refused: ${reply.error}`);
}

export async function userCommand(args: UserArgs, io: CliIo = processIo()): Promise<number> {
  const needsAs = args.action === 'add' || args.action === 'passwd' || args.action === 'remove';
  const admin = needsAs ? await adminFor(args) : undefined;
  // list: which users have a password at the AS, when it answers at once (a list must work without it)
  let keyed: Set<string> | undefined;
  if (args.action === 'list') {
    try {
      const s = await adminFor(args, 500);
      try {
        const r = await adminRequest(s, { op: 'status' });
        if (r.ok) keyed = new Set(r.users ?? []);
      } finally {
        s.destroy();
      }
    } catch {
      keyed = undefined;
    }
  }
  const { config, db } = openDataFolder(args, false);
  const events = new EventLog(db);
  try {
    const store = new PrincipalStore(db);
    const log = cliLogger(io.stderr);
    await migrateConfigUsers(config.users, { store, settings: new Settings(db), log, events });
    const name = Buffer.from(args.name ?? '', 'utf8');
    const shown = showName(name);
    const record = (kind: string, detail: string): void => events.record(kind, 'cli', `user ${showBytes(name)}${detail}`);
    const mustExist = (): void => {
      if (!store.find(name)) throw new CliError(`no user ${shown}`);
    };
    switch (args.action) {
      case 'list':
        for (const p of store.list()) {
          // e.g. a user from before the AS, whose verifier could not become a key: `walnut user passwd` once
          const missing = keyed !== undefined && !keyed.has(p.name.toString('base64'));
          io.stdout.write(formatPrincipal(p) + (missing ? ' no-password' : '') + '\n');
        }
        return EXIT.ok;
      case 'add': {
        if (store.find(name)) throw new CliError(`user ${shown} already exists (walnut user passwd or grant change it)`);
        const roles = rolesFromArgs(args);
        const password = await newPassword(args, io, name);
        await ask(admin!, { op: 'set-password', name: name.toString('base64'), password: password.toString('base64') });
        try {
          store.add(name, roles);
        } catch (err) {
          if (err instanceof PrincipalExistsError) throw new CliError(`user ${shown} already exists`);
          throw err;
        }
        record('user-added', ` (${describeRoles(roles)})`);
        io.stdout.write(`added ${shown}: ${describeRoles(roles)}\n`);
        if (describeRoles(roles) === 'none') io.stderr.write(`walnut: ${shown} may do nothing until granted roles (walnut user grant)\n`);
        return EXIT.ok;
      }
      case 'passwd': {
        mustExist();
        const password = await newPassword(args, io, name);
        await ask(admin!, { op: 'set-password', name: name.toString('base64'), password: password.toString('base64') });
        if (!store.passwordChanged(name)) throw new CliError(`no user ${shown}`);
        record('user-password', ': password changed');
        io.stdout.write(`password changed for ${shown}\n`);
        return EXIT.ok;
      }
      case 'grant': {
        const p = store.setRoles(name, changeFromArgs(args));
        if (!p) throw new CliError(`no user ${shown}`);
        record('user-granted', `: roles now ${describeRoles(p.roles)}`);
        io.stdout.write(`${shown}: ${describeRoles(p.roles)}\n`);
        return EXIT.ok;
      }
      case 'remove':
        if (!store.remove(name)) throw new CliError(`no user ${shown}`);
        await ask(admin!, { op: 'remove', name: name.toString('base64') });
        record('user-removed', ' removed');
        io.stdout.write(`removed ${shown}\n`);
        return EXIT.ok;
      case 'enable':
      case 'disable': {
        const status = args.action === 'enable' ? 'active' : 'disabled';
        if (!store.setStatus(name, status)) throw new CliError(`no user ${shown}`);
        record(`user-${args.action}d`, ` ${args.action}d`);
        io.stdout.write(`${shown} is ${status}\n`);
        return EXIT.ok;
      }
    }
    throw new CliError(`unknown user action`);
  } finally {
    admin?.destroy();
    events.close();
    db.close();
  }
}
