import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../util/log.ts';
import { completePendingReset, markReset, RESET_MARKER } from './reset.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

test('a marked reset leaves the files for the next start, which removes them and then the marker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-reset-'));
  try {
    const files = [join(dir, 'walnut.db'), join(dir, 'keys.db')];
    for (const f of files) writeFileSync(f, 'x');
    const marker = markReset(dir, files);
    assert.equal(marker, join(dir, RESET_MARKER));
    assert.deepEqual(JSON.parse(readFileSync(marker, 'utf8')), files);
    assert.ok(files.every((f) => existsSync(f)), 'a running walnut still has them open: nothing is removed yet');
    assert.equal(completePendingReset(dir, quiet), true);
    assert.ok(files.every((f) => !existsSync(f)));
    assert.equal(existsSync(marker), false);
    assert.equal(completePendingReset(dir, quiet), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
