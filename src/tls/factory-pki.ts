// The factory's PKI (issue 14): an offline root, a product intermediate it signs once, and each unit's identity
// signed by that intermediate. Two levels so that the root's key can stay in a safe: it signs again only to
// replace the intermediate, while the intermediate's key sits on the factory station and signs every unit
// (the CA/Browser Forum Baseline Requirements §6.1.7 keep roots offline in the same way). All keys are ECDSA
// P-256 (x509.ts), what browsers, NSS and OpenSSL accept everywhere.
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { createCa, issueIntermediateCa, issueServerCertificate, type CertificateAuthority, type IssuedCertificate } from './x509.ts';

/** The root lives 40 years (RFC 5280 §4.1.2.5): every unit made under it must verify for its whole service life. */
export const ROOT_YEARS = 40;

/** The factory's root (pathLen 1: the intermediate, then units) and its product intermediate (pathLen 0). */
export function createFactoryCa(options: { product: string; now?: Date }): { root: IssuedCertificate; intermediate: IssuedCertificate } {
  const now = options.now ?? new Date();
  const notAfter = new Date(now.getTime());
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + ROOT_YEARS);
  const root = createCa({ commonName: `${options.product} factory root CA`, now, notAfter, pathLength: 1 });
  const intermediate = issueIntermediateCa(root, { commonName: `${options.product} unit CA`, now, pathLength: 0 });
  return { root, intermediate };
}

/**
 * A unit's certificate: subject CN and serialNumber both its serial, SANs its default host names, serverAuth
 * (the NUT server's STARTTLS) and clientAuth (the unit as a client of its peers). It lives as long as the
 * intermediate: a factory identity is never renewed in the field, so a shorter term would only end a working unit.
 */
export function issueUnitCertificate(intermediate: CertificateAuthority, unit: { serial: string; hostNames: readonly string[]; now?: Date }): IssuedCertificate {
  const notAfter = new X509Certificate(intermediate.certPem).validToDate;
  return issueServerCertificate(intermediate, {
    commonName: unit.serial,
    subjectSerialNumber: unit.serial,
    dnsNames: unit.hostNames,
    ipAddresses: [],
    clientAuth: true,
    notAfter,
    ...(unit.now ? { now: unit.now } : {}),
  });
}

/** SHA-256 of a certificate's DER: the fingerprint labels and manifests carry, and `walnut claim --qr` pins. */
export const certificateFingerprint = (certDer: Uint8Array): Buffer => createHash('sha256').update(certDer).digest();

/**
 * The key as PKCS#8 EncryptedPrivateKeyInfo PEM (RFC 5958 §3), PBES2 with AES-256-CBC (RFC 8018 §6.2) as
 * OpenSSL writes it for node:crypto; `openssl pkey -in FILE` asks for the passphrase and reads it back.
 */
export function encryptPrivateKey(keyPem: string, passphrase: Buffer): string {
  return createPrivateKey(keyPem).export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase }).toString();
}

/** Why `intermediate` cannot sign units under `rootPem`, or undefined: its key must parse and be its
 *  certificate's, the certificate must be a CA signed by the root (RFC 5280 §6.1.3 (a)(1), (a)(4)). */
export function intermediateProblem(rootPem: string, intermediate: CertificateAuthority): string | undefined {
  let root: X509Certificate;
  let cert: X509Certificate;
  try {
    root = new X509Certificate(rootPem);
  } catch {
    return 'root.pem is not a certificate';
  }
  try {
    cert = new X509Certificate(intermediate.certPem);
  } catch {
    return 'intermediate.pem is not a certificate';
  }
  let key;
  try {
    key = createPrivateKey(intermediate.keyPem);
  } catch {
    return 'intermediate.key is not a private key (PKCS#8 PEM, unencrypted)';
  }
  if (!cert.checkPrivateKey(key)) return "intermediate.key is not intermediate.pem's key";
  if (!cert.ca) return 'intermediate.pem is not a CA certificate';
  if (!cert.checkIssued(root) || !cert.verify(root.publicKey)) return 'intermediate.pem is not signed by root.pem';
  return undefined;
}
