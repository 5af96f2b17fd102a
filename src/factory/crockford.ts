// Crockford's base32 (https://www.crockford.com/base32.html): numbers written for people to read, type and say.
// The digits are 0-9 and A-Z without I, L and O (confused with 1, 1 and 0) and U (accidental obscenity). A check
// symbol, the number modulo 37 (the least prime above 32), may follow; it catches every wrong symbol and every
// swap of two adjacent symbols, and needs five more symbols, `*~$=U`, used only in that place.
//
// Crockford encodes a number, not a byte string: a value is written most significant symbol first, zero-extended
// on the left to a whole number of symbols. So the value a string stands for, and its check symbol, never depend
// on padding rules (the RFC 4648 bit stream's trailing padding is a different encoding).

/** The 32 digits, value 0 to 31. */
export const CROCKFORD_DIGITS = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** The 37 check symbols, value 0 to 36: the digits, then `*~$=U` for 32 to 36. */
export const CROCKFORD_CHECK_SYMBOLS = `${CROCKFORD_DIGITS}*~$=U`;

/** `value` in exactly `symbols` digits; a RangeError when it does not fit (negative or ≥ 32^symbols). */
export function encodeCrockford(value: bigint, symbols: number): string {
  if (value < 0n || value >= 1n << BigInt(5 * symbols)) {
    throw new RangeError(`${value} does not fit in ${symbols} base32 symbols`);
  }
  let text = '';
  for (let v = value, i = 0; i < symbols; i++, v >>= 5n) text = CROCKFORD_DIGITS[Number(v & 31n)] + text;
  return text;
}

/**
 * The value of a string of canonical digits (upper case, no hyphens), or undefined when any character is not a
 * digit. Strict on purpose: the typing normalisations belong to the caller that reads what a person typed.
 */
export function decodeCrockford(text: string): bigint | undefined {
  let value = 0n;
  for (const ch of text) {
    const digit = CROCKFORD_DIGITS.indexOf(ch);
    if (digit < 0) return undefined;
    value = (value << 5n) | BigInt(digit);
  }
  return value;
}

/** The check symbol of `value`: value mod 37 as one of CROCKFORD_CHECK_SYMBOLS. */
export function checkSymbol(value: bigint): string {
  return CROCKFORD_CHECK_SYMBOLS[Number(value % 37n)]!;
}

/**
 * What a person typed, read as Crockford says a decoder should: upper and lower case alike, `I` and `L` as `1`,
 * `O` as `0`, hyphens ignored. walnut ignores white space too, since people copy codes with spaces in them.
 * Characters that are no symbol at all are kept, so the caller can name them in its error.
 */
export function normaliseTyped(text: string): string {
  return text
    .replace(/[\s-]/g, '')
    .replace(/[a-z]/g, (ch) => ch.toUpperCase()) // ASCII only: 'ı'.toUpperCase() is 'I', and that was no typo
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0');
}
