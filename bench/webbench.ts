// webbench: the setup page's rows of `make bench` (issue 15, acceptance 9). With the built binary, a claimed unit
// (simulated UPS, setup page on a loopback port) and Debian's Chromium (headless, the unit's CA trusted in an NSS
// db, test/helpers/browser.ts):
//   1. first-load bytes: every request of a cold load (a new browser context: empty cache, no cookies) counted with
//      CDP Network.loadingFinished encodedDataLength (headers + body as received, compressed), next to
//      build/page-bundle.ts buildPage's brotli sum of the page's files (bodies only); against the 150 KB budget;
//   2. time to interactive: from navigation start (performance.timeOrigin) to the login form's password input
//      being in the DOM (a MutationObserver installed before the document parses stamps performance.now()),
//      median over COLD_LOADS cold loads, each in a new browser context, after one unrecorded;
//   3. model change → DOM: a logged-in dashboard tab, one raw NUT client sending INSTCMD test.failure.start/stop
//      (what upscmd sends), and one Node `ws` client on the same live channel. The page wraps WebSocket to stamp
//      each message's arrival, and a MutationObserver on #app stamps the render that follows; a sample is an update
//      whose ups.status differs from the one before. Against the update's `at` (the server's Date.now() when it
//      built the message; same machine clock, whole ms) and against the INSTCMD write. The Node ws client's arrival
//      is the baseline (the same message without a browser). LATENCY_ROUNDS samples, then again with 50 more ws
//      clients and 2 more tabs attached; a few rounds with Debian's real upscmd (a new connection and a password
//      check each) give the end-to-end figure a user sees;
//   4. memory: VmRSS of serve and of its AS child (/proc/PID/status) idle (claimed, before any web client), with the
//      one dashboard, then with WS_CLIENTS logged-in `ws` live connections (one browser login's session cookie; 50
//      Chromium tabs would swamp 2 cores) plus EXTRA_TABS real dashboard tabs.
// Figures, nothing asserted: every loop is bounded in count and time, and the whole run by HARD_CAP_MS.
// Usage: node bench/webbench.ts [--binary out/walnut-linux-x64]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Page } from 'puppeteer-core';
import WebSocket from 'ws';
import { buildPage } from '../build/page-bundle.ts';
import { launchTrusting, textMatches, type TestBrowser } from '../test/helpers/browser.ts';
import { LineClient, run } from '../test/helpers/clients.ts';
import { authServerReady, shownSetupCode, startWalnut, type RunningWalnut } from '../test/helpers/walnut.ts';

const REPO = resolve(import.meta.dirname, '..');
const binaryArg = process.argv.indexOf('--binary');
const BINARY = resolve(binaryArg > 0 ? process.argv[binaryArg + 1]! : join(REPO, 'out', 'walnut-linux-x64'));
const FIXTURE = join(REPO, 'test', 'fixtures', 'ups', 'apc-back-ups-bk650m2-ch.json');
const OWNER_PASSWORD = 'webbench owner password 1';
const BUDGET_BYTES = 150 * 1000;
const COLD_LOADS = 9;
const LATENCY_ROUNDS = 60;
const LOADED_ROUNDS = 40;
const UPSCMD_ROUNDS = 6;
const WARMUP_ROUNDS = 2;
const WS_CLIENTS = 50;
const EXTRA_TABS = 2;
const ROUND_TIMEOUT_MS = 3000;
const PHASE_MS = 30_000;
const HARD_CAP_MS = 240_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** wall-clock ms with a fraction: comparable with the page's timeOrigin + now() and the server's Date.now() */
const wallNow = (): number => performance.timeOrigin + performance.now();
const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
const median = (xs: number[]): number => sorted(xs)[xs.length >> 1]!;
/** nearest rank: with n < 100 samples this is the worst one */
const pct = (xs: number[], p: number): number => sorted(xs)[Math.max(0, Math.ceil((p / 100) * xs.length) - 1)]!;
const ms = (x: number): string => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
const mb = (kb: number): string => (kb / 1024).toFixed(1);
const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;

// ---- memory -------------------------------------------------------------------------------------------------

