// Issue 16, acceptance 1, 3 and 8 for "Add a client" (src/page/ui/views/wizard.ts), in real Chromium against the
// real binary:
// - the Debian wizard makes a secondary account (its password made in the page, set through the AS), and what it
//   shows — the NSS commands and the upsmon.conf lines — is pasted as it is into Debian's real upsmon (nut-client
//   2.8.0): upsmon logs in over TLS with CERTVERIFY 1 and FORCESSL 1; with a client certificate chosen it presents
//   it (CERTIDENT), and once `walnut client-cert revoke` revoked it the NUT server refuses it;
// - Synology DSM (its fixed monuser/secret): the page says the risk plainly and shows a legacyClients entry for
//   walnut.json bound to the NAS's address (the page cannot make a runtime entry yet); a unit started with it lets
//   monuser in from that address as a secondary only and refuses it from a second loopback address;
// - Home Assistant: host and port, no credentials, clear TCP: a NUT client library lists the UPS and reads its
//   variables with exactly that. Home Assistant's own library, aionut, could not be run here (no PyPI and no
//   snapshot of its source on this machine), so this is Debian's python3-nut (PyNUT, NUT's own Python client),
//   which speaks the same plain protocol: LIST UPS, LIST VAR, no USERNAME/PASSWORD, no STARTTLS;
// - Prometheus: the scrape job the page shows passes `promtool check config` and a real Prometheus (Debian's)
//   running it scrapes /metrics over HTTPS, checking the certificate with the CA the page let it download;
// - every state of the page: axe-core finds nothing serious or critical, nothing overflows, and a screenshot at a
//   phone's and a desktop's width, light and dark, goes to out/screenshots/add-client-*.png.
// Not run here from the shown text: `apt-get install` and `systemctl restart nut-monitor` (the test runs upsmon
// itself, as test/helpers/upsmon.ts does) — everything else runs as the page shows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { DESKTOP, launchTrusting, textMatches } from './helpers/browser.ts';
import { auditEverywhere } from './helpers/page-audit.ts';
import { cli, withCredentials } from './accounts-support.ts';
import { LineClient, run } from './helpers/clients.ts';
import { logInInPage } from './helpers/page-login.ts';
import { startUpsmon, type Upsmon } from './helpers/upsmon.ts';
import { startClaimed, startWalnut, until, type RunningWalnut } from './helpers/walnut.ts';

const OWNER_PW = 'owner-password-wizard';

/** The little of the DOM the functions below run in the page with (tsconfig.json has no DOM lib for tests). */
interface El { textContent: string | null; getAttribute(n: string): string | null }
declare const document: { querySelectorAll(s: string): El[] };

async function numlogins(w: RunningWalnut): Promise<string> {
  const c = await LineClient.connect(w.port);
  try {
    c.send('GET NUMLOGINS ups\n');
    return await c.line();
  } finally {
    c.socket.destroy();
  }
}

/** Axe-core, no horizontal overflow and a screenshot at both widths and in both colour schemes, for the page as
 *  it stands. */
async function checkBothWidths(page: Page, name: string): Promise<void> {
  await auditEverywhere(page, `add-client-${name}`);
  await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
  await page.setViewport(DESKTOP);
}

/** The wizard's output as the page shows it: each snippet's text by its heading, and each download link clicked
 *  as a person would, Chromium saving the file into `downloads` (the page's CSP lets nothing read a blob: URL). */
