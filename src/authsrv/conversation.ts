// One conversation with the AS: the request/reply sequences of docs/auth-protocol.md §7.1 (ticket request with
// PAK), §7.3 (password change), §7.4 (AuthNUT) and §7.6 (user administration), as a state machine over whole messages. authsrv(6) reads a
// Ticketreq, dispatches on its type and answers with fixed-size replies; so does this, with the sizes of
// constants.ts. No sockets and no SQLite: the transports (authsrv.ts) feed complete requests (`need` says how
// many bytes make one) and write back the reply; keys, speaks-for and the lockout come through AsDeps.
//
// Every failure a peer can cause is an AuthErr with a fixed text (errors.ts); the reason goes to `deps.log`
// with the source address, never a key or a password (9front's tr-fail/pak-fail syslog lines).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import {
  ANAMELEN, AuthNUT, AuthOK, AuthPAK, AuthPass, AuthTc, AuthTp, AuthTreq, AuthTs, AuthAc, AuthUser, CHALLEN, CONFIRMLEN,
  NONCELEN, NUTREQLEN, PAKYLEN, PASSREQLEN, TICKREQLEN, USERREQLEN,
} from './constants.ts';
import { Opener } from './envelope.ts';
import { AuthError, ERR } from './errors.ts';
import {
  decodeNutreq, decodeTicketreq, encodeErrReply, openPasswordreq, openUserreq, sealAuthenticator, sealTicket, type Ticketreq,
} from './messages.ts';
import { PakState, confirmationMatches, type PakResult } from './pak.ts';
import { fakeKey } from './keys.ts';
import { showBytes } from '../auth/bytes.ts';

/** What the AS knows, read fresh for every request (the admin CLI changes it while conversations run). */
export interface AsDeps {
  /** DN */
  readonly dom: Uint8Array;
  readonly keyseed: Uint8Array;
  /** K_u of a user, undefined when there is none */
  userKey(name: Uint8Array): Uint8Array | undefined;
  /** the random key of a server principal (`upsd`), undefined when there is none */
  serverKey(name: Uint8Array): Uint8Array | undefined;
  /** K_u of an opt-in legacy client when `name` is one and `source` is one of its addresses (AuthNUT only) */
  legacyKey(name: Uint8Array, source: string): Uint8Array | undefined;
  /** replace K_u (password change) */
  setUserKey(name: Uint8Array, key: Uint8Array): void;
  /** may `hostid` hold tickets naming `uid` (IDc ≠ IDr only) */
  speaksFor(hostid: Uint8Array, uid: Uint8Array): boolean;
  /** the persistent lockout of src/authsrv/lockout.ts, per name and source address */
  locked(name: Uint8Array, source: string): boolean;
  /** a check that did not confirm (counted before the confirmation can arrive, undone by `succeeded`) */
  failed(name: Uint8Array, source: string, why: string): void;
  succeeded(name: Uint8Array, source: string): void;
  /** checks a new password against the rules; a problem is sent back as the AuthErr text */
  newPasswordProblem(name: Uint8Array, password: Uint8Array): string | undefined;
  /** scrypt runs a few at a time (memory): the caller's queue */
  derive(password: Uint8Array, name: Uint8Array): Promise<Uint8Array>;
  log(kind: 'warn' | 'info', source: string, text: string): void;
  random?: (n: number) => Uint8Array;
  /** the first-boot claim (issue 14); absent: no setup code */
  setup?: SetupDeps;
  /** user administration (§7.6); absent: AuthUser is refused */
  users?: UserAdminDeps;
}

/**
 * AuthUser: an administrator, authenticated by their own PAK, sets or removes another user's key. The new
 * password reaches the AS only inside an envelope under Kn, as a Passwordreq's does, so the server relaying
 * the conversation (the NUT server's `AUTH AS`, the web server) learns nothing from it.
 */
export interface UserAdminDeps {
  /** may `name` administer other users (walnut: the owner, src/auth/owner.ts) */
  mayAdminister(name: Uint8Array): boolean;
  /** set K_u of `name` and end its lockout (the administrator vouches for the new password) */
  setKey(name: Uint8Array, key: Uint8Array): void;
  /** drop the key of `name`; false when it had none */
  remove(name: Uint8Array): boolean;
}