interface Rss { serveKb: number; totalKb: number; anonKb: number; totalAnonKb: number; hwmKb: number; pids: number }

function status(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of readFileSync(`/proc/${pid}/status`, 'utf8').matchAll(/^(Vm\w+|Rss\w+):\s+(\d+) kB$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

function descendants(pid: number): number[] {
  const out: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    let children = '';
    try {
      children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const c of children.trim().split(/\s+/).filter(Boolean).map(Number)) out.push(c, ...descendants(c));
  }
  return out;
}

function rss(pid: number): Rss {
  const s = status(pid);
  const kids = descendants(pid).map((p) => {
    try {
      const k = status(p);
      return { rss: k.VmRSS ?? 0, anon: k.RssAnon ?? 0 };
    } catch {
      return { rss: 0, anon: 0 };
    }
  });
  return {
    serveKb: s.VmRSS!,
    anonKb: s.RssAnon!,
    hwmKb: s.VmHWM!,
    totalKb: s.VmRSS! + kids.reduce((a, k) => a + k.rss, 0),
    totalAnonKb: s.RssAnon! + kids.reduce((a, k) => a + k.anon, 0),
    pids: 1 + kids.length,
  };
}

// ---- the page's instrumentation (runs in Chromium, before the page's own script) ------------------------------

/** Stamps when the login form's password field is in the DOM (time to interactive). */
const TTI_SCRIPT = `(() => {
  const sel = 'form[aria-labelledby=login-title] input[name=password]';
  const mark = (o) => { if (window.__tti === undefined && document.querySelector(sel)) { window.__tti = performance.now(); o.disconnect(); } };
  const o = new MutationObserver(() => mark(o));
  o.observe(document, { childList: true, subtree: true });
})();`;

/** Stamps each live message's arrival (a WebSocket subclass whose listener runs before the page's) and the render
 *  that follows it (a MutationObserver on #app: its callback is the microtask right after the page's handler).
 *  A status change is reported to Node through the __benchSample binding at the next animation frame, or after
 *  250 ms without one (frame: null). */
const LIVE_SCRIPT = `(() => {
  const now = () => performance.timeOrigin + performance.now();
  const B = { recv: 0, data: null, status: undefined };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => { B.recv = now(); B.data = e.data; });
    }
  };
  document.addEventListener('DOMContentLoaded', () => {
    new MutationObserver((records) => {
      const dom = now();
      if (B.data === null || !records.some((r) => r.target.id === 'status-headline')) return;
      const recv = B.recv, data = B.data;
      B.data = null;
      const m = JSON.parse(data);
      const st = m.type === 'snapshot' ? (m.ups.vars.find((v) => v.name === 'ups.status') || {}).value : m.vars['ups.status'];
      const changed = m.type === 'update' && st !== B.status;
      B.status = st;
      if (!changed || typeof window.__benchSample !== 'function') return;
      const headline = document.getElementById('status-headline').textContent;
      // the next animation frame, if the tab gets one soon (a tab in the background gets none)
      let sent = false;
      const send = (frame) => {
        if (sent) return;
        sent = true;
        window.__benchSample({ at: m.at, recv, dom, frame, status: st, headline, visible: document.visibilityState, skew: Date.now() - now() });
      };
      requestAnimationFrame(() => send(now()));
      setTimeout(() => send(null), 250);
    }).observe(document.getElementById('app'), { childList: true, subtree: true, characterData: true });
  });
})();`;

interface PageSample { at: number; recv: number; dom: number; frame: number | null; status: string; headline: string; visible: string; skew: number }
interface NodeSample { at: number; recv: number; status: string }

/** Samples pushed by a producer and taken by a bounded wait for one that matches. */
class Inbox<T> {
  #queue: T[] = [];
  #waiter: (() => void) | undefined;
  push(s: T): void {
    this.#queue.push(s);
    this.#waiter?.();
  }
  clear(): void {
    this.#queue = [];
  }
  async take(match: (s: T) => boolean, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.#queue.findIndex(match);
      if (i >= 0) {
        const [s] = this.#queue.splice(0, i + 1).slice(-1);
        return s!;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no matching sample in time');
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.#waiter = () => {
          clearTimeout(t);
          this.#waiter = undefined;
          r();
        };
      });
    }
  }
}