async function shownOutput(page: Page, downloads?: string): Promise<{ snippets: Map<string, string>; files: Map<string, Buffer> }> {
  // the settings, or the page's alert (then its sentence is the failure)
  await page.waitForSelector('#wizard-output:not([hidden]) pre[data-snippet], .wizard [role=alert]:not([hidden])', { timeout: 60_000 });
  const alert = await page.evaluate(() => [...document.querySelectorAll('.wizard [role=alert]:not([hidden])')].map((a) => a.textContent).join(' '));
  assert.equal(alert, '', 'the page shows no alert');
  const snippets = new Map(await page.evaluate(() => [...document.querySelectorAll('pre[data-snippet]')].map((p) => [p.getAttribute('data-snippet')!, p.textContent ?? ''] as [string, string])));
  const files = new Map<string, Buffer>();
  if (downloads === undefined) return { snippets, files };
  mkdirSync(downloads, { recursive: true });
  const cdp = await page.createCDPSession();
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
  const names = await page.evaluate(() => [...document.querySelectorAll('a[data-file]')].map((a) => a.getAttribute('data-file')!));
  for (const name of names) {
    await page.click(`a[data-file="${name}"]`);
    await until(`${name} is downloaded`, () => existsSync(join(downloads, name)) && !readdirSync(downloads).some((f) => f.endsWith('.crdownload')));
    files.set(name, readFileSync(join(downloads, name)));
  }
  await cdp.detach();
  return { snippets, files };
}

const snippet = (snippets: Map<string, string>, title: RegExp): string => {
  const found = [...snippets].find(([t]) => title.test(t));
  assert.ok(found, `a snippet titled ${title}; shown: ${[...snippets.keys()].join(' | ')}`);
  return found[1];
};

/** Runs the wizard for a Debian upsmon host: the account name, the NSS folder, a certificate or not. */
async function debianWizard(page: Page, origin: string, account: string, client: string, withCert: boolean): Promise<{ snippets: Map<string, string>; files: Map<string, Buffer> }> {
  await page.goto(`${origin}/#/add-client`, { waitUntil: 'networkidle0' });
  await page.reload({ waitUntil: 'networkidle0' }); // a fresh form: no output of an earlier run on the page
  await page.waitForSelector('#kind-debian');
  await page.click('#kind-debian');
  for (const [sel, value] of [['#wizard-account', account], ['#wizard-nssdb', join(client, 'certdb')]] as const) {
    await page.$eval(sel, (el) => ((el as unknown as { value: string }).value = ''));
    await page.type(sel, value);
  }
  if (withCert) await page.click('#wizard-cert');
  await page.type('#wizard-admin-password', OWNER_PW);
  await page.click('#wizard-submit');
  return shownOutput(page, client);
}

/** Pastes the shown shell commands into a shell in the folder the files were downloaded to, as root. */
async function runShown(dir: string, commands: string): Promise<void> {
  const r = await run('sh', ['-ec', `cd "$0"\n${commands}`, dir]);
  assert.equal(r.code, 0, `${commands}\n${r.stdout}${r.stderr}`);
}

