// The ticket clients in the walnut binary: `walnut auth ping`, `walnut passwd` and `walnut upsc`. They speak NUT
// to a walnut NUT server, STARTTLS when it is offered, and authenticate with NUT `AUTH` (docs/auth-protocol.md
// §7.5): the password derives the key here and never leaves this process. The server's TLS certificate is not
// what they trust: the Finished tags bind the TLS exporter, so a man in the middle of the TLS connection (who
// would have to be a different TLS endpoint on each side) makes authentication fail.
import type { ReadStream } from 'node:tty';
import { CliError, EXIT, UsageError, processIo, type CliIo, type Command } from './command.ts';
import { optionsHelp, parseOptions, type OptionSpec } from './options.ts';
import { askPasswords } from './password-input.ts';
import { NutLineClient, RefusedError, changePassword, ticketLogin, words } from './ticket-client.ts';
import { AuthError } from '../authsrv/errors.ts';
import { nameProblem, passwordProblem } from '../auth/bytes.ts';
import { parseHostPort, type HostPort } from '../util/host-port.ts';

export type AuthClientCommand = 'auth-ping' | 'passwd' | 'upsc';

/** `walnut auth ping`, `walnut passwd`, `walnut upsc`. */
export interface AuthClientArgs {
  command: AuthClientCommand;
  server: HostPort;
  user: string;
  /** auth ping / upsc: be this user on the server, speaking for it (speaks-for must allow it) */
  as?: string;
  /** upsc: the UPS name and optional variable */
  ups?: string;
  variable?: string;
  passwordStdin: boolean;
}

const SERVER: OptionSpec = { flag: '--server', value: 'HOST[:PORT]', help: 'the walnut NUT server (port 3493 by default)' };
const USER: OptionSpec = { flag: '--user', value: 'NAME', help: 'who you are' };
const AS: OptionSpec = { flag: '--as', value: 'USER', help: 'be USER on the server, if speaks-for lets NAME speak for USER' };
const STDIN: OptionSpec = { flag: '--password-stdin', help: 'read the password(s) from the first line(s) of stdin' };
const CLIENT_OPTIONS: Record<AuthClientCommand, readonly OptionSpec[]> = {
  'auth-ping': [SERVER, USER, AS, STDIN],
  passwd: [SERVER, USER, STDIN],
  upsc: [USER, AS, STDIN],
};

/** HOST, HOST:PORT, [V6] or [V6]:PORT; the NUT port by default. */
export function parseServerAddress(where: string, text: string): HostPort {
  const hp = parseHostPort(text, { defaultPort: 3493 });
  if (!hp) throw new UsageError(`${where}: --server takes HOST[:PORT], not "${text}"`);
  return hp;
}

/** Pure: the words after `walnut auth ping`, `walnut passwd` or `walnut upsc`. */
export function parseAuthClientArgs(command: AuthClientCommand, argv: readonly string[]): AuthClientArgs {
  const where = command === 'auth-ping' ? 'auth ping' : command;
  const o = parseOptions(where, argv, CLIENT_OPTIONS[command]);
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
  } else {
    const server = o.values.get('--server');
    if (server === undefined) throw new UsageError(`${where}: --server HOST[:PORT] is needed`);
    out.server = parseServerAddress(where, server);
    if (o.positional.length > 0) throw new UsageError(`${where}: unexpected argument "${o.positional[0]}"`);
  }
  return out;
}

async function passwords(args: AuthClientArgs, io: CliIo, prompts: string[]): Promise<Buffer[]> {
  return askPasswords(io, prompts, { fromStdin: args.passwordStdin, pipeOk: true, nonEmpty: true });
}

async function connect(args: AuthClientArgs): Promise<{ c: NutLineClient; exporter: Uint8Array | undefined }> {
  const c = await NutLineClient.connect(args.server.host, args.server.port);
  try {
    return { c, exporter: await c.startTls(args.server.host) };
  } catch (err) {
    c.destroy();
    throw err;
  }
}

export function failure(err: unknown, what: string): never {
  if (err instanceof AuthError) throw new CliError(`${what}: ${err.text === 'auth failed' ? 'wrong user name or password (or the user is locked out)' : err.text}`);
  if (err instanceof RefusedError && err.code === 'ACCESS-DENIED') throw new CliError(`${what}: refused by the server (ERR ACCESS-DENIED)`);
  throw err;
}

