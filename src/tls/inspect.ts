// What walnut reports about a certificate (its own, a factory one, a client's): names, serial, validity, issuer.
// node:crypto's X509Certificate (OpenSSL underneath) parses it; this only turns its strings into fields.
import { X509Certificate } from 'node:crypto';
import { ipFromBytes, ipToBytes } from '../util/ip.ts';

export interface CertificateSummary {
  /** The subject's commonName, or undefined when it has none (the first one when it has several). */
  readonly subjectCommonName: string | undefined;
  readonly issuerCommonName: string | undefined;
  /** The distinguished names as node prints them, one attribute a line ("CN=walnut"). */
  readonly subject: string;
  readonly issuer: string;
  /** subjectAltName dNSName entries, as written. */
  readonly dnsNames: readonly string[];
  /** subjectAltName iPAddress entries: dotted quads and RFC 5952 IPv6 ("::1"). */
  readonly ipAddresses: readonly string[];
  /** Upper-case hex, as `openssl x509 -serial` shows it. */
  readonly serialHex: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** SHA-256 of the DER, "AB:CD:..." (what `openssl x509 -fingerprint -sha256` prints). */
  readonly fingerprint256: string;
  readonly isCa: boolean;
  readonly selfIssued: boolean;
}

function firstCommonName(name: NodeJS.Dict<string | string[]> | undefined): string | undefined {
  const cn = name?.['CN'];
  return Array.isArray(cn) ? cn[0] : cn;
}

/**
 * node's subjectAltName string: "DNS:a, IP Address:1.2.3.4, ...". Since the CVE-2021-44532 fix, a value with a
 * comma, quote or control character is written as a JSON string ("DNS:\"a, b\""), so ", " splits it safely.
 */
export function parseSubjectAltName(text: string | undefined): { type: string; value: string }[] {
  if (!text) return [];
  const out: { type: string; value: string }[] = [];
  const entry = /([^:,]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/y;
  for (let m = entry.exec(text); m && m[0] !== ''; m = entry.exec(text)) {
    const raw = m[2]!;
    out.push({ type: m[1]!, value: raw.startsWith('"') ? (JSON.parse(raw) as string) : raw });
    if (entry.lastIndex >= text.length) break;
  }
  return out;
}

/** OpenSSL prints "<invalid>" for an iPAddress that is not 4 or 16 octets; such a value is kept as it is. */
function canonicalIp(text: string): string {
  try {
    return ipFromBytes(ipToBytes(text));
  } catch {
    return text;
  }
}

/** Reads a PEM or DER certificate; throws node's error when it is not one. */
export function inspectCertificate(certificate: string | Buffer): CertificateSummary {
  const x509 = new X509Certificate(certificate);
  const legacy = x509.toLegacyObject();
  const sans = parseSubjectAltName(x509.subjectAltName);
  return {
    subjectCommonName: firstCommonName(legacy.subject),
    issuerCommonName: firstCommonName(legacy.issuer),
    subject: x509.subject,
    issuer: x509.issuer,
    dnsNames: sans.filter((s) => s.type === 'DNS').map((s) => s.value),
    // OpenSSL prints IPv6 uncompressed and upper-case ("0:0:0:0:0:0:0:1"); bring it to the form people type
    ipAddresses: sans.filter((s) => s.type === 'IP Address').map((s) => canonicalIp(s.value)),
    serialHex: x509.serialNumber.toUpperCase(),
    notBefore: x509.validFromDate,
    notAfter: x509.validToDate,
    fingerprint256: x509.fingerprint256,
    isCa: x509.ca,
    selfIssued: x509.checkIssued(x509),
  };
}
