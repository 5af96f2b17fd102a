// The web setup page's server (issue 15): HTTPS with the unit's TLS identity, the JSON API (api.ts), the live
// channel over ws (live.ts), /metrics, the page's files (assets.ts) and an optional plain-HTTP listener that only
// redirects. This is the only file of src/web with sockets. Every input has a bound here before anything reads
// it: header bytes, body bytes, requests per address per minute, open sockets, time to send a request, ws frame
// size; whatever breaks one gets a 4xx with a fixed sentence and changes nothing.
import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import type { TlsOptions } from 'node:tls';
import { WebSocketServer } from 'ws';
import { canonicalAddress } from '../auth/address.ts';
import { logger } from '../util/log.ts';
import type { Api, ApiReply } from './api.ts';
import { assetReply, type AssetTable } from './assets.ts';
import { HttpError } from './errors.ts';
import { securityHeaders } from './headers.ts';
import type { LiveChannel } from './live.ts';
import { RateLimit } from './rate-limit.ts';
import { sessionIdFrom, type SessionTable } from './sessions.ts';

const log = logger('web');

export interface WebServerOptions {
  /** the unit's key and chain, TLS 1.2 minimum, AEAD suites (src/appliance/tls-context.ts) */
  tls: TlsOptions;
  api: Api;
  live: LiveChannel;
  sessions: SessionTable;
  assets: AssetTable;
  /** GET /metrics (src/web/metrics.ts metricsHandler): it decides access and writes the reply itself */
  metrics?: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  maxBodyBytes: number;
  maxHeaderBytes: number;
  requestsPerMinute: number;
  maxSockets: number;
  wsMaxBufferedBytes: number;
}

/** a request line and headers must arrive within this, and the whole request within the next (slowloris) */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 20_000;
/** the live channel's client frames: the page sends none, so a small bound is plenty */
const WS_MAX_PAYLOAD = 1024;

export interface WebCounters {
  requests: number;
  rejected: number;
}

export class WebServer {
  readonly #o: WebServerOptions;
  readonly #https: https.Server;
  readonly #redirects: http.Server[] = [];
  readonly #wss: WebSocketServer;
  readonly #limit: RateLimit;
  readonly counters: WebCounters = { requests: 0, rejected: 0 };
  #httpsPort = 443;

  constructor(o: WebServerOptions) {
    this.#o = o;
    this.#limit = new RateLimit({ perMinute: o.requestsPerMinute });
    this.#https = https.createServer({
      ...o.tls,
      maxHeaderSize: o.maxHeaderBytes,
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      keepAliveTimeout: 5_000,
      // a TLS handshake that does not finish in time holds a socket for nothing
      handshakeTimeout: 10_000,
    });
    this.#https.maxConnections = o.maxSockets;
    this.#https.on('request', (req, res) => void this.#request(req, res));
    this.#https.on('upgrade', (req, socket, head) => this.#upgrade(req, socket as Socket, head));
    this.#https.on('clientError', (err, socket) => {
      // malformed HTTP, oversized headers: a bare 400 (Node's own), and the socket goes
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
      void err;
    });
    this.#https.on('tlsClientError', () => undefined); // scanners and plain-HTTP probes: nothing to say
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_PAYLOAD, perMessageDeflate: false });
  }

  async listen(host: string, port: number): Promise<number> {
    const p = await listenOn(this.#https, host, port);
    this.#httpsPort = p;
    return p;
  }

  /** A plain-HTTP listener whose every answer is a redirect to the HTTPS page (nothing else is served in clear). */
  async listenRedirect(host: string, port: number): Promise<number> {
    const server = http.createServer({ maxHeaderSize: this.#o.maxHeaderBytes, headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS }, (req, res) => {
      const host = hostName(req.headers.host);
      const target = host ? `https://${host}${this.#httpsPort === 443 ? '' : `:${this.#httpsPort}`}/` : undefined;
      res.writeHead(target ? 308 : 400, { ...(target ? { Location: target } : {}), 'Content-Length': '0', Connection: 'close' });
      res.end();
    });
    server.maxConnections = this.#o.maxSockets;
    this.#redirects.push(server);
    return listenOn(server, host, port);
  }

  async close(): Promise<void> {
    for (const c of this.#wss.clients) c.terminate();
    const servers = [this.#https, ...this.#redirects];
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    })));
  }

  async #request(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.counters.requests++;
    const address = canonicalAddress(req.socket.remoteAddress ?? '');
    const base = securityHeaders();
    const send = (status: number, headers: Record<string, string>, body?: Uint8Array | string): void => {
      if (res.headersSent) return;
      res.writeHead(status, { ...base, ...headers });
      res.end(body);
    };
    const fail = (err: HttpError): void => {
      this.counters.rejected++;
      const body = err.body();
      // A refused request may still be sending its body: the reply says Connection: close, and Node closes the
      // socket once the reply is out instead of parsing the rest as another request. Destroying the request here
      // would cut the reply, and the replies to requests pipelined before it; and a request with no body (a GET,
      // any 429) is not complete yet while its handler runs, so it keeps its connection.
      const close: Record<string, string> = !req.complete && hasBody(req) ? { Connection: 'close' } : {};
      send(err.status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), 'Cache-Control': 'no-store', ...close }, body);
    };
    try {
      if (!this.#limit.take(address)) throw new HttpError(429, 'too-many-requests', 'too many requests; wait a minute');
      const { path, query } = parseTarget(req.url);
      const method = req.method ?? '';
      if (path.startsWith('/api/')) {
        const body = method === 'POST' ? await readBody(req, this.#o.maxBodyBytes) : undefined;
        const reply = await this.#o.api.handle({
          method,
          path,
          query,
          host: req.headers.host,
          origin: req.headers.origin,
          cookie: req.headers.cookie,
          token: header(req.headers['x-walnut-token']),
          address,
          contentType: header(req.headers['content-type']),
          body,
        });
        sendApi(send, reply);
        return;
      }
      if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'method-not-allowed', 'GET only');
      if (path === '/metrics' && this.#o.metrics) {
        for (const [k, v] of Object.entries(base)) res.setHeader(k, v);
        this.#o.metrics(req, res);
        return;
      }
      const asset = this.#o.assets.get(path === '/' ? '/index.html' : path);
      if (!asset) throw new HttpError(404, 'not-found', 'no such page');
      const r = assetReply(asset, header(req.headers['accept-encoding']), header(req.headers['if-none-match']));
      send(r.status, r.headers, method === 'HEAD' ? undefined : r.body);
    } catch (err) {
      if (err instanceof HttpError) fail(err);
      else {
        log.error(`${req.method} ${String(req.url).slice(0, 80)}: ${(err as Error).stack ?? String(err)}`);
        fail(new HttpError(500, 'internal', 'something went wrong; it has been logged'));
      }
    }
  }

  #upgrade(req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    const address = canonicalAddress(req.socket.remoteAddress ?? '');
    const refuse = (status: number, text: string): void => {
      this.counters.rejected++;
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (!this.#limit.take(address)) return refuse(429, 'Too Many Requests');
    let path: string;
    try {
      path = parseTarget(req.url).path;
    } catch {
      return refuse(400, 'Bad Request');
    }
    if (path !== '/api/live') return refuse(404, 'Not Found');
    // the browser sends Origin on every WebSocket handshake: a page elsewhere cannot ride the cookie (CSWSH)
    if (req.headers.origin !== `https://${req.headers.host}`) return refuse(403, 'Forbidden');
    const id = sessionIdFrom(req.headers.cookie);
    const session = this.#o.sessions.get(id);
    if (!session) return refuse(401, 'Unauthorized');
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#o.live.attach(ws, () => this.#o.sessions.get(id) !== undefined));
  }
}

