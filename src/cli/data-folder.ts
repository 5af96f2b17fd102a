// The data folder `walnut serve` uses, for the commands that work on it (user, log, fsd, client-cert, ca, auth,
// speaksfor): the same --config/--data resolution, its database, and the AS's admin socket.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type * as net from 'node:net';
import type { Writable } from 'node:stream';
import { CliError } from './command.ts';
import { loadConfig, type ConfigOverrides } from '../config/load.ts';
import type { WalnutConfig } from '../config/config.ts';
import { openDatabase, StorageError, type Db } from '../storage/database.ts';
import { AddonError } from '../native/addons.ts';
import { authPaths } from '../authsrv/paths.ts';
import { AdminUnavailableError, connectAdmin } from '../authsrv/admin-client.ts';
import type { Logger } from '../util/log.ts';

/**
 * The config (as `serve` reads it) and the database in its data folder. Run as root on a data folder another
 * user owns (the service's `walnut`), it first becomes that user, so no file in it ends up owned by root and
 * unwritable for the server.
 */
export function openDataFolder(args: ConfigOverrides, mustExist: boolean): { config: WalnutConfig; db: Db } {
  const config = loadConfig(args);
  if (existsSync(config.dataDir) && process.getuid?.() === 0) {
    const owner = statSync(config.dataDir);
    if (owner.uid !== 0) {
      process.setgroups!([owner.gid]); // root's supplementary groups go too
      process.setgid!(owner.gid);
      process.setuid!(owner.uid);
    }
  }
  if (mustExist && !existsSync(join(config.dataDir, 'walnut.db'))) {
    throw new CliError(`no database in ${config.dataDir} (has walnut served from it?)`);
  }
  try {
    return { config, db: openDatabase(config.dataDir, config.nativeCacheDir) };
  } catch (err) {
    if (err instanceof StorageError || err instanceof AddonError) throw new CliError(err.message);
    throw err;
  }
}

/** The AS's admin socket, connected before openDataFolder drops root (the socket is the AS user's, 0600). */
export async function adminSocketFor(args: ConfigOverrides, waitMs?: number): Promise<net.Socket> {
  try {
    return await connectAdmin(authPaths(loadConfig(args)).adminSocket, waitMs);
  } catch (err) {
    if (err instanceof AdminUnavailableError) throw new CliError(err.message);
    throw err;
  }
}

/** Warnings only, as `walnut: ...` lines: a CLI run is not a server log. */
export function cliLogger(stderr: Writable): Logger {
  const say = (m: string): void => void stderr.write(`walnut: ${m}\n`);
  return { debug: () => undefined, info: () => undefined, warn: say, error: say };
}
