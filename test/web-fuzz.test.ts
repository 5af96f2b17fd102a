// Issue 15, acceptance 8: 10,000 malformed HTTP and ws inputs against the built binary's setup page — request
// lines, headers, message framing (the Content-Length / Transfer-Encoding shapes of request smuggling), oversized
// bodies, path tricks, wrong methods on every route, hostile JSON, Origin / token / cookie mistakes, bad ws
// handshakes and, on a logged-in session, malformed ws frames and floods. They go over raw TLS sockets, so the
// bytes reach Node's HTTP parser and ws's frame parser exactly as written. None may crash walnut, draw a 5xx or
// change anything; afterwards the page still loads and the live channel still sends its snapshot.
//
// The inputs come from a seeded generator: the test prints its seed, WALNUT_FUZZ_SEED=<n> replays a run,
// WALNUT_FUZZ_ONLY=<i,j> replays single inputs with their bytes, WALNUT_FUZZ_REPORT=<file> writes every outcome.
// The fuzz runs with web.requestsPerMinute raised so its inputs reach the parsers; a second test shows the
// default limit answering a flood with 429.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as https from 'node:https';
import * as tls from 'node:tls';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { login } from '../src/page/auth-client.ts';
import { run } from './helpers/clients.ts';
import { mulberry32 } from './helpers/random.ts';
import { X64_BINARY, startClaimed, startWalnut, until, type RunningWalnut } from './helpers/walnut.ts';

const OWNER_PASSWORD = 'a long owner password 7';
const SEED = Number(process.env.WALNUT_FUZZ_SEED ?? 0x15_0008);
const CONCURRENCY = 16;
/** a complete request must be answered (or its socket closed) within this; a hang is a failure */
const ANSWER_MS = 8_000;
/** an input the server rightly waits on (a body or frame still to come): the client gives up after this */
const INCOMPLETE_MS = 300;
/** after a whole reply: the server closes at once when it means to; a keep-alive socket is left after this */
const REPLIED_MS = 300;

// ---------------------------------------------------------------------------------------------------------------
// the unit's side: a session, JSON over HTTPS

interface Session {
  host: string;
  origin: string;
  cookie: string;
  token: string;
}

interface JsonReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

function request(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<JsonReply> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, method, path, headers, rejectUnauthorized: false, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error(`${method} ${path}: no answer`)));
    req.end(body);
  });
}

/** A ticket login as the page does it (src/page/ui/flows.ts), run here in Node: the session's cookie and token. */
async function logIn(port: number, user: string, password: string): Promise<Session> {
  const host = `127.0.0.1:${port}`;
  const origin = `https://${host}`;
  const hello = JSON.parse((await request(port, 'GET', '/api/hello')).text) as { offer: string | null };
  assert.ok(hello.offer, 'the unit makes a p9any offer');
  const post = async (path: string, body: unknown): Promise<JsonReply> => {
    const r = await request(port, 'POST', path, { Origin: origin, 'Content-Type': 'application/json' }, JSON.stringify(body));
    assert.ok(r.status < 300, `${path}: ${r.status} ${r.text}`);
    return r;
  };
  const data = async (path: string, body: unknown): Promise<Uint8Array> => new Uint8Array(Buffer.from((JSON.parse((await post(path, body)).text) as { data: string }).data, 'base64url'));
  const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
  const { flow } = JSON.parse((await post('/api/flows', {})).text) as { flow: string };
  let choice = '';
  let cookie = '';
  const token = await login({
    user,
    password,
    transport: {
      offer: async () => hello.offer!,
      choose: async (c) => void (choice = c),
      start: (chc) => data('/api/flows/start', { flow, choice, chc: b64(chc) }),
      relay: (r) => data('/api/flows/relay', { flow, data: b64(r) }),
      finish: (m) => data('/api/flows/finish', { flow, data: b64(m) }),
      confirm: async (tag) => {
        const r = await post('/api/flows/confirm', { flow, data: b64(tag) });
        cookie = String(r.headers['set-cookie']).split(';')[0]!;
        return (JSON.parse(r.text) as { token: string }).token;
      },
    },
  });
  return { host, origin, cookie, token };
}

function alive(w: RunningWalnut): boolean {
  return w.process.exitCode === null && w.process.signalCode === null;
}

async function eventLines(w: RunningWalnut): Promise<string[]> {
  const r = await run(X64_BINARY, ['log', '--limit', '1000', '--config', join(w.dir, 'walnut.json')]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l !== '');
}

