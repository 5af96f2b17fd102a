// `walnut auth status | unlock NAME` and `walnut speaksfor show | allow | deny | clear`: administration of the
// authentication server over its admin socket (src/authsrv/admin.ts). Run as root or as the AS's user.
import { CliError, EXIT, HelpRequest, UsageError, type Command } from './command.ts';
import { DATA_FOLDER_OPTIONS, dataFolderArgs, optionsHelp, parseOptions } from './options.ts';
import { adminSocketFor } from './data-folder.ts';
import { AUTH_PING_OPTIONS, parseAuthClientArgs, runAuthClient } from './auth-client.ts';
import { adminRequest } from '../authsrv/admin-client.ts';
import type { AdminReply, AdminRequest } from '../authsrv/admin.ts';
import { SpeaksForError, formatSpeaksFor, parseSpeaksFor, type SpeaksForEntry } from '../authsrv/speaksfor.ts';
import { showName } from '../auth/bytes.ts';

export interface AuthAdminArgs {
  action: 'status' | 'unlock' | 'speaksfor-show' | 'speaksfor-allow' | 'speaksfor-deny' | 'speaksfor-clear';
  name?: string;
  /** speaks-for: the speaker (hostid) and the user it may (not) speak for */
  hostid?: string;
  config?: string;
  data?: string;
}

/** Pure: `walnut auth status | unlock NAME` (auth ping is a ticket client: parseAuthClientArgs). */
export function parseAuthAdminArgs(action: 'status' | 'unlock', argv: readonly string[]): AuthAdminArgs {
  const o = parseOptions(`auth ${action}`, argv, DATA_FOLDER_OPTIONS);
  const out: AuthAdminArgs = { action, ...dataFolderArgs(o) };
  if (action === 'unlock') {
    if (o.positional.length !== 1) throw new UsageError('auth unlock: name one user');
    out.name = o.positional[0]!;
  } else if (o.positional.length > 0) throw new UsageError(`auth status: unexpected argument "${o.positional[0]}"`);
  return out;
}

const SPEAKSFOR_COUNTS: Record<string, number> = { show: 0, allow: 2, deny: 2, clear: 1 };

/** Pure: the words after `walnut speaksfor`. */
export function parseSpeaksForArgs(argv: readonly string[]): AuthAdminArgs {
  const [action, ...rest] = argv;
  if (action === undefined || action === '--help' || action === '-h') throw new HelpRequest();
  const o = parseOptions(`speaksfor ${action}`, rest, DATA_FOLDER_OPTIONS);
  const count = SPEAKSFOR_COUNTS[action];
  if (count === undefined) throw new UsageError(`unknown speaksfor command "${action}" (one of: show, allow, deny, clear)`);
  if (o.positional.length !== count) {
    throw new UsageError(`speaksfor ${action}: ${count === 0 ? 'takes no argument' : count === 1 ? 'name the speaker (hostid)' : 'name the speaker (hostid) and the user (or * for allow)'}`);
  }
  const out: AuthAdminArgs = { action: `speaksfor-${action}` as AuthAdminArgs['action'], ...dataFolderArgs(o) };
  if (count >= 1) out.hostid = o.positional[0]!;
  if (count === 2) out.name = o.positional[1]!;
  return out;
}

