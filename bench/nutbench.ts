// nutbench: a dependency-free load generator for NUT protocol servers (walnut, upsd).
//
//   node bench/nutbench.ts MODE --port PORT [--pid SERVER_PID] [options]
//
// Modes (each prints one JSON object on stdout):
//   seq      one connection, GET VAR ping-pong
//   pipe     one connection, GET VAR with --window requests in flight (default 32)
//   conc     --conns connections (default 64), each a GET VAR ping-pong
//   list     one connection, LIST VAR ping-pong
//   churn    connect, VER, LOGOUT, close; one connection at a time
//   idle     open --conns idle connections (default 10000), then time --probes fresh clients' GET VAR
//   stall    one client pipelines --stall-lists LIST VAR and never reads; fresh and existing clients probe meanwhile
//   coldstart  spawn the server command given after `--`, connect-retry, VER; --runs times (median)
//   ready    connect-retry until GET VAR returns UPS data; describes what is served (LIST VAR)
//   probe    fresh-client + 4 existing-connection GET VAR probes (idle runs it as a child process)
//   mem      VmRSS/VmHWM, CPU time and open fds of --pid
//
// Every loop is bounded both by a count (--count, --probes, --runs ...) and by time (--duration, timeouts).
// Only loopback addresses are accepted as --host. Server CPU is read from /proc/PID/stat (utime+stime).
import * as net from 'node:net';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

type Opts = Record<string, string>;

function parseArgs(argv: string[]): { mode: string; opts: Opts; rest: string[] } {
  const mode = argv[0] ?? '';
  const opts: Opts = {};
  const rest: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) opts[a.slice(2, eq)] = a.slice(eq + 1);
      else opts[a.slice(2)] = argv[++i] ?? '';
    } else rest.push(a);
  }
  return { mode, opts, rest };
}

const { mode, opts, rest } = parseArgs(process.argv.slice(2));

function num(name: string, def: number): number {
  const v = opts[name];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isFinite(n)) fail(`--${name}: not a number: ${v}`);
  return n;
}

function fail(msg: string): never {
  process.stderr.write(`nutbench: ${msg}\n`);
  process.exit(2);
}

const HOST = opts['host'] ?? '127.0.0.1';
// loopback only: this tool must never send load anywhere else
if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(HOST) && HOST !== '::1' && HOST !== 'localhost') {
  fail(`--host ${HOST}: only loopback addresses are allowed`);
}
const PORT = num('port', 0);
const PID = num('pid', 0);
const UPS = opts['ups'] ?? 'ups';
const VAR = opts['var'] ?? 'ups.status';
const DURATION_MS = num('duration', 5) * 1000;
const CLK_TCK = num('clk-tck', 100);
const LABEL = opts['label'] ?? '';

// ---------------------------------------------------------------------------------------------------------
// /proc helpers

/** Server CPU time (utime + stime) in ms, or NaN when unavailable. */
function cpuMs(pid: number): number {
  if (!pid) return NaN;
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/**
 * VmRSS / VmHWM of a process in kB (NaN when unavailable), and VmRSS split into RssAnon (heap, stacks: what the
 * process made) and RssFile (pages of its executable and libraries, which move with the page cache's state).
 */
function memKb(pid: number): { rssKb: number; hwmKb: number; anonKb: number; fileKb: number } {
  if (!pid) return { rssKb: NaN, hwmKb: NaN, anonKb: NaN, fileKb: NaN };
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const get = (k: string): number => {
      const m = new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s);
      return m ? Number(m[1]) : NaN;
    };
    return { rssKb: get('VmRSS'), hwmKb: get('VmHWM'), anonKb: get('RssAnon'), fileKb: get('RssFile') };
  } catch {
    return { rssKb: NaN, hwmKb: NaN, anonKb: NaN, fileKb: NaN };
  }
}

