// The composition root: the running appliance built from one config object (docs/architecture.md). Each start
// step registers how to close what it opened on one LIFO stack (src/util/teardown.ts), so a failure at any step
// closes exactly what was opened, in reverse, and stop() is the same walk. Sockets, the HID handle, SQLite and
// child processes all meet here and nowhere else.
import { readFileSync } from 'node:fs';
import { BUILD } from '../util/build-info.ts';
import { ConfigError, parseListen, type WalnutConfig } from '../config/config.ts';
import { DbAuthorizer } from '../auth/authorizer.ts';
import { migrateConfigUsers } from '../auth/config-migration.ts';
import { PrincipalStore } from '../auth/principals.ts';
import { LoginThrottle } from '../auth/throttle.ts';
import { LocalAuthClient } from '../authsrv/local-client.ts';
import { authPaths } from '../authsrv/paths.ts';
import { Driver } from '../device/driver.ts';
import { HidrawFinder, loadHidAddon } from '../device/hidraw.ts';
import { SimulatedUps, SimulatedUpsFinder } from '../device/simulated-ups.ts';
import type { TransportFinder } from '../device/transport.ts';
import { loadMdns } from '../mdns/addon.ts';
import { announce } from '../mdns/announce.ts';
import { AddonError } from '../native/addons.ts';
import { NutServer, type NutTlsOptions } from '../nut/server.ts';
import { TrackingTable } from '../nut/tracking.ts';
import { parseFixture, FixtureError } from '../simulate/fixture.ts';
import { openDatabase, StorageError, type Db } from '../storage/database.ts';
import { EventLog } from '../storage/event-log.ts';
import { History } from '../storage/history.ts';
import { Settings } from '../storage/settings.ts';
import { ClientCertStore } from '../tls/client-certs.ts';
import { ClientRoster } from '../storage/client-roster.ts';
import { snapshotSession } from '../nut/session-snapshot.ts';
import { UpsModel } from '../ups/model.ts';
import { logger } from '../util/log.ts';
import { Teardown } from '../util/teardown.ts';
import { describeAudit } from './audit.ts';
import { AuthChildError, SpawnedAuthServer, type AuthChildCommand } from './auth-child.ts';
import { ClientWatch } from './client-watch.ts';
import { HistorySampler } from './history-sampler.ts';
import { PowerPolicy } from './power-policy.ts';
import { userDirectory } from './user-directory.ts';
import { ticketService } from './ticket-service.ts';
import { tlsFor, type ServerTlsOptions } from './tls-context.ts';
import { startWeb } from './web.ts';

const log = logger('walnut');

/** A start step that failed for a reason outside the config (a port taken, a folder unusable): exit status 1. */
export class StartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartError';
  }
}

export interface ApplianceOptions {
  /** how to start `walnut authsrv` when config.auth.server is "spawn" */
  authServer: AuthChildCommand;
  /** a stop asked for (SIGTERM) while starting: the start ends early and stop() closes what it opened. The same
   *  signal reaches the AS child (one process group), so it is not restarted from then on. */
  stop?: AbortSignal;
  /** walnut should end and be started again (the setup page's restart and factory reset); serve stops in order
   *  and exits with EXIT.restart. Unset: those pages answer, and nothing ends. */
  exit?: (why: string) => void;
}

export interface Appliance {
  /** the port of each NUT listener, in config.listen order */
  readonly ports: readonly number[];
  /** closes everything, newest first */
  stop(): Promise<void>;
}

/** Builds and starts the appliance; on any failure closes what it opened and rethrows (StartError, ConfigError). */
export async function startAppliance(config: WalnutConfig, options: ApplianceOptions): Promise<Appliance> {
  const teardown = new Teardown(log);
  const state: { server?: NutServer } = {};
  try {
    const ports = await build(config, options, teardown, state);
    return { ports, stop: () => teardown.close() };
  } catch (err) {
    await teardown.close();
    throw err;
  }
}

