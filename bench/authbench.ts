// authbench: the dp9r1 rows of `make bench` (issue 6; docs/auth-protocol.md §4.1 quotes them). In one process,
// no sockets, no SQLite: the AS is src/authsrv/conversation.ts over in-memory AsDeps, as in
// conversation.test.ts, so these are the protocol's own CPU and memory costs on this machine (the lockout's
// SQLite writes and the transports come on top). Absolute figures, nothing asserted:
//   1. scrypt password key (passwordKey, N=2^15 r=8 p=1): mean and median of one derivation after a warm-up,
//      up to 20 runs or 5 s. Memory: 128·N·r = 32 MiB by formula, next to the peak-RSS rise over the first run;
//   2. AS cost of one ticket: Conversation.handle of the 337-byte AuthPAK request (server and client Y, two
//      hash-to-group pairs and two scalar multiplications) plus the 305-byte confirmation/ticket request (two
//      sealed tickets). Only the two handle calls are timed (hrtime summed around each): the client and server
//      messages are made outside, a batch of first requests ahead, each second request from its AS reply.
//      Tickets per second for one core = 1 / (mean of the two). Up to 2,000 tickets or 5 s;
//   3. full exchanges per second, client + server + AS in one thread as conversation.test.ts's login():
//      p9any, ServerAuth.start, ClientAuth.asRequest, AS, asConfirm, AS, asTickets, ServerAuth.finish,
//      ClientAuth.finish, ServerAuth.confirm. K_u is derived once up front (a client caches it), so this is
//      PAK + tickets + authenticators + Finished tags. Up to 1,000 exchanges or 5 s;
//   4. AuthNUT checks (§7.4) through Conversation on the local transport: one scrypt each, so bounded by (1).
//      Up to 8 checks or 5 s one at a time, then up to 4 pairs or 5 s two at once (the AS's scrypt cap, 2).
// For (2) and (3) K_u is derived once with passwordKey and handed to ClientAuth as its `key` option, so
// ClientAuth.choose skips scrypt; (1) and (4) run the real scrypt every time.
// Usage: node bench/authbench.ts
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { AUTHENTLEN, AuthNUT, AuthOK, CONFIRMLEN, NUTREQLEN, PAKYLEN, TICKETLEN, TICKREQLEN } from '../src/authsrv/constants.ts';
import { Conversation, type AsDeps } from '../src/authsrv/conversation.ts';
import { SCRYPT_PARAMS, passwordKey } from '../src/authsrv/keys.ts';
import { encodeNutreq } from '../src/authsrv/messages.ts';
import { ClientAuth, ServerAuth } from '../src/authsrv/mutual.ts';
import { PakState } from '../src/authsrv/pak.ts';

const SECTION_MS = 5000;
const DOM = 'walnut-bench';
const dom = new Uint8Array(Buffer.from(DOM));
const b = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
const USER = 'alice';
const PASSWORD = 'correct horse battery staple';

const now = (): bigint => process.hrtime.bigint();
const msSince = (t0: bigint): number => Number(now() - t0) / 1e6;
const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function machine(): { cpu: string; cores: number; node: string } {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    // x86: "model name"; a Pi's arm64 kernel has no model name but a board "Model" line
    const line = /^model name\s*:\s*(.+)$/m.exec(info) ?? /^Model\s*:\s*(.+)$/m.exec(info);
    if (line?.[1]) cpu = line[1].trim();
  } catch {
    // not Linux: os.cpus() it is
  }
  return { cpu, cores: cpus().length, node: process.version };
}

// ---- the AS reply sizes the bench checks (src/authsrv/constants.ts) ---------------------------------------

const REPLY = {
  pakWithServer: 1 + 3 * PAKYLEN, // 97: AuthOK, YBs, YBc, cBc
  tickets: 1 + 2 * TICKETLEN, // 409: AuthOK, Tc, Ts
  nut: 1 + PAKYLEN + TICKETLEN + AUTHENTLEN, // 313: the AuthNUT reply
} as const;

// ---- the client's cached K_u (see the header), set once scrypt (1) is done --------------------------------

let clientKey: Uint8Array | undefined;
const cachedKey = (): Uint8Array => {
  if (!clientKey) throw new Error('K_u not derived yet');
  return clientKey;
};

// ---- the AS world: in-memory maps, no lockout database -----------------------------------------------------

const serverKey = new Uint8Array(randomBytes(32));
const users = new Map<string, Uint8Array>();
const name = (n: Uint8Array): string => Buffer.from(n).toString('latin1');
const deps: AsDeps = {
  dom,
  keyseed: new Uint8Array(randomBytes(32)),
  userKey: (n) => users.get(name(n)),
  serverKey: (n) => (name(n) === 'upsd' ? serverKey : undefined),
  legacyKey: () => undefined,
  setUserKey: (n, k) => void users.set(name(n), k),
  speaksFor: () => false,
  locked: () => false,
  failed: () => undefined,
  succeeded: () => undefined,
  newPasswordProblem: () => undefined,
  derive: (p, n) => passwordKey(p, dom, n),
  log: () => undefined,
};

