// The setup page's AS client (src/page/auth-client.ts) in real Chromium (issue 15): the browser bundle of
// build/page-bundle.ts runs a claim (docs/auth-protocol.md §13), a password change (§7.3) and a ticket login
// (§7.1 + §7.2 with §7.5's Finished tags) against the real AS Conversation and ServerAuth in this process, each
// message carried by fetch to a stand-in web server (helpers/page-server.ts). The shim's bytes are checked against
// node:crypto inside the browser, and scrypt at walnut's parameters is timed there.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as node from 'node:crypto';
import { existsSync } from 'node:fs';
import puppeteer, { type Browser, type JSHandle, type Page } from 'puppeteer-core';
import type { LoginTransport } from '../src/page/auth-client.ts';
import { bundlePage } from '../build/page-bundle.ts';
import { SCRYPT_PARAMS, passwordKey } from '../src/authsrv/keys.ts';
import { memoryAs, type MemoryAs } from './helpers/memory-as.ts';
import { pageServer, type PageServer } from './helpers/page-server.ts';

const CHROMIUM = '/usr/bin/chromium';
const DOM = 'walnut-page-test';
/** a label code in canonical form (src/factory/setup-code.ts), and how a person might type it */
const CODE = 'MPN4NAMMKYV96D';
const CODE_AS_TYPED = 'mpn4-namm-kyv9-6d';

/** The test's own entry: the page API, and the shim and passwordKey for the byte checks and the timing. */
const PROBE = `export * from './src/page/auth-client.ts';
export * as shim from './src/page/crypto-shim.ts';
export { passwordKey } from './src/authsrv/keys.ts';`;

interface Outcome<T = unknown> {
  ok: boolean;
  value?: T;
  name?: string;
  kind?: string;
  message?: string;
}

let browser: Browser;
let probe: string;

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
  probe = (await bundlePage({ contents: PROBE })).code;
  // root in a container: Chromium's sandbox needs user namespaces it does not get here
  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
});

after(async () => {
  await browser?.close();
});

/** What the page's script (helpers/page-server.ts) puts on its window, as the tests use it. */
interface PageWindow {
  walnut: typeof import('../src/page/auth-client.ts') & {
    shim: typeof import('../src/page/crypto-shim.ts');
    passwordKey: typeof import('../src/authsrv/keys.ts').passwordKey;
  };
  relay(session: string): (request: Uint8Array) => Promise<Uint8Array>;
  loginTransport(session: string): LoginTransport<string>;
  outcome<T>(f: () => Promise<T>): Promise<Outcome<T>>;
}

interface Opened {
  page: Page;
  /** the page's window, passed to page.evaluate as its first argument */
  w: JSHandle<PageWindow>;
  server: PageServer;
  done: () => Promise<void>;
}

/** A fresh page on a fresh stand-in server over `as`, with the bundle loaded. */
async function open(as: MemoryAs): Promise<Opened> {
  const server = await pageServer(probe, as);
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => void errors.push(String(e)));
  await page.goto(server.url);
  await page.waitForFunction('window.ready === true', { timeout: 10_000 }).catch(() => assert.fail(`the bundle did not load: ${errors.join('; ')}`));
  return {
    page,
    w: (await page.evaluateHandle(() => globalThis)) as unknown as JSHandle<PageWindow>,
    server,
    done: async () => {
      await page.close();
      await server.close();
      assert.deepEqual(errors, [], 'no uncaught error in the page');
    },
  };
}

/** A ticket login from the page as `user`; the user the server end confirmed, or the page's failure. */
function pageLogin({ page, w }: Opened, session: string, user: string, password: string): Promise<Outcome<string>> {
  return page.evaluate((w, s, u, p) => w.outcome(() => w.walnut.login({ user: u, password: p, transport: w.loginTransport(s) })), w, session, user, password);
}

