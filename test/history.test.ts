// Issue 15, acceptance 6, against the real binary: with a short history.intervalSeconds, walnut samples its
// (simulated) UPS into walnut.db; a restart keeps the samples and adds to them; the chart's data endpoint
// (GET /api/history) and the CSV (GET /api/history.csv) agree point for point; and the history page draws it.
// Retention and the 1970 clock are checked with a hand-stepped clock in src/storage/history.test.ts (40 days of
// samples stay within the row bounds) and src/appliance/history-sampler.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DESKTOP, launchTrusting } from './helpers/browser.ts';
import { apiFromPage, logInInPage } from './helpers/page-login.ts';
import { startClaimed, startWalnut, until, type RunningWalnut } from './helpers/walnut.ts';

const INTERVAL_S = 5;
const OWNER_PW = 'owner-password-history';

interface Series { times: number[]; resolution: string; variables: { name: string; values: (number | null)[] }[] }

async function history(w: RunningWalnut, atLeast: number): Promise<{ series: Series; csv: string; canvases: number }> {
  const browser = await launchTrusting(join(w.dataDir, 'tls', 'ca.pem'));
  try {
    const { page, consoleErrors } = await browser.page(DESKTOP);
    const origin = `https://127.0.0.1:${await w.webPort()}`;
    await logInInPage(page, origin, 'admin', OWNER_PW);
    let series: Series | undefined;
    await until(`${atLeast} samples`, async () => {
      series = JSON.parse((await apiFromPage(page, 'GET', '/api/history?range=24h')).text) as Series;
      return series.times.length >= atLeast;
    }, (atLeast + 2) * INTERVAL_S * 1000);
    const csv = (await apiFromPage(page, 'GET', '/api/history.csv?range=24h')).text;
    // the series again, as the CSV was made after the last poll: compare the two taken together
    series = JSON.parse((await apiFromPage(page, 'GET', '/api/history?range=24h')).text) as Series;
    await page.goto(`${origin}/#/history`);
    await page.waitForSelector('.chart canvas', { timeout: 15_000 });
    const canvases = await page.$$eval('.chart canvas', (c) => c.length);
    assert.deepEqual(consoleErrors, []);
    return { series: series!, csv, canvases };
  } finally {
    await browser.close();
  }
}

test('walnut samples its UPS every history.intervalSeconds, a restart keeps the samples, and the chart data and the CSV agree', async () => {
  const config = { history: { intervalSeconds: INTERVAL_S } };
  const first = await startClaimed(OWNER_PW, { config });
  let before: Series;
  try {
    const h = await history(first, 2);
    before = h.series;
    assert.equal(before.resolution, 'raw');
    const gaps = before.times.slice(1).map((t, i) => t - before.times[i]!);
    assert.ok(gaps.every((g) => g >= INTERVAL_S * 1000 - 300), `samples ${INTERVAL_S} s apart: ${gaps}`);
    assert.ok(h.canvases >= 1, 'the history page draws a chart');
  } finally {
    await first.stop(true);
  }

  const second = await startWalnut({ dir: first.dir, config });
  try {
    const { series, csv } = await history(second, before.times.length + 1);
    assert.deepEqual(series.times.slice(0, before.times.length), before.times, 'the samples from before the restart are kept');
    const rows = csv.trimEnd().split('\r\n');
    const header = rows[0]!.split(',');
    assert.equal(header[0], 'time');
    const sampleRows = rows.slice(1).filter((r) => !/,[a-z-]+$/.test(r)); // event rows end in their kind
    assert.deepEqual(sampleRows.map((r) => Date.parse(r.split(',')[0]!)), series.times, 'the CSV has the chart\'s times');
    for (const v of series.variables) {
      const col = header.indexOf(v.name);
      assert.ok(col > 0, `the CSV has a column for ${v.name}`);
      assert.deepEqual(sampleRows.map((r) => { const c = r.split(',')[col]; return c === '' ? null : Number(c); }), v.values, `${v.name} agrees`);
    }
    assert.ok(series.variables.some((v) => v.name === 'battery.charge'));
  } finally {
    await second.stop();
  }
});
