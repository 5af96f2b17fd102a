// Issue 16, acceptance 6 and 8 for the power policy page: the settings round trip (page → walnut.db → page, and
// across a restart), the running sequence uses them in a real power failure of the simulated UPS, bad values are
// refused with a message naming the field, and the dry run lists the real upsmon secondary logged in with the
// steps and their times. axe-core and screenshots at phone and desktop width.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { addUser, cli, eventually, numLogins } from './accounts-support.ts';
import { DESKTOP, launchTrusting, textMatches } from './helpers/browser.ts';
import { run } from './helpers/clients.ts';
import { auditEverywhere } from './helpers/page-audit.ts';
import { apiFromPage, logInInPage } from './helpers/page-login.ts';
import { startUpsmon } from './helpers/upsmon.ts';
import { startClaimed, startWalnut } from './helpers/walnut.ts';

const OWNER_PW = 'owner-password-policy';

async function setField(page: Page, name: string, value: string): Promise<void> {
  await page.$eval(`input[name=${name}]`, (el) => ((el as unknown as { value: string }).value = ''));
  if (value !== '') await page.type(`input[name=${name}]`, value);
}

const fieldValue = (page: Page, name: string): Promise<string> => page.$eval(`input[name=${name}]`, (el) => (el as unknown as { value: string }).value);

async function openPolicy(page: Page, origin: string): Promise<void> {
  await page.goto(`${origin}/#/policy`, { waitUntil: 'networkidle0' });
  await textMatches(page, '#policy-source', /config file|this unit/);
}

