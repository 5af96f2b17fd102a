// The two ends of a dp9r1 conversation that go through a server: p9any (§6), mutual authentication (§7.2) with
// the Finished tags of a NUT `AUTH` exchange (§7.5), the password-change client (§7.3) and the user-administration
// client (§7.6). Pure state machines over whole messages: the NUT server (src/nut/auth-command.ts) and the CLI
// (src/cli/auth-client.ts) carry the bytes. Each object is single use; any misstep throws AuthError and the object is spent.
// The client halves here, and the modules they import, also run in the browser (the setup page, src/page/README.md):
// plain Uint8Array, no Buffer, and node:crypto only as far as src/page/crypto-shim.ts implements it.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import {
  AUTHENTLEN, AuthAc, AuthAs, AuthErr, AuthOK, AuthPAK, AuthPass, AuthTc, AuthTp, AuthTreq, AuthTs, AuthUser, CHALLEN, CONFIRMLEN,
  DOMLEN, ERRREPLYLEN, NONCELEN, PAKYLEN, PROTO, TICKETLEN, TICKREQLEN,
} from './constants.ts';
import { Sealer } from './envelope.ts';
import { AuthError, ERR } from './errors.ts';
import {
  decodeReplyHead, decodeTicketreq, encodeTicketreq, openAuthenticator, openTicket, sealAuthenticator, sealPasswordreq,
  sealUserreq, type Userreq,
} from './messages.ts';
import { PakState, confirmationMatches, type PakResult } from './pak.ts';
import { finishedTag, p9anyBinding, passwordKey, sessionSecret } from './keys.ts';
import { bytesLatin1, concatBytes as concat, latin1Bytes as latin1 } from '../util/octets.ts';

type Random = (n: number) => Uint8Array;
const defaultRandom: Random = (n) => new Uint8Array(randomBytes(n));
const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && timingSafeEqual(a, b);
const NUL = Uint8Array.of(0);

/** An auth domain: 1-64 bytes of letters, digits, '.', '-' and '_' (it appears in a NUT word and a p9any
 *  offer, where a space or '@' would be ambiguous). */
export const DOMAIN = /^[A-Za-z0-9._-]{1,64}$/;

export function domainProblem(dom: string): string | undefined {
  // DOMAIN admits ASCII only, so the string's length is its byte length
  if (!DOMAIN.test(dom) || dom.length > DOMLEN) return 'an auth domain is 1-64 letters, digits, ".", "-" or "_"';
  return undefined;
}

/** p9any v.2 (§6): the server offers exactly one protocol. */
export const offerFor = (dom: string): string => `v.2 ${PROTO}@${dom}`;
export const choiceFor = (dom: string): string => `${PROTO} ${dom}`;

/** The client's side of p9any: the domain offered for dp9r1, refusing anything else (v.1, other protocols
 *  only, a malformed domain). Other protocols in the offer are ignored: dp9r1 is the only one walnut speaks. */
export function chooseFromOffer(offer: string): string {
  const words = offer.split(' ');
  if (words[0] !== 'v.2') throw new AuthError(ERR.reply);
  for (const w of words.slice(1)) {
    const at = w.indexOf('@');
    if (at < 0) continue;
    if (w.slice(0, at) === PROTO && domainProblem(w.slice(at + 1)) === undefined) return w.slice(at + 1);
  }
  throw new AuthError(ERR.reply);
}

const bindingOf = (offer: string, choice: string): Uint8Array => p9anyBinding(concat(latin1(offer), NUL), concat(latin1(choice), NUL));

/** Sizes of the messages the NUT `AUTH` lines carry (§7.5). */
export const MSG = {
  chc: CHALLEN,
  serverStart: TICKREQLEN + PAKYLEN, // TR ‖ YAs
  clientFinish: PAKYLEN + TICKETLEN + AUTHENTLEN, // YBs ‖ Ts ‖ Ac
  serverFinish: AUTHENTLEN + CONFIRMLEN, // As ‖ server Finished
  clientConfirm: CONFIRMLEN,
} as const;

