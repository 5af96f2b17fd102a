// Writes a password-protected PKCS#12 (PFX, RFC 7292) file holding a client certificate, its private key and the
// CA certificate, for NSS's `pk12util -i` (upsmon keeps its certificates in an NSS database) and `openssl pkcs12`.
// It uses what OpenSSL 3 writes by default, which both read: the key in a pkcs8ShroudedKeyBag and the certificates
// in an EncryptedData, both with PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC; RFC 8018 §6.2), and an HMAC-SHA256
// integrity MAC keyed by the PKCS#12 KDF (RFC 7292 §5, Appendix B).
import { createCipheriv, createHash, createHmac, createPrivateKey, pbkdf2Sync, randomBytes, X509Certificate } from 'node:crypto';
import {
  derBmpString, derExplicit, derInteger, derNull, derOctetString, derOid, derSequence, derSet, derTlv,
} from './der-encode.ts';

const OID = {
  data: '1.2.840.113549.1.7.1', // PKCS#7 data (RFC 2315 §8)
  encryptedData: '1.2.840.113549.1.7.6', // RFC 2315 §13
  pkcs8ShroudedKeyBag: '1.2.840.113549.1.12.10.1.2', // RFC 7292 §4.2.2
  certBag: '1.2.840.113549.1.12.10.1.3', // RFC 7292 §4.2.3
  x509Certificate: '1.2.840.113549.1.9.22.1', // RFC 7292 §4.2.3 certTypes
  friendlyName: '1.2.840.113549.1.9.20', // PKCS#9 (RFC 2985 §5.5.1)
  localKeyId: '1.2.840.113549.1.9.21', // RFC 2985 §5.5.2
  pbes2: '1.2.840.113549.1.5.13', // RFC 8018 Appendix A.4
  pbkdf2: '1.2.840.113549.1.5.12', // RFC 8018 Appendix A.2
  hmacWithSha256: '1.2.840.113549.2.9', // RFC 8018 Appendix B.1.2
  aes256Cbc: '2.16.840.1.101.3.4.1.42', // RFC 3565 §4.1
  sha256: '2.16.840.1.101.3.4.2.1', // RFC 5754 §2.2
} as const;

/**
 * PBKDF2 and MAC iterations when the caller gives none. Both must be equally costly: a cheap MAC would let an
 * attacker test passwords against the MAC and skip PBKDF2. OpenSSL 3 uses 2048 for both, which is weak for a file
 * that leaves the box; 100,000 takes about 0.1 s per derivation on x86-64 (a few times that on an arm64 board).
 */
export const DEFAULT_ITERATIONS = 100_000;

export interface Pkcs12Input {
  /** The client certificate (PEM or DER). */
  readonly cert: string | Buffer;
  /** Its private key (PEM, any form node:crypto reads). Secret: never logged. */
  readonly keyPem: string;
  /** CA certificates to carry along (PEM or DER), e.g. walnut's CA so the importer can build the chain. */
  readonly caCerts: readonly (string | Buffer)[];
  /** Protects the key, the certificates and the MAC. Secret: never logged. */
  readonly password: string;
  /** The friendlyName of the key and certificate: NSS makes it the nickname, which upsmon.conf's CERTIDENT names. */
  readonly friendlyName: string;
  /** friendlyName for the CA certificates (NSS nickname); left out when absent. */
  readonly caFriendlyName?: string;
  /** PBKDF2 and MAC iteration count (default {@link DEFAULT_ITERATIONS}). */
  readonly iterations?: number;
}

/**
 * The PKCS#12 KDF (RFC 7292 Appendix B.2) with SHA-256 (u = 32, v = 64 bytes). The MAC key uses it with ID 3
 * (Appendix B.3). The password is a BMPString with its two-zero-byte terminator (Appendix B.1), i.e. UTF-16BE.
 */
