// IP addresses as the octets an X.509 iPAddress name carries (RFC 5280 §4.2.1.6: 4 octets for IPv4, 16 for IPv6,
// network byte order) and back to text in the canonical forms (dotted quad; RFC 5952 for IPv6).
import { isIPv4, isIPv6 } from 'node:net';

/** The octets of an IPv4 or IPv6 address (no zone index, no prefix length); throws RangeError otherwise. */
export function ipToBytes(text: string): Buffer {
  if (isIPv4(text)) return Buffer.from(text.split('.').map(Number));
  if (!isIPv6(text) || text.includes('%')) throw new RangeError(`${JSON.stringify(text)} is not an IP address`);
  let groups: number[] = [];
  let rest = text;
  const tail: number[] = [];
  // an embedded IPv4 address in the last 32 bits (RFC 4291 §2.2 form 3)
  const v4 = /(?:^|:)(\d+\.\d+\.\d+\.\d+)$/.exec(rest);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split('.').map(Number) as [number, number, number, number];
    tail.push((a << 8) | b, (c << 8) | d);
    rest = rest.slice(0, rest.length - v4[1]!.length);
    if (rest.endsWith(':') && !rest.endsWith('::')) rest = rest.slice(0, -1);
  }
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const gap = rest.indexOf('::');
  if (gap >= 0) {
    const head = parse(rest.slice(0, gap));
    const after = [...parse(rest.slice(gap + 2)), ...tail];
    groups = [...head, ...new Array<number>(8 - head.length - after.length).fill(0), ...after];
  } else {
    groups = [...parse(rest), ...tail];
  }
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** Text for the octets of an iPAddress name: dotted quad, or RFC 5952 §4 IPv6 (lowercase, longest zero run as ::). */
export function ipFromBytes(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length !== 16) throw new RangeError(`an IP address is 4 or 16 octets, not ${bytes.length}`);
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  // RFC 5952 §4.2: the longest run of two or more zero groups (the first one on a tie) becomes ::
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}