test('the power policy saved in the page is what the page reads back, what the running sequence uses in a power failure, and what a restart keeps', async () => {
  const w = await startClaimed(OWNER_PW, { config: { ups: { pollIntervalSeconds: 0.5 } } });
  const dir = w.dir;
  let again: Awaited<ReturnType<typeof startWalnut>> | undefined;
  const browser = await launchTrusting(join(w.dataDir, 'tls', 'ca.pem'));
  await addUser(w, 'nas', 'nas-password-1', ['--upsmon', 'secondary']);
  await addUser(w, 'op', 'op-password-1', ['--instcmds', 'ALL']);
  const nas = startUpsmon({ dir: join(w.dir, 'nas'), port: w.port, user: 'nas', password: 'nas-password-1' });
  try {
    assert.ok(await eventually(async () => (await numLogins(w.port)) === 1, 20_000), `upsmon logged in:\n${nas.logs()}`);
    const origin = `https://127.0.0.1:${await w.webPort()}`;
    const { page } = await browser.page(DESKTOP);
    await logInInPage(page, origin, 'admin', OWNER_PW);
    await openPolicy(page, origin);
    assert.equal(await fieldValue(page, 'hostSyncSeconds'), '15', 'the config file\'s default shows first');
    assert.match(await textMatches(page, '#policy-phase', /Idle/), /watching the UPS/);

    // a bad value: refused by the server with the config file's bounds, naming the field; nothing is stored
    await setField(page, 'hostSyncSeconds', '4000');
    await page.click('form button[type=submit]');
    assert.equal(await textMatches(page, 'form .alert', /hostSyncSeconds/), 'shutdown.hostSyncSeconds: expected a number from 0 to 3600');
    assert.equal(await page.$eval('input[name=hostSyncSeconds]', (el) => (el as unknown as { getAttribute(a: string): string }).getAttribute('aria-invalid')), 'true');
    const direct = await apiFromPage(page, 'POST', '/api/policy', { settings: { enabled: true, onBatteryLowBattery: true, hostSyncSeconds: 15, finalDelaySeconds: 5, offDelaySeconds: 40_000, onDelaySeconds: 30 } });
    assert.equal(direct.status, 400);
    assert.match(direct.text, /shutdown\.offDelaySeconds: expected a number from 0 to 32767/);
    assert.equal(JSON.parse((await apiFromPage(page, 'GET', '/api/policy')).text).source, 'config file', 'nothing was stored');

    // a good policy: triggers after 2 s on battery, waits up to 30 s for secondaries, then 1 s
    await setField(page, 'hostSyncSeconds', '30');
    await setField(page, 'finalDelaySeconds', '1');
    await setField(page, 'onBatteryForSeconds', '2');
    await page.click('form button[type=submit]');
    await textMatches(page, '#policy-status', /Saved/);
    const view = JSON.parse((await apiFromPage(page, 'GET', '/api/policy')).text) as { settings: Record<string, unknown>; running: Record<string, unknown>; source: string };
    assert.equal(view.source, 'this unit');
    assert.deepEqual(view.settings, { enabled: true, onBatteryLowBattery: true, onBatteryForSeconds: 2, hostSyncSeconds: 30, finalDelaySeconds: 1, offDelaySeconds: 20, onDelaySeconds: 30 });
    assert.equal(view.running.hostSyncSeconds, 30, 'the running sequence has the new host sync');
    assert.equal(view.running.onBatteryForSeconds, 2);
    await page.reload({ waitUntil: 'networkidle0' });
    await textMatches(page, '#policy-source', /Saved on this unit/);
    assert.deepEqual(
      [await fieldValue(page, 'hostSyncSeconds'), await fieldValue(page, 'finalDelaySeconds'), await fieldValue(page, 'onBatteryForSeconds'), await fieldValue(page, 'chargeBelowPercent')],
      ['30', '1', '2', ''],
      'the page reads back what it saved',
    );

    // the dry run: the real upsmon secondary, then the steps with the times of this policy
    await page.click('#run-dry-run');
    assert.match(await textMatches(page, '#dry-run-clients', /nas/), /nas at 127\.0\.0\.1, over TLS/);
    const steps = await page.$$eval('#dry-run-steps li', (li) => li.map((l) => (l as unknown as { textContent: string }).textContent));
    const at = (pattern: RegExp): string | undefined => /^\+[\d.]+ s/.exec(steps.find((s) => pattern.test(s)) ?? '')?.[0];
    assert.equal(at(/FSD set/), '+0 s', steps.join('\n'));
    assert.equal(at(/Host sync runs out: 1 client/), '+30 s');
    assert.equal(at(/shutdown\.default sent/), '+31 s', 'the command this UPS takes (the APC fixture has no shutdown.return)');
    assert.equal(at(/output is off/), '+51 s');
    assert.ok(steps.findIndex((s) => /FSD set/.test(s)) < steps.findIndex((s) => /shutdown\.default/.test(s)), 'in order');
    await auditEverywhere(page, 'policy', () => page.waitForSelector('#dry-run-steps'));

    // a real power failure: the page's 2 s trigger starts it, upsmon logs out, the page's 1 s final delay follows
    const fail = await run('upscmd', ['-u', 'op', '-p', 'op-password-1', w.target(), 'test.failure.start']);
    assert.equal(fail.code, 0, fail.stderr);
    assert.ok(await eventually(() => /shutdown-triggered: on battery for [23] s \(limit 2 s\)/.test(w.logs()), 15_000), w.logs());
    assert.ok(await eventually(() => nas.shutDown(), 20_000), 'upsmon ran its SHUTDOWNCMD');
    assert.ok(await eventually(() => /shutdown-clients-gone: every client logged out after [\d.]+ s; final delay 1\.0 s/.test(w.logs()), 35_000), w.logs());
    assert.ok(await eventually(() => /shutdown-command: shutdown\.default sent/.test(w.logs()), 10_000), w.logs());
    const back = await run('upscmd', ['-u', 'op', '-p', 'op-password-1', w.target(), 'test.failure.stop']);
    assert.equal(back.code, 0, back.stderr);
    const log = (await cli(w, ['log', '--limit', '1000'])).stdout;
    assert.match(log, /shutdown-policy .*by admin: onBatteryForSeconds from off to 2, hostSyncSeconds from 15 to 30, finalDelaySeconds from 5 to 1/);

    // a restart on the same data: the saved policy is still the one that runs
    await nas.stop();
    await w.stop(true);
    again = await startWalnut({ dir });
    const origin2 = `https://127.0.0.1:${await again.webPort()}`;
    const p2 = (await browser.page(DESKTOP)).page;
    await logInInPage(p2, origin2, 'admin', OWNER_PW);
    await openPolicy(p2, origin2);
    assert.equal(await fieldValue(p2, 'hostSyncSeconds'), '30');
    assert.equal(JSON.parse((await apiFromPage(p2, 'GET', '/api/policy')).text).running.finalDelaySeconds, 1);
  } finally {
    await nas.stop();
    await browser.close();
    if (again) await again.stop();
    else await w.stop();
  }
});
