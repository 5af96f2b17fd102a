// The X.509 NameConstraints extension (RFC 5280 §4.2.1.10), the permitted subtrees only: the local CA carries it
// so that a CA an owner installs in a browser or an NSS database vouches for this unit's own names and addresses
// and for nobody else. This file is the codec; name-check.ts says whether a name falls within.
//
//   NameConstraints ::= SEQUENCE {
//        permittedSubtrees       [0]     GeneralSubtrees OPTIONAL,
//        excludedSubtrees        [1]     GeneralSubtrees OPTIONAL }
//   GeneralSubtrees ::= SEQUENCE SIZE (1..MAX) OF GeneralSubtree
//   GeneralSubtree ::= SEQUENCE {
//        base                    GeneralName,
//        minimum         [0]     BaseDistance DEFAULT 0,
//        maximum         [1]     BaseDistance OPTIONAL }
//
// The module is IMPLICIT TAGS (RFC 5280 Appendix A.2), so [0] replaces the SEQUENCE tag of GeneralSubtrees.
// minimum is always 0 and maximum absent (§4.2.1.10: "MUST NOT" otherwise), so each GeneralSubtree is just its
// base. Bases used here: dNSName [2] IA5String and iPAddress [7] OCTET STRING, which in a constraint holds the
// address followed by its mask (8 octets for IPv4, 32 for IPv6).
import { DerError, decodeDer, type DerNode } from './der.ts';
import { derSequence, derTlv } from './der-encode.ts';
import { ipFromBytes, ipToBytes } from '../util/ip.ts';

/** id-ce-nameConstraints (RFC 5280 §4.2.1.10); §4.2.1.10 says conforming CAs MUST mark it critical. */
export const NAME_CONSTRAINTS_OID = '2.5.29.30';

/** An iPAddress subtree: the addresses whose octets ANDed with `mask` equal `address` (4 or 16 octets each). */
export interface IpRange {
  readonly address: Buffer;
  readonly mask: Buffer;
}

/** The permitted subtrees of a CA: DNS names (each with every name below it) and address ranges. */
export interface PermittedSubtrees {
  readonly dnsNames: readonly string[];
  readonly ipRanges: readonly IpRange[];
}

export interface NameConstraints {
  /** undefined when the extension has no permittedSubtrees */
  readonly permitted: PermittedSubtrees | undefined;
  /** GeneralName tag numbers among the permitted bases other than dNSName and iPAddress (none in walnut's own) */
  readonly otherPermittedTypes: readonly number[];
  /** whether excludedSubtrees is present (walnut never writes it) */
  readonly hasExcluded: boolean;
}

const DNS_NAME_TAG = 2;
const IP_ADDRESS_TAG = 7;

/** The range of exactly one address: the address with an all-ones mask (/32, /128). */
export function hostRange(ip: string): IpRange {
  const address = ipToBytes(ip);
  return { address, mask: Buffer.alloc(address.length, 0xff) };
}

/** An address range as text: "192.0.2.1/32", "::1/128"; a mask that is not a prefix shows as "addr/mask". */
export function formatIpRange(range: IpRange): string {
  const bits = [...range.mask].map((b) => b.toString(2).padStart(8, '0')).join('');
  const prefix = bits.indexOf('0') < 0 ? bits.length : bits.indexOf('0');
  const contiguous = !bits.slice(prefix).includes('1');
  return `${ipFromBytes(range.address)}/${contiguous ? prefix : ipFromBytes(range.mask)}`;
}

/**
 * The extension's value (the DER NameConstraints that goes into extnValue's OCTET STRING) permitting exactly these
 * subtrees. At least one is needed: §4.2.1.10 forbids an empty NameConstraints, and GeneralSubtrees is SIZE (1..MAX).
 * DNS names must already be in preferred name syntax (x509.ts normalizeDnsName): IA5String is ASCII.
 */
export function encodeNameConstraints(permitted: PermittedSubtrees): Buffer {
  const bases = [
    ...permitted.dnsNames.map((name) => {
      if (!/^[\x21-\x7e]+$/.test(name)) throw new RangeError(`${JSON.stringify(name)} cannot be a dNSName constraint`);
      return derTlv('context', false, DNS_NAME_TAG, Buffer.from(name, 'ascii'));
    }),
    ...permitted.ipRanges.map((r) => {
      if ((r.address.length !== 4 && r.address.length !== 16) || r.mask.length !== r.address.length) {
        throw new RangeError('an iPAddress constraint is an address and a mask of 4 or 16 octets each');
      }
      return derTlv('context', false, IP_ADDRESS_TAG, Buffer.concat([r.address, r.mask]));
    }),
  ];
  if (bases.length === 0) throw new RangeError('name constraints need at least one permitted name (RFC 5280 §4.2.1.10)');
  // GeneralSubtree ::= SEQUENCE { base } (minimum DEFAULT 0 is left out in DER, X.690 §11.5); [0] IMPLICIT
  return derSequence(derTlv('context', true, 0, Buffer.concat(bases.map((b) => derSequence(b)))));
}

function subtreeBases(node: DerNode, n: number): DerNode[] {
  if (!node.constructed || node.children.length === 0) throw new DerError(`GeneralSubtrees [${n}] is empty (SIZE 1..MAX)`);
  return node.children.map((subtree) => {
    if (subtree.tagClass !== 'universal' || subtree.tagNumber !== 16 || subtree.children.length === 0) {
      throw new DerError('a GeneralSubtree is a SEQUENCE starting with its base');
    }
    const [base, ...rest] = subtree.children;
    // minimum [0] DEFAULT 0 is absent in DER; maximum [1] MUST be absent (§4.2.1.10): anything else is not ours to read
    if (rest.length > 0) throw new DerError('a GeneralSubtree with minimum or maximum (RFC 5280 §4.2.1.10 forbids them)');
    return base!;
  });
}

/** Reads a NameConstraints value (extnValue's contents); throws DerError when it is not one. */
export function decodeNameConstraints(value: Uint8Array): NameConstraints {
  const root = decodeDer(value);
  if (root.tagClass !== 'universal' || root.tagNumber !== 16) throw new DerError('NameConstraints is a SEQUENCE');
  const dnsNames: string[] = [];
  const ipRanges: IpRange[] = [];
  const otherPermittedTypes: number[] = [];
  let permitted = false;
  let hasExcluded = false;
  for (const part of root.children) {
    if (part.tagClass === 'context' && part.tagNumber === 0 && !permitted && !hasExcluded) {
      permitted = true;
      for (const base of subtreeBases(part, 0)) {
        if (base.tagClass === 'context' && base.tagNumber === DNS_NAME_TAG && !base.constructed) {
          dnsNames.push(base.content.toString('latin1'));
        } else if (base.tagClass === 'context' && base.tagNumber === IP_ADDRESS_TAG && !base.constructed) {
          if (base.content.length !== 8 && base.content.length !== 32) throw new DerError(`an iPAddress constraint of ${base.content.length} octets`);
          const half = base.content.length / 2;
          ipRanges.push({ address: Buffer.from(base.content.subarray(0, half)), mask: Buffer.from(base.content.subarray(half)) });
        } else {
          otherPermittedTypes.push(base.tagNumber);
        }
      }
    } else if (part.tagClass === 'context' && part.tagNumber === 1 && !hasExcluded) {
      subtreeBases(part, 1);
      hasExcluded = true;
    } else {
      throw new DerError('NameConstraints holds [0] permittedSubtrees then [1] excludedSubtrees, each at most once');
    }
  }
  return { permitted: permitted ? { dnsNames, ipRanges } : undefined, otherPermittedTypes, hasExcluded };
}
