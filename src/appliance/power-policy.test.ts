import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../storage/database.ts';
import { EventLog } from '../storage/event-log.ts';
import { Settings } from '../storage/settings.ts';
import type { PolicySettings } from '../shutdown/policy-settings.ts';
import { UpsModel } from '../ups/model.ts';
import { POLICY_KEY, PowerPolicy } from './power-policy.ts';

const FILE: PolicySettings = { enabled: true, onBatteryLowBattery: true, hostSyncSeconds: 15, finalDelaySeconds: 5, offDelaySeconds: 20, onDelaySeconds: 30 };

async function withPolicy(body: (p: () => PowerPolicy, db: Db, events: EventLog) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-policy-'));
  const db = openDatabase(join(dir, 'data'), join(dir, 'cache'));
  const events = new EventLog(db);
  const made: PowerPolicy[] = [];
  const make = (): PowerPolicy => {
    const p = new PowerPolicy(FILE, { ups: new UpsModel({ name: 'ups' }), settings: new Settings(db), events, loggedIn: () => 0 });
    p.start();
    made.push(p);
    return p;
  };
  try {
    await body(make, db, events);
  } finally {
    for (const p of made) await p.stop();
    events.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a saved policy runs at once, is stored, and is the one a new start runs', async () => {
  await withPolicy(async (make) => {
    const first = make();
    assert.equal(first.save({ ...FILE, hostSyncSeconds: 60, chargeBelowPercent: 30 }, 'ann', '10.0.0.9'), 'saved');
    assert.equal(first.runningOptions?.hostSyncSeconds, 60);
    assert.equal(first.runningOptions?.policy.chargeBelowPercent, 30);
    await first.stop();
    const second = make();
    assert.equal(second.source, 'this unit');
    assert.equal(second.settings.hostSyncSeconds, 60);
    assert.equal(second.runningOptions?.hostSyncSeconds, 60);
  });
});

test('turning shutdown off stops the sequence, and null goes back to the config file\'s policy', async () => {
  await withPolicy(async (make, _db, events) => {
    const p = make();
    p.save({ ...FILE, enabled: false }, 'ann', '10.0.0.9');
    assert.equal(p.phase, 'off');
    p.save(null, 'ann', '10.0.0.9');
    assert.equal(p.source, 'config file');
    assert.equal(p.phase, 'idle');
    events.flush();
    const log = events.recent(10).map((e) => `${e.kind} ${e.detail}`);
    assert.ok(log.includes('shutdown-policy by ann: enabled from true to false'), log.join('\n'));
    assert.ok(log.includes('shutdown-policy by ann: back to the config file\'s (enabled from false to true)'), log.join('\n'));
  });
});

test('a stored policy this version refuses is ignored for the config file\'s', async () => {
  await withPolicy(async (make, db) => {
    new Settings(db).set(POLICY_KEY, JSON.stringify({ ...FILE, hostSyncSeconds: 99_999 }));
    const p = make();
    assert.equal(p.source, 'config file');
    assert.equal(p.runningOptions?.hostSyncSeconds, 15);
  });
});
