// Issue 16, acceptance 7 and 8 for the system page: the unit's facts; a restart from the page ends walnut with
// status 75 (systemd's Restart=on-failure starts it again); a factory reset from the page asks for the owner's
// password again through the AS, refuses a wrong one, and wipes what docs/provisioning.md says (users, keys,
// client certificates, settings, the event log; the TLS identity stays); the unit's setup code then claims it
// again. axe-core and screenshots at phone and desktop width.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { addUser, cli } from './accounts-support.ts';
import { DESKTOP, launchTrusting, textMatches } from './helpers/browser.ts';
import { run } from './helpers/clients.ts';
import { auditEverywhere } from './helpers/page-audit.ts';
import { apiFromPage, logInInPage } from './helpers/page-login.ts';
import { X64_BINARY, authServerReady, shownSetupCode, startClaimed, startWalnut, type RunningWalnut } from './helpers/walnut.ts';

const OWNER_PW = 'owner-password-system';

function exitOf(p: ChildProcess, ms = 15_000): Promise<number | null> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve(p.exitCode);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('walnut did not end')), ms);
    p.once('exit', (code) => {
      clearTimeout(t);
      resolve(code);
    });
  });
}

test('the system page shows the unit, restarts it, and its factory reset wipes the unit after the owner\'s password, so that the setup code claims it again', async () => {
  let w: RunningWalnut = await startClaimed(OWNER_PW);
  const dir = w.dir;
  const browser = await launchTrusting(join(w.dataDir, 'tls', 'ca.pem'));
  try {
    await addUser(w, 'nas', 'nas-password-1', ['--upsmon', 'secondary']);
    const caBefore = readFileSync(join(w.dataDir, 'tls', 'ca.pem'), 'utf8');
    let origin = `https://127.0.0.1:${await w.webPort()}`;
    let { page } = await browser.page(DESKTOP);
    await logInInPage(page, origin, 'admin', OWNER_PW);
    // a setting the reset must take away: a power policy saved on the unit
    const saved = await apiFromPage(page, 'POST', '/api/policy', { settings: { enabled: true, onBatteryLowBattery: true, hostSyncSeconds: 42, finalDelaySeconds: 5, offDelaySeconds: 20, onDelaySeconds: 30 } });
    assert.equal(saved.status, 200, saved.text);

    await page.goto(`${origin}/#/system`, { waitUntil: 'networkidle0' });
    const facts = await textMatches(page, '#system-facts', /Version/);
    assert.ok(facts.includes(hostname()), facts);
    assert.match(facts, /walnut \d+\.\d+\.\d+/);
    assert.equal(await page.$eval('#clock-warning', (e) => (e as unknown as { hidden: boolean }).hidden), true, 'this clock is after the build');
    await textMatches(page, '#reset-title', /Factory reset/);
    await auditEverywhere(page, 'system');

    // restart: walnut ends with 75; here nothing starts it again, and the page says so
    await page.setViewport(DESKTOP);
    await page.click('#restart');
    await page.waitForSelector('dialog[open]');
    await page.click('dialog[open] button.primary');
    assert.match(await textMatches(page, '#restart-status', /ending/), /Nothing starts it again here/);
    assert.equal(await exitOf(w.process), 75);
    await w.stop(true);
    w = await startWalnut({ dir });
    await authServerReady(w);
    origin = `https://127.0.0.1:${await w.webPort()}`;
    ({ page } = await browser.page(DESKTOP));
    await logInInPage(page, origin, 'admin', OWNER_PW);
    await page.goto(`${origin}/#/system`, { waitUntil: 'networkidle0' });

    // a wrong password: the AS refuses it in the flow, nothing is reset
    await page.waitForSelector('input[name=reset-password]');
    await page.type('input[name=reset-password]', 'not-the-password');
    await page.click('form button.danger');
    await textMatches(page, 'form .alert', /./);
    assert.equal(w.process.exitCode, null, 'walnut still runs');
    assert.equal(existsSync(join(w.dataDir, 'factory-reset.pending')), false);

    // the owner's password: reset, walnut ends, the next start wipes and shows a new setup code
    await page.$eval('input[name=reset-password]', (el) => ((el as unknown as { value: string }).value = ''));
    await page.type('input[name=reset-password]', OWNER_PW);
    await page.click('form button.danger');
    await textMatches(page, '#reset-status', /resetting/);
    assert.equal(await exitOf(w.process), 75);
    assert.ok(existsSync(join(w.dataDir, 'factory-reset.pending')), 'the marker is written before walnut ends');
    await w.stop(true);
    w = await startWalnut({ dir });
    await authServerReady(w);
    assert.equal(existsSync(join(w.dataDir, 'factory-reset.pending')), false, 'the start finished the reset');
    const code = shownSetupCode(w);
    assert.ok(code, `a new setup code is shown:\n${w.logs()}`);
    assert.equal((await cli(w, ['user', 'list'])).stdout, '', 'no users');
    assert.equal(readFileSync(join(w.dataDir, 'tls', 'ca.pem'), 'utf8'), caBefore, 'the TLS identity stays');
    assert.doesNotMatch((await cli(w, ['log', '--limit', '1000'])).stdout, /shutdown-policy|web-login/, 'the event log is new');
    const old = await run(X64_BINARY, ['auth', 'ping', '--server', `127.0.0.1:${w.port}`, '--user', 'admin', '--password-stdin'], { input: `${OWNER_PW}\n` });
    assert.equal(old.code, 1, 'the old password is gone');
    const claim = await run(X64_BINARY, ['claim', `127.0.0.1:${w.port}`, '--password-stdin'], { input: `${code}\nsecond-owner-pw\n` });
    assert.equal(claim.code, 0, claim.stderr);
    origin = `https://127.0.0.1:${await w.webPort()}`;
    ({ page } = await browser.page(DESKTOP));
    await logInInPage(page, origin, 'admin', 'second-owner-pw');
    const policy = JSON.parse((await apiFromPage(page, 'GET', '/api/policy')).text) as { source: string; settings: { hostSyncSeconds: number } };
    assert.deepEqual([policy.source, policy.settings.hostSyncSeconds], ['config file', 15], 'the saved policy went with the settings');
  } finally {
    await browser.close();
    await w.stop();
  }
});
