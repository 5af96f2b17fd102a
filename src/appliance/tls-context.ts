// The unit's TLS identity as the NUT server's TLS context (README "TLS"): TLS 1.2 minimum, AEAD only, client
// certificates checked against the unit's CA, and a daily look at the certificate's expiry.
import * as tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import type { WalnutConfig } from '../config/config.ts';
import type { NutTlsOptions } from '../nut/server.ts';
import { loadIdentity } from '../tls/identity.ts';
import { logger } from '../util/log.ts';

const log = logger('walnut');

/** TLS 1.2 suites: forward-secret AEAD only (TLS 1.3's are all AEAD); ECDSA for the local identity, RSA for a
 *  factory one. */
const AEAD_TLS12 = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** The unit's identity as a server TLS context: TLS 1.2 minimum, AEAD only, client certificates from its CA. */
/** The identity's key and chain as options any Node TLS server takes (the web server, which cannot take a
 *  SecureContext: a TLS server builds its own from these). */
export interface ServerTlsOptions {
  key: string;
  cert: string;
  minVersion: 'TLSv1.2';
  ciphers: string;
  honorCipherOrder: true;
}

export function tlsFor(config: WalnutConfig): { options: NutTlsOptions; server: ServerTlsOptions; caPem: string; notAfter: Date; stop: () => void } {
  const identity = loadIdentity(config.dataDir, config.tls.factory);
  if (identity.selfIssued) {
    log.info(`TLS identity self-issued by this unit's own CA (clients pin it: walnut ca export); names ${identity.names.join(', ')}`);
  } else {
    log.info(`TLS identity from the factory bundle; names ${identity.names.join(', ')}`);
  }
  // once per start: an unconstrained CA from before issue 15, or a host name the CA does not cover (identity.ts)
  for (const warning of identity.warnings) log.warn(`TLS: ${warning}`);
  // watched at start and daily after: a certificate that runs out locks every CERTVERIFY client out
  const checkExpiry = (): void => {
    const days = Math.floor((identity.notAfter.getTime() - Date.now()) / 86_400_000);
    if (days < 30) log.warn(`TLS certificate expires ${identity.notAfter.toISOString()} (${days} days)`);
  };
  checkExpiry();
  const timer = setInterval(checkExpiry, 86_400_000);
  timer.unref();
  const server: ServerTlsOptions = { key: identity.keyPem, cert: identity.certChainPem, minVersion: 'TLSv1.2', ciphers: AEAD_TLS12, honorCipherOrder: true };
  const secureContext = tls.createSecureContext({ ...server, ca: identity.caPem });
  return {
    options: {
      secureContext,
      clientCa: new X509Certificate(identity.caPem),
      clientCertificates: config.tls.clientCertificates,
      handshakeTimeoutMs: config.tls.handshakeTimeoutSeconds * 1000,
    },
    server,
    caPem: identity.caPem,
    notAfter: identity.notAfter,
    stop: () => clearInterval(timer),
  };
}