async function userList(w: RunningWalnut): Promise<string> {
  const r = await run(X64_BINARY, ['user', 'list', '--config', join(w.dir, 'walnut.json')]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

// ---------------------------------------------------------------------------------------------------------------
// one input over a raw TLS socket, and what came back

type Family =
  | 'request-line'
  | 'headers'
  | 'framing'
  | 'oversized-body'
  | 'path'
  | 'method'
  | 'json'
  | 'origin-token-cookie'
  | 'ws-handshake'
  | 'ws-frames';

interface Case {
  family: Family;
  /** what the input is, for a failure's message */
  what: string;
  /** the bytes, one write each */
  chunks: Buffer[];
  /** a HEAD request: its replies have no body */
  head?: boolean;
  /** the server may rightly wait for more: no reply within INCOMPLETE_MS is no failure */
  incomplete?: boolean;
  /** the server may close without a word (CONNECT: Node drops it when nothing tunnels) */
  silent?: boolean;
  /** a valid ws upgrade on the session: 101, then `frames` once it came (or with the request when `early`) */
  ws?: { frames: Buffer[]; early: boolean; mayStayOpen: boolean };
}

interface Outcome {
  statuses: number[];
  /** a reply that is not a well-formed HTTP/1.1 status line and headers */
  malformed?: string;
  /** the server closed the socket (rather than the client giving up) */
  closedByServer: boolean;
  /** ws close codes the server sent */
  wsCloses: number[];
  wsTexts: string[];
  timedOut: boolean;
}

let tlsSession: Buffer | undefined;

function runCase(port: number, c: Case): Promise<Outcome> {
  return new Promise((resolve) => {
    const out: Outcome = { statuses: [], closedByServer: false, wsCloses: [], wsTexts: [], timedOut: false };
    let buf = Buffer.alloc(0);
    let ws = false;
    let done = false;
    let bodyLeft = -1; // bytes of the current reply's body still to come; -1: between replies; Infinity: until close
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...(tlsSession ? { session: tlsSession } : {}) });
    const finish = (byServer: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      out.closedByServer = byServer;
      socket.destroy();
      resolve(out);
    };
    const giveUp = (ms: number): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        out.timedOut = true;
        finish(false);
      }, ms);
    };
    let timer: NodeJS.Timeout | undefined;
    giveUp(ANSWER_MS);
    /** a whole reply came: a server that meant to close has done so by now; one that keeps the socket is done */
    const replied = (): void => giveUp(REPLIED_MS);
    socket.on('session', (s: Buffer) => (tlsSession = s));
    socket.on('secureConnect', () => {
      if (c.incomplete && !c.ws) giveUp(INCOMPLETE_MS);
      for (const chunk of c.chunks) socket.write(chunk);
      if (c.ws?.early) for (const f of c.ws.frames) socket.write(f);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => finish(true));
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      parse();
    });

    const parse = (): void => {
      for (;;) {
        if (ws) {
          if (!wsFrame()) return;
          continue;
        }
        if (bodyLeft === Infinity) return void (buf = Buffer.alloc(0));
        if (bodyLeft > 0) {
          const n = Math.min(bodyLeft, buf.length);
          buf = buf.subarray(n);
          bodyLeft -= n;
          if (bodyLeft > 0) return;
          bodyLeft = -1;
          replied();
          continue;
        }
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) {
          if (buf.length > 64 * 1024) out.malformed ??= 'a reply head larger than 64 KiB';
          return;
        }
        const head = buf.subarray(0, end).toString('latin1');
        buf = buf.subarray(end + 4);
        const [line, ...fields] = head.split('\r\n');
        const m = /^HTTP\/1\.1 ([1-5]\d\d) [\x20-\x7e]*$/.exec(line!);
        if (!m || fields.some((f) => !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+: ?[\t\x20-\x7e\x80-\xff]*$/.test(f))) {
          out.malformed ??= JSON.stringify(head.slice(0, 200));
          return void (bodyLeft = Infinity);
        }
        const status = Number(m[1]);
        out.statuses.push(status);
        const get = (name: string): string | undefined => fields.find((f) => f.toLowerCase().startsWith(`${name}:`))?.slice(name.length + 1).trim();
        if (status === 101) {
          ws = true;
          if (c.ws && !c.ws.early) for (const f of c.ws.frames) socket.write(f);
          // frames sent: the server now either closes or (for a harmless input) keeps the socket open
          if (c.ws?.mayStayOpen) giveUp(1_000);
          continue;
        }
        if (status < 200) continue;
        const length = get('content-length');
        bodyLeft = status === 204 || status === 304 || c.head ? 0 : length !== undefined ? Number(length) : Infinity;
        if (bodyLeft === 0) {
          bodyLeft = -1;
          replied();
        }
      }
    };

    /** One server frame (never masked); false when it is not all here yet. */
    const wsFrame = (): boolean => {
      if (buf.length < 2) return false;
      const opcode = buf[0]! & 0x0f;
      if (buf[1]! & 0x80) out.malformed ??= 'a masked server frame';
      let len = buf[1]! & 0x7f;
      let at = 2;
      if (len === 126) {
        if (buf.length < 4) return false;
        len = buf.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (buf.length < 10) return false;
        len = Number(buf.readBigUInt64BE(2));
        at = 10;
      }
      if (buf.length < at + len) return false;
      const payload = buf.subarray(at, at + len);
      buf = buf.subarray(at + len);
      if (opcode === 8) {
        out.wsCloses.push(payload.length >= 2 ? payload.readUInt16BE(0) : 1005);
        // answer it as a client does (RFC 6455 §5.5.1); the server then closes the TCP connection
        socket.write(Buffer.from([0x88, 0x80, 0, 0, 0, 0]));
      }
      else if (opcode === 1) out.wsTexts.push(payload.toString('utf8'));
      return true;
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// the generator

interface Ctx {
  host: string;
  origin: string;
  cookie: string;
  token: string;
  /** a command this UPS really has: refused inputs name it, so an instcmd in the log would be a real leak */
  command: string;
}

type Rng = () => number;

/** Builds the 10,000 inputs; the same seed gives the same bytes. */
function generate(seed: number, ctx: Ctx): Case[] {
  const r: Rng = mulberry32(seed);
  const int = (n: number): number => Math.floor(r() * n);
  const between = (lo: number, hi: number): number => lo + int(hi - lo + 1);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const chance = (p: number): boolean => r() < p;
  const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(256)));
  const ascii = (n: number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'): string => Array.from({ length: n }, () => alphabet[int(alphabet.length)]).join('');
  const b = (s: string | Buffer): Buffer => (typeof s === 'string' ? Buffer.from(s, 'latin1') : s);
  /** a request: its line, header lines (Host and Connection: close unless `bare`), a body */
  const message = (line: string | Buffer, headers: (string | Buffer)[], body: string | Buffer = '', bare = false): Buffer =>
    Buffer.concat([
      b(line),
      b('\r\n'),
      ...[...(bare ? [] : [`Host: ${ctx.host}`]), ...headers, ...(bare ? [] : ['Connection: close'])].flatMap((h) => [b(h), b('\r\n')]),
      b('\r\n'),
      typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
    ]);
  const json = (body: string | Buffer, extra: string[] = []): string[] => [`Content-Type: application/json`, `Content-Length: ${Buffer.byteLength(body)}`, ...extra];
  const fakeFlow = (): string => ascii(24, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-');
  const fakeSession = (): string => ascii(43, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-');
  const same = `Origin: ${ctx.origin}`;
  const cookie = `Cookie: ${ctx.cookie}`;
  const token = `X-Walnut-Token: ${ctx.token}`;
  /** requests refused whatever their headers say: no session, no Origin, no route, no such method */
  const refusedTargets = ['GET /api/ups HTTP/1.1', 'GET /api/events HTTP/1.1', 'POST /api/flows HTTP/1.1', 'POST /api/logout HTTP/1.1', 'GET /no-such-page HTTP/1.1', 'PUT / HTTP/1.1', 'DELETE /api/ups HTTP/1.1'];
  const cases: Case[] = [];
  const add = (family: Family, what: string, chunks: Buffer | Buffer[], extra: Partial<Case> = {}): void => {
    cases.push({ family, what, chunks: Array.isArray(chunks) ? chunks : [chunks], ...extra });
  };

  // -- request lines -------------------------------------------------------------------------------------------
  const lines: [string, () => string | Buffer][] = [
    ['binary garbage', () => bytes(between(1, 300))],
    ['binary garbage ending in CRLFCRLF', () => Buffer.concat([bytes(between(1, 200)), b('\r\n\r\n')])],
    ['a NUL in the method', () => `GE\x00T /no-such-page HTTP/1.1`],
    ['a lowercase method', () => `${pick(['get', 'post', 'Get', 'pOST'])} /api/ups HTTP/1.1`],
    ['a very long method', () => `${'A'.repeat(between(20, 9000))} / HTTP/1.1`],
    ['an unknown method', () => `${pick(['FOO', 'BREW', 'G3T', 'GET\t', 'SPACEJUMP', 'X'])} /api/ups HTTP/1.1`],
    ['a bad version', () => `GET /api/ups ${pick(['HTTP/1.2', 'HTTP/2.0', 'HTTP/3', 'HTTP/1.1x', 'HTTP/11', 'http/1.1', 'HTTP/1.', 'HTTP/', 'HTTP/a.b', 'HTTPS/1.1', 'HTTP/1.1 extra', 'HTTP/01.1', 'HTTP/1.1\x00'])}`],
    ['no version (HTTP/0.9)', () => `GET /api/ups`],
    ['no target', () => `GET  HTTP/1.1`],
    ['only a method', () => pick(['GET', 'POST', 'GET ', ' '])],
    ['extra spaces', () => `GET  /api/ups  HTTP/1.1`],
    ['tabs for spaces', () => `GET\t/api/ups\tHTTP/1.1`],
    ['a leading space', () => ` GET /api/ups HTTP/1.1`],
    ['an HTTP/2 preface', () => `PRI * HTTP/2.0\r\n\r\nSM`],
    ['a TLS record inside TLS', () => Buffer.concat([b('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03'), bytes(between(10, 100))])],
    ['CONNECT', () => `CONNECT ${pick(['127.0.0.1:443', 'evil.example:80', ctx.host, '[::1]:22'])} HTTP/1.1`],
    ['a request line past the header limit', () => `GET /${'a'.repeat(between(8200, 20000))} HTTP/1.1`],
    ['a NUL in the target', () => `GET /api/\x00ups HTTP/1.1`],
    ['a DEL in the target', () => `GET /api/ups\x7f HTTP/1.1`],
    ['a bare CR in the line', () => `GET /api/ups\rHTTP/1.1`],
    ['UTF-8 in the method', () => Buffer.concat([b('G\xc3\xa9T'), b(' /api/ups HTTP/1.1')])],
  ];
  for (let i = 0; i < 1000; i++) {
    const [what, make] = lines[i % lines.length]!;
    const line = make();
    const lf = chance(0.15); // bare LF line ends, which RFC 9112 lets a server refuse
    const m = message(line, [], '');
    add('request-line', what, lf ? Buffer.from(m.toString('latin1').replaceAll('\r\n', '\n'), 'latin1') : m, what === 'CONNECT' ? { silent: true } : {});
  }

  // -- headers -------------------------------------------------------------------------------------------------
  const headerShapes: [string, () => (string | Buffer)[]][] = [
    ['a huge header value', () => [`X-Big: ${'v'.repeat(pick([4000, 8100, 9000, 20000, 70000]))}`]],
    ['thousands of headers', () => Array.from({ length: between(100, 3000) }, (_, i) => `X-H${i}: ${i}`)],
    ['a duplicated Host', () => [`Host: ${pick(['evil.example', ctx.host, '', '127.0.0.1'])}`]],
    ['binary in a header value', () => [Buffer.concat([b('X-Bin: '), bytes(between(1, 200)).map((x) => (x === 10 || x === 13 ? 0 : x))])]],
    ['a control character in a value', () => [`X-Ctl: a${String.fromCharCode(pick([0, 1, 7, 8, 11, 12, 27, 127]))}b`]],
    ['a bad header name', () => [pick(['Bad Header: x', ':x', 'X\x00Y: z', ': v', 'X(y): z', 'X-A\t: b', '\x80\x81: y', '"q": 1', 'X@: 1'])]],
    ['obs-fold continuation', () => ['X-Fold: a', `${pick([' ', '\t', '   '])}continued`]],
    ['whitespace before the colon', () => [pick(['Host : x', 'Cookie : a=b', 'Content-Length : 0', 'Origin\t: x'])]],
    ['a line without a colon', () => [pick(['NoColonHere', 'X-A', '\x00', 'HTTP/1.1 200 OK'])]],
    ['a bare CR in a value', () => [`X-Cr: a\rb`]],
    ['an Expect', () => [pick(['Expect: 100-continue', 'Expect: 200-ok', 'Expect: ', 'Expect: 100-continue, x'])]],
    ['an Upgrade elsewhere', () => ['Connection: Upgrade', `Upgrade: ${pick(['h2c', 'websocket', 'TLS/1.0', '\x01', 'a'.repeat(500)])}`]],
    ['garbage negotiation headers', () => [`Accept-Encoding: ${ascii(between(1, 2000), 'gzipbr,;q=0.5 *-')}`, `If-None-Match: ${ascii(between(1, 3000), '"W/,abc ')}`]],
    ['a huge cookie', () => [`Cookie: ${Array.from({ length: between(1, 400) }, () => `${ascii(5)}=${ascii(between(0, 40))}`).join('; ')}`]],
    ['UTF-8 in values', () => [Buffer.concat([b('X-Name: '), Buffer.from('ünïcødé ☃ 💥', 'utf8')]), Buffer.concat([b('Origin: '), Buffer.from('https://ünï.example', 'utf8')])]],
    ['many duplicated Content-Type', () => Array.from({ length: between(2, 50) }, () => `Content-Type: ${pick(['application/json', 'text/plain', '', 'a/b; c=d'])}`)],
    ['a CRLF-injected value', () => [`X-A: b\r\nX-Injected: yes\r\n`]],
    ['a header with no Host at all', () => []],
  ];
  for (let i = 0; i < 1200; i++) {
    const [what, make] = headerShapes[i % headerShapes.length]!;
    const target = pick(refusedTargets);
    const headers = make();
    const noHost = what === 'a header with no Host at all';
    const extra = [...headers, ...(chance(0.3) ? headerShapes[int(headerShapes.length - 1)]![1]() : [])];
    add('headers', what, noHost ? message(target, [...extra, 'Connection: close'], '', true) : message(target, extra));
  }

  // -- framing: Content-Length and Transfer-Encoding ----------------------------------------------------------
  const framingTargets = ['POST /api/flows/relay HTTP/1.1', 'POST /api/flows/finish HTTP/1.1', 'POST /api/nope HTTP/1.1', 'POST / HTTP/1.1', 'GET /api/ups HTTP/1.1'];
  // the request hidden after a body is one the server must refuse on its own merits (no session, no Origin, no
  // token, no route): a smuggling shape that got it answered 2xx would show
  const smuggled = (): string =>
    `${pick(['GET /api/ups HTTP/1.1', 'GET /admin HTTP/1.1', `POST /api/logout HTTP/1.1\r\n${cookie}`, `POST /api/ups/command HTTP/1.1\r\n${cookie}\r\n${token}`])}\r\nHost: ${ctx.host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`;
  const body = (): string => pick(['{}', '{"flow":1}', '0\r\n\r\n', 'x'.repeat(between(1, 200)), `{"data":"${ascii(40)}"}`]);
  const framingShapes: [string, () => { headers: string[]; body: string; incomplete?: boolean; keepAlive?: boolean }][] = [
    ['Content-Length and Transfer-Encoding (CL.TE)', () => ({ headers: ['Content-Length: 6', 'Transfer-Encoding: chunked'], body: `0\r\n\r\n${smuggled()}`, keepAlive: true })],
    ['Transfer-Encoding then Content-Length (TE.CL)', () => ({ headers: ['Transfer-Encoding: chunked', 'Content-Length: 4'], body: `5c\r\n${smuggled()}\r\n0\r\n\r\n`, keepAlive: true })],
    ['an obfuscated Transfer-Encoding', () => ({ headers: [`Transfer-Encoding: ${pick(['chunked, identity', 'identity, chunked', 'chunked, chunked', ' chunked', 'xchunked', 'chunked\x0b', 'Chunked', 'chunk', 'gzip, chunked', 'chunked;q=1', '"chunked"', 'identity', ''])}`, ...(chance(0.5) ? ['Content-Length: 3'] : [])], body: `3\r\nabc\r\n0\r\n\r\n` })],
    ['two Transfer-Encoding headers', () => ({ headers: ['Transfer-Encoding: chunked', `Transfer-Encoding: ${pick(['identity', 'chunked', 'x'])}`], body: '0\r\n\r\n' })],
    ['two different Content-Lengths', () => ({ headers: [`Content-Length: ${between(0, 5)}`, `Content-Length: ${between(6, 40)}`], body: body() })],
    ['a malformed Content-Length', () => ({ headers: [`Content-Length: ${pick(['-1', '+5', '0x10', '1e3', ' 5 5', '5,5', '5, 6', '99999999999999999999', 'abc', '', '\x00', '１', '5.0', '0-'])}`], body: body() })],
    ['Content-Length shorter than the body, a request smuggled after it', () => ({ headers: ['Content-Length: 2'], body: `{}${smuggled()}`, keepAlive: true })],
    ['Content-Length shorter than the body, garbage after it', () => ({ headers: ['Content-Length: 2'], body: `{}${ascii(between(1, 300), 'abc \r\n\x00:')}`, keepAlive: true })],
    ['Content-Length longer than the body', () => ({ headers: [`Content-Length: ${between(50, 16000)}`], body: '{"flow":', incomplete: true })],
    ['a bad chunk size', () => ({ headers: ['Transfer-Encoding: chunked'], body: `${pick(['zz', '-1', 'ffffffffffffffffffff', '0x5', ' 5', '5 ', '', '+5', '1;', '5;a=' + 'b'.repeat(5000)])}\r\nhello\r\n0\r\n\r\n` })],
    ['a chunk without its CRLF', () => ({ headers: ['Transfer-Encoding: chunked'], body: `5\r\nhelloXX0\r\n\r\n` })],
    ['chunk extensions', () => ({ headers: ['Transfer-Encoding: chunked'], body: `2;${Array.from({ length: between(1, 500) }, () => `${ascii(3)}=${ascii(3)}`).join(';')}\r\n{}\r\n0\r\n\r\n` })],
    ['garbage trailers', () => ({ headers: ['Transfer-Encoding: chunked'], body: `2\r\n{}\r\n0\r\n${pick(['X: y\r\n', 'Content-Length: 5\r\n', 'bad trailer\r\n', '\x00\r\n', 'Transfer-Encoding: chunked\r\n'])}\r\n` })],
    ['no last chunk', () => ({ headers: ['Transfer-Encoding: chunked'], body: `2\r\n{}\r\n`, incomplete: true })],
    ['chunked in HTTP/1.0', () => ({ headers: ['Transfer-Encoding: chunked'], body: '2\r\n{}\r\n0\r\n\r\n' })],
    ['a body on GET', () => ({ headers: [`Content-Length: ${between(1, 100)}`], body: 'x'.repeat(100) })],
  ];
  for (let i = 0; i < 1200; i++) {
    const [what, make] = framingShapes[i % framingShapes.length]!;
    const f = make();
    let target = pick(framingTargets);
    if (what === 'chunked in HTTP/1.0') target = target.replace('HTTP/1.1', 'HTTP/1.0');
    if (what === 'a body on GET') target = 'GET /api/ups HTTP/1.1';
    const headers = [...(chance(0.6) ? [same] : []), ...(chance(0.7) ? ['Content-Type: application/json'] : []), ...f.headers];
    // framing tricks decide where a request ends: a keep-alive first request lets the bytes after it be parsed
    const m = message(target, [...headers, ...(f.keepAlive ? [] : ['Connection: close'])], f.body, true);
    const out = Buffer.concat([b(`${target}\r\nHost: ${ctx.host}\r\n`), m.subarray(Buffer.byteLength(target) + 2)]);
    add('framing', what, chance(0.3) ? [out.subarray(0, 20), out.subarray(20)] : out, f.incomplete ? { incomplete: true } : {});
  }

  // -- oversized bodies ----------------------------------------------------------------------------------------
  for (let i = 0; i < 400; i++) {
    const route = pick(['/api/flows/relay', '/api/flows', '/api/ups/command', '/api/flows/confirm']);
    const auth = [same, ...(route === '/api/ups/command' ? [cookie, token] : [])];
    const size = pick([16_385, 16_500, 20_000, 65_536, between(17_000, 200_000)]);
    const filler = chance(0.5) ? Buffer.from(`{"data":"${'A'.repeat(size)}"}`) : bytes(size);
    switch (i % 4) {
      case 0: // declared: refused before a byte of it is read
        add('oversized-body', 'a declared body past maxBodyBytes', message(`POST ${route} HTTP/1.1`, [...auth, ...json(filler)], filler.subarray(0, between(0, 4096))));
        break;
      case 1: // declared and sent whole
        add('oversized-body', 'a whole body past maxBodyBytes', message(`POST ${route} HTTP/1.1`, [...auth, ...json(filler)], filler));
        break;
      case 2: {
        // chunked: no length to refuse up front, so the bound must hold while reading
        const parts: Buffer[] = [];
        for (let at = 0; at < filler.length; ) {
          const n = Math.min(filler.length - at, between(1, 8192));
          parts.push(b(`${n.toString(16)}\r\n`), filler.subarray(at, at + n), b('\r\n'));
          at += n;
        }
        parts.push(b('0\r\n\r\n'));
        add('oversized-body', 'a chunked body past maxBodyBytes', message(`POST ${route} HTTP/1.1`, [...auth, 'Content-Type: application/json', 'Transfer-Encoding: chunked'], Buffer.concat(parts)));
        break;
      }
      default: // a huge declared length, never sent
        add('oversized-body', 'an absurd Content-Length', message(`POST ${route} HTTP/1.1`, [...auth, 'Content-Type: application/json', `Content-Length: ${pick(['16385', '1000000000', '9007199254740993', '1' + '0'.repeat(30)])}`], '{'));
    }
  }

  // -- paths ---------------------------------------------------------------------------------------------------
  // each trick names a real file or route; none may reach it (a 4xx), whatever the encoding
  const names = ['index.html', 'api/hello', 'api/ups', 'etc/passwd', 'data/walnut.db', 'tls/ca-key.pem', 'metrics', 'api/live'];
  const tricks: ((n: string) => string)[] = [
    (n) => `/../${n}`,
    (n) => `/./${n}`,
    (n) => `/a/../${n}`,
    (n) => `/../../../../${n}`,
    (n) => `/%2e%2e/${n}`,
    (n) => `/%2E%2e/${n}`,
    (n) => `/.%2e/${n}`,
    (n) => `/%2e/${n}`,
    (n) => `/%252e%252e/${n}`,
    (n) => `/..%2f${n}`,
    (n) => `/..%2F..%2F${n}`,
    (n) => `/..%5c${n}`,
    (n) => `/..\\${n}`,
    (n) => `\\${n}`,
    (n) => (n.includes('/') ? `/${n.replace('/', '\\')}` : `/${n}\\`),
    (n) => `/${n}%00`,
    (n) => `/${n}%00.html`,
    (n) => `/${n}\x00`,
    (n) => `//${n}`,
    (n) => `///${n}`,
    (n) => `/${n}/`,
    (n) => `/${n}/.`,
    (n) => `/${n}/..`,
    (n) => `/${n};x=y`,
    (n) => `/${n}%`,
    (n) => `/${n}%zz`,
    (n) => `/${n}%c0%ae`,
    (n) => `/%c0%ae%c0%ae/${n}`,
    (n) => `/${n}%ff`,
    (n) => `/${n}%2f`,
    (n) => (n.includes('/') ? `/${n.replace('/', '%2f')}` : `/%2f${n}`),
    (n) => (n.includes('/') ? `/${n.replace('/', '%2F')}` : `/${n}%2F`),
    (n) => `/${n}%20`,
    (n) => `/${n}%09`,
    (n) => `/${n.toUpperCase()}`,
    (n) => `http://127.0.0.1/${n}`,
    (n) => `https://${ctx.host}/${n}`,
    (n) => `//evil.example/${n}`,
    (n) => `${n}`,
    (n) => `*`,
    (n) => `/${n}/${'a'.repeat(2100)}`,
    (n) => `/${'a/'.repeat(1500)}${n}`,
    (n) => `/${n}\xc3\xa9`,
    (n) => `/${n}\xff\xfe`,
    (n) => `/${n}#frag`,
    (n) => `/${n}%23`,
    (n) => `/${n}.`,
    (n) => `/${n}~`,
  ];
  for (let i = 0; i < 1200; i++) {
    const trick = tricks[i % tricks.length]!;
    const name = pick(names);
    const target = trick(name);
    const head = chance(0.15);
    add('path', `${head ? 'HEAD' : 'GET'} ${JSON.stringify(target.slice(0, 60))}`, message(`${head ? 'HEAD' : 'GET'} ${target} HTTP/1.1`, chance(0.3) ? [same] : []), head ? { head: true } : {});
  }

  // -- every route with a method it does not take --------------------------------------------------------------
  const getRoutes = ['/api/hello', '/api/ups', '/api/events', '/api/live'];
  const postRoutes = ['/api/flows', '/api/flows/relay', '/api/flows/start', '/api/flows/finish', '/api/flows/confirm', '/api/flows/end', '/api/logout', '/api/ups/command'];
  const pageRoutes = ['/', '/index.html', '/metrics', '/favicon.ico'];
  const otherMethods = ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'PROPFIND', 'MKCOL', 'LOCK', 'UNLOCK', 'COPY', 'MOVE', 'M-SEARCH', 'PURGE', 'LINK', 'UNLINK', 'SEARCH', 'REPORT', 'NOTIFY', 'SUBSCRIBE', 'ACL', 'BIND', 'QUERY'];
  for (let i = 0; i < 800; i++) {
    const kind = i % 4;
    let method: string;
    let route: string;
    if (kind === 0) [method, route] = [pick(otherMethods), pick([...getRoutes, ...postRoutes, ...pageRoutes])];
    else if (kind === 1) [method, route] = ['GET', pick(postRoutes)];
    else if (kind === 2) [method, route] = ['POST', pick([...getRoutes, ...pageRoutes])];
    else [method, route] = [pick(['HEAD', 'OPTIONS', 'DELETE']), pick([...getRoutes, ...postRoutes])];
    if (method === 'OPTIONS' && chance(0.2)) route = '*';
    const headers = [...(chance(0.7) ? [same] : []), ...(chance(0.6) ? [cookie] : []), ...(chance(0.5) ? [token] : []), ...(method === 'POST' ? json('{}') : [])];
    add('method', `${method} ${route}`, message(`${method} ${route} HTTP/1.1`, headers, method === 'POST' ? '{}' : ''), method === 'HEAD' ? { head: true } : {});
  }

  // -- JSON bodies ---------------------------------------------------------------------------------------------
  const badB64 = (): string =>
    pick([
      'A',
      'AAAAA',
      'AA==',
      'AAA=',
      'ab+/',
      'ab cd',
      'ab\ncd',
      '****',
      '%41%41',
      'AAAA'.repeat(between(700, 900)),
      Buffer.from(bytes(between(1, 50))).toString('base64'),
      '\u0000\u0001',
      'é',
      'A'.repeat(between(1, 3)) + '=',
    ]);
  const wrong = (): unknown => pick<() => unknown>([() => null, () => true, () => between(-1e6, 1e6), () => 1.5, () => [], () => [1, 2], () => ({}), () => ({ a: 1 }), () => 'x'.repeat(between(0, 3000)), () => 1e308, () => -0])();
  const invalidFlow = (): unknown => pick<() => unknown>([wrong, () => fakeFlow().slice(1), () => fakeFlow() + 'A', () => fakeFlow().replace(/^./, '!'), () => fakeFlow().replace(/^./, '\u00e9'), () => `${fakeFlow().slice(0, 23)}\u0000`, () => '../../etc/passwd'])();
  const deep = (n: number): string => (chance(0.5) ? '['.repeat(n) + ']'.repeat(n) : '{"a":'.repeat(n) + '1' + '}'.repeat(n));
  const notJson = (): string | Buffer =>
    pick<() => string | Buffer>([
      () => bytes(between(1, 500)),
      () => '{',
      () => '[',
      () => '{"flow":',
      () => 'nul',
      () => "{'flow':'x'}",
      () => '{flow:1}',
      () => '{"a":1,}',
      () => '[1,]',
      () => 'NaN',
      () => 'Infinity',
      () => '\ufeff{"flow":1}',
      () => Buffer.from('{"flow":1}', 'utf16le'),
      () => '{"a":1} // comment',
      () => '{"a":1}{"b":2}',
      () => '"\\ud800"',
      () => '{"\\u0000":1}',
      () => deep(between(1000, 8000)),
      () => `{${Array.from({ length: between(100, 1500) }, (_, k) => `"k${k}":${k}`).join(',')}}`,
      () => `[${'1,'.repeat(between(100, 7000))}1]`,
      () => `"${'x'.repeat(between(1000, 16000))}"`,
      () => `1${'0'.repeat(between(300, 5000))}`,
      () => '1e999999',
      () => ' ',
      () => 'true',
      () => 'null',
      () => '"a string"',
      () => '12345',
    ])();
  // every object below fails its route's schema: an unknown key, a wrong type, a bad flow, bad base64url, a
  // wrong length, or a command this UPS lacks; a valid flow id shape only goes to routes that then find no flow
  const objectFor = (route: string): Record<string, unknown> => {
    const flowOk = route !== '/api/flows/end' && chance(0.4);
    const flow = flowOk ? fakeFlow() : invalidFlow();
    switch (route) {
      case '/api/flows':
        return pick<Record<string, unknown>>([{ flow: fakeFlow() }, { a: 1 }, { ['__proto__']: { admin: true } }, { constructor: { prototype: 1 } }, { '': '' }, { [ascii(40)]: wrong() }]);
      case '/api/flows/relay':
      case '/api/flows/finish':
      case '/api/flows/confirm':
        return pick([
          { flow, data: badB64() },
          { flow, data: wrong() },
          { flow },
          { data: 'AAAA' },
          { flow, data: 'AAAA', extra: 1 },
          { flow: invalidFlow(), data: 'AAAA' },
          { flow, data: 'A'.repeat(route === '/api/flows/relay' ? 2800 : 700) },
          // a well-formed last step of a login nobody started: refused, and logged as a failed login
          ...(route === '/api/flows/confirm' ? [{ flow: invalidFlow(), data: Buffer.alloc(between(0, 31)).toString('base64url') }, { flow: fakeFlow(), data: bytes(32).toString('base64url') }] : []),
        ]);
      case '/api/flows/start':
        return pick([{ flow, choice: wrong(), chc: 'AAAAAAAAAAAAAAAAAAAAAA' }, { flow, choice: 'x'.repeat(81), chc: 'AAAAAAAAAAAAAAAAAAAAAA' }, { flow, choice: 'dp9r1 x', chc: badB64() }, { flow, choice: 'dp9r1 x', chc: Buffer.alloc(between(0, 15)).toString('base64url') }, { flow, choice: 'dp9r1 x' }, { flow: invalidFlow(), choice: 'dp9r1 x', chc: 'AAAAAAAAAAAAAAAAAAAAAA' }]);
      case '/api/flows/end':
        return pick([{ flow }, { flow: fakeFlow(), extra: true }, {}, { flow: [fakeFlow()] }]);
      default: // /api/ups/command, on the session with its token
        return pick([
          { command: wrong() },
          { command: `no-such-${ascii(8)}` },
          { command: `${ctx.command} ` },
          { command: `../${ctx.command}` },
          { command: 'x'.repeat(65) },
          { command: ctx.command, extra: 1 },
          { command: ctx.command, value: '1' },
          { command: [ctx.command] },
          { command: `${ctx.command}\u0000` },
          { Command: ctx.command },
          {},
        ]);
    }
  };
  const jsonRoutes = ['/api/flows', '/api/flows/relay', '/api/flows/start', '/api/flows/finish', '/api/flows/confirm', '/api/flows/end', '/api/ups/command'];
  for (let i = 0; i < 1800; i++) {
    const route = jsonRoutes[i % jsonRoutes.length]!;
    const auth = [same, ...(route === '/api/ups/command' ? [cookie, token] : chance(0.3) ? [cookie, token] : [])];
    const shape = int(10);
    let what: string;
    let payload: string | Buffer;
    let type = 'application/json';
    if (shape < 4) {
      what = 'not JSON, or not an object';
      payload = notJson();
      // an empty object is a valid body for POST /api/flows: it opens a flow, so never send one there
      if (route === '/api/flows' && /^\s*$/.test(payload.toString())) payload = '[]';
    } else if (shape < 9) {
      what = 'an object its route refuses';
      payload = JSON.stringify(objectFor(route));
      if (route === '/api/flows' && payload === '{}') payload = '{"a":1}';
    } else {
      what = 'a wrong Content-Type';
      payload = JSON.stringify(objectFor(route));
      type = pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'json', '', 'application/json\x00', '*/*']);
      if (payload === '{}') payload = '{"a":1}';
    }
    const head = type === '' ? [] : [`Content-Type: ${type}`];
    add('json', `${what} to ${route}`, message(`POST ${route} HTTP/1.1`, [...auth, ...head, `Content-Length: ${Buffer.byteLength(payload)}`], payload));
  }

  // -- Origin, X-Walnut-Token and cookies ----------------------------------------------------------------------
  const badOrigins = ['', 'Origin: null', 'Origin: https://evil.example', `Origin: http://${ctx.host}`, `Origin: https://127.0.0.1`, `Origin: https://127.0.0.1:1`, `Origin: ${ctx.origin}/`, `Origin: ${ctx.origin.toUpperCase()}`, `Origin: ${ctx.origin}.evil.example`, `Origin:  https://evil.example`, `Origin: https://${ctx.host}@evil.example`, 'Origin: file://', `Origin: ${ctx.origin}, ${ctx.origin}`, `Origin: ${ctx.origin}\x00`];
  const badCookies = [
    '',
    'Cookie: __Host-walnut=',
    `Cookie: __Host-walnut=${fakeSession()}`,
    `Cookie: __host-walnut=${ctx.cookie.split('=')[1]}`,
    `Cookie: walnut=${ctx.cookie.split('=')[1]}`,
    `Cookie: __Host-walnut=${ctx.cookie.split('=')[1]}x`,
    `Cookie: __Host-walnut=${ctx.cookie.split('=')[1]!.slice(1)}`,
    `Cookie: __Host-walnut="${ctx.cookie.split('=')[1]}"`,
    `Cookie: __Host-walnut=${fakeSession()}; ${ctx.cookie}`,
    'Cookie: ;;;;===;;',
    `Cookie: __Host-walnut=${'A'.repeat(4000)}`,
    'Cookie: __Host-walnut=\x01\x02\x03',
    `Cookie: a=${'b'.repeat(7000)}`,
  ];
  const badTokens = ['', 'X-Walnut-Token: ', `X-Walnut-Token: ${ctx.token.slice(1)}`, `X-Walnut-Token: ${ctx.token}x`, `X-Walnut-Token: ${fakeSession()}`, `X-Walnut-Token: ${ctx.token.toLowerCase()}`, `X-Walnut-Token: ${ctx.token}, ${ctx.token}`, `X-Walnut-Token: ${'\u00e9'.repeat(43)}`, `X-Walnut-Token: ${ctx.token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))}`];
  for (let i = 0; i < 1000; i++) {
    // each input gets at least one of: a bad Origin, a bad cookie, a bad token; the rest may be the real thing
    const kind = i % 5;
    const route = pick(['/api/logout', '/api/ups/command', '/api/ups/command', '/api/flows', '/api/events', '/api/ups']);
    const isGet = route === '/api/events' || route === '/api/ups';
    let origin = same;
    let ck = cookie;
    let tk = token;
    let what: string;
    if (kind === 0) [origin, what] = [pick(badOrigins), 'a missing or foreign Origin with the real cookie and token'];
    else if (kind === 1) [ck, what] = [pick(badCookies), 'a bad or foreign session cookie'];
    else if (kind === 2) [tk, what] = [pick(badTokens), 'a missing or wrong X-Walnut-Token'];
    else if (kind === 3) [origin, ck, tk, what] = [pick(badOrigins), pick(badCookies), pick(badTokens), 'everything wrong at once'];
    else [origin, tk, what] = [chance(0.5) ? pick(badOrigins) : same, pick(badTokens), 'a foreign page riding the cookie'];
    let realRoute = route;
    if (isGet) {
      // GET needs neither Origin nor token: only a bad cookie or a bad query can make it refused
      if (kind === 1 || kind === 3) ck = pick(badCookies.slice(0, -1));
      else {
        ck = cookie;
        realRoute = `/api/events?${pick(['limit=abc', 'limit=0', 'limit=-1', 'limit=1001', 'limit=1.5', 'limit=NaN', 'limit=Infinity', 'limit=99999999999999999999', 'limit=1,2', 'limit=%00', 'limit=&limit=5', `limit=${'9'.repeat(2000)}`])}`;
        what = 'a logged-in GET with a bad query';
      }
    }
    if (route === '/api/flows') origin = pick(badOrigins);
    const payload = route === '/api/ups/command' ? JSON.stringify({ command: ctx.command }) : route === '/api/flows' ? '{}' : '';
    const headers = [origin, ck, tk].filter((h) => h !== '');
    add('origin-token-cookie', `${what} on ${route}`, message(`${isGet ? 'GET' : 'POST'} ${realRoute} HTTP/1.1`, isGet ? [...headers] : [...headers, ...json(payload)], isGet ? '' : payload));
  }

  // -- ws handshakes -------------------------------------------------------------------------------------------
  const key = (): string => bytes(16).toString('base64');
  const upgrade = (o: { method?: string; path?: string; origin?: string; cookie?: string; key?: string | null; version?: string | null; upgradeHeader?: string | null; connection?: string; extra?: string[]; version10?: boolean }): Buffer =>
    message(
      `${o.method ?? 'GET'} ${o.path ?? '/api/live'} HTTP/1.${o.version10 ? 0 : 1}`,
      [
        ...(o.upgradeHeader === null ? [] : [`Upgrade: ${o.upgradeHeader ?? 'websocket'}`]),
        ...(o.key === null ? [] : [`Sec-WebSocket-Key: ${o.key ?? key()}`]),
        ...(o.version === null ? [] : [`Sec-WebSocket-Version: ${o.version ?? '13'}`]),
        ...(o.origin === '' ? [] : [o.origin ?? same]),
        ...(o.cookie === '' ? [] : [o.cookie ?? cookie]),
        ...(o.extra ?? []),
      ],
      '',
      true,
    );
  const withHost = (m: Buffer, connection = 'Upgrade'): Buffer => {
    const text = m.toString('latin1');
    const eol = text.indexOf('\r\n');
    return Buffer.from(`${text.slice(0, eol)}\r\nHost: ${ctx.host}\r\nConnection: ${connection}${text.slice(eol)}`, 'latin1');
  };
  const handshakes: [string, () => Buffer][] = [
    ['no session cookie', () => withHost(upgrade({ cookie: '' }))],
    ['a bad session cookie', () => withHost(upgrade({ cookie: pick(badCookies.slice(1)) }))],
    ['a foreign or missing Origin', () => withHost(upgrade({ origin: pick(badOrigins) }))],
    ['no Sec-WebSocket-Key', () => withHost(upgrade({ key: null }))],
    ['a bad Sec-WebSocket-Key', () => withHost(upgrade({ key: pick(['abc', 'A'.repeat(23), bytes(17).toString('base64'), bytes(15).toString('base64'), '', '\x01\x02', key() + 'x', key().replace('==', '')]) }))],
    ['a bad Sec-WebSocket-Version', () => withHost(upgrade({ version: pick(['12', '14', '7', '0', '', 'abc', '13, 8', '130', '-13']) }))],
    ['no Sec-WebSocket-Version', () => withHost(upgrade({ version: null }))],
    ['a wrong Upgrade', () => withHost(upgrade({ upgradeHeader: pick(['websocketx', 'h2c', 'web socket', '', 'websocket, h2c']) }))],
    ['no Upgrade header', () => withHost(upgrade({ upgradeHeader: null }))],
    ['a method other than GET', () => withHost(upgrade({ method: pick(['POST', 'PUT', 'DELETE', 'OPTIONS']) }))],
    ['the wrong path', () => withHost(upgrade({ path: pick(['/api/live/', '/api/Live', '/api/live%00', '/api/../api/live', '/live', '/', '//api/live', '/api/live/x']) }))],
    ['a bad Sec-WebSocket-Protocol', () => withHost(upgrade({ extra: [`Sec-WebSocket-Protocol: ${pick([',', 'a,,b', 'a b', '\x01', 'a, a'])}`] }))],
    ['a bad Sec-WebSocket-Extensions with no session', () => withHost(upgrade({ cookie: '', extra: [`Sec-WebSocket-Extensions: ${pick(['permessage-deflate; x', ';;;', 'a=b=c', '\x01'])}`] }))],
    ['Connection without Upgrade', () => withHost(upgrade({}), pick(['close', 'close, Upgradex', 'keep-alive, close']))],
  ];
  for (let i = 0; i < 700; i++) {
    const [what, make] = handshakes[i % handshakes.length]!;
    add('ws-handshake', what, make());
  }

  // -- ws frames on a logged-in session ------------------------------------------------------------------------
  /** a client frame: masked unless told; `len` overrides the length field (a lie about the payload) */
  const frame = (o: { fin?: boolean; rsv?: number; opcode: number; payload?: Buffer; masked?: boolean; len?: number | bigint }): Buffer => {
    const payload = o.payload ?? Buffer.alloc(0);
    const masked = o.masked ?? true;
    const len = o.len ?? payload.length;
    const h: number[] = [((o.fin ?? true) ? 0x80 : 0) | ((o.rsv ?? 0) << 4) | o.opcode];
    const m = masked ? 0x80 : 0;
    let ext = Buffer.alloc(0);
    if (typeof len === 'bigint' || len > 0xffff) {
      h.push(m | 127);
      ext = Buffer.alloc(8);
      ext.writeBigUInt64BE(BigInt(len));
    } else if (len > 125) {
      h.push(m | 126);
      ext = Buffer.alloc(2);
      ext.writeUInt16BE(len);
    } else h.push(m | len);
    if (!masked) return Buffer.concat([Buffer.from(h), ext, payload]);
    const mask = bytes(4);
    return Buffer.concat([Buffer.from(h), ext, mask, payload.map((x, k) => x ^ mask[k % 4]!)]);
  };
  const text = (s: string): Buffer => Buffer.from(s, 'utf8');
  const badUtf8 = (): Buffer => pick([Buffer.from([0xff]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xf4, 0x90, 0x80, 0x80]), Buffer.from([0xe2, 0x82]), Buffer.from([0x80]), Buffer.concat([text('ok '), Buffer.from([0xfe, 0xfe])])]);
  const closePayload = (code: number, reason: Buffer = Buffer.alloc(0)): Buffer => {
    const p = Buffer.alloc(2);
    p.writeUInt16BE(code);
    return Buffer.concat([p, reason]);
  };
  const frameShapes: [string, () => { frames: Buffer[]; incomplete?: boolean; mayStayOpen?: boolean }][] = [
    ['an unmasked client frame', () => ({ frames: [frame({ opcode: pick([1, 2, 9]), payload: text(ascii(between(0, 100))), masked: false })] })],
    ['a reserved opcode', () => ({ frames: [frame({ opcode: pick([3, 4, 5, 6, 7, 11, 12, 13, 14, 15]), payload: bytes(between(0, 50)) })] })],
    ['RSV bits without an extension', () => ({ frames: [frame({ opcode: pick([1, 2]), rsv: between(1, 7), payload: text('hi') })] })],
    ['a message past 1 KiB', () => ({ frames: [frame({ opcode: pick([1, 2]), payload: Buffer.alloc(between(1025, 70_000), 0x61) })] })],
    ['a length past 1 KiB, never sent', () => ({ frames: [frame({ opcode: 2, len: pick([1025, 65_535, 65_536, 2 ** 31, 2 ** 40]) }).subarray(0, 14)] })],
    ['a 64-bit length with its top bit set', () => ({ frames: [frame({ opcode: 2, len: 0x8000_0000_0000_0000n + BigInt(between(0, 1000)) }).subarray(0, 14)] })],
    ['a fragmented control frame', () => ({ frames: [frame({ fin: false, opcode: pick([8, 9, 10]), payload: text('x') })] })],
    ['a control frame past 125 bytes', () => ({ frames: [frame({ opcode: pick([9, 10]), payload: Buffer.alloc(between(126, 1000)) })] })],
    ['a continuation with nothing to continue', () => ({ frames: [frame({ opcode: 0, payload: text('orphan') })] })],
    ['a new message inside a fragmented one', () => ({ frames: [frame({ fin: false, opcode: 1, payload: text('part') }), frame({ opcode: pick([1, 2]), payload: text('other') })] })],
    ['fragments adding up past 1 KiB', () => ({ frames: [frame({ fin: false, opcode: 2, payload: Buffer.alloc(600) }), frame({ fin: false, opcode: 0, payload: Buffer.alloc(600) }), frame({ opcode: 0, payload: Buffer.alloc(10) })] })],
    ['invalid UTF-8 in a text message', () => ({ frames: [frame({ opcode: 1, payload: badUtf8() })] })],
    ['invalid UTF-8 split across fragments', () => ({ frames: [frame({ fin: false, opcode: 1, payload: Buffer.from([0xe2]) }), frame({ opcode: 0, payload: Buffer.from([0x28, 0xa1]) })] })],
    ['a close frame with a 1-byte body', () => ({ frames: [frame({ opcode: 8, payload: Buffer.from([0x03]) })] })],
    ['a close frame with an invalid code', () => ({ frames: [frame({ opcode: 8, payload: closePayload(pick([0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535])) })] })],
    ['a close frame with an invalid UTF-8 reason', () => ({ frames: [frame({ opcode: 8, payload: closePayload(1000, badUtf8()) })] })],
    ['a flood of messages', () => ({ frames: Array.from({ length: between(31, 120) }, () => frame({ opcode: pick([1, 2]), payload: text(ascii(between(0, 64))) })) })],
    ['a flood of pings, then a bad frame', () => ({ frames: [...Array.from({ length: between(10, 200) }, () => frame({ opcode: 9, payload: bytes(between(0, 125)) })), frame({ opcode: 3 })] })],
    ['a flood of tiny fragments', () => ({ frames: [frame({ fin: false, opcode: 1, payload: text('a') }), ...Array.from({ length: between(1030, 1500) }, () => frame({ fin: false, opcode: 0, payload: text('a') }))] })],
    ['random bytes', () => ({ frames: [bytes(between(1, 400))], incomplete: true, mayStayOpen: true })],
    ['a truncated frame', () => ({ frames: [frame({ opcode: 1, payload: text(ascii(100)) }).subarray(0, between(1, 50))], incomplete: true, mayStayOpen: true })],
  ];
  for (let i = 0; i < 700; i++) {
    const [what, make] = frameShapes[i % frameShapes.length]!;
    const f = make();
    const early = chance(0.25); // frames in the same write as the handshake: ws must take them from `head`
    add('ws-frames', what, withHost(upgrade({})), { ws: { frames: f.frames, early, mayStayOpen: f.mayStayOpen ?? false }, ...(f.incomplete ? { incomplete: true } : {}) });
  }

  // a seeded shuffle: the families interleave on the wire
  for (let i = cases.length - 1; i > 0; i--) {
    const j = int(i + 1);
    [cases[i], cases[j]] = [cases[j]!, cases[i]!];
  }
  return cases;
}

