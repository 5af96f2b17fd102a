// `walnut authsrv`: the authentication server process (issue 6). The only process that opens the key database;
// walnut's NUT server reaches it over the local socket, the CLI over the admin socket, NAS hosts over TCP 567
// or relayed through NUT `AUTH AS`. Started by `walnut serve` (auth.server "spawn", one command for make run)
// or as its own service under its own user (auth.server "connect", image/systemd/walnut-authsrv.service).
import { chmodSync, existsSync, mkdirSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import * as net from 'node:net';
import { hostname } from 'node:os';
import { EXIT, type Command } from './command.ts';
import { DATA_FOLDER_OPTIONS, dataFolderArgs, noPositional, optionsHelp, parseOptions, type OptionSpec } from './options.ts';
import { loadConfig } from '../config/load.ts';
import { ConfigError, parseListen } from '../config/config.ts';
import { AddressList } from '../auth/address.ts';
import { showBytes } from '../auth/bytes.ts';
import { KeyStore, KeyStoreError } from '../authsrv/keystore.ts';
import { AuthService, type LegacyEntry } from '../authsrv/service.ts';
import { authPaths } from '../authsrv/paths.ts';
import { SERVER_ID } from '../authsrv/local-client.ts';
import { domainProblem } from '../authsrv/mutual.ts';
import { passwordKey } from '../authsrv/keys.ts';
import { prepareSetup } from './authsrv-setup.ts';
import { readFactoryFolder } from '../factory/unit-folder.ts';
import { completePendingReset } from '../storage/reset.ts';
import { AddonError, setPackageAddonCacheDir } from '../native/addons.ts';
import { logger, setLogLevel, type Level } from '../util/log.ts';

const log = logger('authsrv');

/** The domain from the host name: lower case, only what a domain may hold, never empty. */
function domainFromHostname(): string {
  const h = hostname().toLowerCase().replace(/[^a-z0-9.-]/g, '-').slice(0, 64);
  return domainProblem(h) === undefined ? h : 'walnut';
}

/** A Unix socket path: a stale file from a crashed AS goes; a live AS on it stops this one. */
async function freeSocketPath(path: string): Promise<void> {
  if (!existsSync(path)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const s = net.connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
  if (alive) throw new KeyStoreError(`another authentication server answers on ${path}`);
  unlinkSync(path);
}

/** Writes `content` to `file` whole (temp file, rename) with `mode`. */
function writeWhole(file: string, content: string, mode: number): void {
  const tmp = `${file}.new`;
  writeFileSync(tmp, content, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, file);
}

/** `walnut authsrv`: the authentication server (docs/auth-protocol.md), the only opener of the key database. */
export interface AuthsrvArgs {
  config?: string;
  data?: string;
  logLevel?: string;
  /** started by `walnut serve`: exit when its stdin closes, say "ready" on fd 3 once it listens */
  spawned: boolean;
}

const OPTIONS: readonly OptionSpec[] = [
  ...DATA_FOLDER_OPTIONS,
  { flag: '--log-level', value: 'LEVEL', help: 'debug, info, warn or error (default info)' },
];
/** --spawned is walnut serve's, not a person's: it is in no help text */
const SPAWNED: OptionSpec = { flag: '--spawned', help: '' };

/** Pure: the words after `walnut authsrv`. */
export function parseAuthsrvArgs(argv: readonly string[]): AuthsrvArgs {
  const o = parseOptions('authsrv', argv, [...OPTIONS, SPAWNED]);
  noPositional('authsrv', o);
  const out: AuthsrvArgs = { spawned: o.flags.has('--spawned'), ...dataFolderArgs(o) };
  const level = o.values.get('--log-level');
  if (level !== undefined) out.logLevel = level;
  return out;
}

/** fd 3 of a spawned AS: the pipe serve waits on (src/appliance/auth-child.ts). */
const READY_FD = 3;

export async function runAuthsrv(args: AuthsrvArgs): Promise<number> {
  const config = loadConfig(args);
  setLogLevel(config.logLevel as Level);
  setPackageAddonCacheDir(config.nativeCacheDir);
  const paths = authPaths(config);

  completePendingReset(config.dataDir, log); // a factory reset a crash interrupted: finished before keys.db opens
  let store: KeyStore;
  try {
    store = KeyStore.open(paths.keyDir, config.nativeCacheDir, config.auth.lockout);
  } catch (err) {
    if (err instanceof KeyStoreError || err instanceof AddonError) {
      log.error(err.message);
      return EXIT.failure;
    }
    throw err;
  }

  // The domain is part of every user key (salt) and envelope (AAD): fixed at first start, never silently changed.
  const stored = store.meta('domain')?.toString('latin1');
  const domain = stored ?? config.auth.domain ?? domainFromHostname();
  if (config.auth.domain !== undefined && stored !== undefined && config.auth.domain !== stored) {
    store.close();
    throw new ConfigError(
      `auth.domain: the key database belongs to domain "${stored}"; every password key was derived with it, so "${config.auth.domain}" would invalidate them all (remove auth.domain, or start over with a new key folder and set every password again)`,
    );
  }
  store.metaOrCreate('domain', () => Buffer.from(domain, 'latin1'));

  // the NUT server's key, in the run folder it shares with the AS (0750; the key file 0640)
  const serverKey = store.ensureServerKey(Buffer.from(SERVER_ID));
  mkdirSync(paths.runDir, { recursive: true, mode: 0o750 });
  chmodSync(paths.runDir, 0o750);
  writeWhole(paths.serverKeyFile, JSON.stringify({ domain, id: SERVER_ID, key: Buffer.from(serverKey).toString('base64') }) + '\n', 0o640);

  // config users: their passwords become keys once (the NUT server moves their roles into walnut.db)
  const dom = Buffer.from(domain, 'latin1');
  for (const [name, user] of Object.entries(config.users)) {
    const n = Buffer.from(name, 'utf8');
    if (store.configUserTaken(n)) continue;
    if (store.takeConfigUser(n, await passwordKey(Buffer.from(user.password, 'utf8'), dom, n))) {
      log.info(`config user ${showBytes(n)}: password taken over as a key (the config password is no longer needed)`);
    }
  }
  // after the config users: an `admin` there means the owner took the unit over on the box
  const setup = await prepareSetup(store, dom, paths.keyDir, config.setup, log, readFactoryFolder(config.factoryDir)?.unit.setupKey);
  const legacy: LegacyEntry[] = [];
  for (const c of config.legacyClients) {
    const name = Buffer.from(c.username, 'utf8');
    legacy.push({ name, key: await passwordKey(Buffer.from(c.password, 'utf8'), dom, name), from: new AddressList(c.from) });
  }

  // nothing a peer sends may end the AS: a stray rejection is logged, and that conversation is what fails
  process.on('unhandledRejection', (err) => log.error(`unexpected: ${(err as Error)?.stack ?? String(err)}`));
  const service = new AuthService({ store, dom: domain, legacy, speaksForFile: paths.speaksFor, setup });
  try {
    await freeSocketPath(paths.socket);
    await service.listenLocal(paths.socket);
    chmodSync(paths.socket, 0o660); // the NUT server's group
    await freeSocketPath(paths.adminSocket);
    await service.listenAdmin(paths.adminSocket);
    chmodSync(paths.adminSocket, 0o600);
  } catch (err) {
    log.error(`cannot listen: ${(err as Error).message}`);
    await service.close();
    store.close();
    return EXIT.failure;
  }
  for (const spec of config.auth.listen) {
    const { host, port } = parseListen(spec);
    try {
      let where: net.AddressInfo;
      try {
        where = await service.listenTcp(host, port);
      } catch (err) {
        if (host !== '::' || (err as NodeJS.ErrnoException).code !== 'EAFNOSUPPORT') throw err;
        where = await service.listenTcp('0.0.0.0', port);
      }
      log.info(`ticket service on ${where.address}:${where.port}`);
    } catch (err) {
      // a NUT server relays AUTH anyway: the AS stays up without its TCP port
      log.warn(`ticket service cannot use ${spec}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message} (NUT AUTH still relays to this AS)`);
    }
  }
  log.info(`authentication server for domain ${domain}: ${store.userNames().length} user keys; local socket ${paths.socket}`);
  if (args.spawned) {
    try {
      writeSync(READY_FD, 'ready\n');
    } catch {
      // a parent of an older walnut gave no readiness pipe: it does not wait for one
    }
  }

  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
    if (args.spawned) {
      // the parent holds our stdin: when it goes (even killed), so do we
      process.stdin.on('data', () => undefined);
      process.stdin.once('end', () => resolve());
      process.stdin.once('close', () => resolve());
    }
  });
  await service.close();
  store.close();
  for (const p of [paths.socket, paths.adminSocket]) {
    try {
      unlinkSync(p);
    } catch {
      // already gone
    }
  }
  return EXIT.ok;
}

export const authsrvCommand: Command = {
  name: 'authsrv',
  summary: 'run the authentication server: the only process that opens the key database',
  usage: ['authsrv [--config FILE] [--data DIR] [--log-level LEVEL]'],
  details: `The key database is <data>/auth/keys.db. walnut serve starts it by itself unless auth.server is
"connect" (an image runs it as its own service and user).

Options:
${optionsHelp(OPTIONS)}`,
  run: (argv) => runAuthsrv(parseAuthsrvArgs(argv)),
};
