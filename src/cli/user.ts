// `walnut user ...`: the principal database on the data folder `walnut serve` uses (same --config/--data
// resolution). SQLite in WAL mode lets this process write while the server runs; the server reads the
// database on every credential check, so a change applies to the next LOGIN/SET/INSTCMD without a reload.
// Passwords go to the authentication server over its admin socket (src/cli/password-input.ts reads them).
import type * as net from 'node:net';
import { CliError, EXIT, UsageError, processIo, type CliIo, type Command } from './command.ts';
import { DATA_FOLDER_OPTIONS, dataFolderArgs, onePositional, noPositional, optionsHelp, parseOptions, splitAction, type OptionSpec } from './options.ts';
import { adminSocketFor, cliLogger, openDataFolder } from './data-folder.ts';
import { askPasswords, promptPassword } from './password-input.ts';
import type { ReadStream } from 'node:tty';
import { EventLog } from '../storage/event-log.ts';
import { Settings } from '../storage/settings.ts';
import { nameProblem, passwordProblem, showBytes, showName } from '../auth/bytes.ts';
import { PrincipalExistsError, PrincipalStore, type Principal, type RoleChange } from '../auth/principals.ts';
import { describeRoles, noRoles, parseAction, parseInstcmd, parseUpsmon, type Action, type Roles, type UpsmonRole } from '../auth/roles.ts';
import { adminRequest } from '../authsrv/admin-client.ts';
import type { AdminRequest } from '../authsrv/admin.ts';
import { migrateConfigUsers } from '../auth/config-migration.ts';
import { parseServerAddress } from './auth-client.ts';
import { runRemoteUser, type RemoteAction } from './user-remote.ts';
import type { HostPort } from '../util/host-port.ts';

export type UserAction = 'add' | 'list' | 'remove' | 'passwd' | 'grant' | 'enable' | 'disable';
const USER_ACTIONS: readonly UserAction[] = ['add', 'list', 'remove', 'passwd', 'grant', 'enable', 'disable'];

/** `walnut user ACTION [NAME] [options]`. */
export interface UserArgs {
  action: UserAction;
  /** as typed (UTF-8); stored as those bytes */
  name?: string;
  config?: string;
  data?: string;
  /** null: `none`, take the role away */
  upsmon?: UpsmonRole | null;
  actions?: Action[] | null;
  /** lower case; 'all' for ALL */
  instcmds?: string[] | null;
  /** read the password from the first line of stdin instead of asking on the terminal */
  passwordStdin: boolean;
  /** change the users of a walnut on the network, as its owner (src/cli/user-remote.ts) */
  server?: HostPort;
}

const UPSMON: OptionSpec = { flag: '--upsmon', value: 'ROLE', help: 'primary (LOGIN, PRIMARY, FSD), secondary (LOGIN), or none' };
const ACTIONS: OptionSpec = { flag: '--actions', value: 'LIST', help: 'SET,FSD (upsd.users actions), or none' };
const INSTCMDS: OptionSpec = { flag: '--instcmds', value: 'LIST', help: 'ALL or a comma-separated list of instant commands, or none' };
const PASSWORD_STDIN: OptionSpec = { flag: '--password-stdin', help: "read the password from the first line of stdin (else it is asked twice on the terminal); with --server, admin's password first" };
const SERVER: OptionSpec = { flag: '--server', value: 'HOST[:PORT]', help: "change the users of the walnut at HOST as its owner admin, from any computer (ticket login in TLS; no password reaches its NUT server)" };
/** options each user action takes, beside --data and --config */
const USER_OPTIONS: Record<UserAction, readonly OptionSpec[]> = {
  add: [UPSMON, ACTIONS, INSTCMDS, PASSWORD_STDIN, SERVER],
  list: [],
  remove: [PASSWORD_STDIN, SERVER],
  passwd: [PASSWORD_STDIN, SERVER],
  grant: [UPSMON, ACTIONS, INSTCMDS, PASSWORD_STDIN, SERVER],
  enable: [],
  disable: [],
};

function parseUpsmonOption(where: string, v: string): UpsmonRole | null {
  if (v.toLowerCase() === 'none') return null;
  const role = parseUpsmon(v);
  if (!role) throw new UsageError(`${where}: --upsmon takes primary, secondary or none, not "${v}"`);
  return role;
}

function parseActionsOption(where: string, v: string): Action[] | null {
  if (v.toLowerCase() === 'none') return null;
  return v.split(',').map((word) => {
    const a = parseAction(word);
    if (!a) throw new UsageError(`${where}: --actions takes a comma-separated list of SET and FSD (or LOGIN, PRIMARY), or none; not "${word}"`);
    return a;
  });
}

function parseInstcmdsOption(where: string, v: string): string[] | null {
  if (v.toLowerCase() === 'none') return null;
  const cmds = v.split(',').map((word) => {
    const c = parseInstcmd(word);
    if (!c) throw new UsageError(`${where}: --instcmds takes ALL, a comma-separated list of command names, or none; not "${word}"`);
    return c;
  });
  return cmds.includes('all') ? ['all'] : cmds;
}

