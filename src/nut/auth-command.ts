// NUT `AUTH`: tickets over the NUT connection (docs/auth-protocol.md §7.5). A ticket-aware client logs in
// without ever sending its password: p9any, the server's PAK request, the client's exchange with the AS relayed
// through this server (`AUTH AS`, so NAS boxes need no second port), the ticket and authenticators, and
// Finished tags over the session secret (which binds the p9any strings and, inside TLS, the TLS exporter).
// Binary messages travel as base64url without padding (RFC 4648 §5) in NUT words — `=` separates words in NUT's
// tokenizer (docs/nut-protocol.md §1.2), `-` and `_` do not; one line carries at most CHUNK bytes, a longer message
// comes as `AUTH MORE` lines first. Plain NUT clients never send AUTH and see no change.
//
// Every failure is ERR ACCESS-DENIED and ends the exchange; the reason goes to the log only.
import { AuthError } from '../authsrv/errors.ts';
import type { ServerAuth } from '../authsrv/mutual.ts';
import { authUserCommand, type UserDirectory } from './auth-user-command.ts';
import { quote } from './encode.ts';
import { NutError } from './errors.ts';
import type { Reply } from './reply.ts';
import type { AuthExchange, Session } from './session.ts';

export type { AuthExchange } from './session.ts';

/** Raw bytes per base64 line: 372 bytes are 496 characters; with `AUTH MORE ` and LF, 507 ≤ 511 (§1.3). */
export const CHUNK = 372;
/** Most bytes one message may gather from `AUTH MORE` lines (the largest, a Passwordreq, is 1085). */
export const MAX_MESSAGE = 2048;
/** `AUTH AS` relays per exchange: a ticket request takes 2, a password change 3 plus retries. */
export const MAX_RELAYS = 8;

/** What the NUT server needs from the authentication server. */
export interface TicketService {
  /** A fresh server end (IDs `upsd`, its key, the domain) for one exchange. */
  serverAuth(): ServerAuth;
  /** One request of this session's relayed AS conversation, and the AS's reply. */
  relay(session: Session, request: Uint8Array): Promise<Uint8Array>;
  /** The session's relayed conversation is over. */
  forget(session: Session): void;
}

export type AuthOutcome =
  | { kind: 'ticket-login'; user: string }
  | { kind: 'ticket-refused'; reason: string };

/** Canonical unpadded base64url: whole groups, then 2 or 3 characters (never 1). */
const B64 = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2,3})?$/;

function denied(tickets: TicketService, session: Session, reason: string, report: (o: AuthOutcome) => void): never {
  session.auth = undefined;
  tickets.forget(session); // the AS's side of the relayed conversation goes too
  report({ kind: 'ticket-refused', reason });
  throw new NutError('ACCESS-DENIED', reason);
}

/** `PREFIX <b64>` lines for one message: `AUTH MORE` for every chunk but the last. */
export function blobLines(last: string, bytes: Uint8Array): string[] {
  const lines: string[] = [];
  for (let off = 0; off < bytes.length || off === 0; off += CHUNK) {
    const piece = Buffer.from(bytes.subarray(off, off + CHUNK)).toString('base64url');
    const final = off + CHUNK >= bytes.length;
    lines.push(`${final ? last : 'AUTH MORE'} ${piece}`);
    if (final) break;
  }
  return lines;
}

/** The whole message: the gathered `AUTH MORE` chunks and this line's piece. */
function message(tickets: TicketService, session: Session, ex: AuthExchange, word: string | undefined, report: (o: AuthOutcome) => void): Uint8Array {
  const piece = decode(tickets, session, word, report);
  const all = Buffer.concat([...ex.chunks, piece]);
  ex.chunks = [];
  ex.bytes = 0;
  return new Uint8Array(all);
}

function decode(tickets: TicketService, session: Session, word: string | undefined, report: (o: AuthOutcome) => void): Buffer {
  if (word === undefined || word.length > 4 * Math.ceil(CHUNK / 3) || !B64.test(word)) denied(tickets, session, 'AUTH: not a base64 chunk', report);
  return Buffer.from(word, 'base64url');
}

/**
 * `AUTH P9ANY | CHOOSE choice | MORE b64 | START b64 | AS b64 | FINISH b64 | CONFIRM b64`, and `AUTH USER …`
 * (auth-user-command.ts) once a ticket login is done.
 * `report` tells the server's audit what happened at the end of an exchange.
 */
export function authCommand(
  tickets: TicketService | undefined,
  session: Session,
  words: readonly string[],
  report: (o: AuthOutcome) => void,
  users?: UserDirectory,
): Reply | Promise<Reply> {
  if (!tickets) throw new NutError('FEATURE-NOT-CONFIGURED');
  if (words[1]?.toUpperCase() === 'USER') return authUserCommand(users, session, words);
  if (words.length < 2 || words.length > 3) throw new NutError('INVALID-ARGUMENT');
  const sub = words[1]!.toUpperCase();
  const arg = words[2];
  if (sub === 'P9ANY') {
    if (words.length !== 2) throw new NutError('INVALID-ARGUMENT');
    if (session.username !== undefined || session.ticketUser !== undefined) throw new NutError('ALREADY-SET-USERNAME');
    const server = tickets.serverAuth();
    if (session.auth) tickets.forget(session); // a new exchange: the old one's relayed conversation ends
    session.auth = { server, chunks: [], bytes: 0, relays: 0 };
    return `AUTH OFFER ${quote(server.offer)}`;
  }
  const ex = session.auth;
  if (!ex || arg === undefined) throw new NutError('INVALID-ARGUMENT');
  try {
    switch (sub) {
      case 'CHOOSE':
        ex.server.choose(arg);
        return 'OK';
      case 'MORE': {
        const piece = decode(tickets, session, arg, report);
        if (ex.bytes + piece.length > MAX_MESSAGE) denied(tickets, session, `AUTH: message longer than ${MAX_MESSAGE} bytes`, report);
        ex.chunks.push(piece);
        ex.bytes += piece.length;
        return 'OK MORE';
      }
      case 'START':
        return blobLines('AUTH DATA', ex.server.start(message(tickets, session, ex, arg, report)));
      case 'AS': {
        if (++ex.relays > MAX_RELAYS) denied(tickets, session, `AUTH: more than ${MAX_RELAYS} relayed AS requests`, report);
        const request = message(tickets, session, ex, arg, report);
        return tickets.relay(session, request).then(
          (reply) => blobLines('AUTH AS', reply),
          (err: unknown) => denied(tickets, session, `AUTH AS: ${(err as Error).message}`, report),
        );
      }
      case 'FINISH':
        return blobLines('AUTH DATA', ex.server.finish(message(tickets, session, ex, arg, report), session.tlsExporter));
      case 'CONFIRM': {
        const suid = ex.server.confirm(message(tickets, session, ex, arg, report));
        const user = Buffer.from(suid).toString('latin1'); // a NUT word: one char per byte
        session.auth = undefined;
        tickets.forget(session);
        session.ticketUser = user;
        session.username = user;
        report({ kind: 'ticket-login', user });
        return `OK AUTH ${quote(user)}`;
      }
      default:
        throw new NutError('INVALID-ARGUMENT');
    }
  } catch (err) {
    if (err instanceof AuthError) denied(tickets, session, `AUTH ${sub}: ${err.text}`, report);
    throw err;
  }
}