/** What is wrong with one outcome, or undefined. */
function problem(c: Case, o: Outcome): string | undefined {
  if (o.malformed) return `a malformed reply: ${o.malformed}`;
  const final = o.statuses.filter((s) => s !== 100);
  if (final.some((s) => s >= 500)) return `a 5xx: ${final.join(' ')}`;
  if (c.ws) {
    if (final[0] !== 101) return `a valid upgrade got ${final.join(' ') || 'no reply'}`;
    // frames sent with the handshake can fail the socket before the snapshot is out: ws then terminates it
    if (!c.ws.early && !o.wsTexts[0]?.startsWith('{"type":"snapshot"')) return 'no snapshot after the upgrade';
    // ws echoes a client's valid close code (random bytes can make one); it sends only codes RFC 6455 allows
    if (o.wsCloses.some((code) => !(code === 1000 || (code >= 1001 && code <= 1003) || (code >= 1007 && code <= 1011) || (code >= 3000 && code <= 4999)))) return `closed with ${o.wsCloses.join(' ')}`;
    if (!c.incomplete && !c.ws.mayStayOpen && !o.closedByServer && o.wsCloses.length === 0) return 'the server kept a socket open after a malformed frame';
    return undefined;
  }
  if (final.some((s) => s < 400 || s >= 500)) return `answered ${final.join(' ')}`;
  // a whole request is answered, even a refused one; only CONNECT (no tunnels here) is dropped unanswered
  if (!c.incomplete && !c.silent && final.length === 0) return o.timedOut ? 'no reply and no close (a hang)' : 'closed without a reply';
  return undefined;
}

