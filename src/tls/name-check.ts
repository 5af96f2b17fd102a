// Whether a certificate's names fall within a CA's permitted subtrees (RFC 5280 §4.2.1.10, §6.1.3 (b)), checked
// before the local CA signs, so that walnut refuses to issue what every verifier would refuse anyway, with a
// message that says why, instead of handing out a certificate that fails on the client.
import type { IpRange, PermittedSubtrees } from './name-constraints.ts';
import { formatIpRange } from './name-constraints.ts';
import { ipToBytes } from '../util/ip.ts';

/**
 * §4.2.1.10: "any DNS name that can be constructed by simply adding zero or more labels to the left-hand side of
 * the name satisfies the name constraint", compared without regard to case. OpenSSL (nc_dns) and NSS do the same.
 */
export function dnsNameWithin(name: string, base: string): boolean {
  const n = name.toLowerCase();
  const b = base.toLowerCase();
  if (b === '') return true;
  if (n === b) return true;
  return n.endsWith(b) && (b.startsWith('.') || n[n.length - b.length - 1] === '.');
}

/** §4.2.1.10 iPAddress: same family (length) and equal under the mask. */
export function ipWithin(address: Uint8Array, range: IpRange): boolean {
  if (address.length !== range.address.length) return false;
  return address.every((byte, i) => (byte & range.mask[i]!) === (range.address[i]! & range.mask[i]!));
}

/**
 * Whether a subject common name counts as a DNS name to a verifier. OpenSSL (crypto/x509/v3_ncons.c cn2dnsid)
 * checks the CN against dNSName constraints when it has two or more labels of letters, digits, '_' and inner
 * '-' ("nas.kitchen", "192.168.1.5"), and ignores other CNs ("nas-kitchen", "NAS Küche"). OpenSSL does so only
 * for a certificate without dNSName SANs, and other verifiers have fallbacks of their own, so walnut applies the
 * rule whatever SANs the certificate has: stricter than any of them, never looser (name-check.test.ts compares it
 * with openssl verify).
 */
export function commonNameLooksLikeDnsName(cn: string): boolean {
  let dotted = false;
  for (let i = 0; i < cn.length; i++) {
    const c = cn[i]!;
    if (/[A-Za-z0-9_]/.test(c)) continue;
    const inner = i > 0 && i < cn.length - 1;
    if (inner && c === '-') continue;
    if (inner && c === '.' && cn[i + 1] !== '.' && cn[i - 1] !== '-' && cn[i + 1] !== '-') {
      dotted = true;
      continue;
    }
    return false;
  }
  return dotted;
}

/** What a certificate to be issued names. */
export interface CertificateNames {
  readonly commonName: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
}

/** The permitted subtrees as text, for messages: "ups1, ups1.local, localhost, 127.0.0.1/32, ::1/128". */
export const describePermitted = (p: PermittedSubtrees): string => [...p.dnsNames, ...p.ipRanges.map(formatIpRange)].join(', ');

/**
 * The names of a certificate that `permitted` does not cover (empty when all are). §6.1.3 (b): a name form the
 * constraints say nothing about is not restricted, so DNS names are checked only when there are dNSName subtrees
 * and addresses only when there are iPAddress subtrees.
 */
export function namesOutside(permitted: PermittedSubtrees, names: CertificateNames): string[] {
  const out: string[] = [];
  if (permitted.dnsNames.length > 0) {
    const dns = commonNameLooksLikeDnsName(names.commonName) ? [...names.dnsNames, names.commonName] : names.dnsNames;
    for (const d of dns) if (!permitted.dnsNames.some((b) => dnsNameWithin(d, b)) && !out.includes(d)) out.push(d);
  }
  if (permitted.ipRanges.length > 0) {
    for (const ip of names.ipAddresses) if (!permitted.ipRanges.some((r) => ipWithin(ipToBytes(ip), r))) out.push(ip);
  }
  return out;
}
