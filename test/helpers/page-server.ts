// A stand-in for the web server of issue 15, on 127.0.0.1:0, for test/page-crypto.test.ts: it serves a blank page
// that loads the page bundle and relays the page's AS requests to a real Conversation (src/authsrv/conversation.ts)
// as the AS's local socket does for NUT `AUTH AS` (src/authsrv/service.ts: one request whole, `need` checked,
// the conversation dropped on `close`), and plays the server end of a ticket login with the real ServerAuth
// (src/authsrv/mutual.ts), as the NUT server's `AUTH` command does. src/page/README.md describes the real one.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Conversation } from '../../src/authsrv/conversation.ts';
import { AuthError } from '../../src/authsrv/errors.ts';
import { ServerAuth } from '../../src/authsrv/mutual.ts';
import type { MemoryAs } from './memory-as.ts';

export interface PageServer {
  url: string;
  /** AS requests the page sent through the relay */
  asRequests: number;
  /** users the server end confirmed a ticket login for */
  logins: string[];
  close(): Promise<void>;
}

/** The page: loads the bundle and gives the tests fetch-based transports (what the real page would hold). */
const PAGE = `<!doctype html><meta charset="utf-8"><title>walnut page test</title>
<script type="module">
import * as walnut from '/page.js';
const post = async (path, body) => {
  const r = await fetch(path, { method: 'POST', body });
  if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
  return new Uint8Array(await r.arrayBuffer());
};
const text = (b) => new TextDecoder().decode(b);
window.relay = (s) => (request) => post('/as?s=' + s, request);
window.loginTransport = (s) => ({
  offer: async () => text(await post('/login/offer?s=' + s)),
  choose: async (choice) => void (await post('/login/choose?s=' + s, choice)),
  start: (chc) => post('/login/start?s=' + s, chc),
  relay: window.relay(s),
  finish: (message) => post('/login/finish?s=' + s, message),
  confirm: async (tag) => text(await post('/login/confirm?s=' + s, tag)),
});
window.outcome = async (f) => {
  try { return { ok: true, value: await f() }; } catch (e) { return { ok: false, name: e.name, kind: e.kind, message: e.message }; }
};
window.walnut = walnut;
window.ready = true;
</script>`;

async function body(req: IncomingMessage): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  for await (const p of req) parts.push(p as Buffer);
  return new Uint8Array(Buffer.concat(parts));
}

export async function pageServer(script: string, as: MemoryAs): Promise<PageServer> {
  const conversations = new Map<string, Conversation>();
  const logins = new Map<string, ServerAuth>();
  const out: PageServer = { url: '', asRequests: 0, logins: [], close: () => Promise.resolve() };

  /** One AS request, whole; the AS's reply. An empty 400 when the request is not exactly one (as service.ts). */
  async function relay(session: string, request: Uint8Array): Promise<Uint8Array | undefined> {
    out.asRequests++;
    let conv = conversations.get(session);
    if (!conv) conversations.set(session, (conv = new Conversation(as.deps, '127.0.0.1', 'relay')));
    if (conv.need(request) !== request.length) {
      conversations.delete(session);
      return undefined;
    }
    const answer = await conv.handle(request);
    if (answer.close) conversations.delete(session);
    return answer.reply;
  }

  /** The server end of §7.2 / §7.5; every failure ends the exchange (403). No TLS exporter: the page has none. */
  function loginStep(session: string, step: string, data: Uint8Array): Uint8Array {
    if (step === 'offer') {
      const server = new ServerAuth({ id: new Uint8Array(Buffer.from('upsd')), key: as.serverKey, dom: as.dom });
      logins.set(session, server);
      conversations.delete(session);
      return new Uint8Array(Buffer.from(server.offer, 'latin1'));
    }
    const server = logins.get(session);
    if (!server) throw new AuthError('bad reply');
    switch (step) {
      case 'choose':
        server.choose(Buffer.from(data).toString('latin1'));
        return new Uint8Array(0);
      case 'start':
        return server.start(data);
      case 'finish':
        return server.finish(data);
      case 'confirm': {
        const user = server.confirm(data);
        logins.delete(session);
        conversations.delete(session);
        out.logins.push(Buffer.from(user).toString('latin1'));
        return user;
      }
    }
    throw new AuthError('bad reply');
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const session = url.searchParams.get('s') ?? '';
    if (req.method === 'GET' && url.pathname === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    if (req.method === 'GET' && url.pathname === '/page.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    if (req.method !== 'POST') return void res.writeHead(404).end();
    const data = await body(req);
    try {
      const reply = url.pathname === '/as' ? await relay(session, data) : loginStep(session, url.pathname.replace(/^\/login\//, ''), data);
      if (reply === undefined) return void res.writeHead(400).end();
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(reply);
    } catch (err) {
      if (!(err instanceof AuthError)) throw err;
      logins.delete(session);
      res.writeHead(403).end();
    }
  }

  const server = createServer((req, res) => {
    serve(req, res).catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  out.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  out.close = () => {
    server.closeAllConnections(); // Chromium keeps its connections alive
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return out;
}
