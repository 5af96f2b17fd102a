// Fixed-size dp9r1 messages (docs/auth-protocol.md §3). Layouts follow authsrv(6) / 9front's authsrv.h
// with the field sizes of constants.ts. Decoding is strict where Plan 9 was lenient (convM2TR just
// forces a NUL into each field's last byte): exact lengths, known type numbers, text fields that are bytes
// followed only by NUL padding, no control bytes. Every decode failure is an AuthError whose text is what the
// AS sends back after AuthErr; texts never echo the input.
import {
  AERRLEN, ANAMELEN, AUTHBODYLEN, AuthAc, AuthAs, AuthErr, AuthOK, AuthPass, AuthTc, AuthTp, AuthTs, CHALLEN, DOMLEN,
  ERRREPLYLEN, KEYLEN, NONCELEN, NUTREQLEN, PASSREQBODYLEN, PASSWDLEN, REQUEST_TYPES, SECRETLEN, TICKETBODYLEN, TICKREQLEN,
  AuthUser, USERREQBODYLEN,
} from './constants.ts';
import { Opener, Sealer, open, seal } from './envelope.ts';
import { AuthError, ERR } from './errors.ts';
import { bytesLatin1, latin1Bytes } from '../util/octets.ts';

export interface Ticketreq {
  type: number;
  /** IDs, the server's id */
  authid: Uint8Array;
  /** DN */
  authdom: Uint8Array;
  /** CHs (CHc for AuthPass) */
  chal: Uint8Array;
  /** IDc, the client's id */
  hostid: Uint8Array;
  /** IDr, the id the client wants on the server */
  uid: Uint8Array;
}

export interface Ticket {
  chal: Uint8Array;
  cuid: Uint8Array;
  suid: Uint8Array;
  /** Kn */
  key: Uint8Array;
}

export interface Authenticator {
  chal: Uint8Array;
  /** RNc or RNs */
  rand: Uint8Array;
}

export interface Passwordreq {
  old: Uint8Array;
  new: Uint8Array;
  changesecret: boolean;
  secret: Uint8Array;
}

export type TicketType = typeof AuthTs | typeof AuthTc | typeof AuthTp;
export type AuthenticatorType = typeof AuthAs | typeof AuthAc;

const isControl = (b: number): boolean => b < 0x20 || b === 0x7f;

/** Write `value` NUL-padded into `size` bytes at `off`. A value may fill the whole field (walnut names are up to
 *  64 bytes; authsrv reserved the last byte for a NUL, which walnut's name rules make unnecessary). */
function putText(buf: Uint8Array, off: number, size: number, value: Uint8Array, min: number, err: string): void {
  if (value.length < min || value.length > size || value.some(isControl)) throw new AuthError(err);
  buf.set(value, off);
}

function getText(buf: Uint8Array, off: number, size: number, min: number, err: string): Uint8Array {
  const field = buf.subarray(off, off + size);
  let end = field.indexOf(0);
  if (end < 0) end = size;
  for (let i = end; i < size; i++) if (field[i] !== 0) throw new AuthError(err); // garbage after the NUL
  const value = field.slice(0, end);
  if (value.length < min || value.some(isControl)) throw new AuthError(err);
  return value;
}

function putBytes(buf: Uint8Array, off: number, value: Uint8Array, size: number, err: string): void {
  if (value.length !== size) throw new AuthError(err);
  buf.set(value, off);
}

// ---- Ticketreq: type(1) authid(64) authdom(64) chal(16) hostid(64) uid(64) = 273, never encrypted ----------

export function encodeTicketreq(tr: Ticketreq): Uint8Array {
  const e = ERR.ticketreq;
  if (!REQUEST_TYPES.has(tr.type)) throw new AuthError(e);
  const buf = new Uint8Array(TICKREQLEN);
  buf[0] = tr.type;
  let o = 1;
  putText(buf, o, ANAMELEN, tr.authid, 0, e); o += ANAMELEN;
  putText(buf, o, DOMLEN, tr.authdom, 0, e); o += DOMLEN;
  putBytes(buf, o, tr.chal, CHALLEN, e); o += CHALLEN;
  putText(buf, o, ANAMELEN, tr.hostid, 0, e); o += ANAMELEN;
  putText(buf, o, ANAMELEN, tr.uid, 0, e);
  return buf;
}

export function decodeTicketreq(buf: Uint8Array): Ticketreq {
  const e = ERR.ticketreq;
  if (buf.length !== TICKREQLEN) throw new AuthError(e);
  const type = buf[0]!;
  if (!REQUEST_TYPES.has(type)) throw new AuthError(e);
  let o = 1;
  const authid = getText(buf, o, ANAMELEN, 0, e); o += ANAMELEN;
  const authdom = getText(buf, o, DOMLEN, 0, e); o += DOMLEN;
  const chal = buf.slice(o, o + CHALLEN); o += CHALLEN;
  const hostid = getText(buf, o, ANAMELEN, 0, e); o += ANAMELEN;
  const uid = getText(buf, o, ANAMELEN, 0, e);
  return { type, authid, authdom, chal, hostid, uid };
}

