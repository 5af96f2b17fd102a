// Issue 15, acceptance 4 and 5: every page of the setup page — claim, login, dashboard, device, events, history and the
// device page's command confirmation — at a phone's and a desktop's size, in the light and the dark scheme:
// axe-core finds no serious or critical violation, nothing overflows horizontally, nothing is logged as an error,
// nothing is asked of another origin; a screenshot of each is written to out/screenshots/<page>-<size>-<scheme>.png
// for a person to look at. And the claim works from the keyboard alone, with the focus visible at every step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { DESKTOP, PHONE, launchTrusting, textMatches, type RecordedPage, type TestBrowser } from './helpers/browser.ts';
import { auditEverywhere } from './helpers/page-audit.ts';
import { REPO, authServerReady, shownSetupCode, startClaimed, startWalnut, type RunningWalnut } from './helpers/walnut.ts';

const SHOTS = join(REPO, 'out', 'screenshots');
const OWNER_PASSWORD = 'the owner password 42';

/** The little of the DOM the functions below run in the page with (tsconfig.json has no DOM lib for tests). */
interface FocusedStyle { tag: string; name: string; focusVisible: boolean; outlineStyle: string; outlineWidth: string; outlineColor: string }
declare const document: { activeElement: unknown; querySelector(s: string): unknown };
declare const window: { getComputedStyle(e: unknown): { outlineStyle: string; outlineWidth: string; outlineColor: string } };

/** WebSocket URLs the page opens (puppeteer's request event does not show them). */
async function recordWebSockets(page: Page): Promise<string[]> {
  const urls: string[] = [];
  const cdp = await page.createCDPSession();
  await cdp.send('Network.enable');
  cdp.on('Network.webSocketCreated', (e) => urls.push(e.url));
  return urls;
}

function assertSameOrigin(rec: RecordedPage, sockets: string[], origin: string): void {
  assert.deepEqual(rec.consoleErrors, [], 'no console errors');
  assert.deepEqual(rec.requests.filter((u) => !u.startsWith(`${origin}/`)), [], 'no request to another origin');
  const wss = origin.replace(/^https:/, 'wss:');
  assert.deepEqual(sockets.filter((u) => !u.startsWith(`${wss}/`)), [], 'no WebSocket to another origin');
}

async function withBrowser(w: RunningWalnut, body: (b: TestBrowser) => Promise<void>): Promise<void> {
  const b = await launchTrusting(join(w.dataDir, 'tls', 'ca.pem'));
  try {
    await body(b);
  } finally {
    await b.close();
  }
}

test('every page passes axe-core without a serious or critical violation, fits a phone and a desktop in light and dark, and stays on its own origin', async () => {
  mkdirSync(SHOTS, { recursive: true });
  // samples every 5 s, so the history page has a chart to show by the time the test reaches it
  const [fresh, claimed] = await Promise.all([startWalnut(), startClaimed(OWNER_PASSWORD, { config: { history: { intervalSeconds: 5 } } })]);
  try {
    // the claim page, on an unclaimed unit
    await authServerReady(fresh);
    await withBrowser(fresh, async (b) => {
      const origin = `https://127.0.0.1:${await fresh.webPort()}`;
      const rec = await b.page(PHONE);
      const sockets = await recordWebSockets(rec.page);
      await rec.page.goto(`${origin}/`, { waitUntil: 'networkidle0' });
      await rec.page.waitForSelector('form[aria-labelledby=claim-title]');
      await auditEverywhere(rec.page, 'claim', async () => undefined);
      assertSameOrigin(rec, sockets, origin);
    });

    await withBrowser(claimed, async (b) => {
      const origin = `https://127.0.0.1:${await claimed.webPort()}`;
      const rec = await b.page(PHONE);
      const { page } = rec;
      const sockets = await recordWebSockets(page);
      await page.goto(`${origin}/`, { waitUntil: 'networkidle0' });
      await page.waitForSelector('form[aria-labelledby=login-title]');
      await auditEverywhere(rec.page, 'login', async () => undefined);

      await page.type('input[name=password]', OWNER_PASSWORD);
      await page.click('button[type=submit]');
      await textMatches(page, '#status-headline', /On line/, 30_000);
      await auditEverywhere(rec.page, 'dashboard', () => page.waitForSelector('#latest-events li'));

      await page.goto(`${origin}/#/device`);
      await page.waitForSelector('button[data-command]');
      await page.waitForSelector('tbody tr');
      await auditEverywhere(rec.page, 'device', async () => undefined);

      await page.click('button[data-command]');
      await page.waitForSelector('dialog[open]');
      // the modal dialog sits in the viewport: the screenshot is of what the viewport shows
      await auditEverywhere(rec.page, 'confirm', async () => undefined, false);
      await page.keyboard.press('Escape');
      await page.waitForSelector('dialog:not([open])');

      await page.goto(`${origin}/#/events`);
      await page.waitForSelector('tbody tr');
      await auditEverywhere(rec.page, 'events', async () => undefined);

      await page.goto(`${origin}/#/history`);
      await page.waitForSelector('.chart canvas', { timeout: 20_000 });
      await auditEverywhere(rec.page, 'history', async () => undefined);

      assert.ok(sockets.length > 0, 'the dashboard opened its live channel');
      assertSameOrigin(rec, sockets, origin);
    });
  } finally {
    await Promise.all([fresh.stop(), claimed.stop()]);
  }
});