function expectOk(reply: Uint8Array, size: number, what: string): void {
  // a sanity check that the bench times the success path, not a timing assertion
  if (reply[0] !== AuthOK || reply.length !== size) throw new Error(`${what}: AS answered ${reply.length} bytes, type ${reply[0]}`);
}

// ---- 1. scrypt ---------------------------------------------------------------------------------------------

async function scryptTimes(): Promise<{ ms: number[]; rssRiseMiB: number }> {
  const pw = b(PASSWORD);
  const rss0 = process.resourceUsage().maxRSS; // KiB
  await passwordKey(pw, dom, b(USER)); // warm-up, and the first touch of the 32 MiB
  const rssRiseMiB = (process.resourceUsage().maxRSS - rss0) / 1024;
  const ms: number[] = [];
  const t0 = now();
  while (ms.length < 20 && msSince(t0) < SECTION_MS) {
    const t = now();
    await passwordKey(pw, dom, b(USER));
    ms.push(msSince(t));
  }
  return { ms, rssRiseMiB };
}

// ---- 2. AS cost per ticket ---------------------------------------------------------------------------------

interface Prepared {
  client: ClientAuth;
  as: Conversation;
  req1: Uint8Array;
}

async function prepare(): Promise<Prepared> {
  const server = new ServerAuth({ id: b('upsd'), key: serverKey, dom: DOM });
  const client = new ClientAuth({ user: b(USER), password: b(PASSWORD), key: cachedKey() });
  server.choose(await client.choose(server.offer));
  const req1 = client.asRequest(server.start(client.start()));
  if (req1.length !== TICKREQLEN + 2 * PAKYLEN) throw new Error(`AuthPAK request of ${req1.length} bytes`);
  return { client, as: new Conversation(deps, '192.0.2.7', 'tcp'), req1 };
}

async function asTickets(max: number, ms: number): Promise<{ pakUs: number[]; ticketUs: number[] }> {
  const pakUs: number[] = [];
  const ticketUs: number[] = [];
  const t0 = now();
  while (pakUs.length < max && msSince(t0) < ms) {
    const batch: Prepared[] = [];
    for (let i = 0; i < 50 && pakUs.length + batch.length < max; i++) batch.push(await prepare());
    for (const p of batch) {
      let t = now();
      const r1 = await p.as.handle(p.req1);
      pakUs.push(Number(now() - t) / 1e3);
      expectOk(r1.reply, REPLY.pakWithServer, 'PAK step');
      const req2 = p.client.asConfirm(r1.reply);
      if (req2.length !== CONFIRMLEN + TICKREQLEN) throw new Error(`ticket request of ${req2.length} bytes`);
      t = now();
      const r2 = await p.as.handle(req2);
      ticketUs.push(Number(now() - t) / 1e3);
      expectOk(r2.reply, REPLY.tickets, 'ticket step');
    }
  }
  return { pakUs, ticketUs };
}

// ---- 3. full exchanges -------------------------------------------------------------------------------------

async function exchange(): Promise<void> {
  const server = new ServerAuth({ id: b('upsd'), key: serverKey, dom: DOM });
  const client = new ClientAuth({ user: b(USER), password: b(PASSWORD), key: cachedKey() });
  server.choose(await client.choose(server.offer));
  const start = server.start(client.start());
  const as = new Conversation(deps, '192.0.2.7', 'tcp');
  const r1 = await as.handle(client.asRequest(start));
  const r2 = await as.handle(client.asConfirm(r1.reply));
  const clientTag = client.finish(server.finish(client.asTickets(r2.reply)));
  if (name(server.confirm(clientTag)) !== USER) throw new Error('exchange authenticated someone else');
}

async function exchanges(): Promise<{ n: number; ms: number; each: number[] }> {
  for (let i = 0; i < 20; i++) await exchange(); // warm-up
  const each: number[] = [];
  const t0 = now();
  while (each.length < 1000 && msSince(t0) < SECTION_MS) {
    const t = now();
    await exchange();
    each.push(msSince(t));
  }
  return { n: each.length, ms: msSince(t0), each };
}

// ---- 4. AuthNUT --------------------------------------------------------------------------------------------

async function nutCheck(): Promise<void> {
  const pak = new PakState('client', { key: serverKey, dom, id: b('upsd') });
  const tr = { type: AuthNUT, authid: b('upsd'), authdom: dom, chal: new Uint8Array(randomBytes(16)), hostid: b('upsd'), uid: b(USER) };
  const req = new Uint8Array(Buffer.concat([encodeNutreq(tr, b(PASSWORD)), pak.y]));
  const as = new Conversation(deps, '127.0.0.1', 'local');
  if (as.need(req) !== NUTREQLEN + PAKYLEN) throw new Error('AuthNUT request size');
  expectOk((await as.handle(req)).reply, REPLY.nut, 'AuthNUT');
}

