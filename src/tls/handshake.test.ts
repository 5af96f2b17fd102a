// Real TLS 1.3 handshakes over 127.0.0.1 between node:tls peers using the certificates walnut issues: the client
// trusts the CA and checks the server's name with node's default checkServerIdentity; the server, when it asks for
// a client certificate, takes one from its CA and refuses anyone else's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:tls';
import type { ConnectionOptions, TlsOptions } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { createCa, issueClientCertificate, issueServerCertificate } from './x509.ts';

const ca = createCa({ commonName: 'walnut local CA' });
const device = issueServerCertificate(ca, { commonName: 'walnut', dnsNames: ['walnut', 'walnut.local'], ipAddresses: ['127.0.0.1', '::1'] });
const upsmon = issueClientCertificate(ca, { commonName: 'upsmon-nas1' });
const strangerCa = createCa({ commonName: 'walnut local CA' }); // same name, different key
const stranger = issueClientCertificate(strangerCa, { commonName: 'upsmon-nas1' });

interface Outcome {
  /** What the client read from the server: "hello <peer CN>" after a handshake the server accepted. */
  readonly received: string;
  readonly clientError: Error | undefined;
  readonly serverError: Error | undefined;
  /**
   * Why the server refused the client's certificate. With rejectUnauthorized, node checks the chain after
   * OpenSSL's handshake and just destroys the socket: the error is a bare "socket hang up" and the reason is
   * only in the socket's authorizationError (no alert reaches a TLS 1.3 client, which has already finished).
   */
  readonly authorizationError: string | undefined;
  readonly protocol: string | null | undefined;
}

/** One connection: the server greets an accepted client with its certificate's CN and closes. */
async function handshake(serverOptions: TlsOptions, clientOptions: ConnectionOptions): Promise<Outcome> {
  let serverError: Error | undefined;
  let authorizationError: string | undefined;
  // the server's verdict: it either accepts the connection or reports a client error, never neither
  const { promise: serverDone, resolve: serverDecided } = Promise.withResolvers<void>();
  const server = createServer({ key: device.keyPem, cert: device.certPem, minVersion: 'TLSv1.3', ...serverOptions }, (socket) => {
    const peer = socket.getPeerCertificate();
    socket.end(`hello ${peer.subject?.CN ?? 'anonymous'}`);
    serverDecided();
  });
  server.on('tlsClientError', (e, socket) => {
    serverError = e;
    authorizationError = socket.authorizationError === undefined ? undefined : String(socket.authorizationError);
    serverDecided();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const client = await new Promise<Pick<Outcome, 'received' | 'clientError' | 'protocol'>>((resolve) => {
      let received = '';
      let clientError: Error | undefined;
      let protocol: string | null | undefined;
      const socket = connect({ host: '127.0.0.1', port, ca: ca.certPem, minVersion: 'TLSv1.3', ...clientOptions }, () => {
        protocol = socket.getProtocol();
      });
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        received += chunk;
      });
      socket.on('error', (e) => {
        clientError = e;
      });
      socket.on('close', () => resolve({ received, clientError, protocol }));
    });
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the server neither accepted nor refused the connection within 5 s')), 5000);
    });
    await Promise.race([serverDone, stuck]).finally(() => clearTimeout(timer));
    return { ...client, serverError, authorizationError };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

test('a client trusting the CA completes a TLS 1.3 handshake with the device certificate, checked against 127.0.0.1', async () => {
  const r = await handshake({}, {});
  assert.equal(r.clientError, undefined);
  assert.equal(r.protocol, 'TLSv1.3');
  assert.equal(r.received, 'hello anonymous');
});

test('the server name check passes for a DNS name in the SAN and fails for one that is not', async () => {
  const ok = await handshake({}, { servername: 'walnut.local' });
  assert.equal(ok.clientError, undefined);
  assert.equal(ok.received, 'hello anonymous');
  const wrong = await handshake({}, { servername: 'nas.local' });
  assert.equal((wrong.clientError as NodeJS.ErrnoException | undefined)?.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
  assert.equal(wrong.received, '');
});

test('a client that does not trust the CA refuses the device certificate', async () => {
  const r = await handshake({}, { ca: strangerCa.certPem });
  assert.equal((r.clientError as NodeJS.ErrnoException | undefined)?.code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  assert.equal(r.received, '');
});

const requireClientCert: TlsOptions = { requestCert: true, rejectUnauthorized: true, ca: ca.certPem };

test('with requestCert and rejectUnauthorized, a client certificate from the CA is accepted and names the client', async () => {
  const r = await handshake(requireClientCert, { cert: upsmon.certPem, key: upsmon.keyPem });
  assert.equal(r.clientError, undefined);
  assert.equal(r.serverError, undefined);
  assert.equal(r.received, 'hello upsmon-nas1');
});

test('a client certificate from another CA with the same name is refused by the server', async () => {
  const r = await handshake(requireClientCert, { cert: stranger.certPem, key: stranger.keyPem });
  assert.equal(r.received, '');
  assert.ok(r.serverError, 'the server reports the failed handshake');
  assert.equal(r.authorizationError, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
});

test('a client without a certificate is refused when one is required', async () => {
  const r = await handshake(requireClientCert, {});
  assert.equal(r.received, '');
  assert.match(String(r.serverError), /peer did not return a certificate/);
});

test('the device certificate is not accepted as a client certificate (extKeyUsage serverAuth only)', async () => {
  const r = await handshake(requireClientCert, { cert: device.certPem, key: device.keyPem });
  assert.equal(r.received, '');
  assert.ok(r.serverError);
  assert.equal(r.authorizationError, 'INVALID_PURPOSE');
});

test('TLS 1.2 with an ECDHE-ECDSA AEAD suite works with the same certificates (keyUsage digitalSignature is enough)', async () => {
  const tls12 = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' } as const;
  const r = await handshake({ ...tls12, ...requireClientCert }, { ...tls12, cert: upsmon.certPem, key: upsmon.keyPem });
  assert.equal(r.clientError, undefined);
  assert.equal(r.protocol, 'TLSv1.2');
  assert.equal(r.received, 'hello upsmon-nas1');
});
