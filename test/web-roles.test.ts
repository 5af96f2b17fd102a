// Issue 15, acceptance 3: web roles are enforced by the API, not only hidden in the page; a page of another
// origin cannot act with the owner's cookie; the session cookie is what it must be; and the CA the page offers
// carries name constraints covering exactly the unit's names, so openssl refuses a certificate it signed for any
// other name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DESKTOP, launchTrusting, textMatches } from './helpers/browser.ts';
import { addUser, cli } from './accounts-support.ts';
import { run } from './helpers/clients.ts';
import { apiFromPage, logInInPage } from './helpers/page-login.ts';
import { X64_BINARY, startClaimed } from './helpers/walnut.ts';

const OWNER_PW = 'owner-password-roles';

test('a viewer sees no commands and is refused 403 by the API; an operator runs a beeper command but cannot add users; the admin can', async () => {
  const w = await startClaimed(OWNER_PW);
  const browser = await launchTrusting(join(w.dataDir, 'tls', 'ca.pem'));
  try {
    await addUser(w, 'viewer1', 'viewer-password', ['--upsmon', 'secondary']);
    await addUser(w, 'operator1', 'operator-password', ['--instcmds', 'beeper.enable,beeper.disable']);
    const origin = `https://127.0.0.1:${await w.webPort()}`;

    const viewer = await browser.browser.createBrowserContext();
    const vp = await viewer.newPage();
    await vp.setViewport(DESKTOP);
    await logInInPage(vp, origin, 'viewer1', 'viewer-password');
    assert.match(await textMatches(vp, '.who', /viewer1/), /\(viewer\)/);
    await vp.goto(`${origin}/#/device`);
    await textMatches(vp, '#commands-title ~ ul, .commands', /beeper\.enable/);
    assert.equal(await vp.$$eval('button[data-command]', (b) => b.length), 0, 'no command buttons for a viewer');
    const refused = await apiFromPage(vp, 'POST', '/api/ups/command', { command: 'beeper.enable' });
    assert.equal(refused.status, 403, refused.text);
    assert.match(refused.text, /operator role/);
    await viewer.close();

    const operator = await browser.browser.createBrowserContext();
    const op = await operator.newPage();
    await op.setViewport(DESKTOP);
    await logInInPage(op, origin, 'operator1', 'operator-password');
    await op.goto(`${origin}/#/device`);
    await op.waitForSelector('button[data-command="beeper.disable"]');
    await op.click('button[data-command="beeper.disable"]');
    await op.waitForSelector('dialog[open]');
    await op.click('dialog[open] button.primary');
    assert.match(await textMatches(op, '#command-result', /SUCCESS/), /beeper\.disable: SUCCESS/);
    const upsc = await run('upsc', [w.target(), 'ups.beeper.status']);
    assert.equal(upsc.stdout.trim(), 'disabled', 'the UPS really ran it');
    const notAllowed = await apiFromPage(op, 'POST', '/api/ups/command', { command: 'load.off' });
    assert.equal(notAllowed.status, 403, 'an operator runs only the commands their NUT roles name');
    const addByOperator = await apiFromPage(op, 'POST', '/api/users', { name: 'intruder', roles: 'instcmds=ALL' });
    assert.equal(addByOperator.status, 403, addByOperator.text);
    await operator.close();

    const admin = await browser.page(DESKTOP);
    await logInInPage(admin.page, origin, 'admin', OWNER_PW);
    const added = await apiFromPage(admin.page, 'POST', '/api/users', { name: 'nas2', roles: 'upsmon=secondary' });
    assert.equal(added.status, 201, added.text);
    const list = await cli(w, ['user', 'list']);
    assert.match(list.stdout, /^nas2 (active|no-password) upsmon=secondary /m);
    assert.doesNotMatch(list.stdout, /^intruder /m);
    const log = await cli(w, ['log', '--limit', '1000']);
    assert.match(log.stdout, /web-instcmd .*user operator1: beeper\.disable/);
  } finally {
    await browser.close();
    await w.stop();
  }
});

test('a page on another origin cannot act with the owner\'s session, and the cookie is __Host-, Secure, HttpOnly, SameSite=Strict', async () => {
  const w = await startClaimed(OWNER_PW);
  const browser = await launchTrusting(join(w.dataDir, 'tls', 'ca.pem'));
  // the other origin: a plain page on another port whose form posts to the unit's API
  const webPort = await w.webPort();
  const evil = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(`<!doctype html><form id="f" method="POST" action="https://127.0.0.1:${webPort}/api/ups/command" enctype="text/plain">
      <input name='{"command":"beeper.disable","x":"' value='"}'></form><script>document.getElementById('f').submit()</script>`);
  });
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
  try {
    const origin = `https://127.0.0.1:${webPort}`;
    const { page } = await browser.page(DESKTOP);
    await logInInPage(page, origin, 'admin', OWNER_PW);
    const cookie = (await browser.browser.cookies()).find((c) => c.name === '__Host-walnut');
    assert.ok(cookie);
    assert.deepEqual([cookie.secure, cookie.httpOnly, cookie.sameSite, cookie.path, cookie.domain], [true, true, 'Strict', '/', '127.0.0.1']);

    const before = (await run('upsc', [w.target(), 'ups.beeper.status'])).stdout.trim();
    const other = await browser.browser.newPage();
    const response = other.waitForResponse((r) => r.url().endsWith('/api/ups/command'));
    await other.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
    const r = await response;
    assert.equal(r.status(), 403, 'the unit refuses the cross-origin POST');
    assert.match(await r.text(), /cross-origin request refused/);
    assert.equal((await run('upsc', [w.target(), 'ups.beeper.status'])).stdout.trim(), before, 'nothing ran');

    // the same request from the unit's own page but without the session token is refused too
    const noToken = await page.evaluate(async () => (await fetch('/api/ups/command', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"command":"beeper.disable"}' })).status);
    assert.equal(noToken, 403);
  } finally {
    evil.closeAllConnections();
    await new Promise<void>((r) => evil.close(() => r()));
    await browser.close();
    await w.stop();
  }
});

