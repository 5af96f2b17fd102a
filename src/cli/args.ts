// Command-line parsing: pure, so every message and exit status is unit-tested.
import { nameProblem } from '../auth/bytes.ts';
import { parseAction, parseInstcmd, parseUpsmon, type Action, type UpsmonRole } from '../auth/roles.ts';
import { MAX_REASON, clientNameProblem } from '../tls/client-certs.ts';

export const EXIT = { ok: 0, failure: 1, usage: 2, config: 3 } as const;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ServeArgs {
  command: 'serve';
  config?: string;
  data?: string;
  listen: string[];
  simulate?: string;
  logLevel?: string;
}

export type UserAction = 'add' | 'list' | 'remove' | 'passwd' | 'grant' | 'enable' | 'disable';

/** `walnut user ACTION [NAME] [options]`: the principal database on the data folder `serve` uses. */
export interface UserArgs {
  command: 'user';
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
}

/** `walnut log`: the event log, newest last. */
export interface LogArgs {
  command: 'log';
  config?: string;
  data?: string;
  limit: number;
  kind?: string;
}

/** `walnut fsd clear`: ask the running server to clear the FSD latch and end the shutdown sequence. */
export interface FsdArgs {
  command: 'fsd';
  action: 'clear';
  config?: string;
  data?: string;
}

export type ClientCertAction = 'issue' | 'list' | 'revoke';

/** `walnut client-cert ACTION ...`: TLS client certificates from walnut's CA (src/tls/client-certs.ts). */
export interface ClientCertArgs {
  command: 'client-cert';
  action: ClientCertAction;
  /** issue: the client's name (the subject CN); revoke: a serial number or a name */
  name?: string;
  config?: string;
  data?: string;
  /** issue: the folder NAME.pem and NAME.p12 go to (default: the current folder) */
  out?: string;
  /** issue: read the PKCS#12 password from the first line of stdin instead of generating one */
  passwordStdin: boolean;
  /** issue: the upsmon host's NSS database folder, for the printed commands and CERTPATH */
  nssDb?: string;
  /** issue: the host as the upsmon MONITOR line writes it, for CERTHOST (default: the unit's name) */
  host?: string;
  /** revoke: why, kept with the record */
  reason?: string;
}

/** `walnut ca export`: the CA certificate, PEM, on stdout. */
export interface CaArgs {
  command: 'ca';
  action: 'export';
  config?: string;
  data?: string;
}

/** `walnut authsrv`: the authentication server (docs/auth-protocol.md), the only opener of the key database. */
export interface AuthsrvArgs {
  command: 'authsrv';
  config?: string;
  data?: string;
  logLevel?: string;
  /** started by `walnut serve`: exit when its stdin closes */
  spawned: boolean;
}

/** A NUT server to talk to: HOST[:PORT] (default port 3493; [v6]:port). */
export interface ServerAddress {
  host: string;
  port: number;
}

/** `walnut auth ping | status | unlock NAME`, `walnut passwd`, `walnut upsc` (ticket clients and AS admin). */
export interface AuthClientArgs {
  command: 'auth-ping' | 'passwd' | 'upsc';
  server: ServerAddress;
  user: string;
  /** auth ping / upsc: be this user on the server, speaking for it (speaks-for must allow it) */
  as?: string;
  /** upsc: the UPS name and optional variable */
  ups?: string;
  variable?: string;
  passwordStdin: boolean;
}

export interface AuthAdminArgs {
  command: 'auth-admin';
  action: 'status' | 'unlock' | 'speaksfor-show' | 'speaksfor-allow' | 'speaksfor-deny' | 'speaksfor-clear';
  name?: string;
  /** speaks-for: the speaker (hostid) and the user it may (not) speak for */
  hostid?: string;
  config?: string;
  data?: string;
}

/** `walnut debug addons`: a diagnostic that loads every native addon the binary carries. */
export interface DebugArgs {
  command: 'debug';
  action: 'addons';
  config?: string;
  data?: string;
}

export type Args =
  | { command: 'help' }
  | { command: 'version' }
  | ServeArgs
  | UserArgs
  | LogArgs
  | FsdArgs
  | ClientCertArgs
  | CaArgs
  | AuthsrvArgs
  | AuthClientArgs
  | AuthAdminArgs
  | DebugArgs;

