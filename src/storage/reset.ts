// A factory reset that a kill -9 cannot leave half done (issue 14): first a marker naming every file the reset
// removes is written whole (temp file, fsync, rename), then the files go, then the marker. Whoever starts next
// (serve, authsrv, or factory-reset run again) finds the marker and finishes the removal before it opens any
// database: so after any crash the unit is either as it was (no marker yet) or reset, never a mix.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../util/log.ts';

export const RESET_MARKER = 'factory-reset.pending';

/** Every file a reset removes: the databases with their WAL files, and the AS's other state. */
export function resetFiles(dataDir: string, keyDir: string, extra: readonly string[]): string[] {
  const db = (dir: string, name: string): string[] => ['', '-wal', '-shm'].map((s) => join(dir, name + s));
  return [...db(dataDir, 'walnut.db'), ...db(keyDir, 'keys.db'), ...extra];
}

/** Writes the marker (atomically), then removes the files and the marker. */
export function factoryReset(dataDir: string, files: readonly string[], log: Logger): void {
  finish(markReset(dataDir, files), files, log);
}

/** Only the marker: a running walnut (the setup page's reset) still has the databases open, so it marks, exits,
 *  and its next start removes the files before it opens any (completePendingReset). The marker's path. */
export function markReset(dataDir: string, files: readonly string[]): string {
  const marker = join(dataDir, RESET_MARKER);
  const tmp = `${marker}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(files));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, marker);
  syncDir(dataDir);
  return marker;
}

/** Finishes a reset a crash interrupted; false when there was none. Files this process may not remove (another
 *  service's) are left to that service's own start. */
export function completePendingReset(dataDir: string, log: Logger): boolean {
  const marker = join(dataDir, RESET_MARKER);
  if (!existsSync(marker)) return false;
  let files: string[];
  try {
    files = JSON.parse(readFileSync(marker, 'utf8')) as string[];
    if (!Array.isArray(files) || !files.every((f) => typeof f === 'string')) throw new Error('not a list of files');
  } catch (err) {
    // written whole by rename: a marker that does not read is not ours to act on
    log.error(`${marker}: ${(err as Error).message}; remove it by hand`);
    return false;
  }
  log.warn('finishing a factory reset that was interrupted');
  finish(marker, files, log);
  return true;
}

function finish(marker: string, files: readonly string[], log: Logger): void {
  let left = 0;
  for (const f of files) {
    try {
      rmSync(f, { force: true });
    } catch (err) {
      left++;
      log.warn(`factory reset: cannot remove ${f} here (${(err as NodeJS.ErrnoException).code}); its owner's service will`);
    }
  }
  if (left === 0 && files.every((f) => !existsSync(f))) rmSync(marker, { force: true });
}

/** The rename is durable only once its folder is. */
function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