async function build(config: WalnutConfig, options: ApplianceOptions, t: Teardown, state: { server?: NutServer }): Promise<number[]> {
  // 1. storage: the database and its event log
  let db: Db;
  try {
    db = openDatabase(config.dataDir, config.nativeCacheDir);
  } catch (err) {
    if (err instanceof StorageError || err instanceof AddonError) throw new StartError(err.message);
    throw err;
  }
  t.defer('database', () => void db.close());
  const events = new EventLog(db);
  t.defer('event log', () => events.close());
  events.record('start', undefined, `walnut ${BUILD.version} (${BUILD.board})`);
  t.defer('stop event', () => {
    const c = state.server?.counters;
    events.record('stop', undefined, c ? `served ${c.accepted} connections, ${c.requests} requests` : 'start failed');
  });

  // 2. accounts: roles in the principal database (config users move into it once); passwords are checked by
  // the authentication server, its own process, which alone opens the key database
  const paths = authPaths(config);
  const asClient = new LocalAuthClient({ socketPath: paths.socket, keyFile: paths.serverKeyFile });
  t.defer('authentication client', () => asClient.close());
  const principals = new PrincipalStore(db);
  await migrateConfigUsers(config.users, { store: principals, settings: new Settings(db), log, events });
  const authorizer = await DbAuthorizer.create({
    store: principals,
    check: (name, password, source) => asClient.checkNutPassword(name, password, source),
    throttle: new LoginThrottle(config.loginThrottle),
    legacyClients: config.legacyClients,
    events,
  });

  // 3. the UPS: its model, and the device that feeds it (USB through hidraw, or a simulated fixture)
  // the driver counts re-attaches (walnut_usb_reconnects_total); an unplug makes the data stale, never
  // not-connected, so the model's availability events cannot count them
  const { ups, driver } = await startUps(config, t, events);

  // 4. TLS: the unit's identity
  let tlsOptions: NutTlsOptions | undefined;
  let webTls: { server: ServerTlsOptions; caPem: string; notAfter: Date; certs: ClientCertStore } | undefined;
  if (config.tls.enabled) {
    try {
      const certs = new ClientCertStore(db);
      const context = tlsFor(config);
      t.defer('certificate expiry check', context.stop);
      tlsOptions = { ...context.options, isRevoked: (serial) => certs.isRevoked(serial) };
      webTls = { server: context.server, caPem: context.caPem, notAfter: context.notAfter, certs };
    } catch (err) {
      throw new StartError(`TLS: ${(err as Error).message}`);
    }
  } else {
    log.warn('tls.enabled is false: STARTTLS answers FEATURE-NOT-CONFIGURED');
  }

  // 5. the NUT server and its listeners
  const n = config.nut;
  // read at each scrape; `server` is defined below, before the web page that reads these starts
  const authFailures = {
    get password() { return authorizer.failedChecks; },
    ticket: 0,
    get certificate() { return server.counters.certificateRefused; },
    bearer: 0,
  };
  // the roster's watch (the Clients page) hears of each login at once; it starts once the server exists
  let clientWatch: ClientWatch | undefined;
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
      users: userDirectory(principals, events),
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
    onConnection: (e) => events.record(e.kind, `${e.address}:${e.port}`, e.kind === 'disconnect' ? e.reason : undefined),
    onAudit: (e) => {
      if (e.kind === 'ticket-refused') authFailures.ticket++;
      if (e.kind === 'login' || e.kind === 'ticket-login') clientWatch?.noteLogin(snapshotSession(e.session));
      const { kind, detail } = describeAudit(e);
      if (kind === 'access-denied' || kind === 'cleartext-refused') log.warn(`${e.session.address}: access denied: ${detail}`);
      else log.info(`${e.session.address}: ${detail}`);
      events.record(kind, `${e.session.address}:${e.session.port}`, detail);
    },
  });
  state.server = server;
  t.defer('NUT server', () => server.close());
  const ports: number[] = [];
  for (const spec of config.listen) {
    const { host, port } = parseListen(spec);
    try {
      ports.push((await listenDualStack(server, host, port)).port);
    } catch (err) {
      throw new StartError(`cannot listen: ${(err as Error).message}`);
    }
  }

  // the roster of expected clients, checked every few seconds against the connections (src/appliance/client-watch.ts)
  clientWatch = new ClientWatch({ roster: new ClientRoster(db), sessions: () => server.sessions(), events, log: logger('clients') });
  t.defer('client watch', () => clientWatch.stop());
  clientWatch.start();

  // 6. walnut is the primary of its UPS: it sets FSD and commands the UPS when the policy says so. Before the AS:
  // the shutdown policy never waits for anything that is not needed to keep the power safe.
  const power = startShutdown(config, t, { ups, db, events, server });

  // the history: the UPS's values every history.intervalSeconds into walnut.db, for the setup page's chart and
  // CSV (the web server reads the same History). After the listeners: the roll-up at its start catches up on
  // the time walnut was stopped, which the first NUT answer should not wait for.
  const intervalMs = config.history.intervalSeconds * 1000;
  const history = new History(db, { sampleIntervalMs: intervalMs });
  const sampler = new HistorySampler(ups, history, { intervalMs, log: logger('history') });
  t.defer('history sampler', () => sampler.stop());
  sampler.start();

  // 7. the AS comes up beside a server that already answers (credential checks wait for it): the fork and its
  // start stay out of the time to the first answer
  if (config.auth.server === 'spawn') {
    const spawned = new SpawnedAuthServer(options.authServer);
    options.stop?.addEventListener('abort', () => spawned.stopping(), { once: true });
    t.defer('authentication server', () => spawned.stop());
    try {
      await untilStopped(spawned.start(), options.stop);
    } catch (err) {
      if (err instanceof AuthChildError) throw new StartError(err.message);
      throw err;
    }
  }
  if (options.stop?.aborted) return ports; // asked to stop while starting: nothing more to start

  // 8. the web setup page (issue 15): HTTPS with the same identity, so it needs TLS on
  let webPort: number | undefined;
  if (config.web.enabled && !webTls) log.warn('web.enabled but tls.enabled is false: the setup page is HTTPS only, so it is off');
  else if (webTls) {
    try {
      webPort = await startWeb(config, t, {
        ups,
        asClient,
        principals,
        authorizer,
        events,
        nut: server,
        tls: webTls,
        history,
        clients: clientWatch,
        power,
        exit: options.exit ?? ((why) => log.warn(`${why}: this walnut cannot end itself (no exit given)`)),
        nutPort: ports[0] ?? 3493,
        health: { usbReconnects: () => driver.reconnects, authFailures },
      });
    } catch (err) {
      throw new StartError(`web: cannot listen: ${(err as Error).message}`);
    }
  }

  // 9. DNS-SD through avahi: LAN clients find walnut with no configuration; never in the way of serving
  const announcement = await announce(config.mdns, ports[0]!, [ups.name], () => loadMdns(config.nativeCacheDir), logger('mdns'), webPort);
  // goodbyes first: browsers drop walnut before its port closes
  if (announcement) t.defer('mDNS announcement', () => announcement.stop());
  return ports;
}