test('the CA the page offers after a login is the unit\'s, proven by the login, and constrained to exactly its names', async () => {
  const w = await startClaimed(OWNER_PW);
  const browser = await launchTrusting(join(w.dataDir, 'tls', 'ca.pem'));
  const dir = mkdtempSync(join(tmpdir(), 'walnut-ca-'));
  try {
    const origin = `https://127.0.0.1:${await w.webPort()}`;
    const { page } = await browser.page(DESKTOP);
    await logInInPage(page, origin, 'admin', OWNER_PW);
    const shown = await textMatches(page, '#ca-fingerprint', /SHA-256 [0-9A-F:]{95}/);
    const pem = (await apiFromPage(page, 'GET', '/api/ca')).text;
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, pem);
    const fp = await run('openssl', ['x509', '-in', caFile, '-noout', '-fingerprint', '-sha256']);
    assert.equal(shown.replace('SHA-256 ', ''), fp.stdout.trim().split('=')[1], 'the page shows the fingerprint of the CA it offers');

    // its permitted subtrees are exactly the device certificate's names (DNS names and addresses)
    const text = (await run('openssl', ['x509', '-in', caFile, '-noout', '-text'])).stdout;
    const sans = (await run('openssl', ['x509', '-in', join(w.dataDir, 'tls', 'device.pem'), '-noout', '-ext', 'subjectAltName'])).stdout;
    const permitted = text.slice(text.indexOf('Permitted:'), text.indexOf('\n\n', text.indexOf('Permitted:')));
    assert.match(text, /X509v3 Name Constraints: critical/);
    const dns = [...permitted.matchAll(/DNS:([^\s,]+)/g)].map((m) => m[1]).sort();
    assert.deepEqual(dns, [...sans.matchAll(/DNS:([^\s,]+)/g)].map((m) => m[1]).sort());
    const ips = [...permitted.matchAll(/IP:([0-9A-Fa-f:.]+)\/[0-9A-Fa-f:.]+/g)].map((m) => m[1]!.toLowerCase()).sort();
    const sanIps = [...sans.matchAll(/IP Address:([0-9A-Fa-f:.]+)/g)].map((m) => m[1]!.toLowerCase().replace(/^0:0:0:0:0:0:0:1$/, '::1')).sort();
    assert.equal(ips.length, sanIps.length, `${permitted}\n${sans}`);

    // a certificate for another name, signed with the CA's own key, is refused by openssl
    const key = join(dir, 'evil.key');
    const csr = join(dir, 'evil.csr');
    const cert = join(dir, 'evil.pem');
    const ext = join(dir, 'ext.cnf');
    writeFileSync(ext, 'subjectAltName=DNS:evil.example.com\n');
    assert.equal((await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr, '-subj', '/CN=evil.example.com'])).code, 0);
    const signed = await run('openssl', ['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', join(w.dataDir, 'tls', 'ca.key'), '-CAcreateserial', '-out', cert, '-days', '1', '-extfile', ext]);
    assert.equal(signed.code, 0, signed.stderr);
    const verify = await run('openssl', ['verify', '-CAfile', caFile, cert]);
    assert.notEqual(verify.code, 0);
    assert.match(verify.stdout + verify.stderr, /permitted subtree violation/);
    const device = await run('openssl', ['verify', '-CAfile', caFile, join(w.dataDir, 'tls', 'device.pem')]);
    assert.equal(device.code, 0, 'the unit\'s own certificate verifies');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await browser.close();
    await w.stop();
  }
});

test('wrong passwords in the page count toward the AS lockout, which then refuses the right one on the web and on NUT alike', async () => {
  const w = await startClaimed(OWNER_PW, { config: { auth: { lockout: { failures: 3, lockSeconds: 120 } } } });
  const browser = await launchTrusting(join(w.dataDir, 'tls', 'ca.pem'));
  try {
    const origin = `https://127.0.0.1:${await w.webPort()}`;
    const { page } = await browser.page(DESKTOP);
    await page.goto(`${origin}/#/login`, { waitUntil: 'networkidle0' });
    await page.waitForSelector('input[name=password]');
    const attempt = async (password: string): Promise<string> => {
      await page.$eval('input[name=password]', (el) => ((el as unknown as { value: string }).value = ''));
      await page.type('input[name=password]', password);
      await page.click('button[type=submit]');
      return textMatches(page, '[role=alert]:not([hidden])', /refused/);
    };
    for (let i = 0; i < 3; i++) {
      assert.match(await attempt(`wrong-password-${i}`), /refused/);
      await page.$eval('[role=alert]', (el) => ((el as unknown as { hidden: boolean }).hidden = true));
    }
    // the right password now fails the same way: the name is locked at the AS, whoever relays for it
    assert.match(await attempt(OWNER_PW), /refused/);
    const ping = await run(X64_BINARY, ['auth', 'ping', '--server', `127.0.0.1:${w.port}`, '--user', 'admin', '--password-stdin'], { input: `${OWNER_PW}\n` });
    assert.notEqual(ping.code, 0, 'NUT sees the same lock');
  } finally {
    await browser.close();
    await w.stop();
  }
});