function sendApi(send: (status: number, headers: Record<string, string>, body?: string) => void, reply: ApiReply): void {
  const headers: Record<string, string> = { 'Cache-Control': 'no-store', ...(reply.headers ?? {}) };
  if (reply.text) {
    return send(reply.status, { ...headers, 'Content-Type': reply.text.type, 'Content-Length': String(Buffer.byteLength(reply.text.body)) }, reply.text.body);
  }
  if (reply.json === undefined) return send(reply.status, headers);
  const body = JSON.stringify(reply.json);
  send(reply.status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) }, body);
}

const header = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** Whether a request has a body (RFC 9112 §6.3: a request without Content-Length or Transfer-Encoding has none;
 *  Node's parser has refused a malformed or doubled length already). */
const hasBody = (req: http.IncomingMessage): boolean => req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';

/** The request target as a path and query: origin-form only (RFC 9112 §3.2.1), no dot segments, no backslashes,
 *  no encoded slashes or NULs — a path trick is a 400 before anything looks the path up. */
export function parseTarget(target: string | undefined): { path: string; query: URLSearchParams } {
  const bad = (): never => {
    throw new HttpError(400, 'bad-request', 'malformed request target');
  };
  if (!target || target[0] !== '/' || target.length > 2048) bad();
  const q = target!.indexOf('?');
  const raw = q < 0 ? target! : target!.slice(0, q);
  if (/[\\\x00-\x20\x7f]|%2f|%5c|%00|%2e/i.test(raw)) bad();
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    return bad();
  }
  if (path.split('/').some((seg) => seg === '..' || seg === '.')) bad();
  return { path, query: new URLSearchParams(q < 0 ? '' : target!.slice(q + 1)) };
}

/** The Host header's name without the port (for redirects); undefined when it is not a plausible host. */
function hostName(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253})(?::\d{1,5})?$/.exec(host);
  return m?.[1];
}

/** A request body of at most `max` bytes (the API decides what it may be, after its origin check). */
async function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > max) throw new HttpError(413, 'too-large', `a request body is at most ${max} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > max) throw new HttpError(413, 'too-large', `a request body is at most ${max} bytes`);
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    // the client went away (or timed out) before its body was whole: its fault, nothing to log, nobody to answer
    throw new HttpError(400, 'bad-request', 'the request body did not arrive whole');
  }
  return Buffer.concat(chunks);
}

function listenOn(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : port);
    });
  });
}