/** `step`, unless a stop is asked for first: then it resolves at once and what `step` does later is ignored. */
function untilStopped(step: Promise<void>, stop: AbortSignal | undefined): Promise<void> {
  if (!stop) return step;
  if (stop.aborted) return Promise.resolve();
  step.catch(() => undefined); // its failure after the stop is the stop's doing
  return new Promise((resolve, reject) => {
    stop.addEventListener('abort', () => resolve(), { once: true });
    step.then(resolve, reject);
  });
}

/** `*` on a kernel without IPv6: IPv4 only. */
async function listenDualStack(server: NutServer, host: string, port: number): Promise<{ port: number }> {
  try {
    return await server.listen(host, port);
  } catch (err) {
    if (host === '::' && (err as NodeJS.ErrnoException).code === 'EAFNOSUPPORT') return server.listen('0.0.0.0', port);
    throw err;
  }
}

async function startUps(config: WalnutConfig, t: Teardown, events: EventLog): Promise<{ ups: UpsModel; driver: Driver }> {
  let fixture;
  if (config.ups.simulate !== undefined) {
    try {
      fixture = parseFixture(readFileSync(config.ups.simulate, 'utf8'));
    } catch (err) {
      const why = err instanceof FixtureError ? err.message : ((err as NodeJS.ErrnoException).code ?? (err as Error).message);
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

  let finder: TransportFinder;
  if (fixture) {
    let simulated: SimulatedUps;
    try {
      simulated = new SimulatedUps(fixture, config.ups.simulation);
    } catch (err) {
      throw new ConfigError(`--simulate ${config.ups.simulate}: ${(err as Error).message}`);
    }
    t.defer('simulated UPS', () => simulated.stop());
    log.info(`simulating ${fixture.model} as UPS [${ups.name}] (SIGUSR2 unplugs and replugs it)`);
    const onUsr2 = (): void => (simulated.plugged ? simulated.unplug() : simulated.plug());
    process.on('SIGUSR2', onUsr2);
    t.defer('SIGUSR2 handler', () => void process.off('SIGUSR2', onUsr2));
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
  const driver = new Driver(ups, finder, { pollIntervalMs: config.ups.pollIntervalSeconds * 1000 });
  t.defer('driver', () => driver.stop());
  await driver.start();
  const availabilityTimer = setInterval(() => ups.checkAvailability(), 1000);
  availabilityTimer.unref();
  t.defer('availability timer', () => clearInterval(availabilityTimer));
  return { ups, driver };
}

function startShutdown(config: WalnutConfig, t: Teardown, deps: { ups: UpsModel; db: Db; events: EventLog; server: NutServer }): PowerPolicy {
  const { ups, db, events, server } = deps;
  // the config file's section, unless the setup page saved a policy over it (power-policy.ts says why there)
  const policy = new PowerPolicy(config.shutdown, { ups, settings: new Settings(db), events, loggedIn: () => server.context.logins(ups.name).length });
  t.defer('shutdown policy', () => policy.stop());
  policy.start();
  return policy;
}
