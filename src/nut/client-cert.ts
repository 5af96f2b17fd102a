// The client certificate check after a STARTTLS handshake (docs/nut-compat.md, "client certificates").
import type { X509Certificate } from 'node:crypto';
import type * as tls from 'node:tls';
import type { NutTlsOptions } from './server-types.ts';
import { clean } from '../util/log.ts';

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/**
 * Why a presented client certificate is not acceptable, or undefined. Checked here rather than by the TLS
 * layer: a TLSSocket made over an accepted socket (STARTTLS) gets no verdict of its own, and each reason belongs
 * in the log. Issued and signed by the CA, inside its validity, meant for client authentication.
 */
export function clientCertificateProblem(cert: X509Certificate | undefined, ca: X509Certificate, now = new Date()): string | undefined {
  if (!cert) return 'unreadable';
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return "not issued by walnut's CA";
  if (now < cert.validFromDate || now > cert.validToDate) return `outside its validity (${cert.validFrom} to ${cert.validTo})`;
  const usage = cert.keyUsage;
  if (usage && usage.length > 0 && !usage.includes(CLIENT_AUTH)) return 'not a client certificate (extended key usage)';
  return undefined;
}

/** The tls.clientCertificates policy on a finished handshake: why it is refused, or which certificate (name and
 *  serial) was accepted; neither when no certificate was asked for or none was presented and none is needed. */
export function judgePeerCertificate(
  secure: tls.TLSSocket,
  options: NutTlsOptions,
): { refused?: string; accepted?: string } {
  if (options.clientCertificates === 'off') return {};
  const cert = secure.getPeerCertificate();
  const presented = cert !== null && Object.keys(cert).length > 0;
  if (!presented) {
    return options.clientCertificates === 'require' ? { refused: 'none presented (tls.clientCertificates is require)' } : {};
  }
  const cn = cert.subject?.CN;
  const name = clean((Array.isArray(cn) ? cn[0] : cn) ?? '?', 64);
  const why = clientCertificateProblem(secure.getPeerX509Certificate(), options.clientCa);
  if (why) return { refused: `${name}: ${why}` };
  if (options.isRevoked?.(cert.serialNumber.toUpperCase())) return { refused: `${name}: serial ${cert.serialNumber} is revoked` };
  return { accepted: `${name} (serial ${cert.serialNumber})` };
}
