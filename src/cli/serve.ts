// `walnut serve`: wires config, storage, the UPS model and its device, and the NUT server together, and
// shuts them down in order on SIGTERM/SIGINT. The outermost layer: file reads, sockets and SQLite meet here.
import { existsSync, readFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { isSea } from 'node:sea';
import { EXIT, type ServeArgs } from './args.ts';
import { BUILD } from '../config/build-info.ts';
import { ConfigError, applyConfigFile, defaultConfig, parseListen, type WalnutConfig } from '../config/config.ts';
import { DbAuthorizer } from '../auth/authorizer.ts';
import { showBytes, wordBytes } from '../auth/bytes.ts';
import { migrateConfigUsers } from '../auth/config-migration.ts';
import { PrincipalStore } from '../auth/principals.ts';
import { LoginThrottle } from '../auth/throttle.ts';
import { LocalAuthClient } from '../authsrv/local-client.ts';
import { canonicalAddress } from '../auth/address.ts';
import { authPaths } from '../authsrv/paths.ts';
import type { TicketService } from '../nut/auth-command.ts';
import { NutError } from '../nut/errors.ts';
import type { Session } from '../nut/session.ts';
import { announce, type Announcement } from '../mdns/announce.ts';
import { loadMdns } from '../mdns/addon.ts';
import { openDatabase, StorageError } from '../storage/database.ts';
import { EventLog } from '../storage/event-log.ts';
import { Settings } from '../storage/settings.ts';
import { ShutdownOrchestrator } from '../shutdown/orchestrator.ts';
import { UpsModel } from '../ups/model.ts';
import { parseFixture, FixtureError } from '../simulate/fixture.ts';
import { Driver } from '../device/driver.ts';
import { HidrawFinder, loadHidAddon } from '../device/hidraw.ts';
import { SimulatedUps, SimulatedUpsFinder } from '../device/simulated-ups.ts';
import type { TransportFinder } from '../device/transport.ts';
import { NutServer, type NutTlsOptions } from '../nut/server.ts';
import { loadIdentity } from '../tls/identity.ts';
import { ClientCertStore } from '../tls/client-certs.ts';
import * as tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { TrackingTable } from '../nut/tracking.ts';
import type { AuditEvent } from '../nut/commands.ts';
import { AddonError, setPackageAddonCacheDir } from '../native/addons.ts';
import { clean, logger, setLogLevel, type Level } from '../util/log.ts';

const log = logger('walnut');

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${what} ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Defaults, then the config file, then flags. */
export function loadConfig(args: ServeArgs): WalnutConfig {
  let config = defaultConfig();
  const file = args.config ?? (existsSync(BUILD.paths.config) ? BUILD.paths.config : undefined);
  if (file !== undefined) config = applyConfigFile(config, readJson(file, 'config file') as never);
  if (args.data !== undefined) config.dataDir = args.data;
  if (args.listen.length > 0) config.listen = args.listen;
  if (args.simulate !== undefined) config.ups.simulate = args.simulate;
  if (args.logLevel !== undefined) {
    if (!/^(debug|info|warn|error)$/.test(args.logLevel)) throw new ConfigError(`--log-level: unknown level "${args.logLevel}"`);
    config.logLevel = args.logLevel as Level;
  }
  config.listen.forEach(parseListen); // validate before anything starts
  return config;
}

/** TLS 1.2 suites: forward-secret AEAD only (TLS 1.3's are all AEAD); ECDSA for the local identity, RSA for a
 *  factory one. */
const AEAD_TLS12 = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** The unit's identity as a server TLS context: TLS 1.2 minimum, AEAD only, client certificates from its CA. */
function tlsFor(config: WalnutConfig): NutTlsOptions {
  const identity = loadIdentity(config.dataDir, config.tls.factory);
  if (identity.selfIssued) {
    log.info(`TLS identity self-issued by this unit's own CA (clients pin it: walnut ca export); names ${identity.names.join(', ')}`);
  } else {
    log.info(`TLS identity from the factory bundle; names ${identity.names.join(', ')}`);
  }
  // watched at start and daily after: a certificate that runs out locks every CERTVERIFY client out
  const checkExpiry = (): void => {
    const days = Math.floor((identity.notAfter.getTime() - Date.now()) / 86_400_000);
    if (days < 30) log.warn(`TLS certificate expires ${identity.notAfter.toISOString()} (${days} days)`);
  };
  checkExpiry();
  setInterval(checkExpiry, 86_400_000).unref();
  const secureContext = tls.createSecureContext({
    key: identity.keyPem,
    cert: identity.certChainPem,
    ca: identity.caPem,
    minVersion: 'TLSv1.2',
    ciphers: AEAD_TLS12,
    honorCipherOrder: true,
  });
  return {
    secureContext,
    clientCa: new X509Certificate(identity.caPem),
    clientCertificates: config.tls.clientCertificates,
    handshakeTimeoutMs: config.tls.handshakeTimeoutSeconds * 1000,
  };
}

function describeAudit(e: AuditEvent): { kind: string; detail: string } {
  // the name as bytes, escaped: two different names never look alike in the log (src/auth/bytes.ts)
  const who = e.session.username === undefined ? '' : `user ${showBytes(wordBytes(e.session.username))} `;
  switch (e.kind) {
    case 'login':
      return { kind: 'login', detail: `${who}logged into ${e.ups}${e.session.tls ? ' (TLS)' : ''}` };
    case 'denied':
      return { kind: 'access-denied', detail: `${who}${e.command} on ${e.ups}` };
    case 'fsd':
      return { kind: 'fsd', detail: `${who}set FSD on ${e.ups}` };
    case 'set':
      return { kind: 'set', detail: `${who}set ${e.variable} on ${e.ups} to ${JSON.stringify(e.value)}` };
    case 'instcmd':
      return { kind: 'instcmd', detail: `${who}ran ${e.command}${e.parameter === undefined ? '' : ` ${clean(e.parameter, 64)}`} on ${e.ups}` };
    case 'cleartext-refused':
      return { kind: 'cleartext-refused', detail: e.reason };
    case 'ticket-login':
      return { kind: 'ticket-login', detail: `user ${showBytes(wordBytes(e.user))} proved by a ticket${e.session.tls ? ' (TLS, channel-bound)' : ''}` };
    case 'ticket-refused':
      return { kind: 'ticket-refused', detail: e.reason };
  }
}

/**
 * auth.server "spawn": `walnut authsrv` as a child, on the same config and data folder, restarted if it dies.
 * It holds our end of its stdin and exits when that closes, so it never outlives this process (even SIGKILL).
 */
class SpawnedAuthServer {
  #child: ChildProcess | undefined;
  #stopping = false;
  #restarts = 0;
  readonly #args: string[];

  constructor(args: ServeArgs) {
    const self = isSea() ? [] : [process.argv[1]!];
    this.#args = [...self, 'authsrv', '--spawned'];
    if (args.config !== undefined) this.#args.push('--config', args.config);
    if (args.data !== undefined) this.#args.push('--data', args.data);
    if (args.logLevel !== undefined) this.#args.push('--log-level', args.logLevel);
  }

  start(): void {
    const child = spawn(process.execPath, this.#args, { stdio: ['pipe', 'inherit', 'inherit'] });
    this.#child = child;
    child.stdin!.on('error', () => undefined);
    let restarted = false;
    const restart = (why: string): void => {
      if (this.#stopping || restarted) return;
      restarted = true;
      const delay = Math.min(30_000, 500 * 2 ** Math.min(this.#restarts++, 6));
      log.error(`authentication server ${why}; restarting it in ${delay} ms`);
      setTimeout(() => {
        if (!this.#stopping) this.start();
      }, delay).unref();
    };
    // a spawn that fails (EAGAIN, ENOMEM) is an 'error', not an 'exit': without a listener it would end serve
    child.on('error', (err) => restart(`could not start (${err.message})`));
    child.once('exit', (code, signal) => restart(`exited (${signal ?? code})`));
  }

  /** The signal that ends serve also reaches the child (same process group): no restart from here on. */
  stopping(): void {
    this.#stopping = true;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin!.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}

/** NUT AUTH through the local AS client: one relayed conversation per NUT session. */
function ticketService(client: LocalAuthClient): TicketService {
  const ids = new WeakMap<Session, number>();
  let next = 1;
  return {
    serverAuth: () => {
      const server = client.serverAuth();
      if (!server) throw new NutError('FEATURE-NOT-CONFIGURED', 'the authentication server has not written its key yet');
      return server;
    },
    relay: (session, request) => {
      let id = ids.get(session);
      if (id === undefined) {
        id = next++ >>> 0;
        ids.set(session, id);
      }
      // the address as the lockout keys it everywhere else (an IPv4-mapped IPv6 address is its IPv4 address)
      return client.relay(id, canonicalAddress(session.address), request);
    },
    forget: (session) => {
      const id = ids.get(session);
      if (id === undefined) return;
      ids.delete(session);
      client.end(id);
    },
  };
}

export async function serve(args: ServeArgs): Promise<number> {
  const config = loadConfig(args);
  setLogLevel(config.logLevel);
  setPackageAddonCacheDir(config.nativeCacheDir);

  let db;
  try {
    db = openDatabase(config.dataDir, config.nativeCacheDir);
  } catch (err) {
    if (err instanceof StorageError || err instanceof AddonError) {
      log.error(err.message);
      return EXIT.failure;
    }
    throw err;
  }
  const events = new EventLog(db);
  events.record('start', undefined, `walnut ${BUILD.version} (${BUILD.board})`);

  // credentials: the principal database (config users move into it once) for roles; passwords are checked by
  // the authentication server, its own process, which alone opens the key database
  const paths = authPaths(config);
  const asClient = new LocalAuthClient({ socketPath: paths.socket, keyFile: paths.serverKeyFile });
  const principals = new PrincipalStore(db);
  await migrateConfigUsers(config.users, { store: principals, settings: new Settings(db), log, events });
  const authorizer = await DbAuthorizer.create({
    store: principals,
    check: (name, password, source) => asClient.checkNutPassword(name, password, source),
    throttle: new LoginThrottle(config.loginThrottle),
    legacyClients: config.legacyClients,
    events,
  });

  let fixture;
  if (config.ups.simulate !== undefined) {
    try {
      fixture = parseFixture(readFileSync(config.ups.simulate, 'utf8'));
    } catch (err) {
      const why = err instanceof FixtureError ? err.message : ((err as NodeJS.ErrnoException).code ?? (err as Error).message);
      events.close();
      db.close();
      throw new ConfigError(`--simulate ${config.ups.simulate}: ${why}`);
    }
  }
  const ups = new UpsModel({
    name: config.ups.name,
    description: config.ups.description ?? (fixture ? `Simulated ${fixture.model}` : undefined),
    maxAgeMs: config.nut.maxAgeSeconds * 1000,
  });
  ups.on('availability', (a) => {
    const text = a === 'ok' ? 'data is fresh' : a === 'stale' ? 'data is stale' : 'driver not connected';
    log.info(`UPS [${ups.name}]: ${text}`);
    events.record('ups-availability', undefined, `${ups.name}: ${a}`);
  });
  // the latch itself, whoever moved it (the shutdown sequence, a NUT client's FSD, an administrator)
  ups.on('fsd', (set) => events.record('fsd-latch', undefined, `${ups.name}: ${set ? 'set' : 'cleared'}`));

  let simulated: SimulatedUps | undefined;
  let finder: TransportFinder;
  if (fixture) {
    try {
      simulated = new SimulatedUps(fixture, config.ups.simulation);
    } catch (err) {
      events.close();
      db.close();
      throw new ConfigError(`--simulate ${config.ups.simulate}: ${(err as Error).message}`);
    }
    log.info(`simulating ${fixture.model} as UPS [${ups.name}] (SIGUSR2 unplugs and replugs it)`);
    finder = new SimulatedUpsFinder(simulated);
  } else {
    finder = new HidrawFinder({ vendorId: config.ups.vendorId, productId: config.ups.productId, serial: config.ups.serial });
    try {
      log.info(`USB HID through hidraw (hidapi ${await loadHidAddon()})`);
    } catch (err) {
      // keep serving (clients get DRIVER-NOT-CONNECTED) but say exactly what is missing
      log.error(`cannot load the USB HID addon: ${(err as Error).message} (it needs libusb-1.0-0 and libudev1)`);
    }
  }
  const onUsr2 = (): void => {
    if (!simulated) return;
    if (simulated.plugged) simulated.unplug();
    else simulated.plug();
  };
  process.on('SIGUSR2', onUsr2);
  const driver = new Driver(ups, finder, { pollIntervalMs: config.ups.pollIntervalSeconds * 1000 });
  await driver.start();
  const availabilityTimer = setInterval(() => ups.checkAvailability(), 1000);
  availabilityTimer.unref();

  let tlsOptions: NutTlsOptions | undefined;
  if (config.tls.enabled) {
    try {
      const certs = new ClientCertStore(db);
      tlsOptions = { ...tlsFor(config), isRevoked: (serial) => certs.isRevoked(serial) };
    } catch (err) {
      log.error(`TLS: ${(err as Error).message}`);
      await driver.stop();
      simulated?.stop();
      events.close();
      db.close();
      return EXIT.failure;
    }
  } else {
    log.warn('tls.enabled is false: STARTTLS answers FEATURE-NOT-CONFIGURED');
  }

  const spawned = config.auth.server === 'spawn' ? new SpawnedAuthServer(args) : undefined;

  const n = config.nut;
  const server = new NutServer({
    tls: tlsOptions,
    context: {
      transport: { clearCredentials: config.tls.clearCredentials || !config.tls.enabled, anonymousReads: config.tls.anonymousReads },
      serverInfo: `walnut ${BUILD.version} - NUT protocol 1.3 server`,
      serverVersion: BUILD.version,
      findUps: (name) => (name.toLowerCase() === ups.name.toLowerCase() ? ups : undefined),
      upsList: () => [ups],
      authorizer,
      tickets: ticketService(asClient),
      tracking: new TrackingTable({ retentionMs: n.trackingRetentionSeconds * 1000, maxEntries: n.maxTrackingEntries }),
    },
    limits: {
      idleTimeoutMs: n.idleTimeoutSeconds * 1000,
      maxConnections: n.maxConnections,
      outputHighWaterBytes: n.outputHighWaterBytes,
      writeStallMs: n.writeStallSeconds * 1000,
      maxPendingInputBytes: n.maxPendingInputBytes,
      maxConsecutiveErrors: n.maxConsecutiveErrors,
    },
    onConnection: (e) =>
      events.record(e.kind, `${e.address}:${e.port}`, e.kind === 'disconnect' ? e.reason : undefined),
    onAudit: (e) => {
      const { kind, detail } = describeAudit(e);
      if (kind === 'access-denied' || kind === 'cleartext-refused') log.warn(`${e.session.address}: access denied: ${detail}`);
      else log.info(`${e.session.address}: ${detail}`);
      events.record(kind, `${e.session.address}:${e.session.port}`, detail);
    },
  });

  let announcedPort: number | undefined;
  try {
    for (const spec of config.listen) {
      const { host, port } = parseListen(spec);
      let bound;
      try {
        bound = await server.listen(host, port);
      } catch (err) {
        // `*` on a kernel without IPv6: fall back to IPv4 only
        if (host === '::' && (err as NodeJS.ErrnoException).code === 'EAFNOSUPPORT') bound = await server.listen('0.0.0.0', port);
        else throw err;
      }
      announcedPort ??= bound.port; // DNS-SD names one port: the first listener's
    }
  } catch (err) {
    log.error(`cannot listen: ${(err as Error).message}`);
    await server.close();
    asClient.close();
    await spawned?.stop();
    await driver.stop();
    simulated?.stop();
    events.close();
    db.close();
    return EXIT.failure;
  }

  // the AS comes up beside a server that already answers (credential checks wait for it): the fork and its start
  // stay out of the time to the first answer
  spawned?.start();

  // DNS-SD through avahi: LAN clients find walnut with no configuration (issue 7); never in the way of serving
  const announcement: Announcement | undefined = await announce(
    config.mdns,
    announcedPort!,
    [ups.name],
    () => loadMdns(config.nativeCacheDir),
    logger('mdns'),
  );

  // walnut is the primary of its UPS: it sets FSD and commands the UPS when the policy says so
  let shutdown: ShutdownOrchestrator | undefined;
  if (config.shutdown.enabled) {
    const sd = config.shutdown;
    shutdown = new ShutdownOrchestrator(
      {
        policy: {
          onBatteryLowBattery: sd.onBatteryLowBattery,
          runtimeBelowSeconds: sd.runtimeBelowSeconds,
          chargeBelowPercent: sd.chargeBelowPercent,
          onBatteryForSeconds: sd.onBatteryForSeconds,
        },
        hostSyncSeconds: sd.hostSyncSeconds,
        finalDelaySeconds: sd.finalDelaySeconds,
        offDelaySeconds: sd.offDelaySeconds,
        onDelaySeconds: sd.onDelaySeconds,
      },
      { ups, settings: new Settings(db), events, loggedIn: () => server.context.logins(ups.name).length },
    );
    shutdown.start();
  } else {
    log.warn('shutdown.enabled is false: walnut will not set FSD or shut the UPS down (another primary must)');
  }

  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log.info(`${signal}: shutting down`);
      spawned?.stopping();
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });

  clearInterval(availabilityTimer);
  announcement?.stop(); // goodbyes first: browsers drop walnut before its port closes
  await shutdown?.stop();
  await server.close();
  asClient.close();
  await spawned?.stop();
  await driver.stop();
  simulated?.stop();
  process.off('SIGUSR2', onUsr2);
  events.record('stop', undefined, `served ${server.counters.accepted} connections, ${server.counters.requests} requests`);
  events.close();
  db.close();
  return EXIT.ok;
}
