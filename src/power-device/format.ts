// printf-style number formatting with C's exact semantics, so values print as NUT prints them (docs/hid-mapping.md
// §3.5): "%.1f" of 13.58 is "13.6", "%.0f" of 2.5 is "2" (glibc rounds an exact tie to even, JavaScript's toFixed
// would say "3"), and a negative value that rounds to zero keeps its sign ("-0.0").

const F64 = new Float64Array(1);
const U64 = new BigUint64Array(F64.buffer);

/** The exact decimal rendering of `x` with `digits` decimals, rounding half to even on the exact binary value. */
export function formatFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return x < 0 ? '-nan' : 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  F64[0] = x;
  const bits = U64[0] ?? 0n;
  const negative = bits >> 63n === 1n;
  const exponentBits = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  // |x| = mantissa * 2^exponent exactly
  const mantissa = exponentBits === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (exponentBits === 0 ? 1 : exponentBits) - 1075;
  const scale = 10n ** BigInt(digits);
  let q: bigint;
  if (exponent >= 0) {
    q = (mantissa << BigInt(exponent)) * scale;
  } else {
    const num = mantissa * scale;
    const den = 1n << BigInt(-exponent);
    q = num / den;
    const twice = (num % den) * 2n;
    if (twice > den || (twice === den && q % 2n === 1n)) q += 1n;
  }
  let text = q.toString();
  if (digits > 0) {
    text = text.padStart(digits + 1, '0');
    text = `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  }
  return negative ? `-${text}` : text;
}

/** C's "%0<width>ld": zero padding counts the sign. */
export function padInt(n: number, width: number): string {
  const abs = Math.abs(Math.trunc(n)).toString();
  const sign = n < 0 ? '-' : '';
  return sign + abs.padStart(width - sign.length, '0');
}

/** snprintf into a buffer of `size` bytes keeps at most size-1 characters (NUT's conversion buffers are small). */
export function clip(text: string, size: number): string {
  return text.length > size - 1 ? text.slice(0, size - 1) : text;
}

const FIXED = /^%(?:\.(\d{1,2}))?f$/;

/** What dstate_setinfo_dynamic(var, dfl, "%f", value) prints: only a plain "%f"-compatible format is accepted
 *  (NUT validates the table's format against "%f"); anything else publishes nothing. */
export function formatWithDfl(dfl: string | undefined, value: number): string | undefined {
  if (dfl === undefined) return undefined;
  const m = FIXED.exec(dfl);
  if (!m) return undefined;
  return formatFixed(value, m[1] === undefined ? 6 : Number(m[1]));
}
