// The unit's TLS identity: a private key and certificate for the NUT server (and later the web page), plus the CA
// that signs client certificates. Two sources, in this order:
//   1. a factory bundle (PEM certificate, key and CA chain at configured paths: the provisioning issue makes it);
//   2. a local CA and device certificate made at first start and kept in <data>/tls/ (keys mode 0600): the
//      identity is then self-issued, and the log says so, because clients must pin walnut's CA
//      (`walnut ca export`) to trust it.
// Files, not SQLite: the CA key must be readable by `walnut client-cert` while the server runs, and PEM files are
// what operators back up and inspect with openssl.
//
// The local CA carries name constraints (RFC 5280 §4.2.1.10) permitting exactly the names and addresses the device
// certificate carries, so the CA an owner pins or installs in a browser cannot vouch for any other site. Those
// names are fixed when the CA is made. A CA is never replaced by itself: every client pinned it and every client
// certificate chains to it, so a new one would lock upsmon out until someone re-pins, on the device that is meant
// to shut the NAS down in time. Instead, the identity reports (warnings, logged at start):
//  - a CA made before name constraints (unconstrained): it keeps working as it is;
//  - a host name the CA no longer covers (the hostname changed): clients that use the new name fail verification.
// Either way the cure is a new identity, made by moving <data>/tls/ away while walnut is stopped (README "TLS").
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { inspectCertificate } from './inspect.ts';
import { caNameConstraints, createCa, issueServerCertificate, normalizeDnsName, type CertificateAuthority } from './x509.ts';
import type { PermittedSubtrees } from './name-constraints.ts';
import { describePermitted, namesOutside } from './name-check.ts';
import { ipFromBytes } from '../util/ip.ts';

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
  /** what the local CA's name constraints permit; undefined for a factory bundle or an unconstrained local CA */
  readonly caPermitted: PermittedSubtrees | undefined;
  /** things the operator should hear about once at start (an unconstrained CA, a host name it does not cover) */
  readonly warnings: readonly string[];
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

/** The addresses of a CA's iPAddress subtrees that name exactly one address (all walnut writes). */
const singleAddresses = (p: PermittedSubtrees): string[] =>
  p.ipRanges.filter((r) => r.mask.every((b) => b === 0xff)).map((r) => ipFromBytes(r.address));

const renewal = (dir: string): string =>
  `to make a new identity for the current names, stop walnut, move ${dir} away and start it; then pin the new CA on ` +
  'every client again (walnut ca export) and issue their client certificates again';

/** The start-up warnings about a local CA: unconstrained, or not covering the host names the unit has now. */
function caWarnings(dir: string, permitted: PermittedSubtrees | undefined, current: { dnsNames: readonly string[] }): string[] {
  if (permitted === undefined) {
    return [
      `this unit's CA (${join(dir, FILES.caCert)}) has no name constraints, so a client that trusts it would accept ` +
        `certificates it signs for any name; it keeps working, but ${renewal(dir)}`,
    ];
  }
  // addresses come and go with DHCP and with the network coming up, so only the host names are compared
  const outside = namesOutside(permitted, { commonName: '', dnsNames: current.dnsNames, ipAddresses: [] });
  if (outside.length === 0) return [];
  return [
    `this unit's CA vouches only for ${describePermitted(permitted)}, not for ${outside.join(', ')} (the host name ` +
      `changed?): clients that connect by that name fail certificate verification; ${renewal(dir)}`,
  ];
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
      caPermitted: undefined,
      warnings: [],
    };
  }
  const dir = join(dataDir, TLS_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = (f: keyof typeof FILES): string => join(dir, FILES[f]);
  const current = deviceNames();
  let newCa = false;
  if (!existsSync(path('caCert')) || !existsSync(path('caKey'))) {
    // permitted: exactly the names the device certificate below gets
    const ca = createCa({ commonName: `walnut ${current.dnsNames[0]!} CA`, permitted: current });
    writeAtomic(path('caKey'), ca.keyPem, 0o600);
    writeAtomic(path('caCert'), ca.certPem, 0o644);
    newCa = true;
  }
  const ca: CertificateAuthority = { certPem: readFileSync(path('caCert'), 'utf8'), keyPem: readFileSync(path('caKey'), 'utf8') };
  const caPermitted = caNameConstraints(ca.certPem)?.permitted;
  // a device certificate from an earlier CA would not chain to a new one
  if (newCa || !existsSync(path('cert')) || !existsSync(path('key'))) {
    // under a constrained CA, the device certificate names what the CA permits (and nothing the CA would refuse)
    const names = caPermitted ? { dnsNames: caPermitted.dnsNames, ipAddresses: singleAddresses(caPermitted) } : current;
    const device = issueServerCertificate(ca, { commonName: names.dnsNames[0] ?? current.dnsNames[0]!, dnsNames: names.dnsNames, ipAddresses: names.ipAddresses });
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
    caPermitted,
    warnings: caWarnings(dir, caPermitted, current),
  };
}