test("the Debian wizard's commands and upsmon.conf lines, pasted into a real upsmon, log in over TLS; with a certificate CERTIDENT works and a revoked one is refused", async () => {
  // walnut's default: no credential in clear (the test helper allows them for Debian's upsrw and upscmd)
  const w = await startClaimed(OWNER_PW, { config: { tls: { clearCredentials: false } } });
  const browser = await launchTrusting(join(w.dataDir, 'tls', 'ca.pem'));
  const monitors: Upsmon[] = [];
  try {
    const origin = `https://127.0.0.1:${await w.webPort()}`;
    const { page, consoleErrors } = await browser.page(DESKTOP);
    await logInInPage(page, origin, 'admin', OWNER_PW);
    await page.goto(`${origin}/#/add-client`, { waitUntil: 'networkidle0' });
    await page.waitForSelector('#wizard-form');
    await checkBothWidths(page, 'form');

    // 0. a mistyped admin password: the account is made and its password is not, and the page says so; the retry
    // on the same page finishes that account instead of refusing its name
    await page.click('#kind-debian');
    await page.$eval('#wizard-account', (el) => ((el as unknown as { value: string }).value = 'debian0'));
    await page.type('#wizard-admin-password', 'not the owner password');
    await page.click('#wizard-submit');
    await textMatches(page, '.wizard [role=alert]', /The account debian0 exists now, but its password was not set/, 60_000);
    await page.$eval('#wizard-admin-password', (el) => ((el as unknown as { value: string }).value = ''));
    await page.type('#wizard-admin-password', OWNER_PW);
    await page.click('#wizard-submit');
    assert.match(snippet((await shownOutput(page)).snippets, /upsmon\.conf/), /^MONITOR ups@127\.0\.0\.1:\d+ 1 debian0 [a-z2-9]{24} secondary$/m);
    assert.doesNotMatch((await cli(w, ['user', 'list'])).stdout, /^debian0 .*no-password/m);

    // 1. no certificate: the account, the NSS database trusting the CA, the lines
    const plain = await debianWizard(page, origin, 'debian1', join(w.dir, 'client1'), false);
    const conf1 = snippet(plain.snippets, /upsmon\.conf/);
    assert.match(conf1, new RegExp(`^MONITOR ups@127\\.0\\.0\\.1:${w.port} 1 debian1 [a-z2-9]{24} secondary$`, 'm'));
    assert.match(conf1, /^CERTVERIFY 1$/m);
    assert.match(conf1, /^FORCESSL 1$/m);
    assert.doesNotMatch(conf1, /CERTIDENT/);
    await checkBothWidths(page, 'debian');
    const list = await cli(w, ['user', 'list']);
    assert.match(list.stdout, /^debian1 active upsmon=secondary /m, 'the account exists, a secondary');
    assert.doesNotMatch(list.stdout, /^debian1 .*no-password/m, 'its password is set at the AS');
    await runShown(join(w.dir, 'client1'), snippet(plain.snippets, /^As root/));
    const first = startUpsmon({ dir: join(w.dir, 'upsmon1'), lines: conf1.split('\n') });
    monitors.push(first);
    await until('upsmon debian1 logs in', async () => (await numlogins(w)) === 'NUMLOGINS ups 1', 20_000).catch(() => assert.fail(`${first.logs()}\n${w.logs()}`));
    assert.match(w.logs(), /user debian1 logged into ups \(TLS\)/);
    assert.doesNotMatch(w.logs(), /outside TLS/);
    // and the Clients page then shows it connected, over TLS, as a secondary
    await page.goto(`${origin}/#/clients`);
    const row = '#clients-now tbody tr[data-user="debian1"]';
    await page.waitForSelector(row, { timeout: 10_000 });
    const shown = await page.$eval(row, (r) => (r as unknown as { textContent: string }).textContent);
    assert.match(shown, /TLS/);
    assert.match(shown, /secondary of ups/);
    await first.stop();
    await until('upsmon debian1 is gone', async () => (await numlogins(w)) === 'NUMLOGINS ups 0');

    // 2. with a client certificate: pk12util imports it, CERTIDENT names it, walnut sees it
    const withCert = await debianWizard(page, origin, 'debian2', join(w.dir, 'client2'), true);
    const conf2 = snippet(withCert.snippets, /upsmon\.conf/);
    assert.match(conf2, /^CERTIDENT "debian2" ""$/m);
    assert.ok(withCert.files.has('debian2.p12') && withCert.files.has('debian2.pem'), [...withCert.files.keys()].join(', '));
    assert.match(snippet(withCert.snippets, /^As root/), /^pk12util -i debian2\.p12 /m);
    await checkBothWidths(page, 'debian-cert');
    await runShown(join(w.dir, 'client2'), snippet(withCert.snippets, /^As root/));
    const second = startUpsmon({ dir: join(w.dir, 'upsmon2'), lines: conf2.split('\n') });
    monitors.push(second);
    await until('upsmon debian2 logs in with its certificate', async () => (await numlogins(w)) === 'NUMLOGINS ups 1', 20_000).catch(() => assert.fail(`${second.logs()}\n${w.logs()}`));
    const serial = new RegExp('client certificate debian2 \\(serial ([0-9A-F]+)').exec(w.logs())?.[1];
    assert.ok(serial, w.logs());
    assert.match(w.logs(), /user debian2 logged into ups \(TLS\)/);
    await second.stop();

    // 3. revoked from the CLI: the same database and lines are refused
    const revoke = await cli(w, ['client-cert', 'revoke', serial]);
    assert.equal(revoke.code, 0, revoke.stderr);
    const third = startUpsmon({ dir: join(w.dir, 'upsmon3'), lines: conf2.split('\n') });
    monitors.push(third);
    await new Promise((r) => setTimeout(r, 4000));
    assert.equal(await numlogins(w), 'NUMLOGINS ups 0');
    assert.match(w.logs(), new RegExp(`client certificate refused: debian2: serial ${serial} is revoked`, 'i'));

    const log = await cli(w, ['log', '--limit', '1000']);
    assert.match(log.stdout, /client-cert-issued .*client certificate debian2 serial [0-9A-F]+ .* by admin/);
    assert.deepEqual(consoleErrors, [], 'no console errors');
  } finally {
    for (const m of monitors) await m.stop();
    await browser.close();
    await w.stop();
  }
});

