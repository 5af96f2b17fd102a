// AuthPAK for dp9r1: SPAKE2 over ristretto255 with key confirmation (docs/auth-protocol.md §5). The algebra is
// 9front's SPAKE2-EE (sys/src/libauthsrv/spake2ee.mp) moved from Ed448/decaf to ristretto255
// (RFC 9496) with RFC 9380 hash-to-group for the blinding points (docs/auth-protocol.md §5):
//
//   PM = H2G("dp9r1 PM", dom ‖ 0 ‖ id ‖ 0 ‖ K)    PN = H2G("dp9r1 PN", same)    K = the principal's 32-byte key
//   principal (client role): x ←$ [1, ℓ),  YA = x·G + PM
//   AS:                      x' ←$ [1, ℓ), YB = x'·G + PN
//   Z = x·(YB − PN) = x'·(YA − PM)            refuse bad encodings, the identity as Y, and Z = identity
//   TT = SHA-256("dp9r1 pak transcript" 0 ‖ dom ‖ 0 ‖ id ‖ 0 ‖ YA ‖ YB)
//   pakkey = HKDF(Z, salt TT, "dp9r1 pak key"),  kA = HKDF(…, "dp9r1 pak confirm client"), kB = HKDF(…, "… as")
//   cB = HMAC-SHA256(kB, TT) (AS → principal),   cA = HMAC-SHA256(kA, TT) (principal → AS)
//
// Why confirmation: dp9ik has none, so its AS cannot tell a wrong guess from a right one and can only count
// requests (docs/auth-protocol.md §5, key confirmation). With cA the AS counts confirmed failures (ETSI EN 303 645
// 5.1-5, docs/auth-protocol.md §12), and with cB the principal learns the AS knows its key before it uses any
// ticket. An attacker who talks to the AS gets one password guess per run; a passive one gets none (SPAKE2;
// docs/auth-protocol.md §1 item 1).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';
import { CONFIRMLEN, KEYLEN, PAKYLEN } from './constants.ts';
import { AuthError, ERR } from './errors.ts';
import { LABEL, hkdf } from './keys.ts';
import { bytesHex, concatBytes, latin1Bytes as ascii } from '../util/octets.ts';

type Point = InstanceType<typeof ristretto255.Point>;
const Point = ristretto255.Point;
const ORDER = Point.Fn.ORDER;

export type PakRole = 'client' | 'as';

export interface PakParams {
  /** The principal's key: K_u for a user, the random 32-byte key for a server or machine. */
  key: Uint8Array;
  /** Auth domain and the principal's id, as they appear in the Ticketreq (unpadded bytes). */
  dom: Uint8Array;
  id: Uint8Array;
}

export interface PakResult {
  /** The 32-byte ticket key for this one request. */
  key: Uint8Array;
  /** cB, sent by the AS. */
  confirmAS: Uint8Array;
  /** cA, sent by the principal. */
  confirmClient: Uint8Array;
}

const NUL = Uint8Array.of(0);

function context(p: PakParams): Uint8Array {
  if (p.key.length !== KEYLEN) throw new RangeError(`PAK key must be ${KEYLEN} bytes`);
  return concatBytes(p.dom, NUL, p.id, NUL);
}

/** The two blinding points. Their discrete logs are unknown (hash-to-group), which is what limits an active
 *  attacker to one guess per run. The AS may cache them per principal (9front keeps `pakhash`). */
export function pakPoints(p: PakParams): { PM: Point; PN: Point } {
  const msg = concatBytes(context(p), p.key);
  const PM = ristretto255_hasher.hashToCurve(msg, { DST: LABEL.pakPM }) as unknown as Point;
  const PN = ristretto255_hasher.hashToCurve(msg, { DST: LABEL.pakPN }) as unknown as Point;
  return { PM, PN };
}

/** A uniform non-zero scalar: 64 random bytes reduced mod ℓ (bias < 2^-250). */
function scalarFrom(bytes: Uint8Array): bigint {
  if (bytes.length !== 64) throw new RangeError('scalar source must be 64 bytes');
  const s = BigInt('0x' + bytesHex(bytes)) % ORDER;
  if (s === 0n) throw new RangeError('zero scalar');
  return s;
}

export class PakState {
  readonly role: PakRole;
  /** Our public value (YA for the client role, YB for the AS). */
  readonly y: Uint8Array;
  #x: bigint | undefined;
  readonly #ctx: Uint8Array;
  readonly #mine: Point;
  readonly #theirs: Point;

  constructor(role: PakRole, params: PakParams, random: (n: number) => Uint8Array = (n) => randomBytes(n)) {
    this.role = role;
    this.#ctx = context(params);
    const { PM, PN } = pakPoints(params);
    [this.#mine, this.#theirs] = role === 'client' ? [PM, PN] : [PN, PM];
    this.#x = scalarFrom(random(64));
    this.y = Point.BASE.multiply(this.#x).add(this.#mine).toBytes();
  }

  /** Combine with the peer's Y. Single use: the scalar is forgotten. Any bad input gives AuthError. */
  finish(peerY: Uint8Array): PakResult {
    const x = this.#x;
    this.#x = undefined;
    if (x === undefined) throw new Error('PAK state already used');
    if (peerY.length !== PAKYLEN) throw new AuthError(ERR.pak);
    let peer: Point;
    try {
      peer = Point.fromBytes(peerY); // RFC 9496 decode: rejects non-canonical and invalid encodings
    } catch {
      throw new AuthError(ERR.pak);
    }
    if (peer.is0()) throw new AuthError(ERR.pak);
    const Z = peer.subtract(this.#theirs).multiply(x);
    if (Z.is0()) throw new AuthError(ERR.pak);
    const [ya, yb] = this.role === 'client' ? [this.y, peerY] : [peerY, this.y];
    const tt = createHash('sha256').update(ascii(LABEL.pakTranscript)).update(NUL).update(this.#ctx).update(ya).update(yb).digest();
    const z = Z.toBytes();
    const none = new Uint8Array(0);
    const kA = hkdf(z, tt, LABEL.confirmClient, none, 32);
    const kB = hkdf(z, tt, LABEL.confirmAS, none, 32);
    return {
      key: hkdf(z, tt, LABEL.pakKey, none, KEYLEN),
      confirmAS: new Uint8Array(createHmac('sha256', kB).update(tt).digest()),
      confirmClient: new Uint8Array(createHmac('sha256', kA).update(tt).digest()),
    };
  }
}

/** Constant-time check of a received confirmation tag. */
export function confirmationMatches(expected: Uint8Array, received: Uint8Array): boolean {
  return received.length === CONFIRMLEN && expected.length === CONFIRMLEN && timingSafeEqual(expected, received);
}
