// The NUT request tokenizer: a byte-at-a-time state machine with the semantics of upsd 2.8's parseconf
// (docs/nut-protocol.md §1.2). It is fed raw socket bytes and yields complete lines as word arrays.
//
// Rules it reproduces:
// - LF ends a line; any other isspace() byte (space, TAB, CR, VT, FF) separates words, so CRLF works.
// - "..." is one word (may be empty); a backslash takes the next byte literally, inside or outside quotes;
//   a backslash before LF continues the line.
// - '#' outside quotes starts a comment that runs to LF; '#' inside quotes, unescaped, is a parse error.
// - '=' outside quotes is always a word of its own.
// - Bytes < 0x20 that are not whitespace and bytes >= 0x80 are dropped (CVE-2012-2944), but, as in upsd,
//   such a byte still starts a word when it is met between words. Exception: a word the caller's
//   `keepsHighBytes` picks keeps bytes >= 0x80 (the NUT command layer picks the credential arguments,
//   credential-words.ts). The tokenizer itself knows no command.
// - At most 32 words per line (extra words are dropped) and 512 bytes per word (the rest is dropped).
//
// Deliberate difference (documented in docs/nut-compat.md): upsd answers a parse error with silence and throws
// away the rest of its 512-byte read buffer, losing pipelined commands. walnut reports the bad line as a
// `parse-error` event (the server answers ERR INVALID-ARGUMENT) and resumes at the next LF: nothing else is lost.

export const MAX_WORDS = 32;
export const MAX_WORD_BYTES = 512;

const S = {
  findWordStart: 0,
  collect: 1,
  collectLiteral: 2,
  quoteCollect: 3,
  quoteLiteral: 4,
  findEol: 5,
  /** inside a line that already failed to parse: skip to LF */
  skipBadLine: 6,
} as const;
type State = (typeof S)[keyof typeof S];

const LF = 0x0a;
const HASH = 0x23;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const EQUALS = 0x3d;

/** isspace() in the C locale: space, \t, \n, \v, \f, \r */
function isSpace(b: number): boolean {
  return b === 0x20 || (b >= 0x09 && b <= 0x0d);
}

/**
 * The common case, a line of plain words (printable ASCII without `"`, `\`, `#`, `=`) separated by blanks, split
 * without the state machine; the result is identical to what the state machine gives. Returns undefined when
 * the line needs the full rules (quotes, escapes, comments, dropped bytes, or a word/line limit reached).
 */
function fastSplit(bytes: Buffer, start: number, end: number): string[] | undefined {
  const words: string[] = [];
  let wordStart = -1;
  for (let j = start; j <= end; j++) {
    const b = j === end ? 0x20 : bytes[j]!;
    if (b === 0x20 || (b >= 0x09 && b <= 0x0d)) {
      if (wordStart >= 0) {
        if (j - wordStart > MAX_WORD_BYTES || words.length === MAX_WORDS) return undefined;
        words.push(bytes.toString('latin1', wordStart, j));
        wordStart = -1;
      }
    } else if (b > 0x20 && b < 0x7f && b !== QUOTE && b !== HASH && b !== EQUALS && b !== BACKSLASH) {
      if (wordStart < 0) wordStart = j;
    } else {
      return undefined;
    }
  }
  return words;
}

/** What one call of {@link Tokenizer.push} found, in order. */
export type TokenizerEvent =
  | { kind: 'line'; words: string[] }
  | { kind: 'parse-error'; reason: string };

export interface TokenizerOptions {
  /** Asked, with the words of the line before it, when a byte >= 0x80 arrives in a word: true keeps such bytes
   *  in that word. Unset: every word drops them. */
  readonly keepsHighBytes?: ((wordsBefore: readonly string[]) => boolean) | undefined;
}

export class Tokenizer {
  private readonly keepsHighBytes: ((wordsBefore: readonly string[]) => boolean) | undefined;
  private state: State = S.findWordStart;
  private words: string[] = [];
  private word: number[] = [];
  /** complete lines seen, for counters */
  linesParsed = 0;
  parseErrors = 0;

  constructor(options: TokenizerOptions = {}) {
    this.keepsHighBytes = options.keepsHighBytes;
  }

