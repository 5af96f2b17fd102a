// form2 envelopes: tickets, authenticators and password requests sealed with ChaCha20-Poly1305 (RFC 8439).
// 9front's form1 (sys/src/libauthsrv/form1.c) puts an 8-byte type signature and a 4-byte counter in the nonce so that a
// message opened as the wrong type fails authentication (anti-reflection, anti-type-confusion). form2
// keeps that nonce and adds associated data, which form1 leaves empty (docs/auth-protocol.md §3.2):
//
//   wire  = sig(8) ‖ ctr(4, LE) ‖ ChaCha20(body) ‖ tag(16)
//   nonce = sig ‖ ctr                      sig = "form2 Ts" | "form2 Tc" | "form2 As" | "form2 Ac" | "form2 Tp" | "form2 PR" | "form2 UR"
//   AAD   = "dp9r1" ‖ 0x00 ‖ type ‖ authdom
//
// The AAD repeats the type (so the binding does not rest on the signature table alone) and binds the auth
// domain, so an envelope from one walnut's AS is useless against another's even under an equal key.
//
// Every failure to open (short, long, tampered, wrong key, wrong type, wrong domain, replayed) throws the same
// EnvelopeError with the same text: a peer learns nothing about which check failed.
import { createCipheriv, createDecipheriv } from 'node:crypto';
import {
  AuthAc, AuthAs, AuthPass, AuthTc, AuthTp, AuthTs, AuthUser, CTRLEN, DOMLEN, ENVELOPE_OVERHEAD, KEYLEN, SIGLEN, TAGLEN,
} from './constants.ts';
import { AuthError, ERR } from './errors.ts';
import { concatBytes, latin1Bytes } from '../util/octets.ts';

export type EnvelopeType = typeof AuthTs | typeof AuthTc | typeof AuthAs | typeof AuthAc | typeof AuthTp | typeof AuthPass | typeof AuthUser;

/** The 8-byte signatures. "form2" (not form1) so nothing crosses over from 9front's dp9ik
 *  (docs/auth-protocol.md §3.2). */
const SIGS: ReadonlyMap<EnvelopeType, Uint8Array> = new Map<EnvelopeType, Uint8Array>([
  [AuthTs, latin1Bytes('form2 Ts')],
  [AuthTc, latin1Bytes('form2 Tc')],
  [AuthAs, latin1Bytes('form2 As')],
  [AuthAc, latin1Bytes('form2 Ac')],
  [AuthTp, latin1Bytes('form2 Tp')],
  [AuthPass, latin1Bytes('form2 PR')],
  [AuthUser, latin1Bytes('form2 UR')],
]);

const AAD_PREFIX = latin1Bytes('dp9r1\0');
const MAX_COUNTER = 0xffff_ffff;

/** Opening failed. One class, one text, whatever the reason. */
export class EnvelopeError extends AuthError {
  constructor() {
    super(ERR.envelope);
    this.name = 'EnvelopeError';
  }
}

function sigOf(type: EnvelopeType): Uint8Array {
  const sig = SIGS.get(type);
  if (!sig) throw new TypeError(`not an envelope type: ${type}`);
  return sig;
}

function checkKey(key: Uint8Array): void {
  if (key.length !== KEYLEN) throw new RangeError(`envelope key must be ${KEYLEN} bytes`);
}

function checkDom(dom: Uint8Array): void {
  if (dom.length > DOMLEN) throw new RangeError(`auth domain is at most ${DOMLEN} bytes`);
}

function aad(type: EnvelopeType, dom: Uint8Array): Uint8Array {
  return concatBytes(AAD_PREFIX, Uint8Array.of(type), dom);
}

/** Seal `body` as a `type` envelope under `key` with nonce counter `counter`. The caller guarantees that a
 *  (key, type, counter) triple is never sealed twice; use Sealer, which does. */