export async function runAuthAdmin(args: AuthAdminArgs, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const socket = await adminSocketFor(args);
  const ask = async (req: AdminRequest): Promise<Extract<AdminReply, { ok: true }>> => {
    const reply = await adminRequest(socket, req);
    if (!reply.ok) throw new CliError(reply.error);
    return reply;
  };
  try {
    switch (args.action) {
      case 'status': {
        const r = await ask({ op: 'status' });
        out.write(`domain ${r.domain}\n`);
        for (const u of r.users ?? []) out.write(`key ${showName(Buffer.from(u, 'base64'))}\n`);
        for (const l of r.locked ?? []) out.write(`locked ${showName(Buffer.from(l.name, 'base64'))} from ${l.source} until ${l.until}\n`);
        if (r.moreLocked) out.write(`and ${r.moreLocked} more locked name/address pairs\n`);
        return EXIT.ok;
      }
      case 'unlock': {
        const r = await ask({ op: 'unlock', name: Buffer.from(args.name!, 'utf8').toString('base64') });
        out.write(r.existed ? `${args.name} unlocked\n` : `${args.name} was not locked out\n`);
        return EXIT.ok;
      }
      case 'speaksfor-show':
        out.write((await ask({ op: 'speaksfor-get' })).text ?? '');
        return EXIT.ok;
      default: {
        // read, edit, write back whole: the AS validates the text again before it replaces the file
        const text = (await ask({ op: 'speaksfor-get' })).text ?? '';
        let entries: SpeaksForEntry[];
        try {
          entries = [...parseSpeaksFor(text).entries];
        } catch (err) {
          throw new CliError((err as SpeaksForError).message);
        }
        const host = args.hostid!;
        const mine = entries.filter((e) => e.hostid === host);
        const others = entries.filter((e) => e.hostid !== host);
        const uids = mine.flatMap((e) => e.uids).filter((u) => u !== args.name && u !== `!${args.name}`);
        if (args.action === 'speaksfor-allow') uids.push(args.name!);
        if (args.action === 'speaksfor-deny') {
          if (args.name === '*') throw new CliError('deny takes a user name, not *', EXIT.usage);
          uids.push(`!${args.name}`);
        }
        const next = args.action === 'speaksfor-clear' || uids.length === 0 ? others : [...others, { hostid: host, uids, extra: mine.flatMap((e) => e.extra) }];
        let formatted: string;
        try {
          formatted = formatSpeaksFor({ entries: next });
        } catch (err) {
          throw new CliError((err as SpeaksForError).message, EXIT.usage);
        }
        await ask({ op: 'speaksfor-set', text: formatted });
        out.write(formatted);
        return EXIT.ok;
      }
    }
  } finally {
    socket.destroy();
  }
}

export const authCommand: Command = {
  name: 'auth',
  summary: 'the authentication server: log in with a ticket (ping), its status, end a lockout',
  usage: ['auth ping --server HOST[:PORT] --user NAME [--as USER] [--password-stdin]', 'auth status | unlock NAME [--config FILE] [--data DIR]'],
  details: `Actions:
  ping                 log into a NUT server with a ticket (mutual authentication; the password never leaves
                       this machine) and print the authenticated user; exit 0 on success
  status               the auth domain, users with keys, locked-out names (on this box, as root or the AS user)
  unlock               end a lockout now

ping options:
${optionsHelp(AUTH_PING_OPTIONS)}

status and unlock options:
${optionsHelp(DATA_FOLDER_OPTIONS)}`,
  run: async (argv, io) => {
    const [action, ...rest] = argv;
    if (action === 'ping') return runAuthClient(parseAuthClientArgs('auth-ping', rest), io);
    if (action === 'status' || action === 'unlock') return runAuthAdmin(parseAuthAdminArgs(action, rest), io.stdout);
    if (action === undefined || action === '--help' || action === '-h') throw new HelpRequest();
    throw new UsageError(`unknown auth command "${action}" (one of: ping, status, unlock)`);
  },
};

export const speaksforCommand: Command = {
  name: 'speaksfor',
  summary: 'who may hold tickets naming someone else (Plan 9 speaks-for, ndb syntax; a deny wins)',
  usage: ['speaksfor show | allow HOSTID USER|* | deny HOSTID USER | clear HOSTID [--config FILE] [--data DIR]'],
  details: `Options:\n${optionsHelp(DATA_FOLDER_OPTIONS)}`,
  run: (argv, io) => runAuthAdmin(parseSpeaksForArgs(argv), io.stdout),
};
