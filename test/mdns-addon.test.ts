// Issue 7, acceptance 4: the mdns addon (built for Node 24 by build/mdns-addon.sh, carried as a SEA asset) loads
// from inside each binary: x64 on this host, arm64 under qemu with Debian's arm64 libdns_sd and its dependencies
// (unpacked by build/arm64-test-libs.sh). `walnut debug addons` loads every addon and mdns itself; loading needs
// no avahi-daemon (registering does), and without libdns_sd.so.1 the message names it and its Debian package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARM64_BINARY, REPO, X64_BINARY } from './helpers/walnut.ts';
import { run } from './helpers/clients.ts';

const ARM64_LIBS = join(REPO, 'runtime', 'arm64-libs', 'usr', 'lib', 'aarch64-linux-gnu');
const QEMU = ['env', 'QEMU_LD_PREFIX=/usr/aarch64-linux-gnu', `LD_LIBRARY_PATH=${ARM64_LIBS}`, 'qemu-aarch64-static'];
const QEMU_BARE = ['env', 'QEMU_LD_PREFIX=/usr/aarch64-linux-gnu', 'qemu-aarch64-static'];

async function debugAddons(binary: string, wrapper: readonly string[]): Promise<{ code: number; stdout: string; stderr: string; native: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-addons-'));
  try {
    writeFileSync(join(dir, 'walnut.json'), JSON.stringify({ dataDir: join(dir, 'data'), nativeCacheDir: join(dir, 'native') }));
    const [cmd, ...args] = [...wrapper, binary, 'debug', 'addons', '--config', join(dir, 'walnut.json')];
    const r = await run(cmd!, args, { timeoutMs: 60_000 });
    return { ...r, native: readdirSync(join(dir, 'native')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const [arch, binary, wrapper] of [
  ['x64', X64_BINARY, [] as string[]],
  ['arm64', ARM64_BINARY, QEMU],
] as const) {
  test(`the ${arch} binary loads the mdns addon from inside, with its other addons`, async () => {
    const r = await debugAddons(binary, wrapper);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(r.stdout.trimEnd().split('\n'), [
      'better_sqlite3.node: loaded',
      'dns_sd_bindings.node: loaded',
      'HID_hidraw.node: loaded',
      'mdns: loaded (avahi: yes)',
    ]);
    assert.ok(r.native.some((f) => new RegExp(`^dns_sd_bindings-${arch}-[0-9a-f]{16}\\.node$`).test(f)), r.native.join(', '));
  });
}

test('without libdns_sd.so.1 (arm64 under qemu with no arm64 libraries) the mdns line names it and its package', async () => {
  const r = await debugAddons(ARM64_BINARY, QEMU_BARE);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^better_sqlite3\.node: loaded$/m);
  assert.match(
    r.stdout,
    /^mdns: cannot load the mDNS addon: cannot load \S+dns_sd_bindings-arm64-[0-9a-f]{16}\.node: libdns_sd\.so\.1: cannot open shared object file: No such file or directory \(it needs libdns_sd\.so\.1 from libavahi-compat-libdnssd1\)$/m,
  );
  assert.doesNotMatch(r.stdout, /noexec/);
});

test('--version loads no addon', async () => {
  const r = await run(X64_BINARY, ['--version']);
  assert.equal(r.code, 0);
  assert.doesNotMatch(r.stderr, /Bonjour|avahi/i);
});
