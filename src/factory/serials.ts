// The serial numbers of a provisioning batch: read from the factory's CSV (one serial per line, an optional
// `serial` header) or counted from a prefix. A serial becomes a subject name, a host name label (walnut-<serial>,
// unit-record.ts) and a QR payload field, so it meets all three rules: 1-32 of A-Z 0-9 '-' (qr-payload.ts), and
// no '-' at its end, since a host name label ends in a letter or digit (RFC 952's grammar, relaxed only at the
// start by RFC 1123 §2.1). Duplicates are refused: two units with one serial would share a host name and a label.
import { MAX_SERIAL_LENGTH, serialProblem } from './qr-payload.ts';

export class SerialsError extends Error {
  override name = 'SerialsError';
}

/** Why `serial` cannot be a unit's, or undefined. */
export function unitSerialProblem(serial: string): string | undefined {
  if (/^[a-z0-9-]+$/.test(serial) && /[a-z]/.test(serial)) return `the serial ${JSON.stringify(serial)} has lower-case letters: serials are upper case`;
  const problem = serialProblem(serial);
  if (problem) return problem;
  if (serial.endsWith('-')) return `the serial ${JSON.stringify(serial)} ends in '-', which no host name may (RFC 952, RFC 1123 §2.1)`;
  return undefined;
}

function refuseDuplicates(serials: readonly string[], where: (index: number) => string): void {
  const seen = new Map<string, number>();
  serials.forEach((s, i) => {
    const first = seen.get(s);
    if (first !== undefined) throw new SerialsError(`${where(i)}: the serial ${s} is a duplicate of ${where(first)}`);
    seen.set(s, i);
  });
}

/**
 * The serials of a CSV text (RFC 4180 records, here with one field): LF or CRLF line ends, an optional header
 * `serial` on the first line, a UTF-8 byte order mark tolerated (spreadsheets write one), blank lines at the end
 * ignored. Anything else (a second column, quotes, spaces, a blank line inside) is an error naming its line.
 */
export function parseSerialsCsv(text: string): string[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  const lineNumbers: number[] = [];
  const serials: string[] = [];
  lines.forEach((line, i) => {
    if (i === 0 && line.toLowerCase() === 'serial') return;
    const where = `line ${i + 1}`;
    if (line === '') throw new SerialsError(`${where} is empty: one serial per line`);
    if (line.includes(',')) throw new SerialsError(`${where} has more than one field: the serials CSV has one column, serial`);
    const problem = unitSerialProblem(line);
    if (problem) throw new SerialsError(`${where}: ${problem}`);
    serials.push(line);
    lineNumbers.push(i + 1);
  });
  if (serials.length === 0) throw new SerialsError('the serials CSV has no serial');
  refuseDuplicates(serials, (i) => `line ${lineNumbers[i]}`);
  return serials;
}

/** Widest counter the counted serials pad to. */
const COUNT_DIGITS = 6;

/** `count` serials PREFIX000001, PREFIX000002, ... (padded to 6 digits, or more when the count needs it). */
export function countedSerials(prefix: string, count: number): string[] {
  if (!Number.isSafeInteger(count) || count < 1) throw new SerialsError(`the count must be a whole number of at least 1, not ${count}`);
  const digits = Math.max(COUNT_DIGITS, String(count).length);
  if (prefix.length + digits > MAX_SERIAL_LENGTH) {
    throw new SerialsError(`the prefix ${JSON.stringify(prefix)} leaves no room for ${digits} digits in a ${MAX_SERIAL_LENGTH}-character serial`);
  }
  const problem = /^[A-Z0-9-]*$/.test(prefix) ? undefined : `the serial prefix ${JSON.stringify(prefix)} is not A-Z, 0-9 and '-'`;
  if (problem) throw new SerialsError(problem);
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i + 1).padStart(digits, '0')}`);
}
