import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StagedFolderError, writeStagedFolder } from './staged-folder.ts';

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'walnut-staged-'));
}

test('a staged folder appears under its name with what was written, and no staging folder is left', async () => {
  const base = scratch();
  try {
    await writeStagedFolder(join(base, 'out'), (dir) => writeFile(join(dir, 'a'), 'x'));
    assert.deepEqual(readdirSync(base), ['out']);
    assert.equal(readFileSync(join(base, 'out', 'a'), 'utf8'), 'x');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('a failure while filling leaves neither the target nor the staging folder', async () => {
  const base = scratch();
  try {
    await assert.rejects(writeStagedFolder(join(base, 'out'), async (dir) => {
      await writeFile(join(dir, 'a'), 'x');
      throw new Error('half way');
    }), /half way/);
    assert.deepEqual(readdirSync(base), []);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('an empty folder made beforehand is replaced, a non-empty one or a file is refused untouched', async () => {
  const base = scratch();
  try {
    mkdirSync(join(base, 'empty'));
    await writeStagedFolder(join(base, 'empty'), (dir) => writeFile(join(dir, 'a'), 'x'));
    assert.deepEqual(readdirSync(join(base, 'empty')), ['a']);
    await assert.rejects(writeStagedFolder(join(base, 'empty'), async () => {}), (err: Error) => err instanceof StagedFolderError && /is not empty/.test(err.message));
    writeFileSync(join(base, 'file'), '');
    await assert.rejects(writeStagedFolder(join(base, 'file'), async () => {}), /exists and is not a folder/);
    await assert.rejects(writeStagedFolder(join(base, 'file', 'out'), async () => {}), /a folder above it is a file/);
    assert.deepEqual(readdirSync(base).sort(), ['empty', 'file']);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('a parent folder that cannot be written is a clear error', async () => {
  await assert.rejects(writeStagedFolder('/proc/walnut-no/out', async () => {}), /cannot create a folder beside/);
});