const SERVE_FLAGS: Record<string, 'config' | 'data' | 'listen' | 'simulate' | 'logLevel'> = {
  '--config': 'config',
  '--data': 'data',
  '--listen': 'listen',
  '--simulate': 'simulate',
  '--log-level': 'logLevel',
};

export function parseArgs(argv: readonly string[]): Args {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') return { command: 'help' };
  if (first === '--version' || first === '-V' || first === 'version') return { command: 'version' };
  if (first === 'user') return parseUser(rest);
  if (first === 'log') return parseLog(rest);
  if (first === 'fsd') return parseFsd(rest);
  if (first === 'client-cert') return parseClientCert(rest);
  if (first === 'ca') return parseCa(rest);
  if (first === 'authsrv') return parseAuthsrv(rest);
  if (first === 'auth') return parseAuth(rest);
  if (first === 'passwd') return parseAuthClient('passwd', rest);
  if (first === 'upsc') return parseAuthClient('upsc', rest);
  if (first === 'speaksfor') return parseSpeaksFor(rest);
  if (first === 'debug') return parseSingleAction('debug', 'addons', rest) as Args;
  if (first !== 'serve') throw new UsageError(`unknown command "${first}"`);
  const out: ServeArgs = { command: 'serve', listen: [] };
  for (let i = 0; i < rest.length; i++) {
    let arg = rest[i]!;
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (arg === '--help' || arg === '-h') return { command: 'help' };
    const key = SERVE_FLAGS[arg];
    if (!key) throw new UsageError(`serve: unknown option "${arg}"`);
    if (value === undefined) {
      value = rest[++i];
      if (value === undefined || value === '') throw new UsageError(`serve: ${arg} needs a value`);
    }
    if (key === 'listen') out.listen.push(value);
    else out[key] = value;
  }
  return out;
}

const USER_ACTIONS: readonly UserAction[] = ['add', 'list', 'remove', 'passwd', 'grant', 'enable', 'disable'];
/** options each user action takes, beside --data and --config */
const USER_OPTIONS: Record<UserAction, readonly string[]> = {
  add: ['--upsmon', '--actions', '--instcmds', '--password-stdin'],
  list: [],
  remove: [],
  passwd: ['--password-stdin'],
  grant: ['--upsmon', '--actions', '--instcmds'],
  enable: [],
  disable: [],
};
const VALUE_FLAGS = new Set(['--data', '--config', '--upsmon', '--actions', '--instcmds', '--limit', '--kind', '--out', '--nss-db', '--host', '--reason', '--server', '--user', '--log-level', '--as']);

interface RawOptions {
  values: Map<string, string>;
  flags: Set<string>;
  positional: string[];
  help: boolean;
}

/** Splits `--flag value`, `--flag=value`, bare flags and positionals; `--` ends the options (a name may start
 *  with a dash). A later flag overrides an earlier one. */
function readOptions(where: string, argv: readonly string[], allowed: readonly string[]): RawOptions {
  const out: RawOptions = { values: new Map(), flags: new Set(), positional: [], help: false };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!;
    if (arg === '--') {
      out.positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      out.positional.push(arg);
      continue;
    }
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (arg === '--help' || arg === '-h') {
      out.help = true;
      continue;
    }
    if (arg === '--password' || arg === '-p') {
      throw new UsageError(
        `${where}: passwords are never taken from the command line (ps and shell history would show them): use --password-stdin or answer the prompt`,
      );
    }
    if (!allowed.includes(arg)) throw new UsageError(`${where}: unknown option "${arg}"`);
    if (!VALUE_FLAGS.has(arg)) {
      if (value !== undefined) throw new UsageError(`${where}: ${arg} takes no value`);
      out.flags.add(arg);
      continue;
    }
    if (value === undefined) value = argv[++i];
    if (value === undefined || value === '') throw new UsageError(`${where}: ${arg} needs a value`);
    out.values.set(arg, value);
  }
  return out;
}

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

