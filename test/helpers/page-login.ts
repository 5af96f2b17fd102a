// Logging in through the setup page itself, as a person does: the login form, then the dashboard.
import type { Page } from 'puppeteer-core';
import { textMatches } from './browser.ts';

export async function logInInPage(page: Page, origin: string, user: string, password: string): Promise<void> {
  await page.goto(`${origin}/#/login`, { waitUntil: 'networkidle0' });
  await page.waitForSelector('input[name=username]');
  await page.$eval('input[name=username]', (el) => ((el as unknown as { value: string }).value = ''));
  await page.type('input[name=username]', user);
  await page.type('input[name=password]', password);
  await page.click('button[type=submit]');
  await textMatches(page, '#status-headline', /On line|On battery|Low battery/, 30_000);
}

/** A JSON API call from inside the page with its session cookie and token (what the page's code could do). */
export async function apiFromPage(page: Page, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; text: string }> {
  return page.evaluate(async (m, p, b) => {
    const hello = (await (await fetch('/api/hello')).json()) as { session: { token: string } | null };
    const r = await fetch(p, {
      method: m,
      headers: m === 'POST' ? { 'Content-Type': 'application/json', 'X-Walnut-Token': hello.session?.token ?? '' } : {},
      ...(m === 'POST' ? { body: JSON.stringify(b ?? {}) } : {}),
    });
    return { status: r.status, text: await r.text() };
  }, method, path, body);
}