test('the Home Assistant settings (host and port, no credentials) let a NUT client library list the UPS and poll its variables in clear TCP', async () => {
  const w = await startClaimed(OWNER_PW, { config: { tls: { clearCredentials: false } } });
  const browser = await launchTrusting(join(w.dataDir, 'tls', 'ca.pem'));
  try {
    const origin = `https://127.0.0.1:${await w.webPort()}`;
    const { page, consoleErrors } = await browser.page(DESKTOP);
    await logInInPage(page, origin, 'admin', OWNER_PW);
    await page.goto(`${origin}/#/add-client`, { waitUntil: 'networkidle0' });
    await page.waitForSelector('#kind-home-assistant');
    await page.click('#kind-home-assistant');
    await page.click('#wizard-submit');
    const { snippets } = await shownOutput(page);
    const host = snippet(snippets, /^Host$/);
    const port = snippet(snippets, /^Port$/);
    assert.deepEqual([host, port], ['127.0.0.1', String(w.port)]);
    await textMatches(page, '#wizard-output', /Leave the username and password empty/);
    await checkBothWidths(page, 'home-assistant');

    // NUT's own Python client (PyNUT, Debian's python3-nut) with exactly the shown settings, twice: a poll
    const script = [
      'import sys, PyNUT',
      'c = PyNUT.PyNUTClient(host=sys.argv[1], port=int(sys.argv[2]))',
      'print("UPS", *sorted(k.decode() if isinstance(k, bytes) else k for k in c.GetUPSList()))',
      'for _ in range(2):',
      '    v = c.GetUPSVars("ups")',
      '    v = {(k.decode() if isinstance(k, bytes) else k): (x.decode() if isinstance(x, bytes) else x) for k, x in v.items()}',
      '    print("battery.charge", v["battery.charge"], "ups.status", v["ups.status"])',
    ].join('\n');
    const r = await run('/usr/bin/python3', ['-c', script, host, port]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^UPS ups$/m);
    assert.equal(r.stdout.match(/^battery\.charge \d+(\.\d+)? ups\.status \S/gm)?.length, 2, r.stdout);
    assert.deepEqual(consoleErrors, [], 'no console errors');
  } finally {
    await browser.close();
    await w.stop();
  }
});

