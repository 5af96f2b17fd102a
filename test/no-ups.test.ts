// Without --simulate, walnut looks for a USB HID UPS; node-hid, whose native addon rides inside the binary, is
// loaded at start so a missing library shows at once. This machine has no UPS (and no hidraw node): walnut must
// say so, answer DRIVER-NOT-CONNECTED, and keep looking — on x64, and for arm64 under qemu with Debian's arm64
// libudev and libusb (unpacked by build/arm64-test-libs.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ARM64_BINARY, REPO, X64_BINARY, startWalnut } from './helpers/walnut.ts';
import { LineClient } from './helpers/clients.ts';

const ARM64_LIBS = join(REPO, 'runtime', 'arm64-libs', 'usr', 'lib', 'aarch64-linux-gnu');
const QEMU = ['env', 'QEMU_LD_PREFIX=/usr/aarch64-linux-gnu', `LD_LIBRARY_PATH=${ARM64_LIBS}`, 'qemu-aarch64-static'];

for (const [arch, binary, wrapper] of [
  ['x64', X64_BINARY, [] as string[]],
  ['arm64', ARM64_BINARY, QEMU],
] as const) {
  test(`with no UPS attached the ${arch} binary answers DRIVER-NOT-CONNECTED and keeps looking, its HID addon loaded from inside`, async () => {
    const walnut = await startWalnut({ binary, wrapper, simulate: null, startTimeoutMs: 60_000, config: { ups: { pollIntervalSeconds: 0.2 } } });
    try {
      const c = await LineClient.connect(walnut.port);
      c.send('GET VAR ups ups.status\nLIST UPS\n');
      assert.equal(await c.line(10_000), 'ERR DRIVER-NOT-CONNECTED');
      assert.equal(await c.line(10_000), 'BEGIN LIST UPS');
      c.socket.destroy();
      assert.match(walnut.logs(), /USB HID through hidraw \(hidapi \d+\.\d+\.\d+\)/);
      assert.doesNotMatch(walnut.logs(), /cannot load the USB HID addon|ERR_DLOPEN/);
      assert.match(walnut.logs(), /no UPS found \(USB HID Power Device on hidraw\); looking again every 0\.2 s/);
      const native = readdirSync(join(walnut.dataDir, '..', 'native'));
      assert.ok(native.some((f) => new RegExp(`^HID_hidraw-${arch}-[0-9a-f]{16}\\.node$`).test(f)), `addon unpacked: ${native.join(', ')}`);
    } finally {
      await walnut.stop();
    }
  });
}

test('when the HID addon cannot load (arm64 without libudev/libusb) walnut says which library is missing and keeps serving', async () => {
  const bare = ['env', 'QEMU_LD_PREFIX=/usr/aarch64-linux-gnu', 'qemu-aarch64-static'];
  const walnut = await startWalnut({ binary: ARM64_BINARY, wrapper: bare, simulate: null, startTimeoutMs: 60_000 });
  try {
    assert.match(walnut.logs(), /cannot load the USB HID addon: .*lib(udev\.so\.1|usb-1\.0\.so\.0).*\(it needs libusb-1\.0-0 and libudev1\)/);
    const c = await LineClient.connect(walnut.port);
    c.send('GET VAR ups ups.status\n');
    assert.equal(await c.line(10_000), 'ERR DRIVER-NOT-CONNECTED');
    c.socket.destroy();
  } finally {
    await walnut.stop();
  }
});
