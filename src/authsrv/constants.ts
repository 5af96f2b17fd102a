// Protocol constants for dp9r1, walnut's authsrv(6) protocol. The numbers follow Plan 9's authsrv.h (9front
// sys/include/authsrv.h) where the meaning is unchanged; the field sizes are widened to what walnut accounts
// already allow (src/auth/bytes.ts; docs/auth-protocol.md §11). docs/auth-protocol.md §2 is the normative table;
// keep the two in step.

/** Name of the protocol in p9any offers and in every HKDF label. */
export const PROTO = 'dp9r1';

/** User, host and server ids: up to 64 bytes (walnut's MAX_NAME_BYTES), NUL-padded. Plan 9: 28. */
export const ANAMELEN = 64;
/** Authentication domain, NUL-padded. Plan 9: 48. */
export const DOMLEN = 64;
/** Challenges CHc/CHs. Plan 9: 8; 16 makes a collision between two live conversations negligible. */
export const CHALLEN = 16;
/** Ticket key Kn and authenticator randoms RNc/RNs (9front NONCELEN). */
export const NONCELEN = 32;
/** Passwords in Passwordreq and AuthNUT: every password a NUT word can carry (MAX_WORD_BYTES). Plan 9: 28. */
export const PASSWDLEN = 512;
/** The foreign-protocol secret of Passwordreq (Plan 9 SECRETLEN). */
export const SECRETLEN = 32;
/** AuthErr text, NUL-padded (Plan 9 AERRLEN). */
export const AERRLEN = 64;
/** Password keys K_u, server/machine keys, pakkeys (all 256-bit). */
export const KEYLEN = 32;
/** A ristretto255 element encoding (RFC 9496), the PAK's public values Y. */
export const PAKYLEN = 32;
/** Key confirmation tags cA/cB, HMAC-SHA256. */
export const CONFIRMLEN = 32;

/** Request types (Ticketreq.type), authsrv.h numbering. Only the ones walnut serves are listed. */
export const AuthTreq = 1;
export const AuthOK = 4;
export const AuthErr = 5;
export const AuthPass = 3;
export const AuthOKvar = 9;
export const AuthPAK = 19;
/** New in walnut: NUT USERNAME/PASSWORD checked by the AS (AuthNUT, docs/auth-protocol.md §7.4). */
export const AuthNUT = 40;
/** New in walnut: an administrator sets or removes another user's key (AuthUser, docs/auth-protocol.md §7.6). */
export const AuthUser = 41;

/** Encrypted-message types (authsrv.h "encryption numberings (anti-replay)"). */
export const AuthTs = 64;
export const AuthTc = 65;
export const AuthAs = 66;
export const AuthAc = 67;
export const AuthTp = 68;

export const REQUEST_TYPES: ReadonlySet<number> = new Set([AuthTreq, AuthPass, AuthPAK, AuthNUT, AuthUser]);

/** Plaintext sizes (bodies inside envelopes) and wire sizes. */
export const TICKREQLEN = 1 + ANAMELEN + DOMLEN + CHALLEN + ANAMELEN + ANAMELEN; // 273
export const TICKETBODYLEN = CHALLEN + ANAMELEN + ANAMELEN + KEYLEN; // 176
export const AUTHBODYLEN = CHALLEN + NONCELEN; // 48
export const PASSREQBODYLEN = PASSWDLEN + PASSWDLEN + 1 + SECRETLEN; // 1057
/** Userreq body: op(1) name(64) password(512). */
export const USERREQBODYLEN = 1 + ANAMELEN + PASSWDLEN; // 577

/** Envelope framing (form2): sig(8) ctr(4) ciphertext tag(16). */
export const SIGLEN = 8;
export const CTRLEN = 4;
export const TAGLEN = 16;
export const ENVELOPE_OVERHEAD = SIGLEN + CTRLEN + TAGLEN; // 28

export const TICKETLEN = ENVELOPE_OVERHEAD + TICKETBODYLEN; // 204
export const AUTHENTLEN = ENVELOPE_OVERHEAD + AUTHBODYLEN; // 76
export const PASSREQLEN = ENVELOPE_OVERHEAD + PASSREQBODYLEN; // 1085
export const USERREQLEN = ENVELOPE_OVERHEAD + USERREQBODYLEN; // 605
/** AuthNUT request: the Ticketreq followed by the password field. */
export const NUTREQLEN = TICKREQLEN + PASSWDLEN; // 785
/** AuthErr reply: the type byte and AERRLEN bytes of text. */
export const ERRREPLYLEN = 1 + AERRLEN; // 65
