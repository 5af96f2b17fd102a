// Reply encoding for the NUT protocol (docs/nut-protocol.md §1.3, §8.6).

/** Longest reply line libupsclient can read in one piece: 512-byte buffer, so 511 bytes including the LF. */
export const MAX_REPLY_LINE_BYTES = 511;

const NEEDS_ESCAPE = /[\\"#]/;
const ESCAPABLE = /[\\"#]/g;

/** pconf_encode(): a backslash before each `\`, `"` and `#`, so the value survives the client's tokenizer. */
export function escapeValue(value: string): string {
  return NEEDS_ESCAPE.test(value) ? value.replace(ESCAPABLE, '\\$&') : value;
}

/** `"<escaped>"` */
export function quote(value: string): string {
  return `"${escapeValue(value)}"`;
}

/** True when `line` (without its LF) fits a client's line buffer. Replies are ASCII: length is bytes. */
export function fitsReplyLine(line: string): boolean {
  return line.length + 1 <= MAX_REPLY_LINE_BYTES;
}
