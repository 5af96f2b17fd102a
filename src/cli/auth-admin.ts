// `walnut auth status | unlock NAME` and `walnut speaksfor show | allow | deny | clear`: administration of the
// authentication server over its admin socket (src/authsrv/admin.ts). Run as root or as the AS's user.
import { EXIT, type AuthAdminArgs } from './args.ts';
import { CliError } from './user.ts';
import { loadConfig } from './serve.ts';
import { authPaths } from '../authsrv/paths.ts';
import { AdminUnavailableError, adminRequest, connectAdmin } from '../authsrv/admin-client.ts';
import type { AdminReply, AdminRequest } from '../authsrv/admin.ts';
import { SpeaksForError, formatSpeaksFor, parseSpeaksFor, type SpeaksForEntry } from '../authsrv/speaksfor.ts';
import { showName } from '../auth/bytes.ts';

export async function authAdminCommand(args: AuthAdminArgs, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const config = loadConfig({
    command: 'serve',
    listen: [],
    ...(args.config === undefined ? {} : { config: args.config }),
    ...(args.data === undefined ? {} : { data: args.data }),
  });
  let socket;
  try {
    socket = await connectAdmin(authPaths(config).adminSocket);
  } catch (err) {
    if (err instanceof AdminUnavailableError) throw new CliError(err.message);
    throw err;
  }
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
