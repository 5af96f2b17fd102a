// Issue 16, acceptance 5 and 8 for the Users & security page, in real Chromium against the built binary: the admin
// creates an operator in the page, who then logs in on the web and over NUT with that password; a password set by
// the admin and one changed by the user from the page both work, and the old one then fails for the web and for
// NUT; a disabled user is refused and a removed one is gone at the AS too; a client certificate issued in the page
// verifies against the unit's CA with openssl and, once revoked there, is refused by the NUT server; every change is
// in `walnut log` with its author and no password is in any log. axe-core and screenshots at both widths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import type { Page } from 'puppeteer-core';
import { DESKTOP, launchTrusting, textMatches } from './helpers/browser.ts';
import { cli } from './accounts-support.ts';
import { afterStarttls, run } from './helpers/clients.ts';
import { apiFromPage, logInInPage } from './helpers/page-login.ts';
import { auditEverywhere } from './helpers/page-audit.ts';
import { REPO, X64_BINARY, startClaimed, until, type RunningWalnut } from './helpers/walnut.ts';

const OWNER_PW = 'owner-password-users';
const SHOTS = join(REPO, 'out', 'screenshots');
const authPing = (w: RunningWalnut, user: string, password: string) =>
  run(X64_BINARY, ['auth', 'ping', '--server', `127.0.0.1:${w.port}`, '--user', user, '--password-stdin'], { input: `${password}\n`, timeoutMs: 30_000 });
const upscmd = async (w: RunningWalnut, user: string, password: string): Promise<string> => {
  const r = await run('upscmd', ['-u', user, '-p', password, w.target(), 'beeper.disable']);
  return (r.stdout + r.stderr).trim();
};

/** STARTTLS presenting `pem` as the client certificate; the first reply inside TLS, or 'closed'. */
async function withCertificate(w: RunningWalnut, pem: string, caPem: string): Promise<string> {
  const raw = await afterStarttls(w.port);
  const socket = tls.connect({ socket: raw, ca: caPem, servername: 'localhost', cert: pem, key: pem });
  socket.on('error', () => undefined);
  return new Promise<string>((resolve) => {
    let buf = '';
    const timer = setTimeout(() => (socket.destroy(), resolve('no answer')), 10_000);
    socket.once('secureConnect', () => socket.write('GET VAR ups battery.charge\n'));
    socket.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      if (buf.includes('\n')) {
        clearTimeout(timer);
        socket.destroy();
        resolve(buf.slice(0, buf.indexOf('\n')));
      }
    });
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(buf === '' ? 'closed' : buf);
    });
  });
}

/** The admin's password in the open dialog, and its submit. */
async function confirmInDialog(page: Page, newPassword?: string): Promise<void> {
  await page.waitForSelector('dialog[open] input[name=admin-password]');
  if (newPassword !== undefined) await page.type('dialog[open] input[name=user-new-password]', newPassword);
  await page.type('dialog[open] input[name=admin-password]', OWNER_PW);
  await page.click('dialog[open] button[type=submit]');
  await page.waitForSelector('dialog[open]', { hidden: true, timeout: 60_000 });
}

async function loginRefused(page: Page, origin: string, user: string, password: string): Promise<string> {
  await page.goto(`${origin}/#/login`, { waitUntil: 'networkidle0' });
  // a page that had a session asks its unit again, as a person's reload does
  await page.reload({ waitUntil: 'networkidle0' });
  await page.waitForSelector('input[name=username]');
  await page.$eval('input[name=username]', (el) => ((el as unknown as { value: string }).value = ''));
  await page.type('input[name=username]', user);
  await page.type('input[name=password]', password);
  await page.click('button[type=submit]');
  return textMatches(page, '[role=alert]:not([hidden])', /refused/, 30_000);
}

