// Key derivations for dp9r1 (docs/auth-protocol.md §4). Plan 9 derived keys from passwords with no salt and
// almost no cost (passtodeskey; 9front: PBKDF2-SHA1 × 9001 with a constant salt, sys/src/libauthsrv/passtokey.c;
// docs/auth-protocol.md §1 item 1). walnut uses scrypt with a salt unique to (auth domain, user), and HKDF-SHA256
// with one label per use.
//
// Names and passwords are bytes, exactly as src/auth/bytes.ts treats them: no Unicode normalisation, because a
// NUT client sends raw bytes (docs/auth-protocol.md §2, §7.4) and the same password must give the same key on every
// path.
import { createHash, createHmac, hkdfSync, scrypt, timingSafeEqual } from 'node:crypto';
import { KEYLEN } from './constants.ts';
import { concatBytes, latin1Bytes as ascii } from '../util/octets.ts';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** N=2^15, r=8, p=1: 32 MiB and ~100 ms per derivation on a current x86 core; the Pi 4
 *  figure and reasoning belong in docs/auth-protocol.md §4.1. Part of the protocol version: clients derive
 *  the key themselves, so changing these means a new protocol name (dp9r2), not a per-user setting. */
export const SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });

/** HKDF `info` labels (and the two SHA-256/HMAC domain separators). Each is used for exactly one purpose. */
export const LABEL = {
  salt: 'dp9r1 salt',
  fake: 'dp9r1 fake',
  pakPM: 'dp9r1 PM',
  pakPN: 'dp9r1 PN',
  pakTranscript: 'dp9r1 pak transcript',
  pakKey: 'dp9r1 pak key',
  confirmAS: 'dp9r1 pak confirm as',
  confirmClient: 'dp9r1 pak confirm client',
  p9any: 'dp9r1 p9any',
  session: 'dp9r1 session',
  tlsPsk: 'dp9r1 tls psk',
  serverFinished: 'dp9r1 server finished',
  clientFinished: 'dp9r1 client finished',
  caBinding: 'dp9r1 ca certificate',
} as const;

export const SESSIONLEN = 64;

const NUL = Uint8Array.of(0);

/** HKDF-SHA256 (RFC 5869) with info = label ‖ 0x00 ‖ context. */
export function hkdf(ikm: Uint8Array, salt: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', ikm, salt, concatBytes(ascii(label), NUL, context), length));
}

/** salt_u = SHA-256("dp9r1 salt" 0x00 ‖ authdom ‖ 0x00 ‖ user) (docs/auth-protocol.md §4.1). Deterministic, so a
 *  client derives its key without asking the AS for a salt: there is no salt request to answer for unknown users. Names
 *  never contain NUL (src/auth/bytes.ts refuses controls), so the separators are unambiguous. */
export function passwordSalt(dom: Uint8Array, user: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(ascii(LABEL.salt)).update(NUL).update(dom).update(NUL).update(user).digest());
}

/** K_u = scrypt(password, salt_u, N, r, p, 32). Runs on libuv's pool, never on the event loop. */
export function passwordKey(password: Uint8Array, dom: Uint8Array, user: Uint8Array, params: ScryptParams = SCRYPT_PARAMS): Promise<Uint8Array> {
  const salt = passwordSalt(dom, user);
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEYLEN, { ...params, maxmem: 256 * params.N * params.r + (1 << 20) }, (err, key) => {
      if (err) reject(err);
      else resolve(new Uint8Array(key));
    });
  });
}

/** A stable stand-in key for a name the AS does not know (authsrv(6): "silently generates one-time random
 *  keys"; 9front makes them stable from a keyseed: docs/auth-protocol.md §4.2). Stable so that two requests for the
 *  same unknown name behave alike; keyed so that nobody without `keyseed` can tell it from a real key. */
export function fakeKey(keyseed: Uint8Array, dom: Uint8Array, user: Uint8Array): Uint8Array {
  if (keyseed.length < 32) throw new RangeError('keyseed must be at least 32 bytes');
  return new Uint8Array(createHmac('sha256', keyseed).update(ascii(LABEL.fake)).update(NUL).update(dom).update(NUL).update(user).digest());
}