// ---- the ws clients -------------------------------------------------------------------------------------------

function liveClient(port: number, ca: Buffer, cookie: string, onMessage?: (data: string, recv: number) => void): Promise<WebSocket> {
  return new Promise((res, rej) => {
    const ws = new WebSocket(`wss://127.0.0.1:${port}/api/live`, { ca, origin: `https://127.0.0.1:${port}`, headers: { Cookie: cookie }, perMessageDeflate: false });
    const t = setTimeout(() => {
      ws.terminate();
      rej(new Error('no snapshot within 10 s'));
    }, 10_000);
    ws.once('error', (e) => {
      clearTimeout(t);
      rej(e);
    });
    let first = true;
    ws.on('message', (d: Buffer) => {
      const recv = wallNow();
      if (first) {
        first = false;
        clearTimeout(t);
        res(ws);
      }
      onMessage?.(d.toString(), recv);
    });
  });
}

// ---- the run --------------------------------------------------------------------------------------------------

const cleanups: (() => Promise<unknown>)[] = [];
const hardCap = setTimeout(() => {
  process.stderr.write(`webbench: still running after ${HARD_CAP_MS / 1000} s, stopping\n`);
  void Promise.allSettled(cleanups.map((c) => c())).then(() => process.exit(2));
}, HARD_CAP_MS);
hardCap.unref();

async function claimedWalnut(): Promise<RunningWalnut> {
  // as bench/run.sh does: the binary's pages out of the page cache first (the state after a boot), or a binary the
  // build just wrote is mapped in large folios and its file-backed RSS reads higher (docs/benchmarks.md)
  spawnSync('sync', [BINARY]);
  spawnSync('dd', [`if=${BINARY}`, 'iflag=nocache', 'count=0', 'status=none']);
  const w = await startWalnut({
    binary: BINARY,
    simulate: FIXTURE,
    config: {
      // slow drain: the change under test is OL ↔ OB, the battery stays far from LB
      ups: { simulation: { dischargePercentPerSecond: 0.01, chargePercentPerSecond: 0.01 } },
      users: { bench: { password: 'bench-pass', instcmds: ['ALL'] } },
    },
  });
  cleanups.push(() => w.stop());
  await authServerReady(w);
  const code = shownSetupCode(w);
  if (!code) throw new Error(`no setup code in the log:\n${w.logs()}`);
  const r = await run(BINARY, ['claim', `127.0.0.1:${w.port}`, '--password-stdin'], { input: `${code}\n${OWNER_PASSWORD}\n` });
  if (r.code !== 0) throw new Error(`walnut claim failed: ${r.stderr}`);
  return w;
}

interface ColdLoad { bytes: number; requests: { url: string; bytes: number; encoding: string }[]; tti: number; dcl: number; ttfb: number }

async function coldLoad(browser: TestBrowser, origin: string): Promise<ColdLoad> {
  const context = await browser.browser.createBrowserContext();
  try {
    const page = await context.newPage();
    const cdp = await page.createCDPSession();
    const urls = new Map<string, string>();
    const encodings = new Map<string, string>();
    const finished = new Map<string, number>();
    cdp.on('Network.requestWillBeSent', (e) => urls.set(e.requestId, e.request.url));
    cdp.on('Network.responseReceived', (e) => encodings.set(e.requestId, String(e.response.headers['content-encoding'] ?? e.response.headers['Content-Encoding'] ?? 'identity')));
    cdp.on('Network.loadingFinished', (e) => finished.set(e.requestId, e.encodedDataLength));
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await page.evaluateOnNewDocument(TTI_SCRIPT);
    await page.goto(`${origin}/`, { waitUntil: 'domcontentloaded', timeout: 15_000 });
    await page.waitForSelector('form[aria-labelledby=login-title] input[name=password]', { timeout: 15_000 });
    await page.waitForNetworkIdle({ idleTime: 250, timeout: 5_000 });
    const t = await page.evaluate(`(() => { const n = performance.getEntriesByType('navigation')[0]; return { tti: window.__tti, dcl: n.domContentLoadedEventEnd, ttfb: n.responseStart }; })()`) as { tti: number; dcl: number; ttfb: number };
    const requests = [...finished].map(([id, bytes]) => ({ url: urls.get(id) ?? '?', bytes, encoding: encodings.get(id) ?? '?' }));
    return { bytes: requests.reduce((s, r) => s + r.bytes, 0), requests, ...t };
  } finally {
    await context.close();
  }
}