function parseUser(argv: readonly string[]): Args {
  const [action, ...rest] = argv;
  if (action === undefined || action === '--help' || action === '-h') return { command: 'help' };
  if (!USER_ACTIONS.includes(action as UserAction)) {
    throw new UsageError(`unknown user command "${action}" (one of: ${USER_ACTIONS.join(', ')})`);
  }
  const act = action as UserAction;
  const where = `user ${act}`;
  const o = readOptions(where, rest, ['--data', '--config', ...USER_OPTIONS[act]]);
  if (o.help) return { command: 'help' };
  const out: UserArgs = { command: 'user', action: act, passwordStdin: o.flags.has('--password-stdin') };
  if (act === 'list') {
    if (o.positional.length > 0) throw new UsageError(`${where}: unexpected argument "${o.positional[0]}"`);
  } else {
    if (o.positional.length === 0) throw new UsageError(`${where}: name the user`);
    if (o.positional.length > 1) throw new UsageError(`${where}: one user at a time (unexpected "${o.positional[1]}")`);
    const name = o.positional[0]!;
    const problem = nameProblem(Buffer.from(name, 'utf8'));
    if (problem) throw new UsageError(`${where}: ${problem}`);
    out.name = name;
  }
  takeDataFolder(o.values, out);
  const upsmon = o.values.get('--upsmon');
  const actions = o.values.get('--actions');
  const instcmds = o.values.get('--instcmds');
  if (upsmon !== undefined) out.upsmon = parseUpsmonOption(where, upsmon);
  if (actions !== undefined) out.actions = parseActionsOption(where, actions);
  if (instcmds !== undefined) out.instcmds = parseInstcmdsOption(where, instcmds);
  if (act === 'grant' && upsmon === undefined && actions === undefined && instcmds === undefined) {
    throw new UsageError(`${where}: give --upsmon, --actions or --instcmds (each replaces that kind of role; none clears it)`);
  }
  return out;
}

function parseLog(argv: readonly string[]): Args {
  const o = readOptions('log', argv, ['--data', '--config', '--limit', '--kind']);
  if (o.help) return { command: 'help' };
  if (o.positional.length > 0) throw new UsageError(`log: unexpected argument "${o.positional[0]}"`);
  const out: LogArgs = { command: 'log', limit: 100 };
  takeDataFolder(o.values, out);
  const limit = o.values.get('--limit');
  if (limit !== undefined) {
    if (!/^[1-9]\d{0,6}$/.test(limit)) throw new UsageError(`log: --limit takes a number of events from 1 to 9999999, not "${limit}"`);
    out.limit = Number(limit);
  }
  const kind = o.values.get('--kind');
  if (kind !== undefined) {
    if (!/^[a-z][a-z0-9-]{0,63}$/.test(kind)) throw new UsageError(`log: --kind takes an event kind such as login-failed, not "${kind}"`);
    out.kind = kind;
  }
  return out;
}

/** --data and --config, which every command on the data folder takes. */
function takeDataFolder(values: ReadonlyMap<string, string>, out: { data?: string; config?: string }): void {
  const data = values.get('--data');
  const config = values.get('--config');
  if (data !== undefined) out.data = data;
  if (config !== undefined) out.config = config;
}

/** `walnut WORD ACTION [--data DIR] [--config FILE]`: a command with one fixed action and the data folder. */
function parseSingleAction<C extends string, A extends string>(
  command: C,
  action: A,
  argv: readonly string[],
): Args | { command: C; action: A; data?: string; config?: string } {
  const o = readOptions(command, argv, ['--data', '--config']);
  if (o.help) return { command: 'help' };
  const [given, extra] = o.positional;
  if (given !== action) throw new UsageError(`${command}: expected "${action}"${given === undefined ? '' : `, not "${given}"`}`);
  if (extra !== undefined) throw new UsageError(`${command}: unexpected argument "${extra}"`);
  const out: { command: C; action: A; data?: string; config?: string } = { command, action };
  takeDataFolder(o.values, out);
  return out;
}

function parseFsd(argv: readonly string[]): Args {
  return parseSingleAction('fsd', 'clear', argv) as Args;
}

const CLIENT_CERT_ACTIONS: readonly ClientCertAction[] = ['issue', 'list', 'revoke'];
const CLIENT_CERT_OPTIONS: Record<ClientCertAction, readonly string[]> = {
  issue: ['--out', '--password-stdin', '--nss-db', '--host'],
  list: [],
  revoke: ['--reason'],
};

/** A host as a MONITOR line names it: a DNS name, an IPv4 address or an IPv6 address (bracketed or not). */
const HOST = /^(?=.{1,253}$)[A-Za-z0-9._:%[\]-]+$/;