// ---- the server (the NUT server, IDs "upsd") -------------------------------------------------------------

export interface ServerAuthOptions {
  /** IDs and its random key; the AS holds the same key */
  id: Uint8Array;
  key: Uint8Array;
  dom: string;
  random?: Random;
}

type Step = 'offer' | 'chosen' | 'started' | 'finished' | 'done' | 'spent';

export class ServerAuth {
  readonly offer: string;
  readonly #o: ServerAuthOptions;
  readonly #dom: Uint8Array;
  readonly #random: Random;
  #step: Step = 'offer';
  #binding: Uint8Array | undefined;
  #chc: Uint8Array | undefined;
  #chs: Uint8Array | undefined;
  #pak: PakState | undefined;
  #secret: Uint8Array | undefined;
  #suid: Uint8Array | undefined;

  constructor(o: ServerAuthOptions) {
    this.#o = o;
    this.#dom = latin1(o.dom);
    this.#random = o.random ?? defaultRandom;
    this.offer = offerFor(o.dom);
  }

  #expect(step: Step): void {
    if (this.#step !== step) {
      this.#step = 'spent';
      throw new AuthError(ERR.reply);
    }
  }

  /** p9any: the client's choice must be dp9r1 in the offered domain. */
  choose(choice: string): void {
    this.#expect('offer');
    if (choice !== choiceFor(this.#o.dom)) {
      this.#step = 'spent';
      throw new AuthError(ERR.reply);
    }
    this.#binding = bindingOf(this.offer, choice);
    this.#step = 'chosen';
  }

  /** CHc in, TR{AuthPAK, IDs, DN, CHs, -, -} ‖ YAs out. */
  start(chc: Uint8Array): Uint8Array {
    this.#expect('chosen');
    if (chc.length !== CHALLEN) throw new AuthError(ERR.reply);
    this.#chc = Uint8Array.from(chc);
    this.#chs = this.#random(CHALLEN);
    this.#pak = new PakState('client', { key: this.#o.key, dom: this.#dom, id: this.#o.id }, this.#random);
    const tr = encodeTicketreq({ type: AuthPAK, authid: this.#o.id, authdom: this.#dom, chal: this.#chs, hostid: new Uint8Array(0), uid: new Uint8Array(0) });
    this.#step = 'started';
    return concat(tr, this.#pak.y);
  }

  /** YBs ‖ Ts ‖ Ac in; As ‖ server Finished out. `exporter`: the TLS exporter when the NUT session runs inside
   *  TLS (channel binding, §4.3). */
  finish(msg: Uint8Array, exporter?: Uint8Array): Uint8Array {
    this.#expect('started');
    this.#step = 'spent';
    if (msg.length !== MSG.clientFinish) throw new AuthError(ERR.ticket);
    const pak = this.#pak!.finish(msg.subarray(0, PAKYLEN));
    const ts = openTicket(pak.key, AuthTs, msg.subarray(PAKYLEN, PAKYLEN + TICKETLEN), this.#dom);
    if (!equalBytes(ts.chal, this.#chs!) || ts.suid.length === 0) throw new AuthError(ERR.ticket);
    const ac = openAuthenticator(ts.key, AuthAc, msg.subarray(PAKYLEN + TICKETLEN), this.#dom);
    if (!equalBytes(ac.chal, this.#chs!)) throw new AuthError(ERR.authenticator);
    const rns = this.#random(NONCELEN);
    const as = sealAuthenticator(ts.key, AuthAs, { chal: this.#chc!, rand: rns }, this.#dom);
    this.#secret = sessionSecret(ts.key, ac.rand, rns, this.#binding!, exporter);
    this.#suid = ts.suid;
    this.#step = 'finished';
    return concat(as, finishedTag(this.#secret, 'server'));
  }

  /** The client's Finished tag in; the authenticated user (the ticket's suid) out. */
  confirm(tag: Uint8Array): Uint8Array {
    this.#expect('finished');
    this.#step = 'spent';
    if (!confirmationMatches(finishedTag(this.#secret!, 'client'), tag)) throw new AuthError(ERR.authenticator);
    this.#step = 'done';
    return this.#suid!;
  }

  /** The session secret, once confirmed (for a later TLS PSK or data protection). */
  get secret(): Uint8Array | undefined {
    return this.#step === 'done' ? this.#secret : undefined;
  }
}

// ---- the client (walnut auth ping / upsc) ----------------------------------------------------------------

export interface ClientAuthOptions {
  /** IDc: the user whose password this is, as bytes */
  user: Uint8Array;
  password: Uint8Array;
  /** IDr when it is not IDc: the user to be on the server, which speaks-for must allow (§8) */
  speakFor?: Uint8Array;
  /** K_u already derived for this domain (a client that caches it skips scrypt) */
  key?: Uint8Array;
  random?: Random;
}

/** Reads an AS reply: AuthOK and exactly `size` bytes, or the AuthErr text thrown. */
export function asReply(reply: Uint8Array, size: number): Uint8Array {
  if (reply[0] === AuthErr && reply.length === ERRREPLYLEN) decodeReplyHead(reply); // throws the AuthErr text
  if (reply.length !== size || reply[0] !== AuthOK) throw new AuthError(ERR.reply);
  return reply.subarray(1);
}

export class ClientAuth {
  readonly #o: ClientAuthOptions;
  readonly #random: Random;
  #dom: Uint8Array | undefined;
  #binding: Uint8Array | undefined;
  #key: Uint8Array | undefined;
  #chc: Uint8Array | undefined;
  #tr: Uint8Array | undefined;
  #yas: Uint8Array | undefined;
  #pak: PakState | undefined;
  #paked: PakResult | undefined;
  #ybs: Uint8Array | undefined;
  #kn: Uint8Array | undefined;
  #rnc: Uint8Array | undefined;
  #suid: Uint8Array | undefined;
  #secret: Uint8Array | undefined;

  constructor(o: ClientAuthOptions) {
    this.#o = o;
    this.#random = o.random ?? defaultRandom;
  }

  /** p9any: the offer line's value in, the choice to send out; derives K_u for the offered domain. */
  async choose(offer: string): Promise<string> {
    const dom = chooseFromOffer(offer);
    const choice = choiceFor(dom);
    this.#dom = latin1(dom);
    this.#binding = bindingOf(offer, choice);
    this.#key = this.#o.key ?? (await passwordKey(this.#o.password, this.#dom, this.#o.user));
    return choice;
  }

  get domain(): string | undefined {
    return this.#dom === undefined ? undefined : bytesLatin1(this.#dom);
  }

  start(): Uint8Array {
    this.#chc = this.#random(CHALLEN);
    return this.#chc;
  }

  /** The server's TR ‖ YAs in; the §7.1 first request to the AS out (TR with IDc = IDr = user ‖ YAs ‖ YAc). */
  asRequest(serverStart: Uint8Array): Uint8Array {
    if (serverStart.length !== MSG.serverStart || this.#key === undefined) throw new AuthError(ERR.reply);
    const tr = decodeTicketreq(serverStart.subarray(0, TICKREQLEN));
    if (tr.type !== AuthPAK || tr.authid.length === 0 || !equalBytes(tr.authdom, this.#dom!)) throw new AuthError(ERR.reply);
    this.#pak = new PakState('client', { key: this.#key, dom: this.#dom!, id: this.#o.user }, this.#random);
    const mine = { ...tr, hostid: this.#o.user, uid: this.#o.speakFor ?? this.#o.user };
    this.#tr = encodeTicketreq(mine);
    this.#yas = serverStart.slice(TICKREQLEN);
    return concat(this.#tr, this.#yas, this.#pak.y);
  }

  /** The AS's AuthOK ‖ YBs ‖ YBc ‖ cBc in; cAc ‖ TR{AuthTreq} out. A wrong password (or unknown user, or a
   *  locked-out one) fails here: cBc does not match, and the client says nothing the AS could use. */
  asConfirm(reply: Uint8Array): Uint8Array {
    const body = asReply(reply, 1 + 3 * PAKYLEN);
    this.#ybs = body.slice(0, PAKYLEN);
    this.#paked = this.#pak!.finish(body.subarray(PAKYLEN, 2 * PAKYLEN));
    if (!confirmationMatches(this.#paked.confirmAS, body.subarray(2 * PAKYLEN))) throw new AuthError(ERR.pak);
    const treq = Uint8Array.from(this.#tr!);
    treq[0] = AuthTreq;
    return concat(this.#paked.confirmClient, treq);
  }

  /** The AS's AuthOK ‖ Tc ‖ Ts in; YBs ‖ Ts ‖ Ac for the server out. */
  asTickets(reply: Uint8Array): Uint8Array {
    const body = asReply(reply, 1 + 2 * TICKETLEN);
    const tr = decodeTicketreq(this.#tr!);
    const tc = openTicket(this.#paked!.key, AuthTc, body.subarray(0, TICKETLEN), this.#dom!);
    if (!equalBytes(tc.chal, tr.chal) || !equalBytes(tc.suid, tr.uid)) throw new AuthError(ERR.ticket);
    this.#kn = tc.key;
    this.#suid = tc.suid;
    this.#rnc = this.#random(NONCELEN);
    const ac = sealAuthenticator(tc.key, AuthAc, { chal: tr.chal, rand: this.#rnc }, this.#dom!);
    return concat(this.#ybs!, body.subarray(TICKETLEN), ac);
  }

  /** As ‖ server Finished in (the server proved it holds Kn and saw our CHc); our Finished out. */
  finish(msg: Uint8Array, exporter?: Uint8Array): Uint8Array {
    if (msg.length !== MSG.serverFinish || this.#kn === undefined) throw new AuthError(ERR.authenticator);
    const as = openAuthenticator(this.#kn, AuthAs, msg.subarray(0, AUTHENTLEN), this.#dom!);
    if (!equalBytes(as.chal, this.#chc!)) throw new AuthError(ERR.authenticator);
    const secret = sessionSecret(this.#kn, this.#rnc!, as.rand, this.#binding!, exporter);
    if (!confirmationMatches(finishedTag(secret, 'server'), msg.subarray(AUTHENTLEN))) throw new AuthError(ERR.authenticator);
    this.#secret = secret;
    return finishedTag(secret, 'client');
  }

  get user(): Uint8Array | undefined {
    return this.#suid;
  }

  /** The session secret, once the server's Finished tag checked out (to verify what the server vouches for). */
  get secret(): Uint8Array | undefined {
    return this.#secret;
  }
}

// ---- the AS conversations under one's own password: password change (§7.3), user administration (§7.6) ---

/**
 * PAK with one's own key (no server named), then a Tp that carries Kn: the common start of a password change
 * (AuthPass) and of user administration (AuthUser). What follows are envelopes under Kn that only the AS opens.
 */
class OwnKeyConversation {
  readonly #user: Uint8Array;
  readonly #password: Uint8Array;
  readonly #type: typeof AuthPass | typeof AuthUser;
  readonly #random: Random;
  #dom: Uint8Array | undefined;
  #tr: Uint8Array | undefined;
  #pak: PakState | undefined;
  #paked: PakResult | undefined;
  sealer: Sealer | undefined;

  constructor(user: Uint8Array, password: Uint8Array, type: typeof AuthPass | typeof AuthUser, random: Random | undefined) {
    this.#user = user;
    this.#password = password;
    this.#type = type;
    this.#random = random ?? defaultRandom;
  }

  /** The domain (from p9any) in; TR{AuthPAK, -, DN, CHc, IDc, IDc} ‖ YAc out. */
  async request(dom: string): Promise<Uint8Array> {
    this.#dom = latin1(dom);
    const key = await passwordKey(this.#password, this.#dom, this.#user);
    this.#pak = new PakState('client', { key, dom: this.#dom, id: this.#user }, this.#random);
    this.#tr = encodeTicketreq({ type: AuthPAK, authid: new Uint8Array(0), authdom: this.#dom, chal: this.#random(CHALLEN), hostid: this.#user, uid: this.#user });
    return concat(this.#tr, this.#pak.y);
  }

  /** AuthOK ‖ YBc ‖ cBc in; cAc ‖ TR{AuthPass or AuthUser} out. A wrong password fails here. */
  confirm(reply: Uint8Array): Uint8Array {
    const body = asReply(reply, 1 + 2 * PAKYLEN);
    this.#paked = this.#pak!.finish(body.subarray(0, PAKYLEN));
    if (!confirmationMatches(this.#paked.confirmAS, body.subarray(PAKYLEN))) throw new AuthError(ERR.pak);
    const next = Uint8Array.from(this.#tr!);
    next[0] = this.#type;
    return concat(this.#paked.confirmClient, next);
  }

  /** AuthOK ‖ Tp in: Kn, as the sealer of what follows. */
  open(reply: Uint8Array): Sealer {
    const body = asReply(reply, 1 + TICKETLEN);
    const tp = openTicket(this.#paked!.key, AuthTp, body, this.#dom!);
    const tr = decodeTicketreq(this.#tr!);
    if (!equalBytes(tp.chal, tr.chal) || !equalBytes(tp.suid, this.#user)) throw new AuthError(ERR.ticket);
    this.sealer = new Sealer(tp.key, this.#dom!);
    return this.sealer;
  }
}

export interface PasswdOptions {
  user: Uint8Array;
  oldPassword: Uint8Array;
  newPassword: Uint8Array;
  random?: Random;
}

/** walnut passwd, walnut claim: §7.3. */
export class PasswdClient {
  readonly #o: PasswdOptions;
  readonly #c: OwnKeyConversation;

  constructor(o: PasswdOptions) {
    this.#o = o;
    this.#c = new OwnKeyConversation(o.user, o.oldPassword, AuthPass, o.random);
  }

  request(dom: string): Promise<Uint8Array> {
    return this.#c.request(dom);
  }

  confirm(reply: Uint8Array): Uint8Array {
    return this.#c.confirm(reply);
  }

  /** AuthOK ‖ Tp in; the sealed Passwordreq out. Call again (with the next new password) after a refusal. */
  passwordRequest(reply: Uint8Array | undefined, newPassword = this.#o.newPassword): Uint8Array {
    const sealer = reply !== undefined ? this.#c.open(reply) : this.#c.sealer;
    if (sealer === undefined) throw new AuthError(ERR.reply);
    return sealPasswordreq(sealer, { old: this.#o.oldPassword, new: newPassword, changesecret: false, secret: new Uint8Array(32) });
  }

  /** AuthOK (changed) or the AuthErr text thrown (e.g. a rule the new password breaks). */
  done(reply: Uint8Array): void {
    asReply(reply, 1);
  }
}

export interface UserAdminOptions {
  /** the administrator and their password */
  admin: Uint8Array;
  password: Uint8Array;
  random?: Random;
}

/** An administrator's conversation with the AS about other users' keys (§7.6): request, confirm, open, then a
 *  Userreq per change, each answered by AuthOK or an AuthErr text (`done`). */
export class UserAdminClient {
  readonly #c: OwnKeyConversation;

  constructor(o: UserAdminOptions) {
    this.#c = new OwnKeyConversation(o.admin, o.password, AuthUser, o.random);
  }

  request(dom: string): Promise<Uint8Array> {
    return this.#c.request(dom);
  }

  confirm(reply: Uint8Array): Uint8Array {
    return this.#c.confirm(reply);
  }

  /** AuthOK ‖ Tp in (refused with "not an administrator" for anyone else). */
  open(reply: Uint8Array): void {
    this.#c.open(reply);
  }

  /** One change, sealed under Kn. */
  userRequest(ur: Userreq): Uint8Array {
    if (this.#c.sealer === undefined) throw new AuthError(ERR.reply);
    return sealUserreq(this.#c.sealer, ur);
  }

  done(reply: Uint8Array): void {
    asReply(reply, 1);
  }
}