export async function runAuthClient(args: AuthClientArgs, io: CliIo = processIo()): Promise<number> {
  const user = Buffer.from(args.user, 'utf8');
  if (args.command === 'passwd') return passwd(args, io, user);
  const [password] = await passwords(args, io, ['Password']);
  const { c, exporter } = await connect(args);
  try {
    let who: string;
    try {
      who = await ticketLogin(c, user, password!, exporter, args.as === undefined ? undefined : Buffer.from(args.as, 'utf8'));
    } catch (err) {
      failure(err, 'authentication failed');
    }
    if (args.command === 'auth-ping') {
      const shown = Buffer.from(who, 'latin1').toString('utf8');
      io.stdout.write(`authenticated as ${shown} to ${args.server.host}:${args.server.port} (mutual, ${exporter ? 'TLS channel-bound' : 'no TLS'})\n`);
      return EXIT.ok;
    }
    return await upsc(c, args, io);
  } finally {
    c.close();
  }
}

/** `upsc`'s output: one variable's value, or every `name: value`. */
async function upsc(c: NutLineClient, args: AuthClientArgs, io: CliIo): Promise<number> {
  const ups = args.ups!;
  if (args.variable !== undefined) {
    const w = words(await c.request(`GET VAR ${ups} ${args.variable}`));
    io.stdout.write(`${w[3] ?? ''}\n`);
    return EXIT.ok;
  }
  c.send(`LIST VAR ${ups}`);
  const first = words(await c.readLine());
  if (first[0] !== 'BEGIN') throw new CliError(`unexpected reply: ${first.join(' ')}`);
  for (;;) {
    const w = words(await c.readLine());
    if (w[0] === 'END') break;
    io.stdout.write(`${w[2]}: ${w[3] ?? ''}\n`);
  }
  return EXIT.ok;
}

async function passwd(args: AuthClientArgs, io: CliIo, user: Buffer): Promise<number> {
  const tty = io.stdin as ReadStream;
  const interactive = !args.passwordStdin && tty.isTTY;
  const lines = await passwords(args, io, interactive ? ['Old password', 'New password', 'New password again'] : ['old password', 'new password']);
  if (interactive && !lines[1]!.equals(lines[2]!)) throw new CliError('the new passwords do not match; nothing was changed');
  const problem = passwordProblem(lines[1]!);
  if (problem) throw new CliError(`${problem}; nothing was changed`);
  const { c } = await connect(args);
  try {
    try {
      await changePassword(c, user, lines[0]!, lines[1]!);
    } catch (err) {
      failure(err, 'password not changed');
    }
    io.stdout.write(`password changed for ${args.user}\n`);
    return EXIT.ok;
  } finally {
    c.close();
  }
}

export const passwdCommand: Command = {
  name: 'passwd',
  summary: 'change your password through a NUT server (the passwords never leave this machine)',
  usage: ['passwd --server HOST[:PORT] --user NAME [--password-stdin]'],
  details: `Asks for the old password and the new one twice on a terminal, or reads the first two lines of stdin
(old, new). The authentication server's password change (docs/auth-protocol.md) carries only keys.

Options:
${optionsHelp(CLIENT_OPTIONS.passwd)}`,
  run: (argv, io) => runAuthClient(parseAuthClientArgs('passwd', argv), io),
};

export const upscCommand: Command = {
  name: 'upsc',
  summary: "like NUT's upsc, over a ticket-authenticated session (STARTTLS when offered)",
  usage: ['upsc --user NAME [--as USER] [--password-stdin] UPS@HOST[:PORT] [VAR]'],
  details: `Prints one variable's value, or every variable as NAME: VALUE.

Options:
${optionsHelp(CLIENT_OPTIONS.upsc)}`,
  run: (argv, io) => runAuthClient(parseAuthClientArgs('upsc', argv), io),
};

/** `walnut auth ping`'s options, for the auth command's help. */
export const AUTH_PING_OPTIONS = CLIENT_OPTIONS['auth-ping'];
