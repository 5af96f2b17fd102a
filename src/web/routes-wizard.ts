// The "Add a client" wizard's routes (issue 16), admin only:
// - GET  /api/wizard/facts: what the page's snippets need to know about the unit (src/page/ui/wizard-snippets.ts);
// - POST /api/wizard/client-cert: a TLS client certificate from the unit's local CA, as the CLI issues one
//   (src/cli/client-cert.ts), handed to the page as PEM and PKCS#12 for the owner to download.
// The account itself is POST /api/users (api.ts) and its password goes through the AS from the page; neither is
// here. The certificate's private key is made on the unit, as `walnut client-cert issue` makes it, and leaves it
// once, in this reply: it is not kept, not logged, and the PKCS#12 password (chosen in the page) is not kept.
import { showBytes } from '../auth/bytes.ts';
import type { EventLog } from '../storage/event-log.ts';
import { ClientCertStore, clientNameProblem } from '../tls/client-certs.ts';
import type { TlsIdentity } from '../tls/identity.ts';
import { inspectCertificate } from '../tls/inspect.ts';
import { fromPem, toPem } from '../tls/pem.ts';
import { writePkcs12 } from '../tls/pkcs12.ts';
import type { RouteModule } from './api.ts';
import { badRequest, HttpError } from './errors.ts';
import { b64, readInput } from './json-input.ts';

export interface WizardFacts {
  ups: string;
  nutPort: number;
  webPort: number;
  /** /metrics: anonymous per tls.anonymousReads 'any'; a bearer token is set (web.metricsToken) */
  metrics: { anonymous: boolean; token: boolean };
  /** tls.clientCertificates: 'require' means upsmon must present one */
  clientCertificates: string;
}

export interface WizardDeps {
  facts(): WizardFacts;
  /** the unit's identity as serve loaded it, read again when a certificate is issued (it holds the CA key) */
  identity(): TlsIdentity;
  certs: ClientCertStore;
  events: Pick<EventLog, 'record'>;
}

/** The PKCS#12 password the page generated: printable ASCII (pk12util -W takes it in a shell word), bounded. */
const P12_PASSWORD = /^[\x21-\x7e]{12,128}$/;
/** upsmon.conf keeps printable ASCII only (CERTIDENT names the certificate): the same rule as a NUT word. */
const CERT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const FACTORY_CA = "this unit's TLS identity is a factory bundle, whose CA key is not on the unit, so it cannot issue client certificates";

export function wizardRoutes(d: WizardDeps): RouteModule {
  return {
    'GET /api/wizard/facts': (call) => {
      call.session('admin');
      const id = d.identity();
      const device = inspectCertificate(id.certChainPem);
      const ca = inspectCertificate(fromPem(id.caPem, 'CERTIFICATE')[0]!);
      return {
        status: 200,
        json: {
          ...d.facts(),
          deviceName: device.subjectCommonName ?? device.dnsNames[0] ?? 'walnut',
          names: id.names,
          caNickname: ca.subjectCommonName ?? 'walnut CA',
          caPem: id.caPem,
          canIssue: id.caKeyPem !== undefined,
        },
      };
    },
    'POST /api/wizard/client-cert': (call) => {
      const s = call.session('admin');
      const i = readInput(call.body, { name: { kind: 'string', max: 64 }, p12Password: { kind: 'string', max: 128 } });
      if (!CERT_NAME.test(i.name)) throw badRequest('name: letters, digits, dot, dash and underscore, 64 at most, starting with a letter or digit');
      const problem = clientNameProblem(i.name);
      if (problem) throw badRequest(`name: ${problem}`);
      if (!P12_PASSWORD.test(i.p12Password)) throw badRequest('p12Password: 12 to 128 printable ASCII characters');
      const id = d.identity();
      if (id.caKeyPem === undefined) throw new HttpError(409, 'factory-ca', FACTORY_CA);
      const caDers = fromPem(id.caPem, 'CERTIFICATE');
      const caNickname = inspectCertificate(caDers[0]!).subjectCommonName ?? 'walnut CA';
      let pem = '';
      let p12: Uint8Array = new Uint8Array(0);
      const cert = d.certs.issue({ certPem: id.caPem, keyPem: id.caKeyPem }, i.name, {
        deliver: (c) => {
          // NUT's CERTFILE order (upsmon.conf(5)): the certificate, its CA chain, then the private key
          pem = c.certPem + caDers.map((x) => toPem('CERTIFICATE', x)).join('') + c.keyPem;
          p12 = writePkcs12({ cert: c.certDer, keyPem: c.keyPem, caCerts: caDers, password: i.p12Password, friendlyName: i.name, caFriendlyName: caNickname });
        },
      });
      d.events.record('client-cert-issued', call.address, `client certificate ${showBytes(Buffer.from(i.name, 'utf8'))} serial ${cert.serialHex} expires ${cert.notAfter.toISOString()} by ${s.user}`);
      return {
        status: 201,
        json: { name: i.name, serial: cert.serialHex, notAfter: cert.notAfter.toISOString(), pem, p12: b64(p12) },
        headers: { 'Cache-Control': 'no-store' },
      };
    },
  };
}