test('a fresh unit is claimed with the keyboard alone, and the focus is visible at every step', async () => {
  const w = await startWalnut();
  try {
    await authServerReady(w);
    const code = shownSetupCode(w);
    assert.ok(code, w.logs());
    await withBrowser(w, async (b) => {
      const origin = `https://127.0.0.1:${await w.webPort()}`;
      const rec = await b.page(PHONE);
      const { page } = rec;
      const sockets = await recordWebSockets(page);
      await page.goto(`${origin}/`, { waitUntil: 'networkidle0' });
      await page.waitForSelector('form[aria-labelledby=claim-title]');

      const focused = (): Promise<FocusedStyle> => page.evaluate(() => {
        const el = document.activeElement as { tagName: string; name?: string; matches(s: string): boolean } | null;
        const s = window.getComputedStyle(el);
        return { tag: el?.tagName.toLowerCase() ?? '', name: el?.name ?? '', focusVisible: el?.matches(':focus-visible') ?? false, outlineStyle: s.outlineStyle, outlineWidth: s.outlineWidth, outlineColor: s.outlineColor };
      });
      const expectFocus = async (tag: string, name: string): Promise<void> => {
        const f = await focused();
        assert.equal(`${f.tag}[name=${f.name}]`, `${tag}[name=${name}]`, 'the focus is where the Tab order says');
        assert.ok(f.focusVisible, `${tag}[name=${name}] matches :focus-visible`);
        assert.notEqual(f.outlineStyle, 'none', `${tag}[name=${name}] shows an outline`);
        assert.ok(parseFloat(f.outlineWidth) >= 2, `${tag}[name=${name}]'s outline is ${f.outlineWidth} wide`);
      };

      // the page puts the focus in the first field itself
      await expectFocus('input', 'code');
      await page.keyboard.type(code);
      await page.keyboard.press('Tab');
      await expectFocus('input', 'new-password');
      await page.keyboard.type(OWNER_PASSWORD);
      await page.keyboard.press('Tab');
      await expectFocus('input', 'new-password-again');
      await page.keyboard.type(OWNER_PASSWORD);
      await page.keyboard.press('Tab');
      await expectFocus('input', 'keep-code');
      // Space ticks the box (the password fields go off) and unticks it
      await page.keyboard.press('Space');
      assert.ok(await page.evaluate(() => (document.querySelector('input[name=new-password]') as { disabled: boolean }).disabled));
      await page.keyboard.press('Space');
      assert.ok(!(await page.evaluate(() => (document.querySelector('input[name=new-password]') as { disabled: boolean }).disabled)));
      await page.keyboard.press('Tab');
      await expectFocus('button', '');
      await page.keyboard.press('Enter');
      await textMatches(page, '#status-headline', /On line/, 30_000);
      await page.screenshot({ path: join(SHOTS, 'claimed-by-keyboard-phone-light.png'), fullPage: true });

      // and on from the dashboard: the next Tab lands on a visibly focused link of the header
      await page.keyboard.press('Tab');
      const f = await focused();
      assert.equal(f.tag, 'a');
      assert.ok(f.focusVisible && f.outlineStyle !== 'none', JSON.stringify(f));
      assertSameOrigin(rec, sockets, origin);
    });
  } finally {
    await w.stop();
  }
});
