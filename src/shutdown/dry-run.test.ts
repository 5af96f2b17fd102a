import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dryRun } from './dry-run.ts';
import type { PolicySettings } from './policy-settings.ts';

const POLICY: PolicySettings = { enabled: true, onBatteryLowBattery: true, hostSyncSeconds: 15, finalDelaySeconds: 5, offDelaySeconds: 20, onDelaySeconds: 30 };
const NAS = { user: 'nas', address: '10.0.0.5', tls: true };

test('the dry run sets FSD at once, waits HOSTSYNC for logged-in secondaries, then the final delay, then commands the UPS', () => {
  const r = dryRun(POLICY, [NAS], 'shutdown.return');
  const at = (pattern: RegExp): number | undefined => r.steps.find((s) => pattern.test(s.what))?.at;
  assert.equal(at(/^FSD set/), 0);
  assert.equal(at(/^Host sync runs out: 1 client/), 15);
  assert.equal(at(/^shutdown\.return sent .*delay\.shutdown 20 s and ups\.delay\.start 30 s/), 20);
  assert.equal(at(/output is off/), 40);
  assert.match(r.steps.at(-1)!.what, /after 30 s/);
  assert.deepEqual(r.clients, [NAS]);
});

test('with no secondary logged in the dry run skips HOSTSYNC and goes to the final delay at the next tick', () => {
  const r = dryRun({ ...POLICY, hostSyncSeconds: 600 }, [], 'shutdown.return');
  // the orchestrator looks every 250 ms, and so does the simulated clock
  assert.equal(r.steps.find((s) => /Every secondary has logged out/.test(s.what))?.at, 0.25);
  assert.equal(r.steps.find((s) => /^shutdown\.return/.test(s.what))?.at, 5.25);
});

test('the dry run names every trigger the policy has, and a disabled policy has no steps', () => {
  const r = dryRun({ ...POLICY, runtimeBelowSeconds: 300, chargeBelowPercent: 20, onBatteryForSeconds: 600 }, [], 'shutdown.return');
  assert.equal(r.triggers.length, 4);
  assert.match(r.triggers.join('\n'), /300 s of runtime[\s\S]*20 % charge[\s\S]*600 s/);
  assert.deepEqual(dryRun({ ...POLICY, enabled: false }, [NAS], 'shutdown.return').steps, []);
});

test('the dry run names the command this UPS would get, or says it has none', () => {
  assert.ok(dryRun(POLICY, [], 'shutdown.default').steps.some((s) => /^shutdown\.default sent/.test(s.what)));
  assert.ok(dryRun(POLICY, [], undefined).steps.some((s) => /offers no shutdown command/.test(s.what)));
});
