// The one error the AS and its peers raise for a bad message. Its `text` is exactly what authsrv would put in
// an AuthErr reply (authsrv(6): AuthErr + 64-byte NUL-padded text), so a caller can forward it unchanged.
// Texts are fixed strings chosen per message kind: they never echo input bytes, keys or which check failed
// (docs/auth-protocol.md §1 item 5: one generic failure, the reason only in the local log).
import { AERRLEN } from './constants.ts';

export class AuthError extends Error {
  /** What goes on the wire after AuthErr; at most AERRLEN-1 bytes of ASCII. */
  readonly text: string;
  constructor(text: string) {
    super(text);
    this.name = 'AuthError';
    // printable ASCII only, so the string's length is its byte length
    if (!/^[\x20-\x7e]*$/.test(text) || text.length >= AERRLEN) throw new RangeError('AuthErr text too long');
    this.text = text;
  }
}

/** Fixed AuthErr texts. Envelope failures all share one text so that "wrong key", "wrong type" and
 *  "tampered" are indistinguishable to the sender. */
export const ERR = {
  envelope: 'auth failed',
  ticketreq: 'bad ticket request',
  ticket: 'bad ticket',
  authenticator: 'bad authenticator',
  passreq: 'bad password request',
  nutreq: 'bad nut request',
  userreq: 'bad user request',
  /** AuthUser from a user the AS does not let administer others (§7.6); said only after their PAK confirmed */
  notAdmin: 'not an administrator',
  /** AuthUser aimed at an administrator: their password changes only through their own password change */
  ownKey: 'an administrator changes their own password',
  pak: 'auth failed',
  reply: 'bad reply',
} as const;
