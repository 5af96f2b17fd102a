// Issues X.509 v3 certificates (RFC 5280) for walnut's own small PKI: a self-signed local CA (name-constrained to
// the unit's own names, name-constraints.ts; issuing refuses names outside a CA's constraints), the device's TLS
// server certificate, and client certificates for upsmon and friends; and for the factory's (factory-pki.ts) a
// root, the intermediate CA under it and each unit's certificate. Keys are ECDSA P-256 and signatures
// ecdsa-with-SHA256 (RFC 5758 §3.2, RFC 5480), made by node:crypto; this module only lays out the DER.
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import {
  decodeDer, isContext, readBitString, readExplicit, readOctetString, readOid, readSequence,
} from './der.ts';
import {
  derBoolean, derExplicit, derInteger, derNamedBits, derOctetString, derOid, derSequence, derSet, derTime, derTlv, derUtf8String, derBitString, derPrintableString,
} from './der-encode.ts';
import { ipFromBytes, ipToBytes } from '../util/ip.ts';
import { toPem } from './pem.ts';
import { decodeNameConstraints, encodeNameConstraints, hostRange, NAME_CONSTRAINTS_OID, type NameConstraints, type PermittedSubtrees } from './name-constraints.ts';
import { describePermitted, namesOutside, type CertificateNames } from './name-check.ts';

