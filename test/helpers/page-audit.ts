// A page checked as test/web-pages.test.ts checks its pages, for the pages of issue 16: axe-core with no serious
// or critical violation, nothing overflowing, a screenshot at phone and desktop width in light and dark to
// out/screenshots/<name>-<size>-<scheme>.png. axe-core is evaluated through CDP, so the page's CSP stays on.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { DESKTOP, PHONE, horizontalOverflow } from './browser.ts';
import { REPO } from './walnut.ts';

export const SHOTS = join(REPO, 'out', 'screenshots');
const AXE = readFileSync(join(dirname(createRequire(import.meta.url).resolve('axe-core')), 'axe.min.js'), 'utf8');

interface AxeViolation { id: string; impact: string | null; help: string; nodes: { target: string[]; failureSummary?: string }[] }
declare const window: { axe?: unknown };
declare const document: unknown;
declare const axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[]; passes: unknown[] }> };

async function seriousViolations(page: Page, what: string): Promise<string[]> {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) {
    const cdp = await page.createCDPSession();
    const r = await cdp.send('Runtime.evaluate', { expression: AXE, returnByValue: true });
    await cdp.detach();
    assert.equal(r.exceptionDetails, undefined, `axe-core did not load: ${JSON.stringify(r.exceptionDetails)}`);
  }
  const { violations, passes } = await page.evaluate(async () => {
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return { violations: r.violations, passes: r.passes.length };
  });
  assert.ok(passes > 10, `${what}: axe-core ran its rules (${passes} passed)`);
  for (const v of violations) console.log(`axe ${what}: ${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => `${n.target.join(' ')} ${n.failureSummary ?? ''}`).join('; ')}`);
}

/** Audits and photographs the page as it stands at both widths and in both schemes; `ready` waits for it.
 *  `fullPage` false photographs the viewport only (a modal dialog sits there). */
export async function auditEverywhere(page: Page, name: string, ready: () => Promise<unknown> = async () => undefined, fullPage = true): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  for (const [size, viewport] of Object.entries({ phone: PHONE, desktop: DESKTOP })) {
    await page.setViewport(viewport);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
      await ready();
      const what = `${name}-${size}-${scheme}`;
      await page.screenshot({ path: join(SHOTS, `${what}.png`), fullPage });
      assert.equal(await horizontalOverflow(page), 0, `${what}: nothing overflows horizontally`);
      assert.deepEqual(await seriousViolations(page, what), [], `${what}: axe-core`);
    }
  }
}
