// Issue 16, the Clients page (acceptance 4, the "shows it connected, over TLS, as secondary" half of 1, and 8 for
// this page): Debian's real upsmon (2.8.0, NSS, CERTVERIFY 1, FORCESSL 1) logs in to walnut inside TLS, and the
// page in real Chromium shows it connected, over TLS, as a secondary. A roster client that never logs in is
// flagged within its "seen within" time, stopping the upsmon flags its entry, the flags are events, and the page
// passes axe-core with screenshots at a phone's and a desktop's width (out/screenshots/clients-*.png).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { DESKTOP, launchTrusting, textMatches } from './helpers/browser.ts';
import { apiFromPage, logInInPage } from './helpers/page-login.ts';
import { nssDbTrusting, startUpsmon } from './helpers/upsmon.ts';
import { startClaimed, startWalnut } from './helpers/walnut.ts';
import { SHOTS, auditEverywhere } from './helpers/page-audit.ts';
import { addUser, withCredentials } from './accounts-support.ts';

const OWNER_PW = 'owner-password-clients';
const SEEN_WITHIN = 5;
// the unit checks every 2 s and the page reads every 2 s; the rest is slack for a busy CI machine
const FLAG_BOUND_MS = (SEEN_WITHIN + 2 + 2 + 4) * 1000;

declare const document: unknown;

const rowState = (page: Page, name: string): Promise<string | null> =>
  page.evaluate((n) => {
    const doc = document as { querySelectorAll(s: string): ArrayLike<{ getAttribute(a: string): string | null }> };
    const row = Array.from(doc.querySelectorAll('#roster tbody tr')).find((r) => r.getAttribute('data-name') === n);
    return row ? `${row.getAttribute('data-state')} ${row.getAttribute('data-flagged')}` : null;
  }, name);