  /**
   * Feeds bytes. Calls `onEvent` for each complete line or parse error and returns the offset just past the
   * byte that completed the last event when `onEvent` returns false (the caller wants to stop early, e.g. for
   * STARTTLS or back-pressure), else `bytes.length`.
   */
  push(bytes: Buffer, onEvent: (event: TokenizerEvent) => boolean | void, start = 0): number {
    // Lines at or past this offset have been found to need the state machine (or have no LF yet).
    let slowUntil = -1;
    let i = start;
    while (i < bytes.length) {
      if (i > slowUntil && this.state === S.findWordStart && this.words.length === 0 && this.word.length === 0) {
        const lf = bytes.indexOf(LF, i);
        const words = lf < 0 ? undefined : fastSplit(bytes, i, lf);
        if (words) {
          this.linesParsed++;
          i = lf + 1;
          if (onEvent({ kind: 'line', words }) === false) return i;
          continue;
        }
        slowUntil = lf < 0 ? bytes.length : lf;
      }
      const ev = this.step(bytes[i]!);
      i++;
      if (ev !== undefined && onEvent(ev) === false) return i;
    }
    return bytes.length;
  }

  /** True when no partial line is buffered (used to tell whether bytes are pending after a line). */
  get atLineStart(): boolean {
    return this.state === S.findWordStart && this.words.length === 0 && this.word.length === 0;
  }

  private addChar(b: number): void {
    if (b < 0x20 || (b >= 0x80 && !this.keepsHighBytes?.(this.words))) return;
    if (this.word.length >= MAX_WORD_BYTES) return;
    this.word.push(b);
  }

  private endOfWord(): void {
    if (this.words.length < MAX_WORDS) this.words.push(String.fromCharCode(...this.word));
    this.word.length = 0;
  }

  private endOfLine(): TokenizerEvent {
    const words = this.words;
    this.words = [];
    this.state = S.findWordStart;
    this.linesParsed++;
    return { kind: 'line', words };
  }

  private findWordStart(b: number): State | TokenizerEvent {
    if (b === LF) return this.endOfLine();
    if (b === HASH) return S.findEol;
    if (isSpace(b)) return S.findWordStart;
    if (b === BACKSLASH) return S.collectLiteral;
    if (b === QUOTE) return S.quoteCollect;
    this.addChar(b);
    if (b === EQUALS) {
      this.endOfWord();
      return S.findWordStart;
    }
    return S.collect;
  }

  private step(b: number): TokenizerEvent | undefined {
    let next: State | TokenizerEvent;
    switch (this.state) {
      case S.findWordStart:
        next = this.findWordStart(b);
        break;
      case S.collect:
        if (b === HASH) {
          this.endOfWord();
          next = S.findEol;
        } else if (b === LF) {
          this.endOfWord();
          next = this.endOfLine();
        } else if (isSpace(b)) {
          this.endOfWord();
          next = S.findWordStart;
        } else if (b === EQUALS) {
          this.endOfWord();
          this.findWordStart(b); // '=' becomes a word of its own
          next = S.findWordStart;
        } else if (b === BACKSLASH) {
          next = S.collectLiteral;
        } else {
          this.addChar(b);
          next = S.collect;
        }
        break;
      case S.collectLiteral:
        if (b !== LF) this.addChar(b);
        next = S.collect;
        break;
      case S.quoteCollect:
        if (b === HASH) {
          this.words = [];
          this.word.length = 0;
          this.parseErrors++;
          this.state = S.skipBadLine;
          return { kind: 'parse-error', reason: 'unbalanced word due to unescaped # in quotes' };
        } else if (b === QUOTE) {
          this.endOfWord();
          next = S.findWordStart;
        } else if (b === BACKSLASH) {
          next = S.quoteLiteral;
        } else {
          this.addChar(b);
          next = S.quoteCollect;
        }
        break;
      case S.quoteLiteral:
        if (b !== LF) this.addChar(b);
        next = S.quoteCollect;
        break;
      case S.findEol:
        next = b === LF ? this.endOfLine() : S.findEol;
        break;
      case S.skipBadLine:
        next = b === LF ? S.findWordStart : S.skipBadLine;
        break;
    }
    if (typeof next === 'number') {
      this.state = next;
      return undefined;
    }
    return next;
  }
}

/** Tokenizes one complete line (without needing a trailing LF); for unit tests and config parsing. */
export function tokenizeLine(line: string, options: TokenizerOptions = {}): TokenizerEvent {
  const t = new Tokenizer(options);
  let result: TokenizerEvent | undefined;
  const bytes = Buffer.from(line.endsWith('\n') ? line : line + '\n', 'latin1');
  t.push(bytes, (ev) => {
    result = ev;
    return false;
  });
  return result ?? { kind: 'line', words: [] };
}