/**
 * An unclaimed unit's label code, as the key of the principal `admin` in one place only: the PAK of a password
 * change (§7.3), inside the setup window. So the code never gets a ticket or a NUT login; it can only be
 * exchanged for the owner's own password (or itself: keeping the label code), and that change claims the unit.
 */
export interface SetupDeps {
  /** the label code's key for `name` while the unit is unclaimed and the window open; else undefined */
  key(name: Uint8Array): Uint8Array | undefined;
  /** a PAK with the label code started: counted as failed until confirmed (the window's bound) */
  attempt(): void;
  /** that PAK confirmed: its provisional failure is taken back */
  confirmed(): void;
  /** the password change with the label code went through: the unit is claimed */
  claimed(name: Uint8Array, source: string): void;
}

/** Where the request came from: AuthNUT only from walnut's own servers on the local socket. */
export type Transport = 'tcp' | 'local' | 'relay';

export interface Answer {
  reply: Uint8Array;
  /** end the conversation after this reply (an error other than a password-change retry) */
  close: boolean;
}

/** Bad password-change attempts allowed in one conversation (authsrv(6) lets a client retry; a bound). */
export const MAX_PASSWORD_TRIES = 3;
/** Userreqs one AuthUser conversation may carry (a bound: the administrator's client opens another). */
export const MAX_USER_REQUESTS = 16;

type State =
  | { kind: 'idle' }
  | { kind: 'paked'; tr: Ticketreq; trBytes: Uint8Array; client: PakResult; server: PakResult | undefined; viaSetup: boolean }
  | { kind: 'passwd'; user: Uint8Array; opener: Opener; tries: number; viaSetup: boolean }
  | { kind: 'users'; admin: Uint8Array; opener: Opener; requests: number };

const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && timingSafeEqual(a, b);
const concat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));
const ok = (...parts: Uint8Array[]): Answer => ({ reply: concat(Uint8Array.of(AuthOK), ...parts), close: false });
const fail = (text: string, close = true): Answer => ({ reply: encodeErrReply(new AuthError(text)), close });
const show = (b: Uint8Array): string => showBytes(b, 64);

/** Offsets of the Ticketreq fields whose emptiness decides the AuthPAK request size (constants.ts layout). */
const AUTHID_AT = 1;
const HOSTID_AT = 1 + ANAMELEN + 64 + CHALLEN;

export class Conversation {
  readonly #deps: AsDeps;
  readonly #source: string;
  readonly #transport: Transport;
  readonly #random: (n: number) => Uint8Array;
  #state: State = { kind: 'idle' };

  constructor(deps: AsDeps, source: string, transport: Transport) {
    this.#deps = deps;
    this.#source = source;
    this.#transport = transport;
    this.#random = deps.random ?? ((n) => new Uint8Array(randomBytes(n)));
  }

