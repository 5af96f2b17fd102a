// A browser or a port scanner on the NUT port: its first line is an HTTP request line (RFC 9112 §3).

const HTTP_METHODS = new Set(['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE', 'PATCH']);

/** `GET / HTTP/1.1` and friends: somebody pointed a browser or a scanner at the NUT port. */
export function looksLikeHttp(words: readonly string[]): boolean {
  return words.length === 3 && HTTP_METHODS.has(words[0]!.toUpperCase()) && /^HTTP\/\d/i.test(words[2]!);
}