test('the Prometheus job the page shows, run by a real Prometheus, scrapes /metrics over HTTPS with the CA it downloaded', async () => {
  const w = await startClaimed(OWNER_PW);
  const browser = await launchTrusting(join(w.dataDir, 'tls', 'ca.pem'));
  let prometheus: ChildProcess | undefined;
  try {
    const origin = `https://127.0.0.1:${await w.webPort()}`;
    const { page, consoleErrors } = await browser.page(DESKTOP);
    await logInInPage(page, origin, 'admin', OWNER_PW);
    await page.goto(`${origin}/#/add-client`, { waitUntil: 'networkidle0' });
    await page.waitForSelector('#kind-prometheus');
    await page.click('#kind-prometheus');
    await page.click('#wizard-submit');
    const dir = join(w.dir, 'prometheus');
    const { snippets } = await shownOutput(page, dir);
    const job = snippet(snippets, /prometheus\.yml/);
    assert.match(job, new RegExp(`targets: \\['127\\.0\\.0\\.1:${new URL(origin).port}'\\]`));
    await checkBothWidths(page, 'prometheus');
    assert.deepEqual(consoleErrors, [], 'no console errors');

    // the job as shown; only the CA's path is this test's folder instead of /etc/prometheus, and a 1 s interval
    // so the first scrape comes at once
    const config = join(dir, 'prometheus.yml');
    writeFileSync(config, `global:\n  scrape_interval: 1s\n${job.replace('/etc/prometheus/walnut-ca.pem', join(dir, 'walnut-ca.pem'))}\n`);
    const check = await run('promtool', ['check', 'config', config]);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    const port = await freePort();
    prometheus = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
    let health = '';
    await until('Prometheus scrapes walnut', async () => {
      try {
        const r = (await (await fetch(`http://127.0.0.1:${port}/api/v1/targets`)).json()) as { data: { activeTargets: { health: string; lastError: string }[] } };
        const t = r.data.activeTargets[0];
        health = t ? `${t.health} ${t.lastError}` : '';
        return t?.health === 'up';
      } catch {
        return false; // not listening yet
      }
    }, 30_000).catch(() => assert.fail(`the target is not up: ${health}`));
    const charge = async (): Promise<unknown[]> =>
      ((await (await fetch(`http://127.0.0.1:${port}/api/v1/query?query=network_ups_tools_battery_charge`)).json()) as { data: { result: unknown[] } }).data.result;
    await until('Prometheus holds the battery charge', async () => (await charge()).length === 1, 10_000);
  } finally {
    if (prometheus && prometheus.exitCode === null && prometheus.signalCode === null) {
      const exited = new Promise((r) => prometheus!.once('exit', r));
      prometheus.kill('SIGTERM');
      await exited; // before its data folder (inside the walnut's) is removed
    }
    await browser.close();
    await w.stop();
  }
});

/** A free TCP port on the loopback address (for Prometheus' own web listener). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

test("the Synology page warns plainly, and the legacy entry it shows lets monuser/secret in from the NAS's address only", async () => {
  const w = await startClaimed(OWNER_PW);
  const browser = await launchTrusting(join(w.dataDir, 'tls', 'ca.pem'));
  let legacy: RunningWalnut | undefined;
  try {
    const origin = `https://127.0.0.1:${await w.webPort()}`;
    const { page, consoleErrors } = await browser.page(DESKTOP);
    await logInInPage(page, origin, 'admin', OWNER_PW);
    await page.goto(`${origin}/#/add-client`, { waitUntil: 'networkidle0' });
    await page.waitForSelector('#kind-synology');
    await page.click('#kind-synology');
    await page.type('#wizard-address', '127.0.0.2');
    await page.click('#wizard-submit');
    const { snippets } = await shownOutput(page);
    const warning = await textMatches(page, '#wizard-warning', /monuser/);
    assert.match(warning, /clear text/);
    assert.match(warning, /only from that one address, only as a secondary/);
    await checkBothWidths(page, 'synology');
    assert.deepEqual(consoleErrors, [], 'no console errors');

    // the entry as shown, in a unit's walnut.json: 127.0.0.2 is the NAS, 127.0.0.3 another host on the LAN
    // (every 127/8 address is the loopback interface's, so a client can send from either)
    const shown = JSON.parse(snippet(snippets, /^walnut\.json/)) as Record<string, unknown>;
    legacy = await startWalnut({ config: shown });
    const nas = await withCredentials(legacy.port, 'monuser', 'secret', '127.0.0.2');
    try {
      assert.deepEqual(await nas.request('LOGIN ups'), ['OK']);
      assert.deepEqual(await nas.request('FSD ups'), ['ERR ACCESS-DENIED'], 'a secondary only');
    } finally {
      nas.socket.destroy();
    }
    const other = await withCredentials(legacy.port, 'monuser', 'secret', '127.0.0.3');
    try {
      assert.deepEqual(await other.request('LOGIN ups'), ['ERR ACCESS-DENIED']);
    } finally {
      other.socket.destroy();
    }
    assert.match(legacy.logs(), /127\.0\.0\.3:\d+: failed login: user monuser: legacy client not allowed from this address/);
  } finally {
    await legacy?.stop();
    await browser.close();
    await w.stop();
  }
});