export function pkcs12Kdf(password: string, salt: Buffer, id: number, iterations: number, length: number): Buffer {
  const u = 32;
  const v = 64;
  const pw = Buffer.concat([Buffer.from(password, 'utf16le').swap16(), Buffer.alloc(2)]);
  const fill = (src: Buffer): Buffer => {
    const out = Buffer.alloc(v * Math.ceil(src.length / v));
    for (let i = 0; i < out.length; i++) out[i] = src[i % src.length]!;
    return out;
  };
  const D = Buffer.alloc(v, id);
  const I = Buffer.concat([fill(salt), fill(pw)]);
  const out: Buffer[] = [];
  for (let produced = 0; produced < length; produced += u) {
    let A = createHash('sha256').update(D).update(I).digest();
    for (let r = 1; r < iterations; r++) A = createHash('sha256').update(A).digest();
    out.push(A);
    // I_j = (I_j + B + 1) mod 2^(8v) for every v-byte block, B being A repeated to v bytes
    const B = fill(A);
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = I[j + k]! + B[k]! + carry;
        I[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(out).subarray(0, length);
}

/** PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC: the AlgorithmIdentifier and the ciphertext (RFC 8018 §6.2.1). */
function pbes2Encrypt(plaintext: Buffer, password: string, iterations: number): { algorithm: Buffer; ciphertext: Buffer } {
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  // RFC 8018 leaves the password's encoding to the application; OpenSSL and NSS both use its UTF-8 bytes for PBES2
  // inside PKCS#12 (the BMPString form is only for the PKCS#12 KDF)
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const cipher = createCipheriv('aes-256-cbc', key, iv); // PKCS#7 padding, as RFC 8018 §6.2.1 step 4 wants
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  key.fill(0);
  const algorithm = derSequence(
    derOid(OID.pbes2),
    derSequence(
      // PBKDF2-params: keyLength left out (AES-256 fixes it), prf hmacWithSHA256 (not the SHA-1 DEFAULT)
      derSequence(derOid(OID.pbkdf2), derSequence(derOctetString(salt), derInteger(iterations), derSequence(derOid(OID.hmacWithSha256), derNull()))),
      derSequence(derOid(OID.aes256Cbc), derOctetString(iv)),
    ),
  );
  return { algorithm, ciphertext };
}

/** SafeBag (RFC 7292 §4.2) with its bagAttributes SET, when there are any. */
function safeBag(bagId: string, value: Buffer, attributes: readonly Buffer[]): Buffer {
  return attributes.length === 0
    ? derSequence(derOid(bagId), derExplicit(0, value))
    : derSequence(derOid(bagId), derExplicit(0, value), derSet(...attributes));
}

const attribute = (oid: string, value: Buffer): Buffer => derSequence(derOid(oid), derSet(value));

/** CertBag with an X.509 certificate (RFC 7292 §4.2.3): certValue [0] EXPLICIT OCTET STRING of the DER. */
const certBag = (der: Buffer, attributes: readonly Buffer[]): Buffer =>
  safeBag(OID.certBag, derSequence(derOid(OID.x509Certificate), derExplicit(0, derOctetString(der))), attributes);

/** ContentInfo of type data: content [0] EXPLICIT OCTET STRING (RFC 2315 §7, §8). */
const dataContentInfo = (content: Buffer): Buffer => derSequence(derOid(OID.data), derExplicit(0, derOctetString(content)));

function checkIterations(n: number): number {
  if (!Number.isSafeInteger(n) || n < 1 || n > 10_000_000) throw new RangeError(`iteration count ${n} is not 1..10,000,000`);
  return n;
}

/** The DER of a PKCS#12 file (RFC 7292 §4) with the client key, its certificate and the CA certificates. */
export function writePkcs12(input: Pkcs12Input): Buffer {
  if (input.password.length === 0) throw new RangeError('a PKCS#12 password cannot be empty');
  if (!input.password.isWellFormed()) throw new RangeError('the PKCS#12 password is not well-formed Unicode');
  if (input.friendlyName.length === 0) throw new RangeError('the friendlyName (NSS nickname) cannot be empty');
  const iterations = checkIterations(input.iterations ?? DEFAULT_ITERATIONS);
  const cert = new X509Certificate(input.cert);
  const key = createPrivateKey(input.keyPem);
  if (!cert.checkPrivateKey(key)) throw new RangeError('the private key does not belong to the certificate');
  const caDers = input.caCerts.map((c) => new X509Certificate(c).raw);

  // localKeyId pairs the key with its certificate (RFC 7292 §4.2 attributes; RFC 2985 §5.5.2). OpenSSL uses the
  // SHA-1 of the certificate; it is an identifier here, not a security function, and NSS matches on it as well.
  const localKeyId = attribute(OID.localKeyId, derOctetString(createHash('sha1').update(cert.raw).digest()));
  const ownAttributes = [attribute(OID.friendlyName, derBmpString(input.friendlyName)), localKeyId];
  const caAttributes = input.caFriendlyName ? [attribute(OID.friendlyName, derBmpString(input.caFriendlyName))] : [];

  // The certificates: SafeContents in an EncryptedData (RFC 2315 §13; version 0), as OpenSSL writes them.
  const certContents = derSequence(certBag(cert.raw, ownAttributes), ...caDers.map((der) => certBag(der, caAttributes)));
  const certs = pbes2Encrypt(certContents, input.password, iterations);
  const encryptedCerts = derSequence(
    derOid(OID.encryptedData),
    derExplicit(0, derSequence(
      derInteger(0),
      // EncryptedContentInfo: encryptedContent [0] IMPLICIT OCTET STRING (primitive)
      derSequence(derOid(OID.data), certs.algorithm, derTlv('context', false, 0, certs.ciphertext)),
    )),
  );

  // The key: EncryptedPrivateKeyInfo (RFC 5958 §3) of the PKCS#8 PrivateKeyInfo, in a SafeContents of type data.
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  const shrouded = pbes2Encrypt(pkcs8, input.password, iterations);
  pkcs8.fill(0);
  const keyContents = derSequence(safeBag(OID.pkcs8ShroudedKeyBag, derSequence(shrouded.algorithm, derOctetString(shrouded.ciphertext)), ownAttributes));

  const authenticatedSafe = derSequence(encryptedCerts, dataContentInfo(keyContents));

  // MacData (RFC 7292 §4): HMAC-SHA256 over the authSafe content octets, key from the PKCS#12 KDF with ID 3
  const macSalt = randomBytes(16);
  const macKey = pkcs12Kdf(input.password, macSalt, 3, iterations, 32);
  const mac = createHmac('sha256', macKey).update(authenticatedSafe).digest();
  macKey.fill(0);
  const macData = derSequence(
    derSequence(derSequence(derOid(OID.sha256), derNull()), derOctetString(mac)), // DigestInfo
    derOctetString(macSalt),
    derInteger(iterations),
  );

  return derSequence(derInteger(3), dataContentInfo(authenticatedSafe), macData); // PFX version 3
}