async function nutChecks(parallel: number, max: number): Promise<{ checks: number; ms: number; each: number[] }> {
  const each: number[] = [];
  const t0 = now();
  while (each.length < max && msSince(t0) < SECTION_MS) {
    const t = now();
    await Promise.all(Array.from({ length: parallel }, () => nutCheck()));
    each.push(msSince(t));
  }
  return { checks: each.length * parallel, ms: msSince(t0), each };
}

// ---- run ---------------------------------------------------------------------------------------------------

const m = machine();
const { N, r, p } = SCRYPT_PARAMS;
const scryptMiB = (128 * N * r) / 2 ** 20;
const sc = await scryptTimes();
clientKey = await passwordKey(b(PASSWORD), dom, b(USER)); // K_u, once: the client's cache and the AS's record
users.set(USER, clientKey);

await asTickets(30, SECTION_MS); // warm-up: JIT, noble's precomputed base-point tables
const tk = await asTickets(2000, SECTION_MS);
const ex = await exchanges();

await nutCheck(); // warm-up
const nut1 = await nutChecks(1, 8);
const nut2 = await nutChecks(2, 4);

const perTicketUs = tk.pakUs.map((x, i) => x + tk.ticketUs[i]!);
const ticketUs = mean(perTicketUs);
const summary = {
  bench: 'authbench',
  cpu: m.cpu,
  cores: m.cores,
  node: m.node,
  scrypt: { N, r, p, memoryMiB: scryptMiB, peakRssRiseMiB: +sc.rssRiseMiB.toFixed(1), runs: sc.ms.length, meanMs: +mean(sc.ms).toFixed(1), medianMs: +median(sc.ms).toFixed(1) },
  asTicket: {
    tickets: perTicketUs.length,
    pakMeanUs: +mean(tk.pakUs).toFixed(0),
    ticketStepMeanUs: +mean(tk.ticketUs).toFixed(0),
    meanUs: +ticketUs.toFixed(0),
    medianUs: +median(perTicketUs).toFixed(0),
    perSecondOneCore: +(1e6 / ticketUs).toFixed(0),
  },
  exchange: { runs: ex.n, meanMs: +mean(ex.each).toFixed(2), medianMs: +median(ex.each).toFixed(2), perSecond: +(ex.n / (ex.ms / 1000)).toFixed(0) },
  authNut: {
    runs: nut1.checks,
    meanMs: +mean(nut1.each).toFixed(1),
    perSecond: +(nut1.checks / (nut1.ms / 1000)).toFixed(2),
    parallel2: { checks: nut2.checks, meanPairMs: +mean(nut2.each).toFixed(1), perSecond: +(nut2.checks / (nut2.ms / 1000)).toFixed(2) },
  },
};

const f1 = (x: number): string => x.toFixed(1);
console.log(`\ndp9r1 authentication (in process, absolute figures on this machine; issue 6)`);
console.log(`machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}\n`);
console.log('| measure | runs | mean | median | per second |');
console.log('|:---|---:|---:|---:|---:|');
console.log(`| scrypt passwordKey (N=2^${Math.log2(N)}, r=${r}, p=${p}) | ${sc.ms.length} | ${f1(mean(sc.ms))} ms | ${f1(median(sc.ms))} ms | ${(1000 / mean(sc.ms)).toFixed(2)} |`);
console.log(`| scrypt memory: 128·N·r = ${scryptMiB} MiB (peak RSS rise over the first run: ${f1(sc.rssRiseMiB)} MiB) | – | – | – | – |`);
console.log(`| AS PAK step (337 B in, ${REPLY.pakWithServer} B out) | ${tk.pakUs.length} | ${mean(tk.pakUs).toFixed(0)} µs | ${median(tk.pakUs).toFixed(0)} µs | – |`);
console.log(`| AS ticket step (305 B in, ${REPLY.tickets} B out) | ${tk.ticketUs.length} | ${mean(tk.ticketUs).toFixed(0)} µs | ${median(tk.ticketUs).toFixed(0)} µs | – |`);
console.log(`| AS per ticket (both steps), one core | ${perTicketUs.length} | ${ticketUs.toFixed(0)} µs | ${median(perTicketUs).toFixed(0)} µs | ${summary.asTicket.perSecondOneCore} tickets |`);
console.log(`| full exchange (client + server + AS, K_u cached) | ${ex.n} | ${mean(ex.each).toFixed(2)} ms | ${median(ex.each).toFixed(2)} ms | ${summary.exchange.perSecond} |`);
console.log(`| AuthNUT check (one scrypt each), one at a time | ${nut1.checks} | ${f1(mean(nut1.each))} ms | ${f1(median(nut1.each))} ms | ${summary.authNut.perSecond.toFixed(2)} |`);
console.log(`| AuthNUT checks two at once (time per pair) | ${nut2.checks} | ${f1(mean(nut2.each))} ms | ${f1(median(nut2.each))} ms | ${summary.authNut.parallel2.perSecond.toFixed(2)} |`);
console.log(`\n${JSON.stringify(summary)}`);
