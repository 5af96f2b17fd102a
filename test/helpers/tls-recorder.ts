// A relaying proxy that sees inside TLS: it terminates the browser's TLS with the unit's own key and certificate
// (read from the unit's data folder), opens its own TLS connection to the unit, and records the plaintext both
// ways. What it records is exactly what the web server receives and sends, so a secret absent from the recording
// was never given to the server, not merely hidden from the network.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tls from 'node:tls';
import type { AddressInfo } from 'node:net';

export async function tlsRecorder(dataDir: string, targetPort: number): Promise<{ port: number; recorded: () => Buffer; close: () => Promise<void> }> {
  const chunks: Buffer[] = [];
  const sockets = new Set<tls.TLSSocket>();
  const tlsDir = join(dataDir, 'tls');
  const server = tls.createServer({ key: readFileSync(join(tlsDir, 'device.key')), cert: readFileSync(join(tlsDir, 'device.pem')) }, (client) => {
    const upstream = tls.connect({ host: '127.0.0.1', port: targetPort, rejectUnauthorized: false });
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (d: Buffer) => {
      chunks.push(Buffer.from(d));
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      chunks.push(Buffer.from(d));
      client.write(d);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    recorded: () => Buffer.concat(chunks),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