async function runAll(port: number, cases: Case[], concurrency: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(cases.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < cases.length) {
        const i = next++;
        outcomes[i] = await runCase(port, cases[i]!);
      }
    }),
  );
  return outcomes;
}

// ---------------------------------------------------------------------------------------------------------------
// the tests

test('10,000 malformed HTTP and ws inputs crash nothing, draw no 5xx and write nothing; the page and the live channel still work after them', { timeout: 180_000 }, async (t) => {
  const w = await startClaimed(OWNER_PASSWORD, { config: { web: { requestsPerMinute: 100_000 } } });
  try {
    const port = await w.webPort();
    const s = await logIn(port, 'admin', OWNER_PASSWORD);
    const ups = JSON.parse((await request(port, 'GET', '/api/ups', { Cookie: s.cookie })).text) as { commands: { name: string }[] };
    const command = ups.commands.map((c) => c.name).find((n) => n.startsWith('beeper')) ?? ups.commands[0]!.name;
    // the event log flushes its queue every second: the login's own line first
    let eventsBefore: string[] = [];
    await until('the login in the event log', async () => (eventsBefore = await eventLines(w)).some((l) => / web-login /.test(l)));
    const usersBefore = await userList(w);
    const logBefore = w.logs().length;

    const cases = generate(SEED, { ...s, command });
    assert.equal(cases.length, 10_000);
    const counts = new Map<Family, number>();
    for (const c of cases) counts.set(c.family, (counts.get(c.family) ?? 0) + 1);
    // WALNUT_FUZZ_ONLY=12,345 replays those inputs alone and prints their bytes and what came back
    const only = process.env.WALNUT_FUZZ_ONLY?.split(',').map(Number);
    if (only) {
      for (const i of only) {
        const c = cases[i]!;
        const o = await runCase(port, c);
        t.diagnostic(`#${i} ${c.family}: ${c.what}\n${JSON.stringify(Buffer.concat(c.chunks).toString('latin1').slice(0, 1500))}\n${JSON.stringify(o)}\n${problem(c, o) ?? 'ok'}`);
      }
      return;
    }
    const t0 = performance.now();
    const outcomes = await runAll(port, cases, CONCURRENCY);
    const seconds = (performance.now() - t0) / 1000;

    const failures: string[] = [];
    const statuses = new Map<string, number>();
    outcomes.forEach((o, i) => {
      const c = cases[i]!;
      const key = `${c.family} ${o.statuses.join(',') || (o.closedByServer ? 'closed' : 'gave up')}${o.wsCloses.length ? ` ws ${o.wsCloses.join(',')}` : ''}`;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
      const p = problem(c, o);
      if (p) failures.push(`#${i} ${c.family}: ${c.what}: ${p}`);
    });
    t.diagnostic(`seed ${SEED}: ${cases.length} inputs in ${seconds.toFixed(1)} s; ${[...counts].map(([f, n]) => `${f} ${n}`).join(', ')}`);
    for (const [k, n] of [...statuses].sort()) t.diagnostic(`${k}: ${n}`);
    if (process.env.WALNUT_FUZZ_REPORT) {
      const byWhat = new Map<string, number[]>();
      outcomes.forEach((o, i) => {
        const k = `${cases[i]!.family} | ${cases[i]!.what} | ${o.statuses.join(',') || (o.closedByServer ? 'closed' : 'gave up')}${o.wsCloses.length ? ` ws ${o.wsCloses.join(',')}` : ''}`;
        byWhat.set(k, [...(byWhat.get(k) ?? []), i]);
      });
      writeFileSync(process.env.WALNUT_FUZZ_REPORT, [...[...byWhat].sort().map(([k, n]) => `${n.length}\t${k}\t#${n.slice(0, 4).join(',')}`), '', ...failures].join('\n'));
    }
    assert.deepEqual(failures.slice(0, 30), [], `${failures.length} of ${cases.length} inputs went wrong (seed ${SEED})`);

    assert.ok(alive(w), `walnut exited; log tail:\n${w.logs().slice(-3000)}`);
    const log = w.logs().slice(logBefore);
    assert.doesNotMatch(log, /uncaught|unhandled|\n\s+at [^\n]+:\d+:\d+|\berror web:/i, log.slice(0, 3000));

    // nothing written: no login, logout, command or user change; refusals only
    await new Promise((r) => setTimeout(r, 1_500)); // past the event log's next flush
    const eventsAfter = await eventLines(w);
    assert.deepEqual(eventsAfter.slice(0, eventsBefore.length), eventsBefore);
    const added = eventsAfter.slice(eventsBefore.length);
    const kinds = new Set(added.map((l) => l.split(' ')[1]));
    t.diagnostic(`events the inputs added: ${added.length} (${[...kinds].join(', ') || 'none'})`);
    // not even a failed login: made-up flows are 400s that write nothing (src/web/api.ts)
    assert.deepEqual(added, [], added.slice(0, 20).join('\n'));
    assert.equal(await userList(w), usersBefore);

    // a fresh page load, the page's first question, and the session still there
    const page = await request(port, 'GET', '/');
    assert.equal(page.status, 200);
    assert.match(page.text, /<!doctype html>/i);
    const hello = await request(port, 'GET', '/api/hello', { Cookie: s.cookie });
    assert.equal(hello.status, 200);
    assert.match(String(hello.headers['content-type']), /^application\/json/);
    assert.equal((JSON.parse(hello.text) as { session: { user: string } | null }).session?.user, 'admin');

    // a real ws client on the session gets its snapshot
    const ws = new WebSocket(`wss://${s.host}/api/live`, { headers: { Cookie: s.cookie }, origin: s.origin, rejectUnauthorized: false });
    const first = await new Promise<string>((resolve, reject) => {
      ws.once('message', (d) => resolve(String(d)));
      ws.once('error', reject);
      setTimeout(() => reject(new Error('no snapshot')), 10_000);
    });
    ws.close();
    assert.equal((JSON.parse(first) as { type: string }).type, 'snapshot');
  } finally {
    await w.stop();
  }
});