interface Round { t0: number; page: PageSample; node: NodeSample }

/** Toggles mains with INSTCMD until `rounds` samples (after WARMUP_ROUNDS unrecorded), or PHASE_MS. */
async function latencyRounds(nut: LineClient, pageIn: Inbox<PageSample>, nodeIn: Inbox<NodeSample>, rounds: number, state: { onBattery: boolean }): Promise<Round[]> {
  const out: Round[] = [];
  const started = Date.now();
  for (let round = 0; out.length < rounds && Date.now() - started < PHASE_MS; round++) {
    const fail = !state.onBattery;
    const want = (s: { status: string }): boolean => (fail ? s.status.startsWith('OB') : s.status.startsWith('OL'));
    pageIn.clear();
    nodeIn.clear();
    const t0 = wallNow();
    const [reply] = await nut.request(`INSTCMD ups test.failure.${fail ? 'start' : 'stop'}`);
    if (reply !== 'OK') throw new Error(`INSTCMD: ${reply}`);
    const [page, node] = await Promise.all([pageIn.take(want, ROUND_TIMEOUT_MS), nodeIn.take(want, ROUND_TIMEOUT_MS)]);
    state.onBattery = fail;
    if (round >= WARMUP_ROUNDS) out.push({ t0, page, node });
    // let the page's follow-up (GET /api/events on a status change) finish; a little jitter against the 250 ms tick
    await sleep(80 + Math.random() * 40);
  }
  return out;
}

/** The same change through Debian's upscmd: a process, a connection and a password check per command. */
async function upscmdRounds(w: RunningWalnut, pageIn: Inbox<PageSample>, state: { onBattery: boolean }): Promise<number[]> {
  const out: number[] = [];
  const started = Date.now();
  for (let round = 0; round < UPSCMD_ROUNDS && Date.now() - started < PHASE_MS; round++) {
    const fail = !state.onBattery;
    pageIn.clear();
    const t0 = wallNow();
    const r = await run('upscmd', ['-u', 'bench', '-p', 'bench-pass', w.target(), `test.failure.${fail ? 'start' : 'stop'}`], { timeoutMs: 10_000 });
    if (r.code !== 0) throw new Error(`upscmd: ${r.stderr}`);
    const s = await pageIn.take((x) => (fail ? x.status.startsWith('OB') : x.status.startsWith('OL')), ROUND_TIMEOUT_MS);
    state.onBattery = fail;
    out.push(s.dom - t0);
    await sleep(100);
  }
  return out;
}

async function dashboardTab(browser: TestBrowser, origin: string, pageIn?: Inbox<PageSample>): Promise<Page> {
  const { page } = await browser.page();
  await page.evaluateOnNewDocument(LIVE_SCRIPT);
  if (pageIn) await page.exposeFunction('__benchSample', (s: PageSample) => pageIn.push(s));
  await page.goto(`${origin}/`, { waitUntil: 'domcontentloaded', timeout: 15_000 });
  return page;
}