/** A certificate with its freshly made private key. `keyPem` is secret: never log it. */
export interface IssuedCertificate {
  readonly certPem: string;
  readonly certDer: Buffer;
  /** PKCS#8 PEM ("BEGIN PRIVATE KEY"), unencrypted: the caller stores it with mode 0600. */
  readonly keyPem: string;
  /** The serial number as upper-case hex, as `X509Certificate.serialNumber` and `openssl x509 -serial` show it. */
  readonly serialHex: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** What issuing needs of a CA: its certificate and private key (PEM). An {@link IssuedCertificate} from createCa fits. */
export interface CertificateAuthority {
  readonly certPem: string;
  readonly keyPem: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Validity.
//
// An appliance board often has no battery-backed RTC: it boots with its clock at 1970-01-01 (time_t 0) or at
// 2000-01-01 (RTC chips that reset to their epoch) and only learns the time from NTP later, if ever (the UPS LAN
// may have no Internet). Two things follow:
//  - notBefore must not be later than any clock a board can boot with, or walnut itself refuses the client
//    certificates it issued ("certificate is not yet valid"; the server side checks the client certificate against
//    its own clock) and NAS boxes with the same problem refuse the server. So notBefore is the Unix epoch,
//    1970-01-01T00:00:00Z, which is also the earliest instant a time_t clock can show; 2000-01-01 would not survive a
//    board at 1970. RFC 5280 §4.1.2.5 allows any date, and 1970 is UTCTime (1950-2049).
//  - "now" may be 1970 when the identity is made at first start, so "now + 10 years" could already be past for
//    every client with a correct clock. notAfter is therefore never earlier than a fixed floor: 2035 for device and
//    client certificates, 2050 for the CA, so a CA made with a wrong clock still outlives the leaf floor.
// A leaf never outlives its CA (chains stop verifying when the CA expires, so a later date would only mislead the
// expiry report); the default is cut to the CA's notAfter, and an explicit later one is refused.

/** notBefore of every certificate walnut issues: the Unix epoch (see above). */
export const NOT_BEFORE = new Date('1970-01-01T00:00:00Z');
// The local CA stays at 25 years even though it goes into browsers (issue 15), because shortening it would cost
// more than it gives. Its name constraints (§4.2.1.10) already mean a stolen key can only impersonate this one
// unit. Replacing the CA means pinning it again on every client, and walnut cannot renew a CA in the field. It has
// to outlive the 10-year device certificate so that the device certificate can be issued again under it without
// anyone pinning again. And until 2040 the 2050 floor sets the date anyway (a CA made by a board whose clock says
// 1970 must outlast the leaves' floor).
export const CA_YEARS = 25;
export const LEAF_YEARS = 10;
export const CA_NOT_AFTER_FLOOR = new Date('2050-01-01T00:00:00Z');
export const LEAF_NOT_AFTER_FLOOR = new Date('2035-01-01T00:00:00Z');
/** RFC 5280 §4.1.2.5: the value for "no well-defined expiration date"; nothing later can be encoded. */
const LATEST = new Date('9999-12-31T23:59:59Z');

const wholeSeconds = (d: Date): Date => new Date(Math.floor(d.getTime() / 1000) * 1000);

function addYears(date: Date, years: number): Date {
  const d = new Date(date.getTime());
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d;
}

function defaultNotAfter(now: Date, years: number, floor: Date): Date {
  if (Number.isNaN(now.getTime())) throw new RangeError('"now" is not a valid date');
  const t = Math.min(Math.max(addYears(now, years).getTime(), floor.getTime()), LATEST.getTime());
  return wholeSeconds(new Date(t));
}

function checkExplicitNotAfter(notAfter: Date, limit: Date, limitName: string): Date {
  if (Number.isNaN(notAfter.getTime())) throw new RangeError('notAfter is not a valid date');
  const d = wholeSeconds(notAfter);
  if (d.getTime() <= NOT_BEFORE.getTime()) throw new RangeError(`notAfter ${d.toISOString()} is not after notBefore ${NOT_BEFORE.toISOString()}`);
  if (d.getTime() > limit.getTime()) throw new RangeError(`notAfter ${d.toISOString()} is after ${limitName} ${limit.toISOString()}`);
  return d;
}

// ---------------------------------------------------------------------------------------------------------------
// Object identifiers.

const OID = {
  commonName: '2.5.4.3', // RFC 5280 Appendix A (X.520)
  serialNumber: '2.5.4.5', // RFC 5280 §4.1.2.4 (X.520 serialNumber, PrintableString)
  ecdsaWithSha256: '1.2.840.10045.4.3.2', // RFC 5758 §3.2
  subjectKeyIdentifier: '2.5.29.14', // RFC 5280 §4.2.1.2
  keyUsage: '2.5.29.15', // §4.2.1.3
  subjectAltName: '2.5.29.17', // §4.2.1.6
  basicConstraints: '2.5.29.19', // §4.2.1.9
  authorityKeyIdentifier: '2.5.29.35', // §4.2.1.1
  extKeyUsage: '2.5.29.37', // §4.2.1.12
  nameConstraints: NAME_CONSTRAINTS_OID, // §4.2.1.10
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

// KeyUsage bit positions, RFC 5280 §4.2.1.3
const KU_DIGITAL_SIGNATURE = 0;
const KU_KEY_CERT_SIGN = 5;
const KU_CRL_SIGN = 6;

// ---------------------------------------------------------------------------------------------------------------
// Pieces.

/** ub-common-name (RFC 5280 Appendix A.1): at most 64 characters. */
export const MAX_COMMON_NAME = 64;

/** Why `name` cannot be a subject common name, or undefined when it can. */
export function commonNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the common name is empty';
  if ([...name].length > MAX_COMMON_NAME) return `a common name is at most ${MAX_COMMON_NAME} characters`;
  // control characters would reach logs and terminals through every tool that prints the subject
  if (/[\x00-\x1f\x7f]/.test(name)) return 'a common name cannot contain control characters';
  if (!name.isWellFormed()) return 'the common name is not well-formed Unicode';
  return undefined;
}

function checkCommonName(name: string): void {
  const problem = commonNameProblem(name);
  if (problem) throw new RangeError(problem);
}

/** Name: one RDN holding the CN, as UTF8String (RFC 5280 §4.1.2.4: UTF8String or PrintableString), and, for a
 *  factory unit, a second RDN with the device's serialNumber (X.520: PrintableString only). */
function encodeName(commonName: string, serialNumber?: string): Buffer {
  const cn = derSet(derSequence(derOid(OID.commonName), derUtf8String(commonName)));
  if (serialNumber === undefined) return derSequence(cn);
  return derSequence(cn, derSet(derSequence(derOid(OID.serialNumber), derPrintableString(serialNumber))));
}

const signatureAlgorithm = (): Buffer => derSequence(derOid(OID.ecdsaWithSha256)); // parameters absent, RFC 5758 §3.2

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  // RFC 5280 §4.1: critical BOOLEAN DEFAULT FALSE, so DER leaves out a false one (X.690 §11.5)
  return critical ? derSequence(derOid(oid), derBoolean(true), derOctetString(value)) : derSequence(derOid(oid), derOctetString(value));
}

/** The subjectPublicKey BIT STRING's bytes inside a SubjectPublicKeyInfo. */
function subjectPublicKeyBits(spki: Buffer): Buffer {
  const [, key] = readSequence(decodeDer(spki));
  if (!key) throw new RangeError('SubjectPublicKeyInfo without a key');
  return readBitString(key).bytes;
}

/**
 * Key identifier per RFC 7093 §2 method 1: the leftmost 160 bits of the SHA-256 of the subjectPublicKey bits
 * (RFC 5280 §4.2.1.2 allows any method; this one does not need SHA-1).
 */
export const keyIdentifier = (spki: Buffer): Buffer => createHash('sha256').update(subjectPublicKeyBits(spki)).digest().subarray(0, 20);

/** A random positive 128-bit serial number (RFC 5280 §4.1.2.2: positive, unique, at most 20 octets). */
function randomSerial(): Buffer {
  for (;;) {
    const bytes = randomBytes(16);
    let start = 0;
    while (start < bytes.length && bytes[start] === 0) start++;
    if (start < bytes.length) return bytes.subarray(start);
  }
}

function newKeyPair(): { privateKey: KeyObject; spki: Buffer } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, spki: publicKey.export({ type: 'spki', format: 'der' }) };
}