test('the default request limit answers a flood with 429, for requests and ws upgrades alike', async () => {
  const w = await startWalnut();
  try {
    const port = await w.webPort();
    const agent = new https.Agent({ keepAlive: true, maxSockets: 8, rejectUnauthorized: false });
    const get = (path: string): Promise<JsonReply> =>
      new Promise((resolve, reject) => {
        const req = https.request({ host: '127.0.0.1', port, path, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        });
        req.on('error', reject);
        req.end();
      });
    const replies = await Promise.all(Array.from({ length: 700 }, () => get('/api/hello')));
    agent.destroy();
    const ok = replies.filter((r) => r.status === 200).length;
    const limited = replies.filter((r) => r.status === 429);
    assert.equal(ok + limited.length, replies.length, `other statuses: ${[...new Set(replies.map((r) => r.status))].join(' ')}`);
    // 600 a minute (web.requestsPerMinute's default): the rest of the 700 are refused
    assert.ok(ok >= 590 && ok <= 600, `${ok} answered`);
    assert.deepEqual(JSON.parse(limited[0]!.text), { error: 'too-many-requests', message: 'too many requests; wait a minute' });
    const upgraded = await runCase(port, {
      family: 'ws-handshake',
      what: 'an upgrade past the limit',
      chunks: [Buffer.from(`GET /api/live HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: https://127.0.0.1:${port}\r\n\r\n`)],
    });
    assert.deepEqual(upgraded.statuses, [429]);
  } finally {
    await w.stop();
  }
});
