// Debian's Chromium for the setup page's tests (issue 15), driven by puppeteer-core. It trusts the unit's own CA
// the way an owner would after the claim — in the NSS database of its HOME (~/.pki/nssdb, where Chromium on Linux
// looks) — so every test also checks that the name-constrained CA really vouches for the unit in a browser.
// Each page records console errors and every request's origin, for the "no errors, no other origin" checks.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { nssDbTrusting } from './upsmon.ts';

export const CHROMIUM = '/usr/bin/chromium';

/** The little of the DOM the functions below run in the page with (tsconfig.json has no DOM lib for tests). */
declare const document: {
  querySelector(selector: string): { textContent: string | null } | null;
  documentElement: { scrollWidth: number; clientWidth: number };
};
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1366, height: 768 };

export interface TestBrowser {
  browser: Browser;
  /** a new page at this size that records console errors and the origins it contacts */
  page(size?: { width: number; height: number }): Promise<RecordedPage>;
  close(): Promise<void>;
}

export interface RecordedPage {
  page: Page;
  consoleErrors: string[];
  /** every URL the page asked for */
  requests: string[];
}

export async function launchTrusting(caFile: string): Promise<TestBrowser> {
  const home = mkdtempSync(join(tmpdir(), 'walnut-chromium-'));
  await nssDbTrusting(join(home, '.pki', 'nssdb'), caFile, 'walnut unit CA');
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // root in a container: no sandbox; /dev/shm is small here
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--no-first-run', '--disable-background-networking', '--disable-component-update'],
    env: { ...process.env, HOME: home },
  });
  return {
    browser,
    page: async (size = DESKTOP) => {
      const page = await browser.newPage();
      await page.setViewport(size);
      const consoleErrors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(m.text());
      });
      page.on('pageerror', (e) => consoleErrors.push(String(e)));
      page.on('request', (r) => requests.push(r.url()));
      return { page, consoleErrors, requests };
    },
    close: async () => {
      await browser.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Waits (bounded) until the element's text matches. */
export async function textMatches(page: Page, selector: string, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  const handle = await page.waitForFunction(
    (sel, source, flags) => {
      const t = document.querySelector(sel)?.textContent ?? '';
      return new RegExp(source, flags).test(t) ? t : false;
    },
    { timeout: timeoutMs, polling: 50 },
    selector,
    pattern.source,
    pattern.flags,
  );
  return (await handle.jsonValue()) as string;
}

/** Horizontal overflow at the page's current width: the widest element's right edge past the viewport. */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}