  /** Bytes that make the next request, given the first bytes buffered so far (a stream transport calls this
   *  until it has them all). */
  need(head: Uint8Array): number {
    switch (this.#state.kind) {
      case 'paked':
        return CONFIRMLEN + TICKREQLEN;
      case 'passwd':
        return PASSREQLEN;
      case 'users':
        return USERREQLEN;
      case 'idle':
        if (head.length < 1) return 1;
        if (head[0] === AuthNUT && this.#transport === 'local') return NUTREQLEN + PAKYLEN;
        if (head[0] !== AuthPAK) return 1; // refused as soon as it is seen
        if (head.length < TICKREQLEN) return TICKREQLEN;
        // YAs is there when the request names a server, YAc when it names a client (§7.1, §7.3)
        return TICKREQLEN + (head[AUTHID_AT] !== 0 ? PAKYLEN : 0) + (head[HOSTID_AT] !== 0 ? PAKYLEN : 0);
    }
  }

  /** The peer went away. An unconfirmed PAK was already counted as a failure when it started. */
  end(): void {
    const s = this.#state;
    if (s.kind === 'paked') this.#deps.log('warn', this.#source, `user ${show(s.tr.hostid)}: PAK not confirmed (the client stopped: wrong password, unknown user or locked out)`);
    this.#state = { kind: 'idle' };
  }

  async handle(req: Uint8Array): Promise<Answer> {
    const state = this.#state;
    try {
      switch (state.kind) {
        case 'idle':
          if (req[0] === AuthPAK) return this.#pak(req);
          if (req[0] === AuthNUT && this.#transport === 'local') return await this.#nut(req);
          this.#deps.log('warn', this.#source, `refused request type ${req[0]} (dp9r1 serves AuthPAK only)`);
          return fail(ERR.ticketreq);
        case 'paked':
          return this.#ticket(state, req);
        case 'passwd':
          return await this.#passwd(state, req);
        case 'users':
          return await this.#users(state, req);
      }
    } catch (err) {
      if (!(err instanceof AuthError)) throw err;
      this.#state = { kind: 'idle' };
      this.#deps.log('warn', this.#source, `${state.kind}: ${err.text}`);
      return fail(err.text);
    }
  }

  /** §7.1 / §7.3 first step: PAK with the server (if named) and the client, answered with YBs, YBc and cBc. */
  #pak(req: Uint8Array): Answer {
    const d = this.#deps;
    const tr = decodeTicketreq(req.subarray(0, TICKREQLEN));
    if (!equalBytes(tr.authdom, d.dom)) throw new AuthError(ERR.pak);
    if (tr.hostid.length === 0 || tr.uid.length === 0) throw new AuthError(ERR.ticketreq);
    let off = TICKREQLEN;
    let server: PakResult | undefined;
    let ybs: Uint8Array | undefined;
    if (tr.authid.length > 0) {
      // an unknown server gets a stable fake key: the reply looks the same, its ticket opens nowhere
      const key = d.serverKey(tr.authid) ?? fakeKey(d.keyseed, d.dom, concat(Uint8Array.of(0x73), tr.authid));
      const pak = new PakState('as', { key, dom: d.dom, id: tr.authid }, this.#random);
      ybs = pak.y;
      server = pak.finish(req.subarray(off, off + PAKYLEN));
      off += PAKYLEN;
    }
    // The client's key: the stored one, or the fake one for an unknown name, or (locked out) a fresh random one
    // so that not even the right password confirms. All three take the same path from here.
    // a password change (no server named) of a user with no key may be the claim: the label code's key
    const own = d.userKey(tr.hostid);
    const setupKey = own === undefined && tr.authid.length === 0 ? d.setup?.key(tr.hostid) : undefined;
    const stored = own ?? setupKey;
    const fake = fakeKey(d.keyseed, d.dom, tr.hostid);
    const locked = d.locked(tr.hostid, this.#source);
    const key = locked ? this.#random(32) : (stored ?? fake);
    const viaSetup = setupKey !== undefined && !locked;
    if (viaSetup) d.setup!.attempt();
    const pak = new PakState('as', { key, dom: d.dom, id: tr.hostid }, this.#random);
    const client = pak.finish(req.subarray(off, off + PAKYLEN));
    // Counted now, undone by a correct cA: a guesser who stops after reading cB has still spent a guess (§5).
    // (quietly: a confirmation usually follows; the outcome is logged when it is known)
    if (!locked) d.failed(tr.hostid, this.#source, '');
    else d.log('warn', this.#source, `user ${show(tr.hostid)} is locked out: PAK answered with a random key`);
    this.#state = { kind: 'paked', tr, trBytes: req.slice(0, TICKREQLEN), client, server, viaSetup };
    return ok(...(ybs ? [ybs] : []), pak.y, client.confirmAS);
  }

  /** §7.1 / §7.3 / §7.6 second step: cAc and the same Ticketreq as AuthTreq (tickets), AuthPass (password change) or
   *  AuthUser (user administration). */
  #ticket(state: Extract<State, { kind: 'paked' }>, req: Uint8Array): Answer {
    const d = this.#deps;
    this.#state = { kind: 'idle' };
    const cac = req.subarray(0, CONFIRMLEN);
    const trBytes = req.subarray(CONFIRMLEN);
    // no server named: a password change, or (the administrator's choice, made now) user administration
    const wanted = state.tr.authid.length > 0 ? AuthTreq : trBytes[0] === AuthUser ? AuthUser : AuthPass;
    // the same request as the PAK's but for the type byte
    const same = trBytes[0] === wanted && equalBytes(trBytes.subarray(1), state.trBytes.subarray(1));
    if (!confirmationMatches(state.client.confirmClient, cac)) {
      d.log('warn', this.#source, `user ${show(state.tr.hostid)}: key confirmation failed (wrong password, unknown user or locked out)`);
      return fail(ERR.pak);
    }
    if (!same) throw new AuthError(ERR.ticketreq);
    d.succeeded(state.tr.hostid, this.#source);
    if (state.viaSetup) d.setup!.confirmed();
    const tr = state.tr;
    // (a PAK never confirmed is logged by end())
    const kn = this.#random(NONCELEN);
    if (wanted === AuthUser) return this.#startUsers(state, kn);
    if (wanted === AuthPass) {
      if (!equalBytes(tr.hostid, tr.uid)) throw new AuthError(ERR.ticketreq); // only one's own password
      const tp = sealTicket(state.client.key, AuthTp, { chal: tr.chal, cuid: tr.hostid, suid: tr.hostid, key: kn }, d.dom);
      this.#state = { kind: 'passwd', user: tr.hostid, opener: new Opener(kn, d.dom), tries: 0, viaSetup: state.viaSetup };
      return ok(tp);
    }
    // IDc = IDr, or speaks-for; otherwise both tickets under fresh random keys: same reply shape, and the
    // tickets open for nobody (9front's authsrv.c; docs/auth-protocol.md §8)
    const allowed = equalBytes(tr.hostid, tr.uid) || d.speaksFor(tr.hostid, tr.uid);
    let kc = state.client.key;
    let ks = state.server!.key;
    if (!allowed) {
      d.log('warn', this.#source, `${show(tr.hostid)} may not speak for ${show(tr.uid)}: tickets sealed under random keys`);
      kc = this.#random(32);
      ks = this.#random(32);
    } else {
      d.log('info', this.#source, `ticket: ${show(tr.hostid)} as ${show(tr.uid)} for server ${show(tr.authid)}`);
    }
    const body = { chal: tr.chal, cuid: tr.uid, suid: tr.uid, key: kn };
    return ok(sealTicket(kc, AuthTc, body, d.dom), sealTicket(ks, AuthTs, body, d.dom));
  }

  /** §7.3 loop: Passwordreqs under Kn until one is accepted. */
  async #passwd(state: Extract<State, { kind: 'passwd' }>, req: Uint8Array): Promise<Answer> {
    const d = this.#deps;
    const pr = openPasswordreq(state.opener, req); // a replayed or forged one: AuthError, conversation over
    // the cheap rules first: a request that breaks them costs no scrypt
    const problem = d.newPasswordProblem(state.user, pr.new);
    if (problem !== undefined) return this.#retry(state, problem);
    const derived = await d.derive(pr.old, state.user);
    const stored = state.viaSetup ? d.setup?.key(state.user) : d.userKey(state.user);
    if (stored === undefined || !equalBytes(stored, derived)) {
      d.failed(state.user, this.#source, 'wrong old password in a password change');
      if (state.viaSetup) d.setup!.attempt();
      return this.#retry(state, ERR.pak);
    }
    d.setUserKey(state.user, await d.derive(pr.new, state.user));
    if (state.viaSetup) d.setup!.claimed(state.user, this.#source);
    d.log('info', this.#source, `user ${show(state.user)} changed their password`);
    this.#state = { kind: 'idle' };
    return ok();
  }

  /** §7.6: the administrator's PAK confirmed; Tp carries Kn for their Userreqs. The label code never
   *  administers anyone: it is good for the claim's password change only (§13). */
  #startUsers(state: Extract<State, { kind: 'paked' }>, kn: Uint8Array): Answer {
    const d = this.#deps;
    const tr = state.tr;
    if (!equalBytes(tr.hostid, tr.uid) || state.viaSetup) throw new AuthError(ERR.ticketreq);
    if (!d.users || !d.users.mayAdminister(tr.hostid)) {
      d.log('warn', this.#source, `user ${show(tr.hostid)} asked to administer users and is not an administrator`);
      return fail(ERR.notAdmin);
    }
    const tp = sealTicket(state.client.key, AuthTp, { chal: tr.chal, cuid: tr.hostid, suid: tr.hostid, key: kn }, d.dom);
    this.#state = { kind: 'users', admin: tr.hostid, opener: new Opener(kn, d.dom), requests: 0 };
    return ok(tp);
  }

  /** §7.6 loop: Userreqs under Kn, each answered; a refused one (a rule the password breaks) ends nothing. */
  async #users(state: Extract<State, { kind: 'users' }>, req: Uint8Array): Promise<Answer> {
    const d = this.#deps;
    const ur = openUserreq(state.opener, req); // replayed or forged: AuthError, conversation over
    const last = ++state.requests >= MAX_USER_REQUESTS;
    if (last) this.#state = { kind: 'idle' };
    const who = `${show(state.admin)}`;
    if (d.users!.mayAdminister(ur.name)) {
      d.log('warn', this.#source, `${who} asked to ${ur.op} the key of administrator ${show(ur.name)}: refused`);
      return fail(ERR.ownKey, last);
    }
    if (ur.op === 'remove') {
      const existed = d.users!.remove(ur.name);
      d.log('info', this.#source, `${who} removed the key of ${show(ur.name)}${existed ? '' : ' (it had none)'}`);
      return { reply: ok().reply, close: last };
    }
    const problem = d.newPasswordProblem(ur.name, ur.password);
    if (problem !== undefined) return fail(problem, last);
    d.users!.setKey(ur.name, await d.derive(ur.password, ur.name));
    d.log('info', this.#source, `${who} set the password of ${show(ur.name)}`);
    return { reply: ok().reply, close: last };
  }

  #retry(state: Extract<State, { kind: 'passwd' }>, text: string): Answer {
    state.tries++;
    const last = state.tries >= MAX_PASSWORD_TRIES;
    if (last) this.#state = { kind: 'idle' };
    return fail(text, last);
  }

  /** §7.4: a NUT PASSWORD, checked here; the answer is a ticket for the user under the server's PAK key. */
  async #nut(req: Uint8Array): Promise<Answer> {
    const d = this.#deps;
    let decoded: { tr: Ticketreq; password: Uint8Array };
    try {
      decoded = decodeNutreq(req.subarray(0, NUTREQLEN));
    } catch {
      throw new AuthError(ERR.nutreq);
    }
    const { tr, password } = decoded;
    const serverKey = d.serverKey(tr.authid);
    if (serverKey === undefined || !equalBytes(tr.authid, tr.hostid) || !equalBytes(tr.authdom, d.dom) || tr.uid.length === 0) {
      throw new AuthError(ERR.nutreq);
    }
    const user = tr.uid;
    // same work for every outcome: the fake key is made and scrypt runs whatever the name
    const legacy = d.legacyKey(user, this.#source);
    const stored = legacy ?? d.userKey(user);
    const fake = fakeKey(d.keyseed, d.dom, user);
    const locked = d.locked(user, this.#source);
    const derived = await d.derive(password, user);
    const match = equalBytes(stored ?? fake, derived) && stored !== undefined && !locked;
    if (!match) {
      if (locked) d.log('warn', this.#source, `user ${show(user)} is locked out: NUT password refused unchecked`);
      else d.failed(user, this.#source, stored ? 'wrong NUT password' : 'unknown user');
      return fail(ERR.pak, false);
    }
    d.succeeded(user, this.#source);
    const pak = new PakState('as', { key: serverKey, dom: d.dom, id: tr.authid }, this.#random);
    const server = pak.finish(req.subarray(NUTREQLEN, NUTREQLEN + PAKYLEN));
    const kn = this.#random(NONCELEN);
    const ts = sealTicket(server.key, AuthTs, { chal: tr.chal, cuid: user, suid: user, key: kn }, d.dom);
    const ac = sealAuthenticator(kn, AuthAc, { chal: tr.chal, rand: this.#random(NONCELEN) }, d.dom);
    return ok(pak.y, ts, ac);
  }
}
