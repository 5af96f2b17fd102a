// System integration files in image/ are checked by the tools that will read them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, X64_BINARY } from './helpers/walnut.ts';
import { run } from './helpers/clients.ts';

test('the systemd unit passes systemd-analyze verify with the built binary', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-unit-'));
  try {
    const unit = readFileSync(join(REPO, 'image', 'systemd', 'walnut.service'), 'utf8');
    assert.match(unit, /^ExecStart=\/usr\/libexec\/walnut\/walnut serve/m);
    const file = join(dir, 'walnut.service');
    writeFileSync(file, unit.replace('/usr/libexec/walnut/walnut', X64_BINARY));
    const r = await run('systemd-analyze', ['verify', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.trim(), '', r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the service runs as its own unprivileged user with no device but hidraw', () => {
  const unit = readFileSync(join(REPO, 'image', 'systemd', 'walnut.service'), 'utf8');
  assert.match(unit, /^User=walnut$/m);
  assert.match(unit, /^NoNewPrivileges=yes$/m);
  assert.match(unit, /^DevicePolicy=closed$/m);
  assert.deepEqual(unit.match(/^DeviceAllow=.*$/gm), ['DeviceAllow=char-hidraw rw']);
  const sysusers = readFileSync(join(REPO, 'image', 'sysusers.d', 'walnut.conf'), 'utf8');
  assert.match(sysusers, /^u walnut - /m);
});
