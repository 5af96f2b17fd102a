// A folder that appears complete or not at all: its content is written into a sibling NAME.tmp-XXXXXX (same
// parent, so the same file system) and renamed to NAME at the end. rename(2) of a directory onto an empty
// directory replaces it atomically (POSIX rename(): "If new names an existing directory, it shall be required to
// be an empty directory"), so an empty NAME made beforehand by the operator is allowed; a non-empty one is refused
// before anything is written. A failure removes the staging folder; a kill -9 leaves only NAME.tmp-XXXXXX,
// which no reader takes for NAME.
import { chmod, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

export class StagedFolderError extends Error {
  override name = 'StagedFolderError';
}

const code = (err: unknown): string | undefined => (err as NodeJS.ErrnoException).code;

/** Refuses a `target` that exists and is not an empty folder. */
export async function checkTargetFree(target: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(target);
  } catch (err) {
    if (code(err) === 'ENOENT') return;
    if (code(err) === 'ENOTDIR') {
      // readdir says ENOTDIR both for a file named `target` and for a file among its parents
      const isFile = await stat(target).then(() => true, () => false);
      throw new StagedFolderError(isFile ? `${target} exists and is not a folder` : `cannot create ${target}: a folder above it is a file`);
    }
    throw new StagedFolderError(`cannot read ${target}: ${(err as Error).message}`);
  }
  if (entries.length > 0) throw new StagedFolderError(`${target} is not empty: refusing to write into it (name a new folder)`);
}

/** Runs `fill` on a fresh staging folder, then renames it to `target`; on any failure nothing named `target`
 *  is left behind (an empty folder that was there before stays). Returns what `fill` returned. */
export async function writeStagedFolder<T>(target: string, fill: (staging: string) => Promise<T>, mode = 0o700): Promise<T> {
  const full = resolve(target);
  await checkTargetFree(full);
  let staging: string;
  try {
    staging = await mkdtemp(join(dirname(full), `${basename(full)}.tmp-`));
  } catch (err) {
    throw new StagedFolderError(`cannot create a folder beside ${target}: ${(err as Error).message}`);
  }
  try {
    await chmod(staging, mode); // mkdtemp makes 0700 already; an explicit mode is what the caller asked
    const result = await fill(staging);
    await checkTargetFree(full); // someone may have written there meanwhile
    await rename(staging, full).catch((err: unknown) => {
      throw new StagedFolderError(`cannot rename ${staging} to ${target}: ${(err as Error).message}`);
    });
    return result;
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}