function fdCount(pid: number): number {
  if (!pid) return NaN;
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

// ---------------------------------------------------------------------------------------------------------
// latency statistics

class Lat {
  a: Float64Array;
  n = 0;
  constructor(cap: number) {
    this.a = new Float64Array(Math.max(1, Math.min(cap, 4_000_000)));
  }
  add(ms: number): void {
    if (this.n < this.a.length) this.a[this.n++] = ms;
  }
  /** percentiles in µs */
  stats(): { n: number; p50Us: number; p90Us: number; p99Us: number; maxUs: number; meanUs: number } {
    const n = this.n;
    if (n === 0) return { n, p50Us: NaN, p90Us: NaN, p99Us: NaN, maxUs: NaN, meanUs: NaN };
    const s = this.a.slice(0, n).sort();
    const q = (p: number): number => round((s[Math.min(n - 1, Math.floor(p * n))] ?? NaN) * 1000, 1);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += s[i] ?? 0;
    return { n, p50Us: q(0.5), p90Us: q(0.9), p99Us: q(0.99), maxUs: round((s[n - 1] ?? NaN) * 1000, 1), meanUs: round((sum / n) * 1000, 1) };
  }
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

// ---------------------------------------------------------------------------------------------------------
// protocol plumbing

/** Splits a byte stream into lines; calls onLine with the first (up to) 3 bytes of each complete line. */
class LineSplitter {
  head = '';
  onLine: (head: string) => void;
  constructor(onLine: (head: string) => void) {
    this.onLine = onLine;
  }
  push(chunk: Buffer): void {
    const len = chunk.length;
    let pos = 0;
    while (pos < len) {
      const nl = chunk.indexOf(10, pos);
      const end = nl === -1 ? len : nl;
      if (this.head.length < 3 && end > pos) this.head += chunk.toString('latin1', pos, Math.min(end, pos + 3 - this.head.length));
      if (nl === -1) return;
      pos = nl + 1;
      const h = this.head;
      this.head = '';
      this.onLine(h);
    }
  }
}

type Kind = 'get' | 'list' | 'line';

/** Turns lines into replies: a GET reply is one `VAR` line; a LIST reply ends at `END` (or is one `ERR` line). */
function replyParser(kind: Kind, onReply: (ok: boolean) => void): LineSplitter {
  if (kind === 'list') {
    return new LineSplitter((h) => {
      if (h === 'END') onReply(true);
      else if (h === 'ERR') onReply(false);
    });
  }
  if (kind === 'get') return new LineSplitter((h) => onReply(h === 'VAR'));
  return new LineSplitter((h) => onReply(h !== 'ERR'));
}

function connect(timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: HOST, port: PORT });
    s.setNoDelay(true);
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error('connect timeout'));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      s.removeAllListeners('error');
      s.on('error', () => undefined);
      resolve(s);
    });
    s.once('error', (e) => {
      clearTimeout(t);
      s.destroy();
      reject(e);
    });
  });
}

/** Sends one request on a socket and waits for its reply; resolves with ok and elapsed ms (NaN on timeout). */
function request(s: net.Socket, line: string, kind: Kind, timeoutMs: number): Promise<{ ok: boolean; answered: boolean; ms: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let done = false;
    const finish = (ok: boolean, answered: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.removeListener('data', onData);
      s.removeListener('close', onClose);
      resolve({ ok, answered, ms: answered ? performance.now() - t0 : NaN });
    };
    const parser = replyParser(kind, (ok) => finish(ok, true));
    const onData = (d: Buffer): void => parser.push(d);
    const onClose = (): void => finish(false, false);
    // a late reply would be taken for the next request's: a timed-out connection is closed
    const timer = setTimeout(() => {
      finish(false, false);
      s.destroy();
    }, timeoutMs);
    s.on('data', onData);
    s.once('close', onClose);
    s.write(line + '\n');
  });
}