// ---- Ticket body: chal(16) cuid(64) suid(64) key(32) = 176; sealed 204 ----------------------------------

export function encodeTicketBody(t: Ticket): Uint8Array {
  const e = ERR.ticket;
  const buf = new Uint8Array(TICKETBODYLEN);
  let o = 0;
  putBytes(buf, o, t.chal, CHALLEN, e); o += CHALLEN;
  putText(buf, o, ANAMELEN, t.cuid, 0, e); o += ANAMELEN;
  putText(buf, o, ANAMELEN, t.suid, 0, e); o += ANAMELEN;
  putBytes(buf, o, t.key, KEYLEN, e);
  return buf;
}

export function decodeTicketBody(buf: Uint8Array): Ticket {
  const e = ERR.ticket;
  if (buf.length !== TICKETBODYLEN) throw new AuthError(e);
  let o = 0;
  const chal = buf.slice(o, o + CHALLEN); o += CHALLEN;
  const cuid = getText(buf, o, ANAMELEN, 0, e); o += ANAMELEN;
  const suid = getText(buf, o, ANAMELEN, 0, e); o += ANAMELEN;
  const key = buf.slice(o, o + KEYLEN);
  return { chal, cuid, suid, key };
}

/** Seal a ticket under a pakkey. Counter 0: each pakkey seals exactly one ticket (docs/auth-protocol.md §7). */
export function sealTicket(key: Uint8Array, type: TicketType, t: Ticket, dom: Uint8Array): Uint8Array {
  return seal(key, type, 0, encodeTicketBody(t), dom);
}

export function openTicket(key: Uint8Array, type: TicketType, wire: Uint8Array, dom: Uint8Array): Ticket {
  return decodeTicketBody(open(key, type, wire, dom, TICKETBODYLEN).body);
}

// ---- Authenticator body: chal(16) rand(32) = 48; sealed 76 ----------------------------------------------

export function encodeAuthenticatorBody(a: Authenticator): Uint8Array {
  const e = ERR.authenticator;
  const buf = new Uint8Array(AUTHBODYLEN);
  putBytes(buf, 0, a.chal, CHALLEN, e);
  putBytes(buf, CHALLEN, a.rand, NONCELEN, e);
  return buf;
}

export function decodeAuthenticatorBody(buf: Uint8Array): Authenticator {
  if (buf.length !== AUTHBODYLEN) throw new AuthError(ERR.authenticator);
  return { chal: buf.slice(0, CHALLEN), rand: buf.slice(CHALLEN) };
}

/** Authenticators under Kn: Ac by the client, As by the server, one each, so counter 0 and the type in the nonce
 *  keeps the two apart. */
export function sealAuthenticator(kn: Uint8Array, type: AuthenticatorType, a: Authenticator, dom: Uint8Array): Uint8Array {
  return seal(kn, type, 0, encodeAuthenticatorBody(a), dom);
}

export function openAuthenticator(kn: Uint8Array, type: AuthenticatorType, wire: Uint8Array, dom: Uint8Array): Authenticator {
  return decodeAuthenticatorBody(open(kn, type, wire, dom, AUTHBODYLEN).body);
}

// ---- Passwordreq body: old(512) new(512) changesecret(1) secret(32) = 1057; sealed 1085 -------------------

export function encodePasswordreqBody(pr: Passwordreq): Uint8Array {
  const e = ERR.passreq;
  const buf = new Uint8Array(PASSREQBODYLEN);
  let o = 0;
  putText(buf, o, PASSWDLEN, pr.old, 1, e); o += PASSWDLEN;
  putText(buf, o, PASSWDLEN, pr.new, 1, e); o += PASSWDLEN;
  buf[o++] = pr.changesecret ? 1 : 0;
  putBytes(buf, o, pr.secret, SECRETLEN, e);
  return buf;
}

export function decodePasswordreqBody(buf: Uint8Array): Passwordreq {
  const e = ERR.passreq;
  if (buf.length !== PASSREQBODYLEN) throw new AuthError(e);
  let o = 0;
  const old = getText(buf, o, PASSWDLEN, 1, e); o += PASSWDLEN;
  const nw = getText(buf, o, PASSWDLEN, 1, e); o += PASSWDLEN;
  const flag = buf[o++]!;
  if (flag > 1) throw new AuthError(e);
  const secret = buf.slice(o, o + SECRETLEN);
  return { old, new: nw, changesecret: flag === 1, secret };
}