function parseClientCert(argv: readonly string[]): Args {
  const [action, ...rest] = argv;
  if (action === undefined || action === '--help' || action === '-h') return { command: 'help' };
  if (!CLIENT_CERT_ACTIONS.includes(action as ClientCertAction)) {
    throw new UsageError(`unknown client-cert command "${action}" (one of: ${CLIENT_CERT_ACTIONS.join(', ')})`);
  }
  const act = action as ClientCertAction;
  const where = `client-cert ${act}`;
  const o = readOptions(where, rest, ['--data', '--config', ...CLIENT_CERT_OPTIONS[act]]);
  if (o.help) return { command: 'help' };
  const out: ClientCertArgs = { command: 'client-cert', action: act, passwordStdin: o.flags.has('--password-stdin') };
  if (act === 'list') {
    if (o.positional.length > 0) throw new UsageError(`${where}: unexpected argument "${o.positional[0]}"`);
  } else {
    const what = act === 'issue' ? 'name the client (the certificate\'s common name)' : 'give the serial number or the name of the certificate';
    if (o.positional.length === 0) throw new UsageError(`${where}: ${what}`);
    if (o.positional.length > 1) throw new UsageError(`${where}: one certificate at a time (unexpected "${o.positional[1]}")`);
    const name = o.positional[0]!;
    const problem = act === 'issue' ? clientNameProblem(name) : name === '' ? 'the serial number or name is empty' : undefined;
    if (problem) throw new UsageError(`${where}: ${problem}`);
    out.name = name;
  }
  takeDataFolder(o.values, out);
  const dir = o.values.get('--out');
  if (dir !== undefined) out.out = dir;
  const nssDb = o.values.get('--nss-db');
  if (nssDb !== undefined) {
    // it goes into upsmon.conf, which keeps printable ASCII only, and upsmon runs from / as a daemon
    if (!/^\/[\x20-\x7e]*$/.test(nssDb)) throw new UsageError(`${where}: --nss-db takes an absolute path in printable ASCII (it goes into upsmon.conf), not "${nssDb}"`);
    out.nssDb = nssDb;
  }
  const host = o.values.get('--host');
  if (host !== undefined) {
    if (!HOST.test(host)) throw new UsageError(`${where}: --host takes a host name or address as the MONITOR line writes it, not "${host}"`);
    out.host = host;
  }
  const reason = o.values.get('--reason');
  if (reason !== undefined) {
    if ([...reason].length > MAX_REASON) throw new UsageError(`${where}: --reason is at most ${MAX_REASON} characters`);
    if (/[\x00-\x1f\x7f]/.test(reason)) throw new UsageError(`${where}: --reason cannot contain control characters`);
    out.reason = reason;
  }
  return out;
}

function parseAuthsrv(argv: readonly string[]): Args {
  const o = readOptions('authsrv', argv, ['--data', '--config', '--log-level', '--spawned']);
  if (o.help) return { command: 'help' };
  if (o.positional.length > 0) throw new UsageError(`authsrv: unexpected argument "${o.positional[0]}"`);
  const out: AuthsrvArgs = { command: 'authsrv', spawned: o.flags.has('--spawned') };
  takeDataFolder(o.values, out);
  const level = o.values.get('--log-level');
  if (level !== undefined) out.logLevel = level;
  return out;
}

/** HOST, HOST:PORT, [V6] or [V6]:PORT; the NUT port by default. */
export function parseServerAddress(where: string, text: string): ServerAddress {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+))(?::(\d{1,5}))?$/.exec(text);
  const port = m?.[3] === undefined ? 3493 : Number(m[3]);
  if (!m || port < 1 || port > 65535) throw new UsageError(`${where}: --server takes HOST[:PORT], not "${text}"`);
  return { host: m[1] ?? m[2]!, port };
}

function parseAuth(argv: readonly string[]): Args {
  const [action, ...rest] = argv;
  if (action === 'ping') return parseAuthClient('auth-ping', rest);
  if (action === 'status' || action === 'unlock') {
    const o = readOptions(`auth ${action}`, rest, ['--data', '--config']);
    if (o.help) return { command: 'help' };
    const out: AuthAdminArgs = { command: 'auth-admin', action };
    if (action === 'unlock') {
      if (o.positional.length !== 1) throw new UsageError('auth unlock: name one user');
      out.name = o.positional[0]!;
    } else if (o.positional.length > 0) throw new UsageError(`auth status: unexpected argument "${o.positional[0]}"`);
    takeDataFolder(o.values, out);
    return out;
  }
  if (action === undefined || action === '--help' || action === '-h') return { command: 'help' };
  throw new UsageError(`unknown auth command "${action}" (one of: ping, status, unlock)`);
}

