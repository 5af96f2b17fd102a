// Principal names and passwords are byte strings, not text. A NUT word reaches walnut as bytes (the tokenizer
// hands them over latin1-decoded, one char per byte; docs/nut-protocol.md §1.2), a command-line argument as UTF-8,
// and a password typed or piped in as raw bytes. Everything below the CLI compares bytes, so a name or
// password with spaces, quotes, `#`, backslashes or non-ASCII bytes means exactly what was typed, everywhere.

/** Longest principal name (bytes): a NUT USERNAME and, later, an authsrv principal (ANAMELEN-1 is 63+1). */
export const MAX_NAME_BYTES = 64;
/**
 * Longest password (bytes): what one NUT word can carry, so that every password walnut stores can be sent as
 * `PASSWORD <word>`. upsd's parser cuts words at PCONF_DEFAULT_WORDLEN_LIMIT, 512 (docs/nut-protocol.md §1.2), and
 * src/nut/tokenizer.ts's MAX_WORD_BYTES is that same limit. The number is written here rather than imported
 * because accounts sit below the NUT layer (docs/architecture.md); src/auth/bytes.test.ts pins it at 512, as
 * src/nut/tokenizer.test.ts pins the word limit.
 */
export const MAX_PASSWORD_BYTES = 512;

/** C0 controls and DEL: the NUT tokenizer drops them even inside quotes (§1.2), so no client could send them. */
const isControl = (b: number): boolean => b < 0x20 || b === 0x7f;

/** Why `name` cannot be a principal name, or undefined when it can. */
export function nameProblem(name: Uint8Array): string | undefined {
  if (name.length === 0) return 'a user name cannot be empty';
  if (name.length > MAX_NAME_BYTES) return `a user name is at most ${MAX_NAME_BYTES} bytes (this one is ${name.length})`;
  if (name.some(isControl)) return 'a user name cannot contain control characters';
  return undefined;
}

/** Why `password` cannot be a password, or undefined when it can. */
export function passwordProblem(password: Uint8Array): string | undefined {
  if (password.length === 0) return 'the password is empty';
  if (password.length > MAX_PASSWORD_BYTES) return `a password is at most ${MAX_PASSWORD_BYTES} bytes (a NUT word's limit)`;
  if (password.some(isControl)) return 'a password cannot contain control characters (NUT clients cannot send them)';
  return undefined;
}

/** A NUT word (latin1-decoded bytes) back to its bytes. */
export const wordBytes = (word: string): Buffer => Buffer.from(word, 'latin1');

const needsQuotes = (s: string): boolean => s === '' || /[\s"\\#]/.test(s);

/**
 * A name for logs and the event log: printable ASCII only, so nothing a peer sends can forge a log line or
 * reach a terminal raw; other bytes as \xHH, and quoted (with \" and \\) when it has blanks, quotes, `#` or
 * backslashes. Distinct byte strings (up to `maxBytes`; longer ones are cut and say so) show differently.
 */
export function showBytes(bytes: Uint8Array, maxBytes = 128): string {
  if (bytes.length > maxBytes) return `${showBytes(bytes.subarray(0, maxBytes), maxBytes)}...(${bytes.length} bytes)`;
  let out = '';
  let escaped = false;
  for (const b of bytes) {
    if (b === 0x22 || b === 0x5c) out += '\\' + String.fromCharCode(b);
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else {
      out += '\\x' + b.toString(16).padStart(2, '0');
      escaped = true;
    }
  }
  return escaped || needsQuotes(Buffer.from(bytes).toString('latin1')) ? `"${out}"` : out;
}

/**
 * A name for `walnut user list`: as text when it is valid UTF-8 without control or format characters (so
 * "jürgen" reads as typed), else as {@link showBytes}; quoted the same way.
 */
export function showName(bytes: Uint8Array): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return showBytes(bytes);
  }
  if (/[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u.test(text)) return showBytes(bytes);
  const inner = text.replace(/["\\]/g, (c) => '\\' + c);
  return needsQuotes(text) ? `"${inner}"` : inner;
}
