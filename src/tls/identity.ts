// The unit's TLS identity: a private key and certificate for the NUT server (and later the web page), plus the CA
// that signs client certificates. Two sources, in this order:
//   1. a factory bundle (PEM certificate, key and CA chain at configured paths: the provisioning issue makes it);
//   2. a local CA and device certificate made at first start and kept in <data>/tls/ (keys mode 0600): the
//      identity is then self-issued, and the log says so, because clients must pin walnut's CA
//      (`walnut ca export`) to trust it.
// Files, not SQLite: the CA key must be readable by `walnut client-cert` while the server runs, and PEM files are
// what operators back up and inspect with openssl.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { inspectCertificate } from './inspect.ts';
import { createCa, issueServerCertificate, normalizeDnsName, type CertificateAuthority } from './x509.ts';

export interface TlsIdentity {
  /** PEM: the device certificate, then the chain up to (and including) the CA */
  readonly certChainPem: string;
  readonly keyPem: string;
  /** the CA that issues and verifies client certificates; its key only for a local CA */
  readonly caPem: string;
  readonly caKeyPem: string | undefined;
  readonly selfIssued: boolean;
  readonly notAfter: Date;
  readonly names: readonly string[];
}

export interface FactoryBundle {
  certificate: string;
  key: string;
  ca: string;
}

export class IdentityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdentityError';
  }
}

export const TLS_DIR = 'tls';
const FILES = { caCert: 'ca.pem', caKey: 'ca.key', cert: 'device.pem', key: 'device.key' } as const;

/** The names the device certificate carries: hostname, hostname.local, and every non-internal address. */
export function deviceNames(): { dnsNames: string[]; ipAddresses: string[] } {
  const host = normalizeDnsName(hostname() || 'walnut');
  const dnsNames = [...new Set([host, `${host.split('.')[0]}.local`, 'localhost'])];
  const ipAddresses = new Set(['127.0.0.1', '::1']);
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal && !a.address.startsWith('fe80')) ipAddresses.add(a.address);
  }
  return { dnsNames, ipAddresses: [...ipAddresses] };
}

function writeAtomic(path: string, text: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

/** Loads the factory bundle, or the local identity from the data folder, making it on first start. */
export function loadIdentity(dataDir: string, factory: FactoryBundle | undefined): TlsIdentity {
  if (factory) {
    let certChainPem: string, keyPem: string, caPem: string;
    try {
      certChainPem = readFileSync(factory.certificate, 'utf8');
      keyPem = readFileSync(factory.key, 'utf8');
      caPem = readFileSync(factory.ca, 'utf8');
    } catch (err) {
      throw new IdentityError(`factory TLS bundle: ${(err as Error).message}`);
    }
    const summary = inspectCertificate(certChainPem);
    return {
      certChainPem: certChainPem.includes(caPem.trim()) ? certChainPem : `${certChainPem.trimEnd()}\n${caPem}`,
      keyPem,
      caPem,
      caKeyPem: undefined,
      selfIssued: false,
      notAfter: summary.notAfter,
      names: [...summary.dnsNames, ...summary.ipAddresses],
    };
  }
  const dir = join(dataDir, TLS_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = (f: keyof typeof FILES): string => join(dir, FILES[f]);
  if (!existsSync(path('caCert')) || !existsSync(path('caKey'))) {
    const ca = createCa({ commonName: `walnut ${normalizeDnsName(hostname() || 'walnut')} CA` });
    writeAtomic(path('caKey'), ca.keyPem, 0o600);
    writeAtomic(path('caCert'), ca.certPem, 0o644);
  }
  const ca: CertificateAuthority = { certPem: readFileSync(path('caCert'), 'utf8'), keyPem: readFileSync(path('caKey'), 'utf8') };
  if (!existsSync(path('cert')) || !existsSync(path('key'))) {
    const names = deviceNames();
    const device = issueServerCertificate(ca, { commonName: names.dnsNames[0]!, dnsNames: names.dnsNames, ipAddresses: names.ipAddresses });
    writeAtomic(path('key'), device.keyPem, 0o600);
    writeAtomic(path('cert'), device.certPem, 0o644);
  }
  const certPem = readFileSync(path('cert'), 'utf8');
  const summary = inspectCertificate(certPem);
  return {
    certChainPem: `${certPem.trimEnd()}\n${ca.certPem}`,
    keyPem: readFileSync(path('key'), 'utf8'),
    caPem: ca.certPem,
    caKeyPem: ca.keyPem,
    selfIssued: true,
    notAfter: summary.notAfter,
    names: [...summary.dnsNames, ...summary.ipAddresses],
  };
}
