// The claim state kept in a real keys.db (a temporary folder): what survives a restart of the AS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyStore } from './keystore.ts';
import { DEFAULT_LOCKOUT } from './lockout.ts';
import { SetupState } from './setup-state.ts';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const rules = { windowMs: 60_000, maxFailures: 3 };
const KEY = new Uint8Array(32).fill(9);
const admin = Buffer.from('admin');

function withStore(body: (open: () => KeyStore) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-setup-'));
  const stores: KeyStore[] = [];
  try {
    body(() => {
      const s = KeyStore.open(join(dir, 'auth'), join(dir, 'native'), DEFAULT_LOCKOUT);
      stores.push(s);
      return s;
    });
  } finally {
    for (const s of stores) s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the label code\'s key is offered for admin only, only while the window is open', () => {
  withStore((open) => {
    let now = 1_000_000;
    const setup = new SetupState(open(), rules, quiet, () => now);
    assert.equal(setup.hasCode, false);
    setup.setCodeKey(KEY);
    assert.deepEqual(setup.key(admin), KEY);
    assert.equal(setup.key(Buffer.from('bob')), undefined);
    now += 60_000;
    assert.equal(setup.key(admin), undefined);
    setup.open(now);
    assert.deepEqual(setup.key(admin), KEY);
  });
});

test('failed attempts close the window and survive a restart; a new window starts a fresh count', () => {
  withStore((open) => {
    const first = open();
    const setup = new SetupState(first, rules, quiet, () => 0);
    setup.setCodeKey(KEY);
    setup.attempt();
    setup.attempt();
    first.close();
    const again = new SetupState(open(), rules, quiet, () => 0);
    assert.equal(again.window.failures, 2);
    again.attempt();
    assert.equal(again.isOpen, false);
    again.open(0);
    assert.equal(again.isOpen, true);
  });
});

test('claimed for good once claimed, or once admin has a password another way', () => {
  withStore((open) => {
    const store = open();
    const setup = new SetupState(store, rules, quiet, () => 0);
    setup.setCodeKey(KEY);
    store.setUserKey(admin, new Uint8Array(32).fill(1));
    assert.equal(setup.isClaimed, true);
    assert.equal(setup.key(admin), undefined);
    store.removeUser(admin);
    assert.equal(setup.isClaimed, false);
    setup.claimed(admin, '192.0.2.7');
    assert.equal(setup.isClaimed, true);
    assert.equal(setup.isOpen, false);
  });
});
