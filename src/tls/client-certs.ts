// The client certificates walnut's CA issued (`walnut client-cert`), kept in SQLite by serial number: who each
// one was issued to, until when, and whether it was revoked. The NUT server asks isRevoked() on every TLS
// handshake that presents a certificate chaining to walnut's CA, so revoking applies from the next handshake on,
// without a restart or a CRL file. Only metadata is stored: the private key leaves in the files the CLI writes
// and is never kept, and a lost certificate is replaced by issuing another (several may carry the same name).
import type { Db } from '../storage/database.ts';
import { immediate } from '../storage/sqlite.ts';
import { commonNameProblem, issueClientCertificate, type CertificateAuthority, type IssuedCertificate } from './x509.ts';

export interface ClientCertificateRecord {
  /** upper-case hex, as X509Certificate.serialNumber and `openssl x509 -serial` show it */
  readonly serialHex: string;
  /** the subject CN: the client's name */
  readonly commonName: string;
  readonly issuedAt: Date;
  readonly notAfter: Date;
  readonly revokedAt: Date | undefined;
  readonly revokedReason: string | undefined;
}

export type RevokeResult =
  | { readonly found: false }
  | {
      readonly found: true;
      /** how the argument matched: one certificate by its serial, or every certificate with that name */
      readonly by: 'serial' | 'name';
      /** revoked now */
      readonly revoked: readonly ClientCertificateRecord[];
      /** matched, but revoked before (left as they were) */
      readonly alreadyRevoked: readonly ClientCertificateRecord[];
    };

/** Longest revocation reason kept (characters). */
export const MAX_REASON = 200;

/**
 * Why `name` cannot name a client certificate, or undefined when it can: the X.509 common name rules
 * (x509.ts: 1 to 64 characters, no control characters), and two more because the name also names things:
 * no `/` (the CLI writes NAME.pem and NAME.p12), and only characters of the Basic Multilingual Plane (the
 * PKCS#12 friendlyName, which NSS makes the nickname upsmon's CERTIDENT names, is a BMPString).
 */
export function clientNameProblem(name: string): string | undefined {
  const problem = commonNameProblem(name); // the name is the certificate's subject CN
  if (problem) return problem;
  if (name.includes('/')) return 'a name cannot contain "/" (it names the files NAME.pem and NAME.p12)';
  if (/[\ud800-\udfff]/.test(name)) return 'a name can only use characters of the Basic Multilingual Plane (a PKCS#12 friendlyName is UCS-2)';
  return undefined;
}

/**
 * A serial number as the table keys it: upper-case hex without separators or leading zero bytes (what
 * IssuedCertificate.serialHex, X509Certificate.serialNumber and tls getPeerCertificate().serialNumber give).
 * Accepts `openssl`'s forms too ("0a:1b:...", "serial=0A1B", "0x0a1b"). Undefined when it is not one.
 */
export function normalizeSerial(text: string): string | undefined {
  let hex = text.trim().replace(/^serial=/i, '').replace(/^0x/i, '').replace(/:/g, '').toUpperCase();
  if (!/^[0-9A-F]{1,42}$/.test(hex)) return undefined;
  if (hex.length % 2 === 1) hex = '0' + hex;
  while (hex.length > 2 && hex.startsWith('00')) hex = hex.slice(2);
  if (hex === '00' || hex.length > 40) return undefined; // RFC 5280 §4.1.2.2: positive, at most 20 octets
  return hex;
}

interface Row {
  serial: string;
  common_name: string;
  issued_at: number;
  not_after: number;
  revoked_at: number | null;
  revoked_reason: string | null;
}

/** isRevoked's query: one search of the primary key's b-tree (the table is WITHOUT ROWID). */
export const IS_REVOKED_SQL = 'SELECT 1 AS r FROM client_certificates WHERE serial = ? AND revoked_at IS NOT NULL';

const COLUMNS = 'serial, common_name, issued_at, not_after, revoked_at, revoked_reason';

function toRecord(r: Row): ClientCertificateRecord {
  return {
    serialHex: r.serial,
    commonName: r.common_name,
    issuedAt: new Date(r.issued_at),
    notAfter: new Date(r.not_after),
    revokedAt: r.revoked_at === null ? undefined : new Date(r.revoked_at),
    revokedReason: r.revoked_reason ?? undefined,
  };
}

