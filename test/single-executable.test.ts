// The shipped artefacts: each binary runs alone from an empty folder (no node_modules), carries its SQLite
// addon, and serves a simulated UPS; the arm64 one runs under qemu-user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARM64_BINARY, FIXTURE, X64_BINARY, startWalnut } from './helpers/walnut.ts';
import { run } from './helpers/clients.ts';

const QEMU = ['env', 'QEMU_LD_PREFIX=/usr/aarch64-linux-gnu', 'qemu-aarch64-static'];

function alone(binary: string): { dir: string; exe: string } {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-alone-'));
  const exe = join(dir, binary.split('/').pop()!);
  copyFileSync(binary, exe);
  return { dir, exe };
}

for (const [arch, binary, wrapper] of [
  ['x64', X64_BINARY, [] as string[]],
  ['arm64', ARM64_BINARY, QEMU],
] as const) {
  test(`the ${arch} binary, alone in an empty folder, prints its version`, async () => {
    const { dir, exe } = alone(binary);
    try {
      const [cmd, ...args] = [...wrapper, exe, '--version'];
      const r = await run(cmd!, args, { timeoutMs: 60_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^walnut \\d+\\.\\d+\\.\\d+ \\(\\S+, ${arch}, node v24\\.`));
      assert.deepEqual(readdirSync(dir), [exe.split('/').pop()]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`the ${arch} binary, alone in an empty folder, serves a simulated UPS that upsc reads`, async () => {
    const { dir, exe } = alone(binary);
    const walnut = await startWalnut({ binary: exe, wrapper, startTimeoutMs: 60_000 });
    try {
      const r = await run('upsc', [walnut.target(), 'battery.charge'], { timeoutMs: 30_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '100\n');
      // the SQLite addon was unpacked under its content hash (named from the hash the build computed: the file's
      // own sha256 must match it) and the database exists
      assert.ok(existsSync(join(walnut.dataDir, 'walnut.db')));
      const nativeDir = join(walnut.dataDir, '..', 'native');
      const native = readdirSync(nativeDir);
      const sqlite = native.find((f) => new RegExp(`^better_sqlite3-${arch}-[0-9a-f]{16}\\.node$`).test(f));
      assert.ok(sqlite, native.join());
      const digest = createHash('sha256').update(readFileSync(join(nativeDir, sqlite))).digest('hex').slice(0, 16);
      assert.equal(sqlite, `better_sqlite3-${arch}-${digest}.node`);
    } finally {
      await walnut.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('--help explains the commands and exits 0', async () => {
  const r = await run(X64_BINARY, ['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /walnut serve \[--config FILE\]/);
  assert.match(r.stdout, /Exit status: 0 success, 1 runtime failure, 2 usage error, 3 configuration error/);
});

test('an unknown command or option is a usage error with exit status 2', async () => {
  const a = await run(X64_BINARY, ['frobnicate']);
  assert.equal(a.code, 2);
  assert.match(a.stderr, /unknown command "frobnicate"/);
  const b = await run(X64_BINARY, ['serve', '--bogus']);
  assert.equal(b.code, 2);
  assert.match(b.stderr, /unknown option "--bogus"/);
});

test('a config file with an unknown key is a configuration error with exit status 3', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-cfg-'));
  try {
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ dataDir: join(dir, 'd'), nut: { idleTimeout: 5 } }));
    const r = await run(X64_BINARY, ['serve', '--config', join(dir, 'c.json'), '--simulate', FIXTURE]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /nut: unknown key "idleTimeout"/);
    const missing = await run(X64_BINARY, ['serve', '--config', join(dir, 'nope.json')]);
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /cannot read config file .*nope\.json: ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a data folder that cannot be created is reported with exit status 1', async () => {
  // a folder below a regular file can never be created (ENOTDIR), whoever runs the test
  const r = await run(X64_BINARY, ['serve', '--data', `${FIXTURE}/data`, '--simulate', FIXTURE, '--listen', '127.0.0.1:0']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cannot create data folder .*\.json\/data: ENOTDIR/);
});
