// Issue 15's history acceptance, through the composition root in this process: with a short interval in the
// config, a running walnut accumulates samples of its (simulated) UPS in walnut.db, a restart keeps them and
// adds to them, and what the chart's data reads agrees with the CSV. Retention and the 1970 clock are checked
// with a hand-stepped clock in src/storage/history.test.ts and src/appliance/history-sampler.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE } from './helpers/walnut.ts';
import { startAppliance } from '../src/appliance/appliance.ts';
import { loadConfig } from '../src/config/load.ts';
import { openDatabase } from '../src/storage/database.ts';
import { History } from '../src/storage/history.ts';
import { setLogLevel } from '../src/util/log.ts';

const INTERVAL_S = 5;

async function runFor(configFile: string, ms: number): Promise<void> {
  // the AS is not needed to sample: "connect" starts no child, and no client asks for a password
  const appliance = await startAppliance(loadConfig({ config: configFile }), { authServer: { command: 'false', args: [] } });
  try {
    await new Promise((resolve) => setTimeout(resolve, ms));
  } finally {
    await appliance.stop();
  }
}

function read(dir: string): { times: number[]; csv: string; charge: (number | null)[] | undefined } {
  const db = openDatabase(join(dir, 'data'), join(dir, 'native'));
  try {
    const history = new History(db);
    const series = history.series('24h', Date.now());
    return { times: series.times, csv: history.csv('24h', Date.now()), charge: series.variables.find((v) => v.name === 'battery.charge')?.values };
  } finally {
    db.close();
  }
}

test('a running walnut samples its UPS every history.intervalSeconds, and a restart keeps the samples', async (t) => {
  setLogLevel('error');
  const dir = mkdtempSync(join(tmpdir(), 'walnut-history-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const configFile = join(dir, 'walnut.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      dataDir: join(dir, 'data'),
      nativeCacheDir: join(dir, 'native'),
      listen: ['127.0.0.1:0'],
      logLevel: 'error',
      ups: { simulate: FIXTURE },
      auth: { server: 'connect', listen: [] },
      mdns: { enabled: false },
      history: { intervalSeconds: INTERVAL_S },
    }),
  );

  await runFor(configFile, 2 * INTERVAL_S * 1000 + 1500);
  const first = read(dir);
  assert.equal(first.times.length, 2, JSON.stringify(first.times));
  assert.ok(first.times[1]! - first.times[0]! >= INTERVAL_S * 1000 - 200, JSON.stringify(first.times));
  assert.equal(first.charge?.length, 2, 'the fixture reports battery.charge');

  await runFor(configFile, INTERVAL_S * 1000 + 1500);
  const second = read(dir);
  assert.equal(second.times.length, 3, JSON.stringify(second.times));
  assert.deepEqual(second.times.slice(0, 2), first.times);

  // the CSV holds the same times as the chart's series
  const rows = second.csv.trimEnd().split('\r\n');
  assert.match(rows[0]!, /^time,battery\.charge,/);
  assert.deepEqual(
    rows.slice(1).map((r) => Date.parse(r.split(',')[0]!)),
    second.times,
  );
});
