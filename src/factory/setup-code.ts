// The unit's setup code: the secret printed on its label (and, without factory data, shown once at first start)
// with which its owner claims it (issue 14). It is what ETSI EN 303 645 provision 5.1-1 asks for instead of a
// universal default password: a password unique per device. Provision 5.1-2 wants such passwords made by a
// mechanism that resists automated attacks on a whole class of devices, and the UK PSTI regulations (SI 2023/1007,
// Schedule 1 §1(3)) forbid basing them on counters, public information or product identifiers such as serial
// numbers. So the code is drawn from the CSPRNG, and never from the serial number or a MAC address. Matter's
// setup passcode plays the same part (Matter Core Specification §5.1, "Onboarding Payload": a random passcode per
// device, never a trivial one, on the label and in its QR code; the device keeps only a PAKE verifier). Its 27 bits
// are enough against guesses on the wire, which a commissioning window and an attempt limit bound, but a stolen
// verifier falls to an offline search in moments; walnut's 65 bits are what make that search expensive.
//
// Its form, in Crockford's base32 (crockford.ts):
// - 13 digits, 65 bits of randomness, then Crockford's check symbol: 14 symbols. 12 digits would be exactly 60
//   bits, the floor issue 14 sets, and the check-symbol rule below takes a little off; 13 is the shortest length
//   that keeps more than 60 (64.92 bits). Each further digit adds 5 bits against an offline search of a stolen
//   verifier, but a person types every one of them; 14 symbols print as four groups of 4, 4, 4 and 2.
// - The check symbol catches a mistyped symbol or two swapped neighbours before the AS is asked: a typo costs
//   no attempt of the setup window's 20.
// - The check symbol is never `~` or `=`: QR alphanumeric mode (ISO/IEC 18004) has no such characters, and
//   one of them would push a whole label's QR code into byte mode (qr-payload.ts). generateSetupCode draws again
//   when it meets one (2 values in 37), and parseSetupCode refuses them, so the codes walnut makes, reads and puts
//   in a QR payload are one set, of SETUP_CODE_COUNT values.
//
// The password: the canonical form (14 symbols, upper case, no hyphens, check symbol included) is the setup code
// as the AS sees it: its ASCII bytes, setupCodePassword(), are the password the AS derives its key from. Any way a
// person writes the code parses to that one form, so every spelling of it gives the same key.

import { randomBytes } from 'node:crypto';
import { CROCKFORD_CHECK_SYMBOLS, CROCKFORD_DIGITS, checkSymbol, decodeCrockford, encodeCrockford, normaliseTyped } from './crockford.ts';
import { latin1Bytes } from '../util/octets.ts';

/** Random bits in a setup code. */
export const SETUP_CODE_BITS = 65;
/** Digits that carry them (5 bits each). */
export const SETUP_CODE_DIGITS = SETUP_CODE_BITS / 5;
/** Symbols of the canonical form: the digits and the check symbol. */
export const SETUP_CODE_LENGTH = SETUP_CODE_DIGITS + 1;
/** Check symbols a setup code never has: outside QR alphanumeric mode. */
export const EXCLUDED_CHECK_SYMBOLS = '~=';

const SPACE = 1n << BigInt(SETUP_CODE_BITS);
const excluded = [...EXCLUDED_CHECK_SYMBOLS].map((s) => BigInt(CROCKFORD_CHECK_SYMBOLS.indexOf(s)));
/** How many distinct setup codes there are: the 2^65 values less those whose value mod 37 is an excluded check. */
export const SETUP_CODE_COUNT: bigint = excluded.reduce((n, r) => n - ((SPACE - 1n - r) / 37n + 1n), SPACE);

/** A setup code in canonical form; only this module makes one. */
export type SetupCode = string & { readonly setupCode: unique symbol };

/** A setup code that cannot be read; the message says why, for the person who typed it. */
export class SetupCodeError extends Error {
  override name = 'SetupCodeError';
}

/** The code of a 65-bit value; a RangeError when the value is out of range or its check symbol is excluded. */
export function setupCodeFromValue(value: bigint): SetupCode {
  const check = value >= 0n && value < SPACE ? checkSymbol(value) : '';
  if (check === '' || EXCLUDED_CHECK_SYMBOLS.includes(check)) throw new RangeError(`${value} is no setup code's value`);
  return `${encodeCrockford(value, SETUP_CODE_DIGITS)}${check}` as SetupCode;
}

/** A fresh code from `random` (node:crypto's CSPRNG; a test may pass its own bytes). */
export function generateSetupCode(random: (size: number) => Buffer = randomBytes): SetupCode {
  // (2/37)^64 is no bad luck: 64 excluded values in a row mean the source is broken
  for (let attempt = 0; attempt < 64; attempt++) {
    const bytes = random(Math.ceil(SETUP_CODE_BITS / 8));
    const value = BigInt(`0x${bytes.toString('hex')}`) & (SPACE - 1n);
    if (!EXCLUDED_CHECK_SYMBOLS.includes(checkSymbol(value))) return setupCodeFromValue(value);
  }
  throw new Error('the random source gave 64 excluded setup codes in a row: it is not random');
}

/** The code as a label prints it: groups of 4 joined by '-' (hyphens are ignored when it is read back). */
export function formatSetupCode(code: SetupCode): string {
  return code.match(/.{1,4}/g)!.join('-');
}

/** The canonical code in what a person typed; a SetupCodeError saying what is wrong when it is none. */
export function parseSetupCode(text: string): SetupCode {
  const symbols = normaliseTyped(text);
  if (symbols === '') throw new SetupCodeError('the setup code is empty');
  const stranger = [...symbols].find((ch) => !CROCKFORD_CHECK_SYMBOLS.includes(ch));
  if (stranger !== undefined) {
    throw new SetupCodeError(`${JSON.stringify(stranger)} is not in a setup code: its symbols are 0-9 and A-Z without U, and the last may be one of *$U`);
  }
  if (symbols.length !== SETUP_CODE_LENGTH) {
    throw new SetupCodeError(`a setup code has ${SETUP_CODE_LENGTH} symbols (${SETUP_CODE_DIGITS} and a check symbol); this one has ${symbols.length}`);
  }
  const digits = symbols.slice(0, SETUP_CODE_DIGITS);
  const check = symbols.slice(SETUP_CODE_DIGITS);
  const value = decodeCrockford(digits);
  if (value === undefined) {
    const misplaced = [...digits].find((ch) => !CROCKFORD_DIGITS.includes(ch))!;
    throw new SetupCodeError(`${JSON.stringify(misplaced)} can only be a setup code's last (check) symbol`);
  }
  if (EXCLUDED_CHECK_SYMBOLS.includes(check)) {
    throw new SetupCodeError(`a setup code never ends in ${[...EXCLUDED_CHECK_SYMBOLS].join(' or ')}: check the last symbol`);
  }
  if (checkSymbol(value) !== check) {
    throw new SetupCodeError('the setup code\'s check symbol does not match: a symbol is mistyped, or two are swapped');
  }
  return symbols as SetupCode;
}

/** The password bytes of a code: its canonical form in ASCII (see above). A plain Uint8Array: the setup page
 *  (src/page/) claims a unit in the browser, which has no Buffer. */
export function setupCodePassword(code: SetupCode): Uint8Array {
  return latin1Bytes(code); // the canonical symbols are ASCII
}
