// Without --simulate, walnut looks for a USB HID UPS through node-hid, whose native addon rides inside the
// binary. This machine has no UPS (and no hidraw node): walnut must say so, answer DRIVER-NOT-CONNECTED, and
// keep looking — the addon itself must load from the binary's assets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startWalnut } from './helpers/walnut.ts';
import { LineClient } from './helpers/clients.ts';

test('with no UPS attached walnut answers DRIVER-NOT-CONNECTED and keeps looking, its HID addon loaded from the binary', async () => {
  const walnut = await startWalnut({ simulate: null, config: { ups: { pollIntervalSeconds: 0.2 } } });
  try {
    const c = await LineClient.connect(walnut.port);
    c.send('GET VAR ups ups.status\nLIST UPS\n');
    assert.equal(await c.line(), 'ERR DRIVER-NOT-CONNECTED');
    assert.equal(await c.line(), 'BEGIN LIST UPS');
    c.socket.destroy();
    assert.match(walnut.logs(), /no UPS found \(USB HID Power Device on hidraw\); looking again every 0\.2 s/);
    assert.doesNotMatch(walnut.logs(), /cannot list HID devices|AddonError|ERR_DLOPEN/);
    const native = readdirSync(join(walnut.dataDir, '..', 'native'));
    assert.ok(native.some((f) => /^HID_hidraw-x64-[0-9a-f]{16}\.node$/.test(f)), `addon unpacked: ${native.join(', ')}`);
  } finally {
    await walnut.stop();
  }
});
