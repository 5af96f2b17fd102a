// `walnut user add|passwd|grant|remove NAME --server HOST[:PORT]`: the owner changes a unit's users from any
// computer on the LAN (issue 14: "the admin principal may create and manage NUT users remotely"). Two NUT
// connections, both in TLS and both authenticated as `admin` by the unit's AS:
//   A  a ticket login (AUTH, docs/auth-protocol.md §7.5) that names users and roles (AUTH USER, §7.6);
//   B  an AuthUser conversation relayed by AUTH AS, which carries each password sealed under Kn to the AS.
// The NUT server sees names and roles; no password (neither admin's nor the new user's) reaches it, in clear or
// otherwise. A step that fails undoes the one before it, so an add leaves a user with both or neither.
import type { ReadStream } from 'node:tty';
import { CliError, EXIT, type CliIo } from './command.ts';
import { askPasswords, promptPassword } from './password-input.ts';
import { NutLineClient, RefusedError, RelayedUserAdmin, ticketLogin, words } from './ticket-client.ts';
import { AuthError } from '../authsrv/errors.ts';
import { OWNER } from '../auth/owner.ts';
import { passwordProblem, showName } from '../auth/bytes.ts';
import { quote } from '../nut/encode.ts';
import { formatHostPort, type HostPort } from '../util/host-port.ts';

/** the `walnut user` actions that work on a unit over the network (the others read or flip the local database) */
export type RemoteAction = 'add' | 'passwd' | 'grant' | 'remove';

export interface RemoteUserArgs {
  action: RemoteAction;
  name: string;
  server: HostPort;
  /** describeRoles text (src/auth/role-text.ts): the new user's roles (add) or the kinds to change (grant) */
  roles: string;
  passwordStdin: boolean;
}

/** admin's password, and the user's new password for add and passwd (asked twice on a terminal). */
async function passwords(args: RemoteUserArgs, io: CliIo, name: Buffer): Promise<{ admin: Buffer; password: Buffer | undefined }> {
  const wantsNew = args.action === 'add' || args.action === 'passwd';
  const prompts = [`Password of admin at ${formatHostPort(args.server)}`, ...(wantsNew ? [`New password for ${showName(name)}`] : [])];
  const [admin, password] = (await askPasswords(io, prompts, { fromStdin: args.passwordStdin, pipeOk: false, nonEmpty: true })) as [Buffer, Buffer | undefined];
  const tty = io.stdin as ReadStream;
  if (password && !args.passwordStdin && tty.isTTY && !password.equals(await promptPassword('Again: ', tty, io.stderr))) {
    throw new CliError('the passwords do not match; nothing was changed');
  }
  const problem = password && passwordProblem(password);
  if (problem) throw new CliError(`${problem}; nothing was changed`);
  return { admin, password };
}

async function tlsConnection(server: HostPort): Promise<{ c: NutLineClient; exporter: Uint8Array }> {
  const c = await NutLineClient.connect(server.host, server.port);
  const exporter = await c.startTls(server.host);
  if (!exporter) {
    c.destroy();
    throw new CliError(`${formatHostPort(server)} offers no TLS; accounts are changed only inside TLS, nothing was changed`);
  }
  return { c, exporter };
}

/** One `AUTH USER` line on the administrator's ticket session; false when the server answers INVALID-VALUE (the
 *  user exists for add, is missing otherwise). */
async function authUser(c: NutLineClient, line: string): Promise<boolean> {
  try {
    words(await c.request(line));
    return true;
  } catch (err) {
    if (err instanceof RefusedError && err.code === 'INVALID-VALUE') return false;
    if (err instanceof RefusedError && err.code === 'ACCESS-DENIED') throw new CliError('the unit refused: only its owner admin changes users, in TLS');
    throw err;
  }
}

const asRefusal = (err: unknown, what: string): never => {
  if (err instanceof AuthError) {
    const why = err.text === 'auth failed' ? "admin's password was refused (or admin is locked out for a while)" : err.text;
    throw new CliError(`${what}: ${why}`);
  }
  throw err;
};

export async function runRemoteUser(args: RemoteUserArgs, io: CliIo): Promise<number> {
  const name = Buffer.from(args.name, 'utf8');
  const shown = showName(name);
  const word = quote(name.toString('latin1'));
  const { admin, password } = await passwords(args, io, name);
  const a = await tlsConnection(args.server);
  let b: NutLineClient | undefined;
  try {
    await ticketLogin(a.c, OWNER, admin, a.exporter).catch((err: unknown) => asRefusal(err, 'login as admin'));
    let as: RelayedUserAdmin | undefined;
    if (args.action !== 'grant') {
      b = (await tlsConnection(args.server)).c;
      as = await RelayedUserAdmin.open(b, OWNER, admin).catch((err: unknown) => asRefusal(err, 'the authentication server'));
    }
    const none = new Uint8Array(0);
    switch (args.action) {
      case 'add': {
        if (!(await authUser(a.c, `AUTH USER ADD ${word} ${quote(args.roles)}`))) throw new CliError(`user ${shown} already exists (walnut user passwd or grant change it)`);
        try {
          await as!.request({ op: 'set', name, password: password! });
        } catch (err) {
          await authUser(a.c, `AUTH USER REMOVE ${word}`); // undo: no user without a password
          asRefusal(err, `${shown} was not added`);
        }
        io.stdout.write(`added ${shown} at ${formatHostPort(args.server)}: ${args.roles}\n`);
        break;
      }
      case 'passwd':
        await as!.request({ op: 'set', name, password: password! }).catch((err: unknown) => asRefusal(err, 'the password was not changed'));
        if (!(await authUser(a.c, `AUTH USER PASSWD ${word}`))) {
          await as!.request({ op: 'remove', name, password: none }); // undo: no key for a user that does not exist
          throw new CliError(`no user ${shown}`);
        }
        io.stdout.write(`password changed for ${shown}\n`);
        break;
      case 'grant':
        if (!(await authUser(a.c, `AUTH USER GRANT ${word} ${quote(args.roles)}`))) throw new CliError(`no user ${shown}`);
        io.stdout.write(`${shown}: ${args.roles} changed\n`);
        break;
      case 'remove':
        if (!(await authUser(a.c, `AUTH USER REMOVE ${word}`))) throw new CliError(`no user ${shown}`);
        await as!.request({ op: 'remove', name, password: none }).catch((err: unknown) => asRefusal(err, `${shown} was removed but its key was not`));
        io.stdout.write(`removed ${shown}\n`);
        break;
    }
    return EXIT.ok;
  } finally {
    a.c.close();
    b?.close();
  }
}
