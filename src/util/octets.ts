// Byte strings as plain Uint8Array, for the code that runs both in Node and in the browser (the AS protocol's
// client halves, bundled for the setup page: src/page/). Node's Buffer does these jobs elsewhere; a browser has
// no Buffer, and injecting the npm `buffer` package for four helpers would cost more than writing them.

/** The parts one after the other in a new array (Buffer.concat). */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** One byte per character, the low 8 bits of its code (exactly Buffer.from(s, 'latin1')): NUT words and the
 *  protocol's ASCII labels. */
export function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** One character per byte (Buffer#toString('latin1')). */
export function bytesLatin1(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/** Lower-case hex, two digits a byte (Buffer#toString('hex')). */
export function bytesHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}
