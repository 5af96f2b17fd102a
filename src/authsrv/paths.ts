// Where the AS's files live (config.ts AuthConfig): the key folder only the AS opens, and the run folder it
// shares with the NUT server (the local socket and the NUT server's key).
import { join } from 'node:path';

/** The part of walnut's config the paths follow from (config.ts WalnutConfig has these fields). Structural, so
 *  that src/config may import authsrv and never the reverse (docs/architecture.md). */
export interface AuthPathsConfig {
  dataDir: string;
  auth: { keyDir?: string | undefined; runDir?: string | undefined };
}

export interface AuthPaths {
  keyDir: string;
  runDir: string;
  /** local socket for walnut's servers (AuthNUT, relays) */
  socket: string;
  /** the NUT server's key and the domain, written by the AS */
  serverKeyFile: string;
  /** the CLI's socket, inside the key folder */
  adminSocket: string;
  speaksFor: string;
}

export function authPaths(config: AuthPathsConfig): AuthPaths {
  const keyDir = config.auth.keyDir ?? join(config.dataDir, 'auth');
  const runDir = config.auth.runDir ?? join(config.dataDir, 'run');
  return {
    keyDir,
    runDir,
    socket: join(runDir, 'authsrv.sock'),
    serverKeyFile: join(runDir, 'upsd.key'),
    adminSocket: join(keyDir, 'admin.sock'),
    speaksFor: join(keyDir, 'speaksfor'),
  };
}