const t0Run = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'walnut-webbench-'));
cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
try {
  const built = await buildPage(join(dir, 'page'));
  const w = await claimedWalnut();
  const pid = w.process.pid!;
  const webPort = await w.webPort();
  const origin = `https://127.0.0.1:${webPort}`;
  const ca = readFileSync(join(w.dataDir, 'tls', 'ca.pem'));
  await sleep(2000);
  const idle = rss(pid);

  const browser = await launchTrusting(join(w.dataDir, 'tls', 'ca.pem'));
  cleanups.unshift(() => browser.close());

  // 1 and 2: cold loads, the first one unrecorded (Chromium's own first-use costs)
  await coldLoad(browser, origin);
  const loads: ColdLoad[] = [];
  const loadStart = Date.now();
  for (let i = 0; i < COLD_LOADS && Date.now() - loadStart < PHASE_MS; i++) loads.push(await coldLoad(browser, origin));

  // 3: one logged-in dashboard and one Node ws client on the same session
  const pageIn = new Inbox<PageSample>();
  const nodeIn = new Inbox<NodeSample>();
  const tab = await dashboardTab(browser, origin, pageIn);
  await tab.waitForSelector('input[name=password]', { timeout: 15_000 });
  await tab.type('input[name=password]', OWNER_PASSWORD);
  const loginStart = performance.now();
  await tab.click('button[type=submit]');
  await textMatches(tab, '#status-headline', /On line/, 30_000);
  const loginMs = performance.now() - loginStart;
  const session = (await browser.browser.cookies()).find((c) => c.name === '__Host-walnut');
  if (!session) throw new Error('no session cookie after the login');
  const cookie = `${session.name}=${session.value}`;
  let nodeStatus: string | undefined;
  const baseline = await liveClient(webPort, ca, cookie, (data, recv) => {
    const m = JSON.parse(data) as { type: string; at: number; vars: Record<string, string | null>; ups?: { vars: { name: string; value: string }[] } };
    const st = m.type === 'snapshot' ? m.ups!.vars.find((v) => v.name === 'ups.status')?.value : (m.vars['ups.status'] ?? undefined);
    if (m.type === 'update' && st !== nodeStatus && st !== undefined) nodeIn.push({ at: m.at, recv, status: st });
    nodeStatus = st;
  });
  const nut = await LineClient.connect(w.port);
  for (const line of ['USERNAME bench', 'PASSWORD bench-pass']) {
    const [r] = await nut.request(line);
    if (r !== 'OK') throw new Error(`${line}: ${r}`);
  }
  const state = { onBattery: false };
  await tab.bringToFront();
  const one = await latencyRounds(nut, pageIn, nodeIn, LATENCY_ROUNDS, state);
  const upscmd = await upscmdRounds(w, pageIn, state);
  await sleep(1000);
  const oneDashboard = rss(pid);

  // 4: WS_CLIENTS more live connections on the session, and EXTRA_TABS more real dashboards
  const clients: WebSocket[] = [];
  const connectStart = performance.now();
  for (let i = 0; i < WS_CLIENTS; i++) clients.push(await liveClient(webPort, ca, cookie));
  const connectMs = performance.now() - connectStart;
  const tabs: Page[] = [];
  for (let i = 0; i < EXTRA_TABS; i++) {
    const p = await dashboardTab(browser, origin);
    await textMatches(p, '#status-headline', /On line|On battery/, 15_000);
    tabs.push(p);
  }
  await sleep(2000);
  const loadedIdle = rss(pid);
  const loaded = await latencyRounds(nut, pageIn, nodeIn, LOADED_ROUNDS, state);
  await sleep(1000);
  const loadedAfter = rss(pid);
  const open = clients.filter((c) => c.readyState === WebSocket.OPEN).length;
  for (const c of clients) c.terminate();
  baseline.terminate();
  nut.close();
  for (const p of tabs) await p.close();

  // ---- the report ----
  const L = (rounds: Round[], f: (r: Round) => number): number[] => rounds.map(f);
  const atDom = L(one, (r) => r.page.dom - r.page.at);
  const atNode = L(one, (r) => r.node.recv - r.node.at);
  const atRecv = L(one, (r) => r.page.recv - r.page.at);
  const recvDom = L(one, (r) => r.page.dom - r.page.recv);
  const framed = one.filter((r) => r.page.frame !== null);
  const atFrame = L(framed, (r) => r.page.frame! - r.page.at);
  const e2eDom = L(one, (r) => r.page.dom - r.t0);
  const e2eNode = L(one, (r) => r.node.recv - r.t0);
  const loadedAtDom = L(loaded, (r) => r.page.dom - r.page.at);
  const loadedAtNode = L(loaded, (r) => r.node.recv - r.node.at);
  const loadedE2e = L(loaded, (r) => r.page.dom - r.t0);
  const skews = one.map((r) => r.page.skew);
  const bytes = loads.map((l) => l.bytes);
  const first = loads[0]!;
  const row = (cells: (string | number)[]): void => void process.stdout.write(`| ${cells.join(' | ')} |\n`);

  process.stdout.write(`\nSetup page (issue 15): claimed unit, simulated ${FIXTURE.split('/').pop()}, Chromium ${(await browser.browser.version()).replace(/^HeadlessChrome\//, '')} headless; absolute figures on this machine, ratios against a baseline of the same run\n\n`);
  row(['metric', 'value', 'baseline (same run)', 'ratio', 'budget']);
  row([':---', '---:', '---:', '---:', '---:']);
  row([`first load, Chromium: bytes received (${first.requests.length} requests, headers + bodies)`, `${(first.bytes / 1000).toFixed(1)} kB (range ${(Math.min(...bytes) / 1000).toFixed(1)}–${(Math.max(...bytes) / 1000).toFixed(1)})`, `buildPage brotli files: ${(built.firstLoadBytes / 1000).toFixed(1)} kB`, ratio(first.bytes, built.firstLoadBytes), `≤ 150 kB: ${first.bytes <= BUDGET_BYTES ? 'within' : 'over'}`]);
  for (const r of first.requests) row([`  ${new URL(r.url).pathname} (${r.encoding})`, `${(r.bytes / 1000).toFixed(2)} kB`, '', '', '']);
  row([`time to interactive: navigation start → login form's password field in the DOM (median of ${loads.length} cold loads)`, `${ms(median(loads.map((l) => l.tti)))} ms (range ${ms(Math.min(...loads.map((l) => l.tti)))}–${ms(Math.max(...loads.map((l) => l.tti)))})`, `DOMContentLoaded: ${ms(median(loads.map((l) => l.dcl)))} ms`, ratio(median(loads.map((l) => l.tti)), median(loads.map((l) => l.dcl))), '–']);
  row(['  navigation start → first byte of the document (median)', `${ms(median(loads.map((l) => l.ttfb)))} ms`, '', '', '']);
  row([`model change → DOM, 1 dashboard: server's \`at\` → #status-headline re-rendered, p50 / p99 (${one.length} changes)`, `${ms(median(atDom))} / ${ms(pct(atDom, 99))} ms`, `Node ws client: ${ms(median(atNode))} / ${ms(pct(atNode, 99))} ms`, `${ratio(median(atDom), median(atNode))} (p50)`, '–']);
  row(['  `at` → message event in the page, p50 / p99', `${ms(median(atRecv))} / ${ms(pct(atRecv, 99))} ms`, '', '', '']);
  row(['  message event → DOM updated (the page\'s parse and render), p50 / p99', `${ms(median(recvDom))} / ${ms(pct(recvDom, 99))} ms`, '', '', '']);
  row([`  \`at\` → next animation frame after the render, p50 / p99 (${framed.length} of ${one.length} got one within 250 ms)`, atFrame.length ? `${ms(median(atFrame))} / ${ms(pct(atFrame, 99))} ms` : 'n/a', '', '', '']);
  row([`end to end, 1 dashboard: INSTCMD test.failure.* written → DOM updated, p50 / p99`, `${ms(median(e2eDom))} / ${ms(pct(e2eDom, 99))} ms`, `→ Node ws client: ${ms(median(e2eNode))} / ${ms(pct(e2eNode, 99))} ms`, `${ratio(median(e2eDom), median(e2eNode))} (p50)`, '–']);
  row([`end to end with Debian's upscmd (process, connection, password check): upscmd started → DOM, median / worst of ${upscmd.length}`, `${ms(median(upscmd))} / ${ms(Math.max(...upscmd))} ms`, `INSTCMD on an open connection: ${ms(median(e2eDom))} ms`, ratio(median(upscmd), median(e2eDom)), '–']);
  row([`model change → DOM with ${WS_CLIENTS} ws clients + ${1 + EXTRA_TABS} tabs attached: \`at\` → DOM, p50 / p99 (${loaded.length} changes)`, `${ms(median(loadedAtDom))} / ${ms(pct(loadedAtDom, 99))} ms`, `1 dashboard: ${ms(median(atDom))} / ${ms(pct(atDom, 99))} ms`, `${ratio(median(loadedAtDom), median(atDom))} (p50)`, '–']);
  row([`  same, \`at\` → Node ws client (connected before the ${WS_CLIENTS}), p50 / p99`, `${ms(median(loadedAtNode))} / ${ms(pct(loadedAtNode, 99))} ms`, `1 dashboard: ${ms(median(atNode))} / ${ms(pct(atNode, 99))} ms`, `${ratio(median(loadedAtNode), median(atNode))} (p50)`, '']);
  row([`  same, INSTCMD written → DOM, p50 / p99`, `${ms(median(loadedE2e))} / ${ms(pct(loadedE2e, 99))} ms`, `1 dashboard: ${ms(median(e2eDom))} / ${ms(pct(e2eDom, 99))} ms`, `${ratio(median(loadedE2e), median(e2eDom))} (p50)`, '']);
  const added = WS_CLIENTS + EXTRA_TABS;
  row([`serve RSS with ${WS_CLIENTS} ws live connections + ${1 + EXTRA_TABS} Chromium dashboards (${open} of ${WS_CLIENTS} still open at the end)`, `${mb(loadedIdle.serveKb)} MB`, `idle (claimed, no web client): ${mb(idle.serveKb)} MB`, ratio(loadedIdle.serveKb, idle.serveKb), '–']);
  row(['  serve RssAnon (heap, stacks: what the process made)', `${mb(loadedIdle.anonKb)} MB`, `idle: ${mb(idle.anonKb)} MB`, ratio(loadedIdle.anonKb, idle.anonKb), '']);
  row([`  serve + its AS child, VmRSS summed (${loadedIdle.pids} processes; the executable's shared pages count twice)`, `${mb(loadedIdle.totalKb)} MB`, `idle: ${mb(idle.totalKb)} MB`, ratio(loadedIdle.totalKb, idle.totalKb), '']);
  row(['  serve + its AS child, RssAnon summed', `${mb(loadedIdle.totalAnonKb)} MB`, `idle: ${mb(idle.totalAnonKb)} MB`, ratio(loadedIdle.totalAnonKb, idle.totalAnonKb), '']);
  row([`  serve with 1 dashboard, after ${loads.length + 1} cold loads, the login and ${one.length + upscmd.length + WARMUP_ROUNDS} changes: VmRSS, RssAnon`, `${mb(oneDashboard.serveKb)} MB, ${mb(oneDashboard.anonKb)} MB`, `idle: ${mb(idle.serveKb)} MB, ${mb(idle.anonKb)} MB`, `${ratio(oneDashboard.serveKb, idle.serveKb)}, ${ratio(oneDashboard.anonKb, idle.anonKb)}`, '']);
  row([`  per added live connection: (with them − with 1 dashboard) / ${added}, VmRSS and RssAnon`, `${((loadedIdle.serveKb - oneDashboard.serveKb) / added).toFixed(1)} kB, ${((loadedIdle.anonKb - oneDashboard.anonKb) / added).toFixed(1)} kB`, '', '', '']);
  row([`  serve after ${loaded.length} more changes with them: VmRSS, RssAnon; VmHWM`, `${mb(loadedAfter.serveKb)} MB, ${mb(loadedAfter.anonKb)} MB; ${mb(loadedAfter.hwmKb)} MB`, '', '', '']);
  process.stdout.write(`\nlogin in the page (ticket login, scrypt in JS): ${(loginMs / 1000).toFixed(2)} s; ${WS_CLIENTS} ws clients connected one after another in ${(connectMs / 1000).toFixed(2)} s; `);
  const nodeSkews = Array.from({ length: 200 }, () => Date.now() - wallNow());
  const headlines = [...new Set([...one, ...loaded].map((r) => r.page.headline))].join(' | ');
  process.stdout.write(`headlines shown: ${headlines}; clock check, Date.now() − (timeOrigin + now()) in the page ${ms(median(skews))} ms, here ${ms(median(nodeSkews))} ms (−0.5 is aligned: Date.now() drops the fraction); run took ${((Date.now() - t0Run) / 1000).toFixed(0)} s\n`);
} finally {
  for (const c of cleanups) await c().catch(() => undefined);
}
// the launched Chromium's and the ws package's handles are gone; anything left would keep the process alive
process.exit(0);
