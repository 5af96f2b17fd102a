// The text a unit's label carries in its QR code (issue 14): its serial, its setup code and the SHA-256
// fingerprint of its certificate, so that `walnut claim` can take all three from one scan and pin the unit it
// talks to before it proves the code to it.
//
//   WN1:<SERIAL>:<CODE>:<FINGERPRINT>      e.g. WN1:WN-000123:0123456789ABCA:<52 symbols>
//
// - Every character is in QR alphanumeric mode's set (0-9 A-Z space $%*+-./:, ISO/IEC 18004's alphanumeric
//   table), which packs 2 characters in 11 bits instead of byte mode's 8 bits each. The longest payload, 104
//   characters, fits QR version 5 at error correction level M (122 alphanumeric characters); in byte mode it would
//   need version 6. Matter's onboarding payload makes the same choice with its `MT:` prefix and base-38 text
//   (Matter Core Specification §5.1, its QR code format).
// - `WN<version>:` first: a scanner sees at once that the text is walnut's, and a later layout is `WN2:`, which
//   this version refuses by name rather than misreading. The fields below are version 1's.
// - ':' separates the fields and appears in none of them (the serial's rule excludes it; base32 has none), so a
//   payload splits one way only.
// - SERIAL: 1 to 32 of A-Z 0-9 '-', upper case only (the alphanumeric set has no lower case).
// - CODE: the setup code's canonical form (setup-code.ts): 14 symbols with its check symbol, which setup-code.ts
//   keeps inside the alphanumeric set. Strict here: a payload is made by a machine, so it has one spelling only.
// - FINGERPRINT: the 32 bytes as one 256-bit number in Crockford base32 (crockford.ts), 52 symbols, the first 0
//   or 1 (260 bits hold 256); 12 symbols shorter than hex. It carries no check symbol: a damaged fingerprint
//   matches no certificate, so the claim refuses the unit, which fails safe.

import { decodeCrockford, encodeCrockford } from './crockford.ts';
import { SetupCodeError, parseSetupCode, type SetupCode } from './setup-code.ts';

/** The version this walnut writes and reads. */
export const QR_PAYLOAD_VERSION = 1;
/** Longest serial in a payload. */
export const MAX_SERIAL_LENGTH = 32;
/** Bytes of a SHA-256 fingerprint. */
export const FINGERPRINT_BYTES = 32;
/** Symbols of a fingerprint: 256 bits in 5-bit symbols. */
export const FINGERPRINT_SYMBOLS = Math.ceil((FINGERPRINT_BYTES * 8) / 5);

const PREFIX = 'WN';
const SERIAL = new RegExp(`^[A-Z0-9-]{1,${MAX_SERIAL_LENGTH}}$`);
/** QR alphanumeric mode's 45 characters (ISO/IEC 18004's alphanumeric encoding table). */
export const QR_ALPHANUMERIC = /^[0-9A-Z $%*+\-./:]*$/;

export interface QrPayload {
  serial: string;
  code: SetupCode;
  /** SHA-256 of the unit certificate's DER */
  fingerprint: Buffer;
}

/** A payload that cannot be written or read; the message says which field is wrong and how. */
export class QrPayloadError extends Error {
  override name = 'QrPayloadError';
}

/** Why `serial` cannot be a unit's serial in a payload, or undefined. */
export function serialProblem(serial: string): string | undefined {
  if (SERIAL.test(serial)) return undefined;
  return `the serial ${JSON.stringify(serial)} is not 1 to ${MAX_SERIAL_LENGTH} characters of A-Z, 0-9 and '-'`;
}

/** The code's canonical form, or a QrPayloadError: a payload holds that form and no other spelling. */
function canonicalCode(code: string): SetupCode {
  let parsed: SetupCode;
  try {
    parsed = parseSetupCode(code);
  } catch (err) {
    if (err instanceof SetupCodeError) throw new QrPayloadError(`the setup code in the QR payload: ${err.message}`);
    throw err;
  }
  if (parsed !== code) throw new QrPayloadError(`the setup code in the QR payload is not in canonical form (it would be ${parsed})`);
  return parsed;
}

/** The payload text of a unit; a QrPayloadError when a field breaks its rule. */
export function encodeQrPayload(payload: { serial: string; code: string; fingerprint: Buffer }): string {
  const problem = serialProblem(payload.serial);
  if (problem) throw new QrPayloadError(problem);
  const code = canonicalCode(payload.code);
  if (payload.fingerprint.length !== FINGERPRINT_BYTES) {
    throw new QrPayloadError(`a certificate fingerprint is ${FINGERPRINT_BYTES} bytes (SHA-256); this one is ${payload.fingerprint.length}`);
  }
  const fingerprint = encodeCrockford(BigInt(`0x${payload.fingerprint.toString('hex')}`), FINGERPRINT_SYMBOLS);
  return `${PREFIX}${QR_PAYLOAD_VERSION}:${payload.serial}:${code}:${fingerprint}`;
}

/** The fields of a payload text; a QrPayloadError naming what is wrong when it is not a version 1 payload. */
export function decodeQrPayload(text: string): QrPayload {
  const version = /^WN([0-9]{1,4}):/.exec(text);
  if (!version) throw new QrPayloadError(`not a walnut QR payload: it does not start with ${PREFIX}<version>:`);
  if (version[1] !== String(QR_PAYLOAD_VERSION)) {
    throw new QrPayloadError(`QR payload version ${PREFIX}${version[1]} is unknown to this walnut, which reads ${PREFIX}${QR_PAYLOAD_VERSION}`);
  }
  const fields = text.split(':');
  if (fields.length !== 4) {
    throw new QrPayloadError(`a ${PREFIX}${QR_PAYLOAD_VERSION} payload has 4 fields separated by ':' (version, serial, code, fingerprint); this one has ${fields.length}`);
  }
  const [, serial, codeText, fingerprintText] = fields as [string, string, string, string];
  const problem = serialProblem(serial);
  if (problem) throw new QrPayloadError(problem);
  const code = canonicalCode(codeText);
  const value = fingerprintText.length === FINGERPRINT_SYMBOLS ? decodeCrockford(fingerprintText) : undefined;
  if (value === undefined || value >> BigInt(FINGERPRINT_BYTES * 8) !== 0n) {
    throw new QrPayloadError(`the certificate fingerprint is not ${FINGERPRINT_SYMBOLS} base32 symbols (0-9, A-Z without I L O U) of a 256-bit number`);
  }
  return { serial, code, fingerprint: Buffer.from(value.toString(16).padStart(FINGERPRINT_BYTES * 2, '0'), 'hex') };
}