interface TbsInput {
  readonly serial: Buffer;
  readonly issuerName: Buffer;
  readonly subjectName: Buffer;
  readonly notAfter: Date;
  readonly spki: Buffer;
  readonly extensions: readonly Buffer[];
}

function signCertificate(tbs: TbsInput, issuerKey: KeyObject): Buffer {
  const tbsDer = derSequence(
    derExplicit(0, derInteger(2)), // version v3 (RFC 5280 §4.1.2.1)
    derInteger(tbs.serial),
    signatureAlgorithm(),
    tbs.issuerName,
    derSequence(derTime(NOT_BEFORE), derTime(tbs.notAfter)),
    tbs.subjectName,
    tbs.spki,
    derExplicit(3, derSequence(...tbs.extensions)),
  );
  // crypto.sign with an EC key yields the DER Ecdsa-Sig-Value that RFC 5480 §2.2 / RFC 5758 §3.2 want in the BIT STRING
  const signature = sign('sha256', tbsDer, { key: issuerKey, dsaEncoding: 'der' });
  return derSequence(tbsDer, signatureAlgorithm(), derBitString(signature));
}

function issued(certDer: Buffer, privateKey: KeyObject, serial: Buffer, notAfter: Date): IssuedCertificate {
  return {
    certPem: toPem('CERTIFICATE', certDer),
    certDer,
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    serialHex: serial.toString('hex').toUpperCase(),
    notBefore: NOT_BEFORE,
    notAfter,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The CA.

export interface CaOptions {
  readonly commonName: string;
  /** The clock when issuing (default: the system clock), which may be wrong; see "Validity". */
  readonly now?: Date;
  /** Overrides the default max(now + 25 years, 2050-01-01). */
  readonly notAfter?: Date;
  /** basicConstraints pathLenConstraint (RFC 5280 §4.2.1.9): 0 (the default) signs end entities only; a factory
   *  root is 1, to sign the one product intermediate below it. */
  readonly pathLength?: number;
  /**
   * The only names the CA may vouch for (RFC 5280 §4.2.1.10 permittedSubtrees): each DNS name with the names
   * below it, each address exactly (/32, /128). Without it the CA is unconstrained, as the factory's are.
   */
  readonly permitted?: { readonly dnsNames: readonly string[]; readonly ipAddresses: readonly string[] };
}

/** A self-signed root for the local PKI (RFC 5280 §4.2.1.9, §4.2.1.3: a CA that signs certificates only). */
export function createCa(options: CaOptions): IssuedCertificate {
  checkCommonName(options.commonName);
  const notAfter = options.notAfter
    ? checkExplicitNotAfter(options.notAfter, LATEST, 'the latest encodable date')
    : defaultNotAfter(options.now ?? new Date(), CA_YEARS, CA_NOT_AFTER_FLOOR);
  const { privateKey, spki } = newKeyPair();
  const name = encodeName(options.commonName);
  const serial = randomSerial();
  const certDer = signCertificate({
    serial,
    issuerName: name,
    subjectName: name,
    notAfter,
    spki,
    extensions: [
      // cA TRUE, pathLenConstraint 0 by default: this CA signs end-entity certificates only, never another CA
      extension(OID.basicConstraints, true, derSequence(derBoolean(true), derInteger(options.pathLength ?? 0))),
      extension(OID.keyUsage, true, derNamedBits([KU_KEY_CERT_SIGN, KU_CRL_SIGN])),
      // §4.2.1.2: a CA MUST have a subject key identifier; §4.2.1.1 lets a self-signed one skip the authority's
      extension(OID.subjectKeyIdentifier, false, derOctetString(keyIdentifier(spki))),
      // §4.2.1.10: "Conforming CAs MUST mark this extension as critical", so a verifier that cannot apply it refuses
      ...(options.permitted ? [extension(OID.nameConstraints, true, encodeNameConstraints(permittedSubtrees(options.permitted)))] : []),
    ],
  }, privateKey);
  return issued(certDer, privateKey, serial, notAfter);
}

function permittedSubtrees(p: NonNullable<CaOptions['permitted']>): PermittedSubtrees {
  return {
    dnsNames: [...new Set(p.dnsNames.map(normalizeDnsName))],
    ipRanges: [...new Set(p.ipAddresses.map((ip) => ipFromBytes(ipToBytes(ip))))].map(hostRange),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Issuing under a CA.

interface LoadedCa {
  readonly key: KeyObject;
  readonly subjectName: Buffer;
  readonly keyId: Buffer;
  readonly notAfter: Date;
  readonly nameConstraints: NameConstraints | undefined;
}

/** The CA's subject Name (byte for byte, RFC 5280 §7.1 name chaining), subjectKeyIdentifier and name
 *  constraints, from its DER. */
function caFields(certDer: Buffer): { subjectName: Buffer; keyId: Buffer | undefined; nameConstraints: NameConstraints | undefined } {
  const [tbs] = readSequence(decodeDer(certDer));
  if (!tbs) throw new RangeError('the CA certificate has no TBSCertificate');
  const fields = readSequence(tbs);
  const offset = fields[0] && isContext(fields[0], 0) ? 1 : 0; // version is optional (v1)
  const subject = fields[offset + 4];
  if (!subject) throw new RangeError('the CA certificate has no subject');
  let keyId: Buffer | undefined;
  let nameConstraints: NameConstraints | undefined;
  const extensions = fields.find((f) => isContext(f, 3));
  for (const ext of extensions ? readSequence(readExplicit(extensions, 3)) : []) {
    const parts = readSequence(ext);
    if (parts[0] && readOid(parts[0]) === OID.subjectKeyIdentifier) {
      keyId = readOctetString(decodeDer(readOctetString(parts[parts.length - 1]!)));
    }
    if (parts[0] && readOid(parts[0]) === OID.nameConstraints) nameConstraints = decodeNameConstraints(readOctetString(parts[parts.length - 1]!));
  }
  return { subjectName: subject.encoded, keyId, nameConstraints };
}

/** A CA certificate's NameConstraints extension (RFC 5280 §4.2.1.10), or undefined when it has none. */
export const caNameConstraints = (certPem: string): NameConstraints | undefined => caFields(new X509Certificate(certPem).raw).nameConstraints;

function loadCa(ca: CertificateAuthority): LoadedCa {
  const cert = new X509Certificate(ca.certPem);
  const key = createPrivateKey(ca.keyPem);
  if (!cert.ca) throw new RangeError(`${cert.subject.replace(/\n/g, ', ')} is not a CA certificate (basicConstraints cA is not TRUE)`);
  if (!cert.checkPrivateKey(key)) throw new RangeError("the CA's private key does not belong to its certificate");
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new RangeError('the CA key must be ECDSA P-256 (signatures here are ecdsa-with-SHA256)');
  }
  const { subjectName, keyId, nameConstraints } = caFields(cert.raw);
  const caSpki = cert.publicKey.export({ type: 'spki', format: 'der' });
  // §4.2.1.1: the authority key identifier is the CA's subject key identifier; computing it is only the fallback
  return { key, subjectName, keyId: keyId ?? keyIdentifier(caSpki), notAfter: cert.validToDate, nameConstraints };
}

interface LeafOptions {
  readonly commonName: string;
  /** the subject's serialNumber attribute (a factory unit's serial; PrintableString characters) */
  readonly subjectSerialNumber?: string;
  readonly now?: Date;
  /** Overrides the default max(now + 10 years, 2035-01-01), cut to the CA's notAfter. */
  readonly notAfter?: Date;
}

function issueLeaf(
  ca: CertificateAuthority, options: LeafOptions, purposes: readonly string[], more: readonly Buffer[], sans: Omit<CertificateNames, 'commonName'>,
): IssuedCertificate {
  return issueUnder(ca, options, sans, [
    extension(OID.basicConstraints, true, derSequence()), // cA FALSE (the DEFAULT, so empty in DER)
    extension(OID.keyUsage, true, derNamedBits([KU_DIGITAL_SIGNATURE])), // ECDHE-ECDSA signs only
    extension(OID.extKeyUsage, false, derSequence(...purposes.map((p) => derOid(p)))),
    ...more,
  ]);
}

/** A certificate signed by `ca` with the given extensions before the key identifiers; `sans` are the names its
 *  subjectAltName carries, checked against the CA's name constraints. */
function issueUnder(ca: CertificateAuthority, options: LeafOptions, sans: Omit<CertificateNames, 'commonName'>, leading: readonly Buffer[]): IssuedCertificate {
  checkCommonName(options.commonName);
  const authority = loadCa(ca);
  checkWithinConstraints(authority.nameConstraints, { commonName: options.commonName, ...sans });
  const now = options.now ?? new Date();
  // an expired CA only makes certificates nobody accepts; say so instead (the caller renews the CA)
  if (now.getTime() > authority.notAfter.getTime()) throw new RangeError(`the CA expired on ${authority.notAfter.toISOString()}`);
  const notAfter = options.notAfter
    ? checkExplicitNotAfter(options.notAfter, authority.notAfter, "the CA's notAfter")
    : new Date(Math.min(defaultNotAfter(now, LEAF_YEARS, LEAF_NOT_AFTER_FLOOR).getTime(), authority.notAfter.getTime()));
  const { privateKey, spki } = newKeyPair();
  const serial = randomSerial();
  const certDer = signCertificate({
    serial,
    issuerName: authority.subjectName,
    subjectName: encodeName(options.commonName, options.subjectSerialNumber),
    notAfter,
    spki,
    extensions: [
      ...leading,
      extension(OID.subjectKeyIdentifier, false, derOctetString(keyIdentifier(spki))),
      // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING }
      extension(OID.authorityKeyIdentifier, false, derSequence(derTlv('context', false, 0, authority.keyId))),
    ],
  }, authority.key);
  return issued(certDer, privateKey, serial, notAfter);
}

/**
 * Refuses to sign a name the CA's permitted subtrees do not cover (RFC 5280 §4.2.1.10): every verifier would refuse
 * the certificate, and a CA key that signs outside its constraints is one that would vouch for someone else if a
 * verifier ever skipped them.
 */
function checkWithinConstraints(nc: NameConstraints | undefined, names: CertificateNames): void {
  if (nc === undefined) return;
  // a constraint of a kind walnut cannot check (it never writes one) could refuse any name: do not guess
  if (nc.otherPermittedTypes.length > 0 || nc.hasExcluded) throw new RangeError('the CA has name constraints walnut cannot check (excluded subtrees or other name types)');
  if (nc.permitted === undefined) return;
  const outside = namesOutside(nc.permitted, names);
  if (outside.length === 0) return;
  const cnOnly = outside.length === 1 && outside[0] === names.commonName && !names.dnsNames.includes(names.commonName);
  throw new RangeError(
    `the CA may only vouch for ${describePermitted(nc.permitted)} (its name constraints), not for ${outside.map((n) => JSON.stringify(n)).join(', ')}` +
      (cnOnly ? '; OpenSSL checks a common name with dots as a DNS name, so use one without, e.g. ' + JSON.stringify(names.commonName.replace(/\./g, '-')) : ''),
  );
}

/** RFC 1034 §3.5 preferred name syntax (what RFC 5280 §4.2.1.6 wants in a dNSName), at most 253 octets. */
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

export function normalizeDnsName(name: string): string {
  const lower = name.toLowerCase().replace(/\.$/, '');
  if (!DNS_NAME.test(lower)) throw new RangeError(`${JSON.stringify(name)} is not a DNS host name`);
  return lower;
}

export interface ServerCertificateOptions extends LeafOptions {
  /** also clientAuth in the extended key usage (RFC 5280 §4.2.1.12): a factory unit's identity serves both ways */
  readonly clientAuth?: boolean;
  /** DNS names for the subjectAltName (e.g. the hostname and hostname.local); clients check these, not the CN. */
  readonly dnsNames: readonly string[];
  /** IPv4/IPv6 addresses for the subjectAltName. */
  readonly ipAddresses: readonly string[];
}

/** The device's TLS server certificate. At least one DNS name or address is needed (a SAN cannot be empty). */
export function issueServerCertificate(ca: CertificateAuthority, options: ServerCertificateOptions): IssuedCertificate {
  const dns = [...new Set(options.dnsNames.map(normalizeDnsName))];
  const ips = [...new Set(options.ipAddresses.map((ip) => ipFromBytes(ipToBytes(ip))))];
  if (dns.length + ips.length === 0) throw new RangeError('a server certificate needs at least one DNS name or IP address');
  // GeneralName: dNSName [2] IMPLICIT IA5String, iPAddress [7] IMPLICIT OCTET STRING (RFC 5280 §4.2.1.6)
  const names = [
    ...dns.map((d) => derTlv('context', false, 2, Buffer.from(d, 'ascii'))), // ASCII: checked by normalizeDnsName
    ...ips.map((ip) => derTlv('context', false, 7, ipToBytes(ip))),
  ];
  // §4.2.1.6: critical only when the subject is empty; ours has a CN
  const purposes = options.clientAuth ? [OID.serverAuth, OID.clientAuth] : [OID.serverAuth];
  return issueLeaf(ca, options, purposes, [extension(OID.subjectAltName, false, derSequence(...names))], { dnsNames: dns, ipAddresses: ips });
}

export type ClientCertificateOptions = LeafOptions;

/** A TLS client certificate whose subject CN is the user/client name walnut maps it to. */
export function issueClientCertificate(ca: CertificateAuthority, options: ClientCertificateOptions): IssuedCertificate {
  return issueLeaf(ca, options, [OID.clientAuth], [], { dnsNames: [], ipAddresses: [] });
}

export interface IntermediateCaOptions extends LeafOptions {
  /** basicConstraints pathLenConstraint; 0: it signs end entities only */
  readonly pathLength: number;
}

/**
 * A CA certificate signed by `ca` (RFC 5280 §4.2.1.9: cA TRUE with its path length; §4.2.1.3: keyCertSign and
 * cRLSign only), such as the factory's product intermediate under its root. notAfter defaults like a leaf's but
 * from the CA term: max(now + 25 years, 2050-01-01), cut to the issuer's.
 */
export function issueIntermediateCa(ca: CertificateAuthority, options: IntermediateCaOptions): IssuedCertificate {
  const issuerNotAfter = new X509Certificate(ca.certPem).validToDate.getTime();
  const notAfter = options.notAfter ?? new Date(Math.min(defaultNotAfter(options.now ?? new Date(), CA_YEARS, CA_NOT_AFTER_FLOOR).getTime(), issuerNotAfter));
  // its subject is a directoryName, and walnut never constrains those: nothing for the name check to see
  return issueUnder(ca, { ...options, notAfter }, { dnsNames: [], ipAddresses: [] }, [
    extension(OID.basicConstraints, true, derSequence(derBoolean(true), derInteger(options.pathLength))),
    extension(OID.keyUsage, true, derNamedBits([KU_KEY_CERT_SIGN, KU_CRL_SIGN])),
  ]);
}