export interface IssueOptions {
  /** the clock (default: the system clock), for issued_at and the certificate's validity */
  readonly now?: Date;
  /**
   * Hands the certificate and its key out (the CLI writes the files). Called after the certificate is recorded;
   * when it throws, the record is deleted again (nobody holds the key) and the error goes to the caller.
   */
  readonly deliver?: (cert: IssuedCertificate) => void;
}

export class ClientCertStore {
  private readonly db: Db;
  private readonly revokedStmt;
  private readonly insertStmt;
  private readonly deleteStmt;
  private readonly bySerialStmt;
  private readonly byNameStmt;
  private readonly listStmt;
  private readonly revokeStmt;

  constructor(db: Db) {
    this.db = db;
    this.revokedStmt = db.prepare<[string], { r: number }>(IS_REVOKED_SQL);
    this.insertStmt = db.prepare<[string, string, number, number]>(
      'INSERT INTO client_certificates (serial, common_name, issued_at, not_after) VALUES (?, ?, ?, ?)',
    );
    this.deleteStmt = db.prepare<[string]>('DELETE FROM client_certificates WHERE serial = ?');
    this.bySerialStmt = db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM client_certificates WHERE serial = ?`);
    this.byNameStmt = db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM client_certificates WHERE common_name = ? ORDER BY issued_at, serial`);
    this.listStmt = db.prepare<[], Row>(`SELECT ${COLUMNS} FROM client_certificates ORDER BY issued_at, serial`);
    this.revokeStmt = db.prepare<[number, string | null, string]>(
      'UPDATE client_certificates SET revoked_at = ?, revoked_reason = ? WHERE serial = ? AND revoked_at IS NULL',
    );
  }

  /**
   * True when the certificate with this serial was issued here and has been revoked. A serial walnut never
   * recorded is not revoked here: the TLS layer's chain check decides about it. Any of normalizeSerial's forms.
   */
  isRevoked(serialHex: string): boolean {
    const serial = normalizeSerial(serialHex);
    return serial !== undefined && this.revokedStmt.get(serial) !== undefined;
  }

  /** Issues a client certificate for `commonName` from `ca` and records its serial (see IssueOptions.deliver). */
  issue(ca: CertificateAuthority, commonName: string, options: IssueOptions = {}): IssuedCertificate {
    const problem = clientNameProblem(commonName);
    if (problem) throw new RangeError(problem);
    const now = options.now ?? new Date();
    const cert = issueClientCertificate(ca, { commonName, now });
    this.insertStmt.run(cert.serialHex, commonName, now.getTime(), cert.notAfter.getTime());
    if (options.deliver) {
      try {
        options.deliver(cert);
      } catch (err) {
        this.deleteStmt.run(cert.serialHex);
        throw err;
      }
    }
    return cert;
  }

  find(serialHex: string): ClientCertificateRecord | undefined {
    const serial = normalizeSerial(serialHex);
    const row = serial === undefined ? undefined : this.bySerialStmt.get(serial);
    return row && toRecord(row);
  }

  /** Every certificate issued, oldest first. */
  list(): ClientCertificateRecord[] {
    return this.listStmt.all().map(toRecord);
  }

  /**
   * Revokes the certificate with this serial or, when no serial matches, every certificate issued to this name.
   * Revoking is final and idempotent: a revoked certificate keeps its first revocation time and reason.
   */
  revoke(serialOrName: string, options: { reason?: string; now?: Date } = {}): RevokeResult {
    const reason = options.reason === undefined || options.reason === '' ? null : options.reason;
    if (reason !== null && [...reason].length > MAX_REASON) throw new RangeError(`a reason is at most ${MAX_REASON} characters`);
    const at = (options.now ?? new Date()).getTime();
    return immediate(this.db, (): RevokeResult => {
      const serial = normalizeSerial(serialOrName);
      const one = serial === undefined ? undefined : this.bySerialStmt.get(serial);
      const rows = one ? [one] : this.byNameStmt.all(serialOrName);
      if (rows.length === 0) return { found: false };
      const revoked: ClientCertificateRecord[] = [];
      const alreadyRevoked: ClientCertificateRecord[] = [];
      for (const row of rows) {
        if (row.revoked_at !== null) alreadyRevoked.push(toRecord(row));
        else {
          this.revokeStmt.run(at, reason, row.serial);
          revoked.push(toRecord({ ...row, revoked_at: at, revoked_reason: reason }));
        }
      }
      return { found: true, by: one ? 'serial' : 'name', revoked, alreadyRevoked };
    });
  }
}