function parseAuthClient(command: AuthClientArgs['command'], argv: readonly string[]): Args {
  const where = command === 'auth-ping' ? 'auth ping' : command;
  const o = readOptions(where, argv, ['--server', '--user', '--password-stdin', ...(command === 'passwd' ? [] : ['--as'])]);
  if (o.help) return { command: 'help' };
  const user = o.values.get('--user');
  if (user === undefined) throw new UsageError(`${where}: --user NAME is needed`);
  const problem = nameProblem(Buffer.from(user, 'utf8'));
  if (problem) throw new UsageError(`${where}: ${problem}`);
  const out: AuthClientArgs = { command, user, passwordStdin: o.flags.has('--password-stdin'), server: { host: '127.0.0.1', port: 3493 } };
  const as = o.values.get('--as');
  if (as !== undefined) {
    const asProblem = nameProblem(Buffer.from(as, 'utf8'));
    if (asProblem) throw new UsageError(`${where}: --as: ${asProblem}`);
    out.as = as;
  }
  if (command === 'upsc') {
    const [target, variable, extra] = o.positional;
    if (target === undefined) throw new UsageError('upsc: name the UPS as UPS@HOST[:PORT]');
    if (extra !== undefined) throw new UsageError(`upsc: unexpected argument "${extra}"`);
    const at = target.indexOf('@');
    if (at <= 0) throw new UsageError(`upsc: name the UPS as UPS@HOST[:PORT], not "${target}"`);
    out.ups = target.slice(0, at);
    out.server = parseServerAddress(where, target.slice(at + 1));
    if (variable !== undefined) out.variable = variable;
    if (o.values.has('--server')) throw new UsageError('upsc: the server is the part after @');
  } else {
    const server = o.values.get('--server');
    if (server === undefined) throw new UsageError(`${where}: --server HOST[:PORT] is needed`);
    out.server = parseServerAddress(where, server);
    if (o.positional.length > 0) throw new UsageError(`${where}: unexpected argument "${o.positional[0]}"`);
  }
  return out;
}

function parseSpeaksFor(argv: readonly string[]): Args {
  const [action, ...rest] = argv;
  if (action === undefined || action === '--help' || action === '-h') return { command: 'help' };
  const o = readOptions(`speaksfor ${action}`, rest, ['--data', '--config']);
  if (o.help) return { command: 'help' };
  const counts: Record<string, number> = { show: 0, allow: 2, deny: 2, clear: 1 };
  const count = counts[action];
  if (count === undefined) throw new UsageError(`unknown speaksfor command "${action}" (one of: show, allow, deny, clear)`);
  if (o.positional.length !== count) {
    throw new UsageError(`speaksfor ${action}: ${count === 0 ? 'takes no argument' : count === 1 ? 'name the speaker (hostid)' : 'name the speaker (hostid) and the user (or * for allow)'}`);
  }
  const out: AuthAdminArgs = { command: 'auth-admin', action: `speaksfor-${action}` as AuthAdminArgs['action'] };
  if (count >= 1) out.hostid = o.positional[0]!;
  if (count === 2) out.name = o.positional[1]!;
  takeDataFolder(o.values, out);
  return out;
}

function parseCa(argv: readonly string[]): Args {
  return parseSingleAction('ca', 'export', argv) as Args;
}