/** Pure: the words after `walnut user`. */
export function parseUserArgs(argv: readonly string[]): UserArgs {
  const { action, rest } = splitAction('user', argv, USER_ACTIONS);
  const where = `user ${action}`;
  const o = parseOptions(where, rest, [...DATA_FOLDER_OPTIONS, ...USER_OPTIONS[action]]);
  const out: UserArgs = { action, passwordStdin: o.flags.has('--password-stdin'), ...dataFolderArgs(o) };
  if (action === 'list') noPositional(where, o);
  else {
    const name = onePositional(where, o, 'name the user', 'one user at a time');
    const problem = nameProblem(Buffer.from(name, 'utf8'));
    if (problem) throw new UsageError(`${where}: ${problem}`);
    out.name = name;
  }
  const upsmon = o.values.get('--upsmon');
  const actions = o.values.get('--actions');
  const instcmds = o.values.get('--instcmds');
  if (upsmon !== undefined) out.upsmon = parseUpsmonOption(where, upsmon);
  if (actions !== undefined) out.actions = parseActionsOption(where, actions);
  if (instcmds !== undefined) out.instcmds = parseInstcmdsOption(where, instcmds);
  if (action === 'grant' && upsmon === undefined && actions === undefined && instcmds === undefined) {
    throw new UsageError(`${where}: give --upsmon, --actions or --instcmds (each replaces that kind of role; none clears it)`);
  }
  const server = o.values.get('--server');
  if (server !== undefined) {
    if (out.config !== undefined || out.data !== undefined) throw new UsageError(`${where}: --server changes a unit on the network; --config and --data name a local one`);
    out.server = parseServerAddress(where, server);
  } else if (out.passwordStdin && (action === 'grant' || action === 'remove')) {
    // on the unit itself these read no password at all; over the network they read the administrator's
    throw new UsageError(`${where}: --password-stdin needs --server (on the unit, ${action} asks for no password)`);
  }
  return out;
}

async function newPassword(args: UserArgs, io: CliIo, name: Buffer): Promise<Buffer> {
  let password: Buffer;
  if (args.passwordStdin) [password] = (await askPasswords(io, ['Password'], { fromStdin: true, pipeOk: false })) as [Buffer];
  else {
    [password] = (await askPasswords(io, [`Password for ${showName(name)}`], { fromStdin: false, pipeOk: false })) as [Buffer];
    const again = await promptPassword('Again: ', io.stdin as ReadStream, io.stderr);
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

async function ask(admin: net.Socket, req: AdminRequest): Promise<void> {
  const reply = await adminRequest(admin, req);
  if (!reply.ok) throw new CliError(`the authentication server refused: ${reply.error}`);
}

/** The roles text a remote change sends (src/auth/role-text.ts): add names every kind, grant only those given. */
function rolesText(args: UserArgs): string {
  if (args.action === 'add') return describeRoles(rolesFromArgs(args));
  const parts: string[] = [];
  if (args.upsmon !== undefined) parts.push(`upsmon=${args.upsmon ?? 'none'}`);
  if (args.actions !== undefined) parts.push(`actions=${args.actions === null ? 'none' : args.actions.map((a) => a.toUpperCase()).join(',')}`);
  if (args.instcmds !== undefined) parts.push(`instcmds=${args.instcmds === null ? 'none' : args.instcmds.map((c) => (c === 'all' ? 'ALL' : c)).join(',')}`);
  return parts.join(' ');
}

export async function runUser(args: UserArgs, io: CliIo = processIo()): Promise<number> {
  if (args.server) {
    const action = args.action as RemoteAction; // the parser offers --server to these actions only
    return runRemoteUser({ action, name: args.name!, server: args.server, roles: rolesText(args), passwordStdin: args.passwordStdin }, io);
  }
  const needsAs = args.action === 'add' || args.action === 'passwd' || args.action === 'remove';
  const admin = needsAs ? await adminSocketFor(args) : undefined;
  // list: which users have a password at the AS, when it answers at once (a list must work without it)
  let keyed: Set<string> | undefined;
  if (args.action === 'list') {
    try {
      const s = await adminSocketFor(args, 500);
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
  const { config, db } = openDataFolder(dataFolder(args), false);
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

const dataFolder = (a: UserArgs): { config?: string; data?: string } => ({
  ...(a.config === undefined ? {} : { config: a.config }),
  ...(a.data === undefined ? {} : { data: a.data }),
});

export const userCommand: Command = {
  name: 'user',
  summary: 'NUT users: names, roles and passwords on the data folder serve uses (changes apply at once)',
  usage: [
    'user add NAME [--upsmon primary|secondary] [--actions SET,FSD] [--instcmds ALL|CMD,CMD] [--password-stdin] [--server HOST]',
    'user passwd NAME [--password-stdin] [--server HOST[:PORT]]',
    'user grant NAME [--upsmon primary|secondary|none] [--actions SET,FSD|none] [--instcmds ALL|CMD,..|none] [--server HOST]',
    'user remove NAME [--server HOST[:PORT]]',
    'user list | disable NAME | enable NAME',
  ],
  details: `Actions:
  add                  create a user; NUT roles as in upsd.users
  passwd               set a new password (the authentication server keeps it as a key)
  grant                replace the roles given (none clears that kind); the others stay
  list                 every user with status, roles and timestamps (no-password: none at the AS)
  remove|disable|enable
                       delete a user, or stop/allow its logins while keeping it

Options:
${optionsHelp([...DATA_FOLDER_OPTIONS, UPSMON, ACTIONS, INSTCMDS, PASSWORD_STDIN, SERVER])}

Without --server the command changes the data folder on this machine (root, beside walnut serve). With
--server it asks for admin's password and changes the unit at HOST (default port 3493) over two TLS
connections authenticated by the unit's AS: the NUT server learns names and roles, and the passwords go sealed
to the AS only (docs/auth-protocol.md section 7.6). Remote passwords follow the AS's password-change rules
(8 bytes at least, not the user name).

Passwords are never taken from the command line. Names (at most 64 bytes) and passwords (1 to 512 bytes, a NUT
word) are byte strings: spaces, quotes, # and non-ASCII characters are kept exactly. add, passwd and remove
need the authentication server running (walnut serve starts it).`,
  run: (argv, io) => runUser(parseUserArgs(argv), io),
};
