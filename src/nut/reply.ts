// A command's answer and its bytes on the wire (docs/nut-protocol.md §1.3: every reply line, LF included, fits
// in 511 bytes).
import { fitsReplyLine } from './encode.ts';

/** One reply line (without LF), or the lines of a LIST. */
export type Reply = string | readonly string[];

export function encodeReply(reply: Reply): string {
  if (typeof reply === 'string') return fitsReplyLine(reply) ? reply + '\n' : 'ERR INVALID-ARGUMENT\n';
  let out = '';
  for (const line of reply) {
    // Items hold names and values the model already bounds; only echoed client words can overflow, and those
    // are in every line, so one check per line costs little and keeps the 511-byte promise.
    if (!fitsReplyLine(line)) return 'ERR INVALID-ARGUMENT\n';
    out += line + '\n';
  }
  return out;
}