export function helpText(version: string): string {
  return `walnut ${version}: a UPS served to the LAN as a NUT server

Usage:
  walnut serve [--config FILE] [--data DIR] [--listen HOST:PORT]... [--simulate FIXTURE.json]
               [--log-level debug|info|warn|error]
  walnut user add NAME [--upsmon primary|secondary] [--actions SET,FSD] [--instcmds ALL|CMD,CMD]
                       [--password-stdin]
  walnut user passwd NAME [--password-stdin]
  walnut user grant NAME [--upsmon primary|secondary|none] [--actions SET,FSD|none] [--instcmds ALL|CMD,..|none]
  walnut user list | remove NAME | disable NAME | enable NAME
  walnut log [--limit N] [--kind KIND]
  walnut fsd clear
  walnut client-cert issue NAME [--out DIR] [--password-stdin] [--nss-db DIR] [--host HOST]
  walnut client-cert list | revoke SERIAL|NAME [--reason TEXT]
  walnut ca export
  walnut authsrv [--config FILE] [--data DIR] [--log-level LEVEL]
  walnut auth ping --server HOST[:PORT] --user NAME [--as USER] [--password-stdin]
  walnut passwd --server HOST[:PORT] --user NAME
  walnut upsc --user NAME [--as USER] [--password-stdin] UPS@HOST[:PORT] [VAR]
  walnut auth status | unlock NAME
  walnut speaksfor show | allow HOSTID USER|* | deny HOSTID USER | clear HOSTID
  walnut debug addons
  walnut --version
  walnut --help

serve options:
  --config FILE        JSON config file (default: the board's, read only if it exists)
  --data DIR           data folder: SQLite database and keys
  --listen HOST:PORT   NUT listener, repeatable; '*' is every address, port 0 picks a free one
                       (default *:3493)
  --simulate FILE      serve a UPS fixture (test/fixtures/ups format) instead of a USB device
  --log-level LEVEL    log verbosity (default info)

user and log (on the data folder serve uses; both also take --config FILE and --data DIR):
  user add             create a user; NUT roles as in upsd.users: --upsmon primary (LOGIN, PRIMARY, FSD)
                       or secondary (LOGIN), --actions SET,FSD, --instcmds ALL or a list of commands
  user passwd          set a new password
  user grant           replace the roles given (none clears that kind); the others stay
  user list            every user with status, roles and timestamps
  user remove|disable|enable
                       delete a user, or stop/allow its logins while keeping it
  --password-stdin     read the password from the first line of stdin (else it is asked twice on the
                       terminal); passwords are never taken from the command line
  log                  print the event log, newest last, one line per event (--limit N, default 100;
                       --kind KIND, e.g. login-failed)
  fsd clear            clear the forced-shutdown latch and end the shutdown sequence now (the running
                       server acts within a second; walnut clears it by itself once the UPS has cycled
                       and mains are back)

client certificates (from walnut's own CA; these also take --config FILE and --data DIR):
  client-cert issue    a TLS client certificate whose common name is NAME (rules of an X.509 CN, at most
                       64 characters, no "/"): writes NAME.pem (certificate, CA, private key) and NAME.p12
                       (PKCS#12 for NSS's pk12util, nickname NAME), mode 0600, into --out DIR (default: the
                       current folder), then prints the NSS commands and the upsmon.conf lines to use
                       (CERTPATH: --nss-db DIR, default /etc/nut/certdb; CERTHOST: --host HOST, default
                       this unit's name). The PKCS#12 password is the first line of stdin with
                       --password-stdin, else a generated one, printed once. Needs the local CA's key:
                       not available with a factory CA
  client-cert list     every certificate issued: serial, name, issued, expires, active|expired|revoked
  client-cert revoke   revoke the certificate with that serial, or every certificate of that name
                       (--reason TEXT is kept with it); the server refuses it from its next TLS handshake
  ca export            print the CA certificate (PEM), for clients to trust or pin

authentication server (tickets; docs/auth-protocol.md):
  authsrv              run the authentication server: the only process that opens the key database
                       (<data>/auth/keys.db); serve starts it by itself unless auth.server is "connect"
  auth ping            log into a NUT server with a ticket (mutual authentication; the password never
                       leaves this machine) and print the authenticated user; exit 0 on success;
                       --as USER: be USER on the server, if speaks-for lets NAME speak for USER
  passwd               change your password through a NUT server: old, new (and new again on a terminal),
                       or the first two lines of stdin
  upsc                 like NUT's upsc, over a ticket-authenticated session (STARTTLS when offered)
  auth status          the auth domain, users with keys, locked-out names
  auth unlock          end a lockout now
  speaksfor            who may hold tickets naming someone else (Plan 9 speaks-for, ndb syntax, a deny
                       wins): show, allow, deny, clear

diagnostics:
  debug addons         load every native addon the binary carries (SQLite, USB HID, mDNS), unpacking them
                       into the native cache folder (nativeCacheDir in --config FILE), and print one line per
                       addon; exit 1 if one cannot load (the message names the missing library)

A running server sees user changes on its next credential check. Names and passwords are byte strings:
spaces, quotes, # and non-ASCII characters are kept exactly (names at most 64 bytes, passwords 512).

Exit status: 0 success, 1 runtime failure, 2 usage error, 3 configuration error.
`;
}
