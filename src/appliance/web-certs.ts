// Client certificates issued from the setup page (issue 16), as `walnut client-cert issue` makes them
// (src/cli/client-cert.ts): the same store, the same PEM order, the same PKCS#12 nicknames. The CA key is read from
// the data folder at each issue and dropped after, so it stays in memory no longer than one request needs.
import type { WalnutConfig } from '../config/config.ts';
import type { ClientCertStore } from '../tls/client-certs.ts';
import { loadIdentity } from '../tls/identity.ts';
import { inspectCertificate } from '../tls/inspect.ts';
import { fromPem, toPem } from '../tls/pem.ts';
import { writePkcs12 } from '../tls/pkcs12.ts';
import type { CertificateIssuer, IssuedForPage } from '../web/routes-users.ts';

export function certificateIssuer(config: WalnutConfig, store: ClientCertStore): CertificateIssuer {
  return {
    list: () => store.list(),
    issue: (name, password) => {
      if (config.tls.factory !== undefined) return undefined;
      const identity = loadIdentity(config.dataDir, config.tls.factory);
      if (identity.caKeyPem === undefined) return undefined;
      const caDers = fromPem(identity.caPem, 'CERTIFICATE');
      const caNickname = inspectCertificate(caDers[0]!).subjectCommonName ?? 'walnut CA';
      let out: IssuedForPage | undefined;
      store.issue({ certPem: identity.caPem, keyPem: identity.caKeyPem }, name, {
        deliver: (c) => {
          // NUT's CERTFILE order (upsmon.conf(5)): the certificate, its CA chain, then the private key
          const pem = c.certPem + caDers.map((d) => toPem('CERTIFICATE', d)).join('') + c.keyPem;
          const p12 = writePkcs12({ cert: c.certDer, keyPem: c.keyPem, caCerts: caDers, password, friendlyName: name, caFriendlyName: caNickname });
          out = { serialHex: c.serialHex, notAfter: c.notAfter, pem, p12 };
        },
      });
      return out;
    },
    revoke: (serial, reason) => {
      // by serial only: the store would fall back to every certificate of a name, which the page never means
      const found = store.find(serial);
      if (!found) return undefined;
      const r = store.revoke(found.serialHex, reason === undefined ? {} : { reason });
      return r.found ? r.revoked : undefined;
    },
  };
}
