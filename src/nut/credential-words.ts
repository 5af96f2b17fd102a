// Which request words are byte strings: the argument of USERNAME and of PASSWORD (docs/nut-protocol.md §2.3).
// walnut differs from upsd here (docs/nut-compat.md): names and passwords are byte strings (src/auth/bytes.ts)
// and must reach the check exactly as the client sent them, UTF-8 included; dropping bytes from 0x80, as upsd's
// parseconf does for every word (CVE-2012-2944), would both refuse such passwords and let "pässword" match
// "pssword". Every other word, which reaches the UPS model, replies or the device, drops them as before.
import { Tokenizer, tokenizeLine, type TokenizerEvent } from './tokenizer.ts';

/** True for the word right after USERNAME or PASSWORD (any case): the tokenizer keeps its bytes from 0x80. */
export function isCredentialArgument(wordsBefore: readonly string[]): boolean {
  if (wordsBefore.length !== 1) return false;
  const command = wordsBefore[0]!.toUpperCase();
  return command === 'USERNAME' || command === 'PASSWORD';
}

/** The tokenizer for NUT request lines: upsd's rules, credential arguments kept as bytes. */
export function requestTokenizer(): Tokenizer {
  return new Tokenizer({ keepsHighBytes: isCredentialArgument });
}

/** One request line through the request tokenizer (tests and tools). */
export function tokenizeRequest(line: string): TokenizerEvent {
  return tokenizeLine(line, { keepsHighBytes: isCredentialArgument });
}