async function untilRow(page: Page, name: string, pattern: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await rowState(page, name);
    if (s !== null && pattern.test(s)) return s;
    if (Date.now() > deadline) throw new Error(`roster row ${name}: ${s} after ${timeoutMs} ms, wanted ${pattern}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function addInPage(page: Page, e: { name: string; user: string; address: string; within: number }): Promise<void> {
  for (const [field, value] of [['client-name', e.name], ['client-user', e.user], ['client-address', e.address], ['client-within', String(e.within)]]) {
    await page.$eval(`input[name=${field}]`, (el) => ((el as unknown as { value: string }).value = ''));
    await page.type(`input[name=${field}]`, value!);
  }
  await page.click('form button[type=submit]');
  await textMatches(page, '#roster-added', new RegExp(`${e.name} is in the roster`));
}

test('a real upsmon over TLS shows on the Clients page as connected, TLS, secondary; a roster client that never logs in and a stopped upsmon are flagged within their time', async () => {
  const w = await startClaimed(OWNER_PW, { config: { tls: { clearCredentials: false } } });
  const browser = await launchTrusting(join(w.dataDir, 'tls', 'ca.pem'));
  const nssdb = join(w.dir, 'upsmon-nssdb');
  let upsmon: ReturnType<typeof startUpsmon> | undefined;
  try {
    await addUser(w, 'nas1', 'nas-one', ['--upsmon', 'secondary']);
    await nssDbTrusting(nssdb, join(w.dataDir, 'tls', 'ca.pem'), 'walnut CA');
    upsmon = startUpsmon({
      dir: join(w.dir, 'upsmon'), port: w.port, user: 'nas1', password: 'nas-one',
      extra: [`CERTPATH ${nssdb}`, 'CERTVERIFY 1', 'FORCESSL 1', 'CERTHOST 127.0.0.1 "localhost" 1 1'],
    });
    const origin = `https://127.0.0.1:${await w.webPort()}`;
    const rec = await browser.page(DESKTOP);
    const { page } = rec;
    await logInInPage(page, origin, 'admin', OWNER_PW);
    await page.click('nav a[href="#/clients"]');
    await page.waitForSelector('#clients-title');

    // the upsmon, as the NUT server knows it: its checked user, inside TLS, a secondary of ups
    const row = '#clients-now tbody tr[data-user="nas1"]';
    await page.waitForSelector(row, { timeout: 20_000 }).catch(() => assert.fail(`upsmon never showed:\n${upsmon!.logs()}\n${w.logs()}`));
    const shown = await page.$eval(row, (r) => (r as unknown as { textContent: string }).textContent);
    assert.match(shown, /127\.0\.0\.1:\d+/);
    assert.match(shown, /TLS/);
    assert.doesNotMatch(shown, /clear/);
    assert.match(shown, /secondary of ups/);
    assert.equal(await page.$eval(`${row} .transport`, (c) => (c as unknown as { dataset: { tls: string } }).dataset.tls), 'true');
    assert.match(await textMatches(page, '#clients-logins', /upsmon/), /^ups: 1 upsmon logged in \(1 secondary\)$/);

    // two roster entries through the page's form: the upsmon, and a NAS that never logs in
    await addInPage(page, { name: 'NAS kitchen', user: 'nas1', address: '127.0.0.1', within: SEEN_WITHIN });
    const neverAdded = Date.now(); // before the request: the unit's created_at is no earlier
    await addInPage(page, { name: 'Old NAS', user: 'nas2', address: '192.0.2.50', within: SEEN_WITHIN });
    await untilRow(page, 'NAS kitchen', /^connected false$/, 5000);
    assert.match((await rowState(page, 'Old NAS'))!, /^waiting false$/, 'not flagged before its time');
    await untilRow(page, 'Old NAS', /^never-seen true$/, FLAG_BOUND_MS);
    const neverMs = Date.now() - neverAdded;
    console.log(`never-seen client flagged after ${neverMs} ms (seen within ${SEEN_WITHIN} s)`);
    assert.ok(neverMs >= SEEN_WITHIN * 1000, `flagged after ${neverMs} ms, not before its ${SEEN_WITHIN} s`);
    assert.match(await textMatches(page, '#roster-summary', /flagged/), /1 of 2 roster clients flagged/);

    // the page with one client fine and one flagged, at both widths and in both schemes
    await auditEverywhere(page, 'clients');
    await page.setViewport(DESKTOP);
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);

    // upsmon stops (it logs out): its entry is flagged once SEEN_WITHIN has passed without it
    const stoppedAt = Date.now(); // before the stop: its connection closes no earlier
    await upsmon.stop();
    await page.waitForFunction(() => !(document as { querySelector(s: string): unknown }).querySelector('#clients-now tbody tr[data-user="nas1"]'), { timeout: 10_000 });
    await untilRow(page, 'NAS kitchen', /^(seen false|stale true)$/, 5000);
    await untilRow(page, 'NAS kitchen', /^stale true$/, FLAG_BOUND_MS);
    const staleMs = Date.now() - stoppedAt;
    console.log(`stopped upsmon flagged after ${staleMs} ms (seen within ${SEEN_WITHIN} s)`);
    assert.ok(staleMs >= (SEEN_WITHIN - 2) * 1000, `flagged after ${staleMs} ms: last seen is at most one check old`);
    await page.screenshot({ path: join(SHOTS, 'clients-stopped-desktop-light.png'), fullPage: true });

    // the flags and the roster changes are in the event log, the changes with their author
    const events = await (async () => {
      const deadline = Date.now() + 5000;
      for (;;) {
        const text = (await apiFromPage(page, 'GET', '/api/events?limit=500')).text;
        if (/"Old NAS\\" has not logged in/.test(text) && /"NAS kitchen\\" not seen/.test(text)) return text;
        if (Date.now() > deadline) return text;
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const kinds = (JSON.parse(events) as { kind: string; detail: string | null }[]).map((e) => `${e.kind} ${e.detail}`);
    assert.ok(kinds.some((k) => /^client-roster-add user admin: "NAS kitchen" \(nas1 from 127\.0\.0\.1, TLS, seen within 5 s\)$/.test(k)), kinds.join('\n'));
    assert.ok(kinds.some((k) => /^client-flagged "Old NAS" has not logged in since it was added/.test(k)), kinds.join('\n'));
    assert.ok(kinds.some((k) => /^client-flagged "NAS kitchen" not seen for longer than 5 s$/.test(k)), kinds.join('\n'));
    assert.deepEqual(rec.consoleErrors, [], 'no console errors');
  } finally {
    await upsmon?.stop();
    await browser.close();
    await w.stop();
  }
});

test('a viewer sees the Clients page without the roster form or remove buttons, and the API refuses its roster changes', async () => {
  const w = await startClaimed(OWNER_PW);
  const browser = await launchTrusting(join(w.dataDir, 'tls', 'ca.pem'));
  try {
    await addUser(w, 'viewer1', 'viewer-password', ['--upsmon', 'secondary']);
    const origin = `https://127.0.0.1:${await w.webPort()}`;
    const admin = await browser.page(DESKTOP);
    await logInInPage(admin.page, origin, 'admin', OWNER_PW);
    assert.equal((await apiFromPage(admin.page, 'POST', '/api/clients/roster', { name: 'HA', user: 'ha', tls: 'optional', seenWithinSeconds: 3 })).status, 400, 'below 5 s');
    const added = await apiFromPage(admin.page, 'POST', '/api/clients/roster', { name: 'HA', user: 'ha', tls: 'optional', seenWithinSeconds: 600 });
    assert.equal(added.status, 201, added.text);

    const ctx = await browser.browser.createBrowserContext();
    const vp = await ctx.newPage();
    await vp.setViewport(DESKTOP);
    await logInInPage(vp, origin, 'viewer1', 'viewer-password');
    await vp.goto(`${origin}/#/clients`);
    await vp.waitForSelector('#roster tbody tr[data-name="HA"]');
    assert.equal(await vp.$$eval('#roster button, form input[name=client-name]', (b) => b.length), 0, 'nothing to change for a viewer');
    const refused = await apiFromPage(vp, 'POST', '/api/clients/roster/remove', { id: JSON.parse(added.text).id });
    assert.equal(refused.status, 403, refused.text);
    await ctx.close();
  } finally {
    await browser.close();
    await w.stop();
  }
});

test('a login between two checks is seen at once, and the roster with its last-seen time survives a restart (the stop writes what the watch held)', async () => {
  const w = await startClaimed(OWNER_PW);
  let again: Awaited<ReturnType<typeof startWalnut>> | undefined;
  const browser = await launchTrusting(join(w.dataDir, 'tls', 'ca.pem'));
  try {
    await addUser(w, 'poller', 'poller-password', ['--upsmon', 'secondary']);
    const first = await browser.page(DESKTOP);
    await logInInPage(first.page, `https://127.0.0.1:${await w.webPort()}`, 'admin', OWNER_PW);
    const added = await apiFromPage(first.page, 'POST', '/api/clients/roster', { name: 'Poller', user: 'poller', address: '127.0.0.1', tls: 'optional', seenWithinSeconds: 3600 });
    assert.equal(added.status, 201, added.text);
    // a LOGIN in clear (startWalnut allows it for the old Debian tools) that leaves at once, before a check can see it
    const c = await withCredentials(w.port, 'poller', 'poller-password');
    c.send('LOGIN ups\n');
    assert.equal(await c.line(), 'OK');
    c.socket.destroy();
    const roster = async (page: Page) => (JSON.parse((await apiFromPage(page, 'GET', '/api/clients')).text) as { roster: { name: string; lastSeenAt: number | null; state: string }[] }).roster;
    const seen = (await roster(first.page))[0]!;
    assert.ok(seen.lastSeenAt !== null, 'the login itself was noted');
    assert.match(seen.state, /^(seen|connected)$/);

    assert.equal(await w.stop(true), 0);
    again = await startWalnut({ dir: w.dir });
    const second = await browser.page(DESKTOP);
    await logInInPage(second.page, `https://127.0.0.1:${await again.webPort()}`, 'admin', OWNER_PW);
    const after = (await roster(second.page))[0]!;
    assert.deepEqual([after.name, after.lastSeenAt, after.state], ['Poller', seen.lastSeenAt, 'seen'], 'written at the stop, read at the start');
  } finally {
    await browser.close();
    if (again) await again.stop();
    else await w.stop();
  }
});
