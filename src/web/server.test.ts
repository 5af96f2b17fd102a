// WebServer's refusals on the wire (what test/web-fuzz.test.ts found): a refused request without a body keeps its
// connection and never cuts the replies pipelined before it; a body past the bound gets its 413 and the
// connection closes after it; a client that leaves halfway through its body is no server error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as https from 'node:https';
import * as tls from 'node:tls';
import { createCa, issueServerCertificate } from '../tls/x509.ts';
import { setLogSink } from '../util/log.ts';
import type { Api, ApiRequest } from './api.ts';
import type { LiveChannel } from './live.ts';
import { HttpError } from './errors.ts';
import { WebServer, parseTarget } from './server.ts';
import { SessionTable } from './sessions.ts';

const ca = createCa({ commonName: 'walnut test CA' });
const cert = issueServerCertificate(ca, { commonName: 'walnut', dnsNames: ['walnut'], ipAddresses: ['127.0.0.1'] });

/** A server whose API answers every request 400 after a moment (as a real handler awaits the AS). */
async function serve(requestsPerMinute = 1000): Promise<{ port: number; close: () => Promise<void> }> {
  const api = {
    handle: async (_: ApiRequest) => {
      await new Promise((r) => setTimeout(r, 30));
      return { status: 400, json: { error: 'bad-request', message: 'no' } };
    },
  } as unknown as Api;
  const server = new WebServer({
    tls: { key: cert.keyPem, cert: cert.certPem },
    api,
    live: { attach: () => undefined } as unknown as LiveChannel,
    sessions: new SessionTable({ idleMs: 60_000, maxMs: 60_000, maxSessions: 1 }),
    assets: new Map(),
    maxBodyBytes: 1024,
    maxHeaderBytes: 8192,
    requestsPerMinute,
    maxSockets: 16,
    wsMaxBufferedBytes: 4096,
  });
  const port = await server.listen('127.0.0.1', 0);
  return { port, close: () => server.close() };
}

/** Writes `bytes` on a raw TLS socket and reads until the server closes it. */
function exchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => socket.write(bytes));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (text += d));
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
    socket.setTimeout(5000, () => socket.destroy(new Error(`no close; got ${JSON.stringify(text)}`)));
  });
}

const statuses = (text: string): number[] => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));

test('a refused request without a body keeps its connection, and the replies pipelined before it still arrive', async () => {
  const s = await serve();
  try {
    const text = await exchange(
      s.port,
      'POST /api/slow HTTP/1.1\r\nHost: walnut\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}' +
        'GET /no-such-page HTTP/1.1\r\nHost: walnut\r\nExpect: 100-continue\r\n\r\n' +
        'GET /no-such-page HTTP/1.1\r\nHost: walnut\r\nConnection: close\r\n\r\n',
    );
    assert.deepEqual(statuses(text).filter((x) => x !== 100), [400, 404, 404], text);
  } finally {
    await s.close();
  }
});

test('requests over the rate limit get their 429 on a kept-alive connection, which stays usable', async () => {
  const s = await serve(10);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
  try {
    const get = (): Promise<number> =>
      new Promise((resolve, reject) => {
        https.get({ host: '127.0.0.1', port: s.port, path: '/no-such-page', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        }).on('error', reject);
      });
    const got = await Promise.all(Array.from({ length: 14 }, get));
    assert.deepEqual(got, [...Array<number>(10).fill(404), ...Array<number>(4).fill(429)]);
  } finally {
    agent.destroy();
    await s.close();
  }
});

test('a body past maxBodyBytes is refused with 413 and the connection closes after the reply', async () => {
  const s = await serve();
  try {
    const text = await exchange(s.port, `POST /api/flows/relay HTTP/1.1\r\nHost: walnut\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n${'x'.repeat(2000)}`);
    assert.deepEqual(statuses(text), [413], text);
    assert.match(text, /^Connection: close\r$/im);
  } finally {
    await s.close();
  }
});

test('a client that leaves halfway through its body is refused quietly: no error in the log, no 500', async () => {
  const lines: string[] = [];
  setLogSink((line) => lines.push(line));
  const s = await serve();
  try {
    await new Promise<void>((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port: s.port, rejectUnauthorized: false }, () => {
        socket.write('POST /api/flows/relay HTTP/1.1\r\nHost: walnut\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"flow":');
        setTimeout(() => socket.destroy(), 50);
      });
      socket.on('close', () => resolve());
    });
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(lines, []);
  } finally {
    await s.close();
    setLogSink((line) => process.stderr.write(line + '\n'));
  }
});

test('an origin-form target is split into its path and query', () => {
  const t = parseTarget('/api/events?limit=5&x=%20y');
  assert.equal(t.path, '/api/events');
  assert.equal(t.query.get('limit'), '5');
  assert.equal(t.query.get('x'), ' y');
  assert.equal(parseTarget('/').path, '/');
  assert.equal(parseTarget('/app-0123.js').path, '/app-0123.js');
});

test('path tricks and malformed targets are a 400 before anything looks them up', () => {
  const bad = [
    undefined, '', '*', 'http://evil/', 'api/hello', '/../etc/passwd', '/a/../b', '/./x', '/%2e%2e/x', '/%2E/x', '/a%2fb',
    '/a%5cb', '/a\\b', '/x%00', '/x\u0000', '/ x', '/%E0%A4%A', `/${'a'.repeat(2100)}`,
  ];
  for (const t of bad) assert.throws(() => parseTarget(t), (e: unknown) => e instanceof HttpError && e.status === 400, String(t));
});
