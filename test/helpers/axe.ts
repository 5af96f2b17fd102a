// axe-core in a real page, as test/web-pages.test.ts runs it: evaluated through CDP (the page's CSP, script-src
// 'self', does not govern Runtime.evaluate, so no <script> is injected and the CSP stays on), then run on the
// whole document. The serious and critical violations come back; every violation is printed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Page } from 'puppeteer-core';

// the devDependency axe-core (package.json); its minified build
const AXE = readFileSync(join(dirname(createRequire(import.meta.url).resolve('axe-core')), 'axe.min.js'), 'utf8');

declare const window: { axe?: unknown };
declare const document: unknown;
declare const axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[]; passes: unknown[] }> };
export interface AxeViolation { id: string; impact: string | null; help: string; nodes: { target: string[]; failureSummary?: string }[] }

export async function seriousViolations(page: Page, what: string): Promise<string[]> {
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
