// A client that sends only bad lines is dropped after a bounded number in a row, as go-smtp's server does with
// its errThreshold (github.com/emersion/go-smtp). upsd has no such limit (docs/nut-compat.md).
//
// A bad line is one whose reply says the line itself was wrong, in NUT's terms (NUT docs/net-protocol.txt,
// "Error responses"): UNKNOWN-COMMAND (no such command, or no words at all) and INVALID-ARGUMENT (a line that
// does not parse, a malformed or missing argument, a reply that would not fit the 511-byte line because of
// echoed words). Every other reply counts as good and resets the run: data answers such as VAR-NOT-SUPPORTED,
// UNKNOWN-UPS, CMD-NOT-SUPPORTED or DATA-STALE are what real clients (nut-scanner, `upsc -l`, upsmon probing
// variables) legitimately get many times in a row, and ACCESS-DENIED has its own limit (the login throttle).
import { NutError } from './errors.ts';

/** The reply lines that mark the line they answer as bad. */
const BAD_LINE_REPLIES: ReadonlySet<string> = new Set(['ERR UNKNOWN-COMMAND\n', 'ERR INVALID-ARGUMENT\n']);

/** True when this reply (one line, LF included) says that the request line itself was bad. */
export function isBadLineReply(text: string): boolean {
  return BAD_LINE_REPLIES.has(text);
}

/** Consecutive bad lines of one connection. */
export class BadLineCount {
  private readonly max: number;
  private run = 0;

  constructor(max: number) {
    this.max = max;
  }

  /** Counts one reply; true when the run of bad lines has reached the limit (the caller drops the client). */
  note(bad: boolean): boolean {
    this.run = bad ? this.run + 1 : 0;
    return this.run >= this.max;
  }

  get count(): number {
    return this.run;
  }
}

/** A thrown protocol error that marks the line as bad; a walnut bug (not a NutError) never counts. */
export function badLineError(err: unknown): boolean {
  return err instanceof NutError && isBadLineReply(err.wire + '\n');
}