test('the admin creates an operator in the page; passwords set and changed there work on the web and NUT and the old ones fail; certificates are issued and revoked; every change has its author in the log', async () => {
  const w = await startClaimed(OWNER_PW, { config: { loginThrottle: { freeFailures: 100 } } });
  const caFile = join(w.dataDir, 'tls', 'ca.pem');
  const caPem = readFileSync(caFile, 'utf8');
  const browser = await launchTrusting(caFile);
  const dir = mkdtempSync(join(tmpdir(), 'walnut-web-users-'));
  try {
    const origin = `https://127.0.0.1:${await w.webPort()}`;
    const admin = await browser.page(DESKTOP);
    const ap = admin.page;
    await logInInPage(ap, origin, 'admin', OWNER_PW);
    assert.ok(await ap.$('nav a[href="#/users"]'), 'the admin has Users & security in the menu');
    await ap.goto(`${origin}/#/users`);
    await ap.waitForSelector('#add-user');

    // 1. an operator, made in the page: the account by the API, the password at the AS
    await ap.type('#add-user input[name=new-user]', 'op1');
    await ap.type('#add-user input[name=new-user-password]', 'operator-pass-1');
    await ap.type('#add-user input[name=admin-password]', OWNER_PW);
    await ap.click('#add-user button[type=submit]');
    await textMatches(ap, '#users-status', /op1 is added/, 60_000);
    await textMatches(ap, 'tr[data-user="op1"]', /active.*instcmds=ALL.*web: operator/);
    const list = await cli(w, ['user', 'list']);
    assert.match(list.stdout, /^op1 active upsmon=secondary actions=SET instcmds=ALL /m);
    assert.doesNotMatch(list.stdout, /^op1 .*no-password/m, 'the AS has its key');

    // 2. the operator logs in on the web and over NUT with that password
    const opContext = await browser.browser.createBrowserContext();
    const op = await opContext.newPage();
    await op.setViewport(DESKTOP);
    await logInInPage(op, origin, 'op1', 'operator-pass-1');
    assert.match(await textMatches(op, '.who', /op1/), /\(operator\)/);
    assert.equal(await op.$('nav a[href="#/users"]'), null, 'no Users & security for an operator');
    assert.equal((await apiFromPage(op, 'GET', '/api/users')).status, 403, 'and the API refuses it');
    assert.equal((await apiFromPage(op, 'POST', '/api/certs/issue', { name: 'x', p12Password: 'y' })).status, 403);
    assert.equal((await authPing(w, 'op1', 'operator-pass-1')).code, 0, 'walnut auth ping with the new password');
    assert.equal(await upscmd(w, 'op1', 'operator-pass-1'), 'OK');

    // 3. the admin sets op1's password in the page: op1's web session ends, the old password fails everywhere
    await ap.click('tr[data-user="op1"] button[data-action=password]');
    // the modal dialog sits in the viewport: the screenshot is of what the viewport shows
    await auditEverywhere(ap, 'users-set-password', () => ap.waitForSelector('dialog[open] input[name=user-new-password]'), false);
    await confirmInDialog(ap, 'operator-pass-2');
    await textMatches(ap, '#users-status', /password of op1 is changed/);
    assert.match((await apiFromPage(op, 'GET', '/api/hello')).text, /"session":null/, "op1's web session ended");
    assert.match(await loginRefused(op, origin, 'op1', 'operator-pass-1'), /refused/, 'the old password fails on the web');
    assert.notEqual((await authPing(w, 'op1', 'operator-pass-1')).code, 0, 'and over NUT');
    assert.match(await upscmd(w, 'op1', 'operator-pass-1'), /ACCESS-DENIED/);
    await op.goto(`${origin}/#/`); // leaves the refused login form, so the next one starts empty
    await logInInPage(op, origin, 'op1', 'operator-pass-2');
    assert.equal(await upscmd(w, 'op1', 'operator-pass-2'), 'OK');

    // 4. op1 changes their own password in the page (§7.3): this session stays, the old password fails
    await op.goto(`${origin}/#/password`);
    await op.waitForSelector('#own-password');
    await op.type('input[name=own-old-password]', 'operator-pass-2');
    await op.type('input[name=own-new-password]', 'operator-pass-3');
    await op.type('input[name=own-again-password]', 'operator-pass-3');
    await op.click('#own-password button[type=submit]');
    await textMatches(op, '#password-status', /Your password is changed/, 60_000);
    assert.match((await apiFromPage(op, 'GET', '/api/hello')).text, /"user":"op1"/, 'the session that changed it stays');
    assert.notEqual((await authPing(w, 'op1', 'operator-pass-2')).code, 0, 'the old password fails over NUT');
    assert.equal((await authPing(w, 'op1', 'operator-pass-3')).code, 0);
    const other = await (await browser.browser.createBrowserContext()).newPage();
    assert.match(await loginRefused(other, origin, 'op1', 'operator-pass-2'), /refused/, 'and on the web');

    // 5. disabled: refused on NUT and logged out of the web; enabled again
    await ap.click('tr[data-user="op1"] button[data-action=status]');
    await textMatches(ap, '#users-status', /op1 is disabled/);
    assert.match(await upscmd(w, 'op1', 'operator-pass-3'), /ERR/);
    assert.match((await apiFromPage(op, 'GET', '/api/hello')).text, /"session":null/);
    await textMatches(ap, 'tr[data-user="op1"]', /disabled/);
    await ap.click('tr[data-user="op1"] button[data-action=status]');
    await textMatches(ap, '#users-status', /op1 is enabled/);
    assert.equal(await upscmd(w, 'op1', 'operator-pass-3'), 'OK');

    // 6. a client certificate issued in the page, with a generated .p12 password
    await ap.type('#issue-cert input[name=cert-name]', 'nas-web');
    await ap.click('#issue-cert button.generate');
    const p12Password = await ap.$eval('#issue-cert input[name=cert-p12-password]', (el) => (el as unknown as { value: string }).value);
    assert.match(p12Password, /^[a-z2-9]{24}$/);
    await ap.click('#issue-cert button[type=submit]');
    await ap.waitForSelector('#download-pem');
    // downloaded as a person does, by the links (the page's CSP lets nothing else read them)
    const cdp = await ap.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: dir });
    await ap.click('#download-pem');
    await ap.click('#download-p12');
    const pemFile = join(dir, 'nas-web.pem');
    const p12File = join(dir, 'nas-web.p12');
    await until('both files downloaded', () => existsSync(pemFile) && existsSync(p12File));
    await cdp.detach();
    const pem = readFileSync(pemFile, 'utf8');
    assert.match(pem, /^-----BEGIN CERTIFICATE-----[^]*-----BEGIN CERTIFICATE-----[^]*-----BEGIN PRIVATE KEY-----/, 'certificate, CA, key');
    const verify = await run('openssl', ['verify', '-CAfile', caFile, '-purpose', 'sslclient', pemFile]);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    const p12Check = await run('openssl', ['pkcs12', '-in', p12File, '-passin', `pass:${p12Password}`, '-noout']);
    assert.equal(p12Check.code, 0, `the .p12 opens with the password chosen in the page: ${p12Check.stderr}`);
    const serial = (await run('openssl', ['x509', '-in', pemFile, '-noout', '-serial'])).stdout.trim().replace(/^serial=/, '');
    await textMatches(ap, `tr[data-serial="${serial}"]`, /nas-web.*active/);
    assert.match(await withCertificate(w, pem, caPem), /^VAR ups battery\.charge /, 'the NUT server takes it');

    // the page at both widths, with its lists filled
    await auditEverywhere(ap, 'users', () => textMatches(ap, `tr[data-serial="${serial}"]`, /nas-web/));

    // 7. revoked in the page: the NUT server refuses it from the next handshake
    await ap.click(`tr[data-serial="${serial}"] button[data-action=revoke]`);
    await textMatches(ap, '#users-status', /certificate of nas-web is revoked/);
    await textMatches(ap, `tr[data-serial="${serial}"]`, /revoked/);
    assert.match(await withCertificate(w, pem, caPem), /^(closed|no answer)$/, 'the revoked certificate is refused');
    assert.match(w.logs(), new RegExp(`client certificate refused: nas-web: serial ${serial} is revoked`, 'i'));

    // 8. removed in the page: gone from walnut.db and its key gone at the AS
    await ap.click('tr[data-user="op1"] button[data-action=remove]');
    await confirmInDialog(ap);
    await textMatches(ap, '#users-status', /op1 is removed/);
    assert.doesNotMatch((await cli(w, ['user', 'list'])).stdout, /^op1 /m);
    assert.notEqual((await authPing(w, 'op1', 'operator-pass-3')).code, 0, 'no key at the AS');

    // the own-password page at both widths
    await ap.goto(`${origin}/#/password`);
    await auditEverywhere(ap, 'my-password', () => ap.waitForSelector('#own-password'));

    // every change is an event with its author; no password anywhere in the log or the server's output
    // the event log writes its queue once a second (src/storage/event-log.ts): wait for the last change to land
    let log = '';
    await until('the removal in the event log', async () => /user-removed .*user op1/.test((log = (await cli(w, ['log', '--limit', '1000'])).stdout)));
    for (const line of [
      /user-added .*user op1 .*\(by admin\)/,
      /user-password .*user op1: password changed \(by admin\)/,
      /user-password .*user op1: password changed \(by op1\)/,
      /user-disabled .*user op1 disabled \(by admin\)/,
      /user-enabled .*user op1 enabled \(by admin\)/,
      new RegExp(`client-cert-issued .*nas-web serial ${serial} .*\\(by admin\\)`),
      new RegExp(`client-cert-revoked .*nas-web serial ${serial} revoked.*\\(by admin\\)`),
      /user-removed .*user op1 removed \(by admin\)/,
    ]) assert.match(log, line);
    for (const secret of ['operator-pass-1', 'operator-pass-2', 'operator-pass-3', p12Password, OWNER_PW]) {
      assert.ok(!log.includes(secret) && !w.logs().includes(secret), 'no password is logged');
    }
    assert.deepEqual(admin.consoleErrors.filter((e) => !/status of 40[13]/.test(e)), [], 'no console errors');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await browser.close();
    await w.stop();
  }
});