export function seal(key: Uint8Array, type: EnvelopeType, counter: number, body: Uint8Array, dom: Uint8Array): Uint8Array {
  checkKey(key);
  checkDom(dom);
  if (!Number.isInteger(counter) || counter < 0 || counter > MAX_COUNTER) throw new RangeError('counter out of range');
  const head = new Uint8Array(SIGLEN + CTRLEN);
  head.set(sigOf(type), 0);
  new DataView(head.buffer).setUint32(SIGLEN, counter, true);
  const cipher = createCipheriv('chacha20-poly1305', key, head, { authTagLength: TAGLEN });
  cipher.setAAD(aad(type, dom), { plaintextLength: body.length });
  // update and final together: the browser's node:crypto (src/page/crypto-shim.ts) gives the whole output at final
  return concatBytes(head, cipher.update(body), cipher.final(), cipher.getAuthTag());
}

export interface Opened {
  counter: number;
  body: Uint8Array;
}

/** Open a `type` envelope whose body is exactly `bodyLen` bytes. Throws EnvelopeError on any failure. */
export function open(key: Uint8Array, type: EnvelopeType, wire: Uint8Array, dom: Uint8Array, bodyLen: number): Opened {
  checkKey(key);
  checkDom(dom);
  const sig = sigOf(type);
  // Fixed sizes everywhere (authsrv reads fixed-length messages): a truncated or padded envelope is refused
  // before any cryptography.
  if (wire.length !== ENVELOPE_OVERHEAD + bodyLen) throw new EnvelopeError();
  const head = wire.subarray(0, SIGLEN + CTRLEN);
  // The signature is public; comparing it in the clear leaks nothing the attacker did not send. The AEAD
  // below would reject a wrong one anyway, because it is part of the nonce.
  if (sig.some((b, i) => head[i] !== b)) throw new EnvelopeError();
  const counter = new DataView(head.buffer, head.byteOffset, head.length).getUint32(SIGLEN, true);
  try {
    const decipher = createDecipheriv('chacha20-poly1305', key, head, { authTagLength: TAGLEN });
    decipher.setAAD(aad(type, dom), { plaintextLength: bodyLen });
    decipher.setAuthTag(wire.subarray(wire.length - TAGLEN));
    const body = concatBytes(decipher.update(wire.subarray(SIGLEN + CTRLEN, wire.length - TAGLEN)), decipher.final());
    return { counter, body };
  } catch {
    throw new EnvelopeError();
  }
}

/** Seals under one key with a counter that never repeats (form1's per-process counter, made per key:
 *  docs/auth-protocol.md §3.2). Keys are ephemeral (pakkeys, Kn), so the counter never needs to persist. */
export class Sealer {
  readonly #key: Uint8Array;
  readonly #dom: Uint8Array;
  #next = 0;
  constructor(key: Uint8Array, dom: Uint8Array) {
    checkKey(key);
    checkDom(dom);
    this.#key = Uint8Array.from(key);
    this.#dom = Uint8Array.from(dom);
  }
  seal(type: EnvelopeType, body: Uint8Array): Uint8Array {
    if (this.#next > MAX_COUNTER) throw new RangeError('envelope counter exhausted; use a fresh key');
    return seal(this.#key, type, this.#next++, body, this.#dom);
  }
}

/** Opens under one key and refuses any envelope whose counter is not above every counter it accepted before:
 *  a recorded envelope replayed into the same conversation (e.g. a Passwordreq retry, authsrv(6) AuthPass)
 *  fails. Replay across conversations is stopped by the fresh challenges and single-use keys
 *  (docs/auth-protocol.md §1 items 2-3), not here. */
export class Opener {
  readonly #key: Uint8Array;
  readonly #dom: Uint8Array;
  #last = -1;
  constructor(key: Uint8Array, dom: Uint8Array) {
    checkKey(key);
    checkDom(dom);
    this.#key = Uint8Array.from(key);
    this.#dom = Uint8Array.from(dom);
  }
  open(type: EnvelopeType, wire: Uint8Array, bodyLen: number): Uint8Array {
    const { counter, body } = open(this.#key, type, wire, this.#dom, bodyLen);
    if (counter <= this.#last) throw new EnvelopeError();
    this.#last = counter;
    return body;
  }
}