/** The key the AS uses for `user`: the stored one, or the fake one. Both branches return a 32-byte key with no
 *  further work, so the PAK that follows runs the same code for known and unknown names. */
export function principalKey(stored: Uint8Array | undefined, keyseed: Uint8Array, dom: Uint8Array, user: Uint8Array): Uint8Array {
  const fake = fakeKey(keyseed, dom, user); // always computed: same work on both paths
  return stored ?? fake;
}

/** AuthNUT and Passwordreq: does `password` give `stored`? Unknown users (stored undefined) run the same scrypt
 *  and the same constant-time comparison against their fake key, and get false. */
export async function checkPassword(password: Uint8Array, dom: Uint8Array, user: Uint8Array, stored: Uint8Array | undefined, keyseed: Uint8Array): Promise<boolean> {
  const against = principalKey(stored, keyseed, dom, user);
  const derived = await passwordKey(password, dom, user);
  const equal = against.length === derived.length && timingSafeEqual(against, derived);
  return equal && stored !== undefined;
}

/** SHA-256 of the p9any exchange as both sides saw it: the server's offer and the client's choice, each with
 *  its NUL terminator (docs/auth-protocol.md §6). Mixed into the session secret, so a stripped offer breaks the
 *  keys. */
export function p9anyBinding(offer: Uint8Array, choice: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(ascii(LABEL.p9any)).update(NUL).update(offer).update(choice).digest());
}

/** secret = HKDF-SHA256(IKM = Kn, salt = RNc ‖ RNs, info = "dp9r1 session" 0x00 ‖ binding [‖ exporter], 64)
 *  (9front: "Plan 9 session secret", 256 bytes, no binding; docs/auth-protocol.md §4.3). */
export function sessionSecret(kn: Uint8Array, rnc: Uint8Array, rns: Uint8Array, binding: Uint8Array, tlsExporter?: Uint8Array): Uint8Array {
  if (kn.length !== KEYLEN || rnc.length !== 32 || rns.length !== 32 || binding.length !== 32) throw new RangeError('bad session inputs');
  const context = tlsExporter ? concatBytes(binding, tlsExporter) : binding;
  return hkdf(kn, concatBytes(rnc, rns), LABEL.session, context, SESSIONLEN);
}

/** The TLS 1.3 external PSK for the session (identity "dp9r1"; docs/auth-protocol.md §4.3). */
export function tlsPsk(secret: Uint8Array): Uint8Array {
  return hkdf(secret, new Uint8Array(0), LABEL.tlsPsk, new Uint8Array(0), 32);
}

/** The Finished tags that close a NUT `AUTH` exchange (docs/auth-protocol.md §7.5): HMAC-SHA256 under the session
 *  secret. They are what makes the p9any binding and the TLS exporter count: a peer whose secret differs (an
 *  edited offer, a TLS man in the middle) cannot produce the other side's tag. */
/**
 * The unit's CA certificate vouched for by a login (issue 15): HMAC-SHA256(secret, "dp9r1 ca certificate" 0x00 ‖
 * SHA-256(CA DER)). Only the two ends of the login hold the secret, so a page that checks this tag knows the CA it
 * is offered is the one the real unit holds, even if someone in between terminated its TLS (docs/auth-protocol.md
 * §7.7) — the owner can pin it with the same certainty the password gave.
 */
export function caBindingTag(secret: Uint8Array, caDer: Uint8Array): Uint8Array {
  const digest = createHash('sha256').update(caDer).digest();
  return new Uint8Array(createHmac('sha256', secret).update(ascii(LABEL.caBinding)).update(NUL).update(digest).digest());
}

export function finishedTag(secret: Uint8Array, who: 'server' | 'client'): Uint8Array {
  const label = who === 'server' ? LABEL.serverFinished : LABEL.clientFinished;
  return new Uint8Array(createHmac('sha256', secret).update(ascii(label)).update(NUL).digest());
}