/** A fresh client: connect, one request, close. ms covers connect + reply. */
async function freshProbe(line: string, kind: Kind, timeoutMs: number): Promise<{ ok: boolean; answered: boolean; ms: number }> {
  const t0 = performance.now();
  let s: net.Socket | undefined;
  try {
    s = await connect(timeoutMs);
    const left = Math.max(1, timeoutMs - (performance.now() - t0));
    const r = await request(s, line, kind, left);
    return { ok: r.ok, answered: r.answered, ms: r.answered ? performance.now() - t0 : NaN };
  } catch {
    return { ok: false, answered: false, ms: NaN };
  } finally {
    s?.destroy();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Opens n connections, `batch` at a time (upsd's listen backlog is 16: bigger bursts lose SYNs). */
async function openMany(n: number, batch: number, timeoutMs: number): Promise<net.Socket[]> {
  const out: net.Socket[] = [];
  for (let i = 0; i < n; i += batch) {
    const k = Math.min(batch, n - i);
    const ps: Promise<net.Socket>[] = [];
    for (let j = 0; j < k; j++) ps.push(connect(timeoutMs));
    out.push(...(await Promise.all(ps)));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// closed-loop load: seq, pipe, conc, list

async function load(conns: number, window: number, kind: Kind, line: string): Promise<Record<string, unknown>> {
  const count = num('count', 2_000_000);
  const req = Buffer.from(line + '\n');
  const reqN: Buffer[] = [];
  for (let k = 0; k <= window; k++) reqN.push(Buffer.concat(new Array<Buffer>(k).fill(req)));
  const socks = await openMany(conns, 16, 5000);
  const lat = new Lat(count);
  let sent = 0;
  let completed = 0;
  let errors = 0;
  let bytes = 0;
  let closed = 0;
  let lastProgress = performance.now();
  const cpu0 = cpuMs(PID);
  const ccpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + DURATION_MS;
  let tEnd = t0;

  await new Promise<void>((resolve) => {
    let active = conns;
    const connDone = (): void => {
      active--;
      if (active === 0) resolve();
    };
    for (const s of socks) {
      const ring = new Float64Array(window);
      let head = 0;
      let outstanding = 0;
      let finished = false;
      const refill = (): void => {
        if (finished) return;
        const now = performance.now();
        let k = 0;
        while (outstanding < window && sent < count && now < deadline) {
          ring[(head + outstanding) % window] = now;
          outstanding++;
          sent++;
          k++;
        }
        if (k > 0) s.write(reqN[k] as Buffer);
        else if (outstanding === 0) {
          finished = true;
          connDone();
        }
      };
      const parser = replyParser(kind, (ok) => {
        if (finished) return;
        const now = performance.now();
        lat.add(now - (ring[head] ?? now));
        head = (head + 1) % window;
        outstanding--;
        completed++;
        if (!ok) errors++;
        tEnd = now;
        lastProgress = now;
      });
      s.on('data', (d: Buffer) => {
        bytes += d.length;
        parser.push(d);
        refill();
      });
      s.once('close', () => {
        closed++;
        if (!finished) {
          finished = true;
          errors += outstanding;
          connDone();
        }
      });
      refill();
    }
    // watchdog: a server that stops answering must not hang the run
    const wd = setInterval(() => {
      const now = performance.now();
      if (now - lastProgress > 5000 || now > deadline + 15000) {
        clearInterval(wd);
        errors++;
        resolve();
      }
    }, 250);
    wd.unref();
  });
  const cpu1 = cpuMs(PID);
  const ccpu = process.cpuUsage(ccpu0);
  for (const s of socks) s.destroy();
  const secs = (tEnd - t0) / 1000;
  const serverCpuMs = cpu1 - cpu0;
  return {
    conns,
    window,
    requests: completed,
    errors,
    closedByServer: closed,
    seconds: round(secs, 3),
    perSec: round(completed / secs, 1),
    latency: lat.stats(),
    replyBytes: completed ? round(bytes / completed, 1) : NaN,
    serverCpuMs: round(serverCpuMs, 1),
    serverCpuUsPerOp: completed ? round((serverCpuMs * 1000) / completed, 3) : NaN,
    serverCpuPct: round((serverCpuMs / (secs * 1000)) * 100, 1),
    clientCpuPct: round((ccpu.user + ccpu.system) / 1000 / (secs * 1000) * 100, 1),
    boundBy: sent >= count ? 'count' : 'time',
  };
}

// ---------------------------------------------------------------------------------------------------------
// churn: connect, VER, LOGOUT, close

async function churn(): Promise<Record<string, unknown>> {
  const count = num('count', 20_000);
  const timeoutMs = num('timeout-ms', 2000);
  const lat = new Lat(count);
  let done = 0;
  let errors = 0;
  const cpu0 = cpuMs(PID);
  const t0 = performance.now();
  const deadline = t0 + DURATION_MS;
  while (done + errors < count && performance.now() < deadline && errors < 50) {
    const ts = performance.now();
    let s: net.Socket | undefined;
    try {
      s = await connect(timeoutMs);
      const a = await request(s, 'VER', 'line', timeoutMs);
      const b = a.ok ? await request(s, 'LOGOUT', 'line', timeoutMs) : a;
      if (a.ok && b.ok) {
        done++;
        lat.add(performance.now() - ts);
      } else errors++;
    } catch {
      errors++;
    } finally {
      s?.destroy();
    }
  }
  const secs = (performance.now() - t0) / 1000;
  const serverCpuMs = cpuMs(PID) - cpu0;
  return {
    connections: done,
    errors,
    seconds: round(secs, 3),
    perSec: round(done / secs, 1),
    latency: lat.stats(),
    serverCpuMs: round(serverCpuMs, 1),
    serverCpuUsPerConn: done ? round((serverCpuMs * 1000) / done, 2) : NaN,
    boundBy: done + errors >= count ? 'count' : 'time',
  };
}

// ---------------------------------------------------------------------------------------------------------
// probes shared by idle and stall

async function probeLoop(n: number, maxMs: number, timeoutMs: number, existing?: net.Socket[], gapMs = 0): Promise<Record<string, unknown>> {
  const getLine = `GET VAR ${UPS} ${VAR}`;
  const fresh = new Lat(n);
  const old = new Lat(n);
  let freshTried = 0;
  let freshAnswered = 0;
  let oldTried = 0;
  let oldAnswered = 0;
  const t0 = performance.now();
  for (let i = 0; i < n && performance.now() - t0 < maxMs; i++) {
    freshTried++;
    const r = await freshProbe(getLine, 'get', timeoutMs);
    if (r.answered && r.ok) {
      freshAnswered++;
      fresh.add(r.ms);
    }
    if (existing && existing.length > 0) {
      const s = existing[i % existing.length] as net.Socket;
      if (s.destroyed) continue;
      oldTried++;
      const q = await request(s, getLine, 'get', timeoutMs);
      if (q.answered && q.ok) {
        oldAnswered++;
        old.add(q.ms);
      }
    }
    if (gapMs > 0) await sleep(gapMs);
  }
  return {
    seconds: round((performance.now() - t0) / 1000, 3),
    fresh: { tried: freshTried, answered: freshAnswered, timeoutMs, latency: fresh.stats() },
    existing: existing ? { tried: oldTried, answered: oldAnswered, latency: old.stats() } : undefined,
  };
}

/** probe mode: 4 connections of its own plus fresh clients, GET VAR each; what idle runs in a child. */
async function probeMode(): Promise<Record<string, unknown>> {
  const existing = await openMany(4, 4, 3000);
  const r = await probeLoop(num('probes', 200), num('probe-budget', 20) * 1000, num('timeout-ms', 1000), existing);
  for (const s of existing) s.destroy();
  return r;
}

function probeInChild(probes: number, budgetS: number, timeoutMs: number): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const script = process.argv[1] ?? '';
    const args = [...process.execArgv, script, 'probe', '--host', HOST, '--port', String(PORT), '--ups', UPS, '--var', VAR];
    args.push('--probes', String(probes), '--probe-budget', String(budgetS), '--timeout-ms', String(timeoutMs));
    args.push('--hard-cap', String(budgetS + 30));
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), (budgetS + 40) * 1000);
    child.once('exit', () => {
      clearTimeout(killer);
      try {
        const r = JSON.parse(out) as Record<string, unknown>;
        resolve({ seconds: r['seconds'], fresh: r['fresh'], existing: r['existing'], separateProcess: true });
      } catch {
        resolve({ error: 'probe process failed', output: out.slice(0, 500) });
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// idle: many open connections, then fresh-client latency

async function idle(): Promise<Record<string, unknown>> {
  const target = num('conns', 10_000);
  const batch = num('batch', 16);
  const openBudgetMs = num('open-budget', 60) * 1000;
  const holdMs = num('hold', 2) * 1000;
  const probes = num('probes', 200);
  const mem0 = memKb(PID);
  const socks: net.Socket[] = [];
  let failures = 0;
  let serverClosed = 0; // connections the server ended (FIN) while we held them
  const t0 = performance.now();
  // each idle client proves it is being served: it connects, sends VER, and waits for the reply
  const openOne = async (): Promise<void> => {
    let s: net.Socket | undefined;
    try {
      s = await connect(3000);
      const r = await request(s, 'VER', 'line', 3000);
      if (!r.answered) throw new Error('no reply');
      s.once('end', () => serverClosed++);
      socks.push(s);
    } catch {
      failures++;
      s?.destroy();
    }
  };
  while (socks.length < target && performance.now() - t0 < openBudgetMs && failures < 64) {
    const k = Math.min(batch, target - socks.length);
    const ps: Promise<void>[] = [];
    for (let j = 0; j < k; j++) ps.push(openOne());
    await Promise.all(ps);
  }
  const openSecs = (performance.now() - t0) / 1000;
  const held = socks.length;
  await sleep(500);
  const memHeld = memKb(PID);
  const fds = fdCount(PID);
  const c0 = cpuMs(PID);
  await sleep(holdMs);
  const idleCpuPct = ((cpuMs(PID) - c0) / holdMs) * 100;
  // The probes run in a separate, small Node process: this one holds thousands of sockets, and its own GC
  // pauses would otherwise be counted as the server's latency.
  const pr = await probeInChild(probes, num('probe-budget', 20), num('timeout-ms', 1000));
  const memAfterProbes = memKb(PID);
  for (const s of socks) s.destroy();
  await sleep(1000);
  const memClosed = memKb(PID);
  return {
    target,
    held,
    openFailures: failures,
    openSeconds: round(openSecs, 2),
    openPerSec: round(held / openSecs, 1),
    serverFds: fds,
    idleCpuPct: round(idleCpuPct, 1),
    closedByServerWhileHeld: serverClosed,
    rssKb: { before: mem0.rssKb, held: memHeld.rssKb, afterProbes: memAfterProbes.rssKb, afterClose: memClosed.rssKb, hwm: memClosed.hwmKb },
    rssPerConnKb: held ? round((memHeld.rssKb - mem0.rssKb) / held, 3) : NaN,
    probes: pr,
  };
}

// ---------------------------------------------------------------------------------------------------------
// stall: one client pipelines LIST VAR and never reads

async function stall(): Promise<Record<string, unknown>> {
  const lists = num('stall-lists', 4000);
  const probes = num('probes', 200);
  const timeoutMs = num('timeout-ms', 1000);
  const existing = await openMany(4, 4, 3000);
  const mem0 = memKb(PID);
  await sleep(num('settle-ms', 500));
  const control = await probeLoop(100, 5000, timeoutMs, existing);
  // the staller: writes its requests and never reads (paused socket: Node reads at most a high-water mark)
  const staller = await connect(3000);
  staller.pause();
  let stallerClosed = false;
  staller.once('close', () => (stallerClosed = true));
  const req = Buffer.from(`LIST VAR ${UPS}\n`);
  staller.write(Buffer.concat(new Array<Buffer>(lists).fill(req)));
  await sleep(num('settle-ms', 500));
  const c0 = cpuMs(PID);
  const t0 = performance.now();
  // probes are spread over the whole stall window (--duration), not fired in one burst
  const during = await probeLoop(probes, DURATION_MS, timeoutMs, existing, num('gap-ms', Math.floor(DURATION_MS / probes)));
  const secs = (performance.now() - t0) / 1000;
  const stallCpuPct = ((cpuMs(PID) - c0) / (secs * 1000)) * 100;
  const memStalled = memKb(PID);
  const stallerStillOpen = !stallerClosed && !staller.destroyed;
  const unsentBytes = staller.writableLength;
  staller.destroy();
  await sleep(300);
  const after = await probeLoop(20, 5000, timeoutMs, existing);
  for (const s of existing) s.destroy();
  return {
    stallLists: lists,
    stallerStillOpen,
    stallerUnsentKb: round(unsentBytes / 1024, 1),
    serverCpuPctDuringStall: round(stallCpuPct, 1),
    rssKb: { before: mem0.rssKb, stalled: memStalled.rssKb },
    control,
    during,
    after,
  };
}

// ---------------------------------------------------------------------------------------------------------
// coldstart: spawn the server, connect-retry, VER

/** The server being cold-started, killed if nutbench itself exits early. */
let coldChild: ReturnType<typeof spawn> | undefined;
process.on('exit', () => {
  if (coldChild && coldChild.exitCode === null && coldChild.signalCode === null) coldChild.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

/**
 * --pre '["cmd", "arg", ...]' --pre-wait PATH: a helper started fresh before each run (upsd's dummy-ups driver)
 * and stopped after it; the clock starts once PATH exists and --pre-settle-ms have passed. A fresh driver each time matters: dummy-ups 2.8.0
 * spins at full CPU on the connection of an upsd that went away (read() returns 0 forever).
 */
async function startPre(): Promise<ReturnType<typeof spawn> | undefined> {
  const pre = opts['pre'];
  if (!pre) return undefined;
  const [cmd, ...args] = JSON.parse(pre) as string[];
  if (!cmd) fail('--pre: empty command');
  const waitPath = opts['pre-wait'];
  if (waitPath) rmSync(waitPath, { force: true });
  const child = spawn(cmd, args, { stdio: 'ignore' });
  preChild = child;
  const t0 = performance.now();
  while (waitPath && !existsSync(waitPath)) {
    if (child.exitCode !== null || performance.now() - t0 > 10000) throw new Error(`--pre: ${waitPath} did not appear`);
    await sleep(5);
  }
  // dummy-ups creates its socket before its first dump is ready (about 1 s later): let it settle
  await sleep(num('pre-settle-ms', 0));
  return child;
}

async function stopChild(child: ReturnType<typeof spawn>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const k = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(k);
}

let preChild: ReturnType<typeof spawn> | undefined;
process.on('exit', () => {
  if (preChild && preChild.exitCode === null && preChild.signalCode === null) preChild.kill('SIGKILL');
});

async function coldOnce(cmd: string, args: string[], timeoutMs: number): Promise<{ verMs: number; dataMs: number; error?: string }> {
  let pre: ReturnType<typeof spawn> | undefined;
  try {
    pre = await startPre();
  } catch (e) {
    if (preChild) await stopChild(preChild);
    return { verMs: NaN, dataMs: NaN, error: (e as Error).message };
  }
  const r = await coldServer(cmd, args, timeoutMs);
  if (pre) await stopChild(pre);
  preChild = undefined;
  return r;
}

async function coldServer(cmd: string, args: string[], timeoutMs: number): Promise<{ verMs: number; dataMs: number; error?: string }> {
  const t0 = performance.now();
  const child = spawn(cmd, args, { stdio: 'ignore' });
  coldChild = child;
  let exited = false;
  const exitP = new Promise<void>((r) => child.once('exit', () => ((exited = true), r())));
  child.once('error', () => (exited = true));
  let verMs = NaN;
  let dataMs = NaN;
  let error: string | undefined;
  let s: net.Socket | undefined;
  try {
    while (!s) {
      if (exited) throw new Error('server exited');
      if (performance.now() - t0 > timeoutMs) throw new Error('no connection');
      try {
        s = await connect(500);
      } catch {
        await sleep(1);
      }
    }
    const v = await request(s, 'VER', 'line', Math.max(1, timeoutMs - (performance.now() - t0)));
    if (!v.answered || !v.ok) throw new Error('no VER reply');
    verMs = performance.now() - t0;
    // informational: time until the UPS data itself is served (upsd: after the driver's dump)
    const getLine = `GET VAR ${UPS} ${VAR}`;
    while (performance.now() - t0 < timeoutMs) {
      const sock: net.Socket = s;
      const r = await new Promise<string>((resolve) => {
        let buf = '';
        const end = (): void => {
          clearTimeout(timer);
          sock.removeListener('data', onData);
          resolve(buf);
        };
        const onData = (d: Buffer): void => {
          buf += d.toString('latin1');
          if (buf.includes('\n')) end();
        };
        const timer = setTimeout(end, 1000);
        sock.on('data', onData);
        sock.write(getLine + '\n');
      });
      if (r.startsWith('VAR ') && !r.includes('"WAIT"')) {
        dataMs = performance.now() - t0;
        break;
      }
      await sleep(2);
    }
  } catch (e) {
    error = (e as Error).message;
  } finally {
    s?.destroy();
    if (!exited) child.kill('SIGTERM');
    const k = setTimeout(() => {
      if (!exited) child.kill('SIGKILL');
    }, 5000);
    await exitP;
    clearTimeout(k);
    coldChild = undefined;
  }
  return error ? { verMs, dataMs, error } : { verMs, dataMs };
}

async function coldstart(): Promise<Record<string, unknown>> {
  const [cmd, ...args] = rest;
  if (!cmd) fail('coldstart: give the server command after --');
  const runs = num('runs', 5);
  const warmup = num('warmup', 1);
  const timeoutMs = num('timeout-ms', 10000);
  const ver: number[] = [];
  const data: number[] = [];
  const errors: string[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const r = await coldOnce(cmd, args, timeoutMs);
    if (r.error) errors.push(r.error);
    if (i >= warmup) {
      ver.push(round(r.verMs, 2));
      data.push(round(r.dataMs, 2));
    }
    await sleep(200);
  }
  return {
    runs,
    warmup,
    verMsMedian: round(median(ver), 2),
    dataMsMedian: round(median(data), 2),
    verMs: ver,
    dataMs: data,
    errors,
  };
}

// ---------------------------------------------------------------------------------------------------------
// ready: connect-retry until the UPS data is served; describe what is served

/** Sends one line and collects the raw reply text (until a line starting with `until`, or one line). */
function rawRequest(s: net.Socket, line: string, until: string | null, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    let buf = '';
    const end = (): void => {
      clearTimeout(timer);
      s.removeListener('data', onData);
      resolve(buf);
    };
    const onData = (d: Buffer): void => {
      buf += d.toString('latin1');
      if (until === null ? buf.includes('\n') : buf.includes(`\n${until}`) && buf.endsWith('\n')) end();
      else if (buf.startsWith('ERR')) end();
    };
    const timer = setTimeout(end, timeoutMs);
    s.on('data', onData);
    s.write(line + '\n');
  });
}

async function ready(): Promise<Record<string, unknown>> {
  const timeoutMs = num('timeout-ms', 20000);
  const t0 = performance.now();
  const getLine = `GET VAR ${UPS} ${VAR}`;
  let s: net.Socket | undefined;
  let get = '';
  while (performance.now() - t0 < timeoutMs) {
    try {
      s ??= await connect(1000);
      get = (await rawRequest(s, getLine, null, 1000)).trim();
      if (get.startsWith('VAR ') && !get.includes('"WAIT"')) break;
    } catch {
      s?.destroy();
      s = undefined;
    }
    await sleep(50);
  }
  if (!s || !get.startsWith('VAR ')) {
    s?.destroy();
    process.stderr.write(`nutbench: server on port ${PORT} not ready after ${timeoutMs} ms (last reply: ${get || 'none'})\n`);
    process.exit(1);
  }
  const list = await rawRequest(s, `LIST VAR ${UPS}`, 'END LIST', 3000);
  const ver = (await rawRequest(s, 'VER', null, 1000)).trim();
  s.destroy();
  const names = list
    .split('\n')
    .filter((l) => l.startsWith('VAR '))
    .map((l) => l.split(' ')[2] ?? '');
  return { waitedMs: round(performance.now() - t0, 1), ver, getReply: get, listVars: names.length, listBytes: Buffer.byteLength(list, 'latin1'), names };
}

function mem(): Record<string, unknown> {
  return { ...memKb(PID), cpuMs: cpuMs(PID), fds: fdCount(PID) };
}

// ---------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (mode !== 'coldstart' && mode !== 'mem' && !PORT) fail('--port is required');
  const getLine = `GET VAR ${UPS} ${VAR}`;
  let result: Record<string, unknown>;
  switch (mode) {
    case 'seq':
      result = await load(1, 1, 'get', getLine);
      break;
    case 'pipe':
      result = await load(1, num('window', 32), 'get', getLine);
      break;
    case 'conc':
      result = await load(num('conns', 64), 1, 'get', getLine);
      break;
    case 'list':
      result = await load(1, 1, 'list', `LIST VAR ${UPS}`);
      break;
    case 'churn':
      result = await churn();
      break;
    case 'idle':
      result = await idle();
      break;
    case 'stall':
      result = await stall();
      break;
    case 'coldstart':
      result = await coldstart();
      break;
    case 'ready':
      result = await ready();
      break;
    case 'probe':
      result = await probeMode();
      break;
    case 'mem':
      result = mem();
      break;
    default:
      fail(`unknown mode '${mode}' (seq, pipe, conc, list, churn, idle, stall, coldstart, ready, probe, mem)`);
  }
  // the run's options (including tags such as --server and --rep) are echoed for the report
  process.stdout.write(JSON.stringify({ mode, label: LABEL, port: PORT, pid: PID, opts, ...result }) + '\n');
  process.exit(0);
}

// a hard cap on the whole process, whatever happens
const HARD_CAP_S = num('hard-cap', 300);
setTimeout(() => {
  process.stderr.write(`nutbench: hard time cap of ${HARD_CAP_S} s reached\n`);
  process.exit(3);
}, HARD_CAP_S * 1000).unref();

main().catch((e: unknown) => {
  process.stderr.write(`nutbench: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