test('the page bundle is one browser ES module, no Buffer left in it, well under 60 KiB gzipped', async (t) => {
  const { code, bytes, gzipBytes } = await bundlePage();
  assert.match(code, /\bexport\s*\{/);
  assert.doesNotMatch(code, /\bBuffer\b|\bprocess\.|require\(/);
  assert.ok(gzipBytes < 60 * 1024, `${gzipBytes} bytes gzipped`);
  t.diagnostic(`page bundle: ${(bytes / 1024).toFixed(1)} KiB, ${(gzipBytes / 1024).toFixed(1)} KiB gzip`);
});

test('in Chromium, the label code as typed claims the unit with a new password, which then logs in', async () => {
  const as = await memoryAs(DOM, {}, CODE);
  const o = await open(as);
  const { page, w, server, done } = o;
  const claimed = await page.evaluate(
    (w, code, dom) => w.outcome(() => w.walnut.claim({ code, newPassword: 'the owner’s password', domain: dom, relay: w.relay('c1') })),
    w,
    CODE_AS_TYPED,
    DOM,
  );
  assert.deepEqual(claimed, { ok: true }, JSON.stringify(claimed));
  assert.deepEqual(as.setup.claimed, ['admin']);
  assert.equal(as.setup.attempts, 0, 'the confirmed attempt took its count back');
  assert.equal(server.asRequests, 3, 'PAK, confirmation with AuthPass, Passwordreq (§7.3)');
  // the key the AS now holds is the one Node derives from the same UTF-8 bytes
  const want = await passwordKey(new TextEncoder().encode('the owner’s password'), new TextEncoder().encode(DOM), new TextEncoder().encode('admin'));
  assert.deepEqual(as.users.get('admin'), want);
  assert.deepEqual(await pageLogin(o, 'l1', 'admin', 'the owner’s password'), { ok: true, value: 'admin' });
  assert.deepEqual(server.logins, ['admin']);
  await done();
});

test('in Chromium, a claim that keeps the code makes the label code admin\'s password', async () => {
  const as = await memoryAs(DOM, {}, CODE);
  const o = await open(as);
  const { page, w, done } = o;
  const claimed = await page.evaluate((w, code, dom) => w.outcome(() => w.walnut.claim({ code, keepCode: true, domain: dom, relay: w.relay('c1') })), w, CODE, DOM);
  assert.deepEqual(claimed, { ok: true });
  assert.deepEqual(as.setup.claimed, ['admin']);
  assert.deepEqual(await pageLogin(o, 'l1', 'admin', CODE), { ok: true, value: 'admin' });
  await done();
});

test('in Chromium, a wrong label code is refused at the confirmation and counts against the window; a mistyped one sends nothing', async () => {
  const as = await memoryAs(DOM, {}, CODE);
  const o = await open(as);
  const { page, w, server, done } = o;
  const claim = (code: string): Promise<Outcome> =>
    page.evaluate((w, c, dom) => w.outcome(() => w.walnut.claim({ code: c, newPassword: 'new password', domain: dom, relay: w.relay('c1') })), w, code, DOM);
  const typo = await claim('MPN4NAMMKYV96E'); // the check symbol catches it
  assert.equal(typo.kind, 'input');
  assert.match(typo.message!, /check symbol/);
  assert.equal(server.asRequests, 0, 'nothing reached the AS');
  const wrong = await claim('0000-0000-0000-11'); // a valid code, not this unit's
  assert.equal(wrong.kind, 'refused', JSON.stringify(wrong));
  assert.match(wrong.message!, /setup code was refused/);
  assert.equal(server.asRequests, 1, 'the page stopped after the AS\'s cB did not match');
  assert.equal(as.setup.attempts, 1, 'one attempt of the window spent');
  assert.deepEqual(as.setup.claimed, []);
  await done();
});

test('in Chromium, a password change refused by a rule is retried in the same conversation; the new password logs in, the old no more', async () => {
  const as = await memoryAs(DOM, { alice: 'correct horse battery' });
  const o = await open(as);
  const { page, w, server, done } = o;
  const changed = await page.evaluate(
    async (w, dom) => {
      const change = (session: string) =>
        w.walnut.changePassword({ user: 'alice', oldPassword: 'correct horse battery', newPassword: 'short', domain: dom, relay: w.relay(session) });
      const first = await w.outcome(() => change('p1'));
      let retried: Outcome | undefined;
      try {
        await change('p2');
      } catch (e) {
        retried = await w.outcome(() => (e as { retry: (p: string) => Promise<void> }).retry('a much longer password'));
      }
      return { first, retried };
    },
    w,
    DOM,
  );
  assert.equal(changed.first.kind, 'rejected');
  assert.equal(changed.first.message, 'password too short (8 bytes at least)', 'the AS\'s own text');
  assert.deepEqual(changed.retried, { ok: true });
  assert.equal(server.asRequests, 3 + 4, 'the retry is one more Passwordreq, no new PAK');
  assert.deepEqual(await pageLogin(o, 'l1', 'alice', 'a much longer password'), { ok: true, value: 'alice' });
  const old = await pageLogin(o, 'l2', 'alice', 'correct horse battery');
  assert.equal(old.kind, 'refused', JSON.stringify(old));
  assert.deepEqual(server.logins, ['alice']);
  await done();
});

test('in Chromium, a ticket login with a wrong password or an unknown user stops at the AS\'s confirmation, the same way', async () => {
  const as = await memoryAs(DOM, { alice: 'correct horse battery' });
  const o = await open(as);
  const { page, w, server, done } = o;
  for (const [user, pw] of [['alice', 'correct horse batterY'], ['mallory', 'whatever it is']] as const) {
    const r = await pageLogin(o, `l-${user}`, user, pw);
    assert.deepEqual({ ok: r.ok, kind: r.kind }, { ok: false, kind: 'refused' }, JSON.stringify(r));
  }
  assert.equal(server.asRequests, 2, 'one AS request each');
  assert.deepEqual(server.logins, []);
  assert.deepEqual(as.failures, ['alice', 'mallory']);
  await done();
});

test('in Chromium, the shim gives node:crypto\'s bytes for sha256, hmac, hkdf, scrypt and chacha20-poly1305', async () => {
  const as = await memoryAs(DOM, {});
  const { page, w, done } = await open(as);
  const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
  for (const n of [0, 1, 64, 65, 1057]) {
    const [data, key, salt, info, iv, aad] = [n, 32 + (n % 50), n % 100, 20, 12, n % 70].map((k) => [...node.randomBytes(k)]) as number[][];
    const k32 = [...node.randomBytes(32)];
    const got = await page.evaluate(
      async (w, d, k, s, i, iv, aad, k32) => {
        const { shim } = w.walnut;
        const h = (b: Uint8Array | ArrayBuffer): string => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');
        const u = (a: number[]): Uint8Array => Uint8Array.from(a);
        const c = shim.createCipheriv('chacha20-poly1305', u(k32), u(iv), { authTagLength: 16 });
        c.setAAD(u(aad));
        const ct = [c.update(u(d)), c.final(), c.getAuthTag()];
        const key = await new Promise<Uint8Array>((res, rej) => shim.scrypt(u(d), u(s), 32, { N: 1024, r: 8, p: 1 }, (e, out) => (e ? rej(e) : res(out))));
        return {
          sha: h(shim.createHash('sha256').update(u(d)).digest()),
          hmac: h(shim.createHmac('sha256', u(k)).update(u(d)).digest()),
          hkdf: h(shim.hkdfSync('sha256', u(k), u(s), u(i), 77)),
          aead: ct.map(h).join(''),
          scrypt: h(key),
        };
      },
      w, data!, key!, salt!, info!, iv!, aad!, k32,
    );
    const c = node.createCipheriv('chacha20-poly1305', Buffer.from(k32), Buffer.from(iv!), { authTagLength: 16 });
    c.setAAD(Buffer.from(aad!), { plaintextLength: data!.length });
    const want = {
      sha: node.createHash('sha256').update(Buffer.from(data!)).digest('hex'),
      hmac: node.createHmac('sha256', Buffer.from(key!)).update(Buffer.from(data!)).digest('hex'),
      hkdf: hex(new Uint8Array(node.hkdfSync('sha256', Buffer.from(key!), Buffer.from(salt!), Buffer.from(info!), 77))),
      aead: Buffer.concat([c.update(Buffer.from(data!)), c.final(), c.getAuthTag()]).toString('hex'),
      scrypt: node.scryptSync(Buffer.from(data!), Buffer.from(salt!), 32, { N: 1024, r: 8, p: 1 }).toString('hex'),
    };
    assert.deepEqual(got, want, `${n} bytes`);
  }
  await done();
});

test('in Chromium, walnut\'s password key (scrypt N=2^15, r=8, p=1) equals Node\'s, and its time is reported', async (t) => {
  const as = await memoryAs(DOM, {});
  const { page, w, done } = await open(as);
  const runs = await page.evaluate(async (w, dom) => {
    const e = new TextEncoder();
    const out: { ms: number; key: string }[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const key = await w.walnut.passwordKey(e.encode('correct horse battery'), e.encode(dom), e.encode('alice'));
      out.push({ ms: performance.now() - t0, key: [...key].map((x) => x.toString(16).padStart(2, '0')).join('') });
    }
    return out;
  }, w, DOM);
  const e = new TextEncoder();
  const want = Buffer.from(await passwordKey(e.encode('correct horse battery'), e.encode(DOM), e.encode('alice'))).toString('hex');
  for (const r of runs) assert.equal(r.key, want);
  const ms = runs.map((r) => r.ms);
  t.diagnostic(`scrypt N=${SCRYPT_PARAMS.N} r=${SCRYPT_PARAMS.r} p=${SCRYPT_PARAMS.p} in Chromium: ${ms.map((m) => m.toFixed(0)).join(', ')} ms (mean ${(ms.reduce((a, b) => a + b, 0) / ms.length).toFixed(0)} ms)`);
  await done();
});