/** Passwordreqs may be retried under the same Kn after an AuthErr (authsrv(6) AuthPass), so they go through a
 *  Sealer (fresh counter each time) and an Opener (refuses a replayed one). */
export function sealPasswordreq(sealer: Sealer, pr: Passwordreq): Uint8Array {
  return sealer.seal(AuthPass, encodePasswordreqBody(pr));
}

export function openPasswordreq(opener: Opener, wire: Uint8Array): Passwordreq {
  return decodePasswordreqBody(opener.open(AuthPass, wire, PASSREQBODYLEN));
}

// ---- Userreq body: op(1) name(64) password(512) = 577; sealed 605 (AuthUser, §7.6) ----------------------

/** What an administrator asks of the AS for another user: a new key from `password`, or no key at all. */
export type UserOp = 'set' | 'remove';
const USER_OPS: readonly UserOp[] = ['set', 'remove'];

export interface Userreq {
  op: UserOp;
  name: Uint8Array;
  /** the new password for `set`; empty for `remove` */
  password: Uint8Array;
}

export function encodeUserreqBody(ur: Userreq): Uint8Array {
  const e = ERR.userreq;
  const buf = new Uint8Array(USERREQBODYLEN);
  buf[0] = USER_OPS.indexOf(ur.op) + 1;
  if (buf[0] === 0 || (ur.op === 'remove') !== (ur.password.length === 0)) throw new AuthError(e);
  putText(buf, 1, ANAMELEN, ur.name, 1, e);
  putText(buf, 1 + ANAMELEN, PASSWDLEN, ur.password, 0, e);
  return buf;
}

export function decodeUserreqBody(buf: Uint8Array): Userreq {
  const e = ERR.userreq;
  if (buf.length !== USERREQBODYLEN) throw new AuthError(e);
  const op = USER_OPS[buf[0]! - 1];
  if (op === undefined) throw new AuthError(e);
  const name = getText(buf, 1, ANAMELEN, 1, e);
  const password = getText(buf, 1 + ANAMELEN, PASSWDLEN, 0, e);
  // a key is set from a password, and a removal carries none: anything else is malformed
  if ((op === 'remove') !== (password.length === 0)) throw new AuthError(e);
  return { op, name, password };
}

/** Userreqs, like Passwordreqs, go through a Sealer and an Opener: one conversation may carry several. */
export function sealUserreq(sealer: Sealer, ur: Userreq): Uint8Array {
  return sealer.seal(AuthUser, encodeUserreqBody(ur));
}

export function openUserreq(opener: Opener, wire: Uint8Array): Userreq {
  return decodeUserreqBody(opener.open(AuthUser, wire, USERREQBODYLEN));
}

// ---- AuthNUT request: Ticketreq(273, type AuthNUT) ‖ password(512) = 785, local socket only ---------------

export function encodeNutreq(tr: Ticketreq, password: Uint8Array): Uint8Array {
  const buf = new Uint8Array(NUTREQLEN);
  buf.set(encodeTicketreq(tr), 0);
  putText(buf, TICKREQLEN, PASSWDLEN, password, 1, ERR.nutreq);
  return buf;
}

export function decodeNutreq(buf: Uint8Array): { tr: Ticketreq; password: Uint8Array } {
  if (buf.length !== NUTREQLEN) throw new AuthError(ERR.nutreq);
  const tr = decodeTicketreq(buf.subarray(0, TICKREQLEN));
  const password = getText(buf, TICKREQLEN, PASSWDLEN, 1, ERR.nutreq);
  return { tr, password };
}

// ---- AS reply framing (authsrv(6)) -----------------------------------------------------------------------

/** AuthErr ‖ text NUL-padded to AERRLEN: 65 bytes. */
export function encodeErrReply(err: AuthError): Uint8Array {
  const buf = new Uint8Array(ERRREPLYLEN);
  buf[0] = AuthErr;
  buf.set(latin1Bytes(err.text), 1);
  return buf;
}

/** Read the start of an AS reply: AuthOK (caller then reads its fixed body) or AuthErr (thrown as AuthError). */
export function decodeReplyHead(buf: Uint8Array): void {
  if (buf.length < 1) throw new AuthError(ERR.reply);
  if (buf[0] === AuthOK) return;
  if (buf[0] !== AuthErr || buf.length !== ERRREPLYLEN) throw new AuthError(ERR.reply);
  const text = getText(buf, 1, AERRLEN, 0, ERR.reply);
  if (text.some((b) => b > 0x7e) || text.length >= AERRLEN) throw new AuthError(ERR.reply);
  throw new AuthError(bytesLatin1(text));
}
