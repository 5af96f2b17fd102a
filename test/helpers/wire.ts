// A relaying TCP proxy that records both directions, and the encodings a secret could take on such a recording:
// what the tests use to show that a claim, a login or an account change puts no secret on the wire.
import * as net from 'node:net';

export async function recordingProxy(target: number): Promise<{ port: number; recorded: () => Buffer; close: () => Promise<void> }> {
  const chunks: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (d: Buffer) => {
      chunks.push(d);
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      chunks.push(d);
      client.write(d);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    recorded: () => Buffer.concat(chunks),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Every form a secret could take on the wire that this test can think of. */
export function encodings(secret: string): string[] {
  const forms = new Set<string>();
  for (const s of [secret, secret.toLowerCase(), secret.replaceAll('-', ''), secret.replaceAll('-', '').toLowerCase()]) {
    const b = Buffer.from(s, 'utf8');
    forms.add(s);
    forms.add(b.toString('hex'));
    forms.add(b.toString('hex').toUpperCase());
    forms.add(encodeURIComponent(s));
    // base64 at each of the three alignments a secret can have inside a longer base64 text (inner part only)
    for (let pad = 0; pad < 3; pad++) {
      for (const alphabet of ['base64', 'base64url'] as const) {
        const text = Buffer.concat([Buffer.alloc(pad), b]).toString(alphabet);
        const inner = text.slice(Math.ceil((pad * 4) / 3) + 1, Math.floor(((pad + b.length) * 4) / 3) - 1);
        if (inner.length >= 8) forms.add(inner);
      }
    }
  }
  return [...forms];
}
