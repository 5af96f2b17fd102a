// walnut's one configuration object. Precedence: built-in defaults (below, each explained), then the JSON
// config file, then command-line flags. Unknown keys are errors, so a typo never silently means "default".
import { BUILD } from './build-info.ts';
import type { Level } from '../util/log.ts';
import { parseCidr } from '../auth/address.ts';
import { nameProblem, passwordProblem } from '../auth/bytes.ts';
import { DEFAULT_THROTTLE, type ThrottleOptions } from '../auth/throttle.ts';
import { DEFAULT_LOCKOUT, type LockoutOptions } from '../authsrv/lockout.ts';

/** A `users` entry. At start each one is moved into the principal database once (src/auth/config-migration.ts);
 *  from then on the database is authoritative (`walnut user ...`) and the config password is not needed. */
export interface UserConfig {
  /** upsd.users `password`; turned into a verifier when moved into the database, never logged */
  password: string;
  /** upsd.users `actions`: SET, FSD (LOGIN and PRIMARY come from `upsmon`) */
  actions?: string[];
  /** upsd.users `instcmds`: command names, or ALL */
  instcmds?: string[];
  /** upsd.users `upsmon primary|secondary` (master/slave accepted) */
  upsmon?: 'primary' | 'secondary' | 'master' | 'slave';
}

/** An opt-in legacy NAS client (docs/nut-protocol.md §9.1: Synology's monuser/secret and the like). Its fixed
 *  password works only from `from` and only as upsmon secondary: LOGIN, never PRIMARY, FSD, SET or INSTCMD.
 *  Every use is logged as a warning and in the event log. None by default. */
export interface LegacyClientConfig {
  username: string;
  password: string;
  /** IPv4/IPv6 addresses and CIDR blocks; an IPv4-mapped IPv6 peer matches its IPv4 address */
  from: string[];
}

export interface UpsConfig {
  /** name clients use (`upsc ups@host`) */
  name: string;
  /** `desc=` in ups.conf: LIST UPS / GET UPSDESC */
  description?: string;
  /** serve a fixture (test/fixtures/ups format) instead of a USB device */
  simulate?: string;
  /** Which USB UPS to drive (hex, as `lsusb` prints them); unset: the first HID Power Device found. */
  vendorId?: string;
  productId?: string;
  serial?: string;
  /** NUT's pollinterval: seconds between quick updates (usbhid-ups default 2). */
  pollIntervalSeconds: number;
  /** How the simulated UPS's battery moves once mains fail (test.failure.start): percent of charge per
   *  second. Real batteries take minutes; the default makes a drill take about a minute, tests go faster. */
  simulation: {
    dischargePercentPerSecond: number;
    chargePercentPerSecond: number;
    /** answer every declared report of a fixture that recorded few or none, from a synthesized state */
    fillMissingReports?: boolean;
  };
}

export interface NutConfig {
  /** Seconds without a complete request line before a client is dropped. upsd hard-codes 60, which Home
   * Assistant's 60 s poll races; 300 covers it and every upsmon POLLFREQ. */
  idleTimeoutSeconds: number;
  /** Simultaneous clients. Past it, new connections are closed at once (upsd hangs them). */
  maxConnections: number;
  /** Reply bytes queued for one client before walnut stops reading its requests (back-pressure). */
  outputHighWaterBytes: number;
  /** Seconds a client may leave its replies unread above the high-water mark before it is dropped. */
  writeStallSeconds: number;
  /** Unparsed request bytes held per client while one of its requests is in progress. */
  maxPendingInputBytes: number;
  /** Seconds a SET/INSTCMD tracking result stays readable (upsd's TRACKINGDELAY). */
  trackingRetentionSeconds: number;
  /** Tracking results kept at most (upsd has no bound). */
  maxTrackingEntries: number;
  /** Seconds without news from the device before its data is stale (upsd's MAXAGE). */
  maxAgeSeconds: number;
}

/** walnut as the primary of its UPS (upsmon primary's job): when to shut everything down, and how. */
export interface ShutdownConfig {
  /** false: never set FSD or command the UPS (another primary does it) */
  enabled: boolean;
  /** upsmon's rule: on battery and the UPS says low battery */
  onBatteryLowBattery: boolean;
  /** also shut down on battery when battery.runtime drops below this (seconds) */
  runtimeBelowSeconds?: number;
  /** ... or battery.charge below this (percent) */
  chargeBelowPercent?: number;
  /** ... or after this long on battery (seconds) */
  onBatteryForSeconds?: number;
  /** upsmon HOSTSYNC: how long to wait for secondaries to log out after FSD (15) */
  hostSyncSeconds: number;
  /** upsmon FINALDELAY: pause before commanding the UPS (5) */
  finalDelaySeconds: number;
  /** ups.delay.shutdown for shutdown.return: the UPS cuts its output this long after the command (20, NUT's) */
  offDelaySeconds: number;
  /** ups.delay.start: and powers up this long after mains return (30, NUT's) */
  onDelaySeconds: number;
}

/** TLS on the NUT port (issue 5): on by default, with the unit's own identity. */
export interface TlsConfig {
  /** false: STARTTLS answers FEATURE-NOT-CONFIGURED, as a upsd without certificate */
  enabled: boolean;
  /** a factory bundle (PEM paths); unset: a local CA and device certificate made at first start */
  factory?: { certificate: string; key: string; ca: string };
  /** CERTREQUEST done right: off, request (checked when sent), require */
  clientCertificates: 'off' | 'request' | 'require';
  /** take USERNAME/PASSWORD/LOGIN/... outside TLS. false by default: no credential in clear, ever. Debian's
   *  upsrw/upscmd 2.8.0 never send STARTTLS (docs/nut-protocol.md §5.3); they need true, or 2.8.3+ clients. */
  clearCredentials: boolean;
  /** GET/LIST: any connection (Home Assistant has no TLS), only inside TLS, or only after LOGIN ('none') */
  anonymousReads: 'any' | 'tls' | 'none';
  /** a STARTTLS handshake not finished by then ends the connection */
  handshakeTimeoutSeconds: number;
}

/** The authentication server (issue 6, docs/auth-protocol.md): its own process, the only one that opens the
 *  key database. */
export interface AuthConfig {
  /** 'spawn': `walnut serve` starts `walnut authsrv` as its child (one command, as `make run`); 'connect': a
   *  separate service (image/systemd/walnut-authsrv.service, its own user) runs it and serve only connects */
  server: 'spawn' | 'connect';
  /** auth domain DN; unset: the one in the key database, made from the host name at first start. Keys are
   *  derived with it: changing it later invalidates every password */
  domain?: string;
  /** the key database's folder (0700, the AS's user); unset: <dataDir>/auth */
  keyDir?: string;
  /** the local socket and the NUT server's key (shared with serve's user); unset: <dataDir>/run */
  runDir?: string;
  /** the ticket service (authsrv(6)'s TCP 567) as HOST:PORT; [] turns it off (NUT AUTH still relays) */
  listen: string[];
  /** confirmed failures per user name before a lock, and the lock's length (src/authsrv/lockout.ts) */
  lockout: LockoutOptions;
}

/** DNS-SD announcement through the system's avahi-daemon (issue 7). */
export interface MdnsConfig {
  /** false: announce nothing */
  enabled: boolean;
  /** the instance name LAN browsers show; unset: the host name (as NUT's own avahi service file, `%h`) */
  name?: string;
}

export interface WalnutConfig {
  /** SQLite database, keys and state. */
  dataDir: string;
  /** Where native addons carried in the binary are unpacked (must not be mounted noexec). */
  nativeCacheDir: string;
  /** NUT listeners as HOST:PORT; `*` is every address (IPv6 and IPv4). An appliance serves its LAN. */
  listen: string[];
  logLevel: Level;
  nut: NutConfig;
  ups: UpsConfig;
  shutdown: ShutdownConfig;
  tls: TlsConfig;
  users: Record<string, UserConfig>;
  legacyClients: LegacyClientConfig[];
  /** Failed password checks slow their source (and, when spread over several sources, their user name) down
   *  exponentially; see src/auth/throttle.ts for each knob. */
  loginThrottle: ThrottleOptions;
  auth: AuthConfig;
  mdns: MdnsConfig;
}

export function defaultConfig(): WalnutConfig {
  return {
    dataDir: BUILD.paths.data,
    nativeCacheDir: BUILD.paths.nativeCache,
    listen: ['*:3493'],
    logLevel: 'info',
    nut: {
      idleTimeoutSeconds: 300,
      maxConnections: 16_384,
      outputHighWaterBytes: 64 * 1024,
      writeStallSeconds: 30,
      maxPendingInputBytes: 256 * 1024,
      trackingRetentionSeconds: 3600,
      maxTrackingEntries: 10_000,
      maxAgeSeconds: 15,
    },
    ups: { name: 'ups', pollIntervalSeconds: 2, simulation: { dischargePercentPerSecond: 1, chargePercentPerSecond: 0.5 } },
    tls: { enabled: true, clientCertificates: 'request', clearCredentials: false, anonymousReads: 'any', handshakeTimeoutSeconds: 10 },
    shutdown: {
      enabled: true,
      onBatteryLowBattery: true,
      hostSyncSeconds: 15,
      finalDelaySeconds: 5,
      offDelaySeconds: 20,
      onDelaySeconds: 30,
    },
    users: {},
    legacyClients: [],
    loginThrottle: { ...DEFAULT_THROTTLE },
    auth: { server: 'spawn', listen: ['*:567'], lockout: { ...DEFAULT_LOCKOUT } },
    mdns: { enabled: true },
  };
}

/** A configuration problem: the message names the key. Exit status 3. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function expectKeys(where: string, obj: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new ConfigError(`${where}: unknown key "${k}" (known: ${allowed.join(', ')})`);
  }
}

function num(where: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new ConfigError(`${where}: expected a number from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function str(where: string, v: unknown, pattern?: RegExp): string {
  if (typeof v !== 'string' || (pattern && !pattern.test(v))) {
    throw new ConfigError(`${where}: expected ${pattern ? `a string matching ${pattern}` : 'a string'}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function strList(where: string, v: unknown, pattern?: RegExp): string[] {
  if (!Array.isArray(v)) throw new ConfigError(`${where}: expected a list of strings`);
  return v.map((x, i) => str(`${where}[${i}]`, x, pattern));
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const LISTEN = /^(\*|\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;

/** Applies a parsed config file on top of `base`. Pure: the caller reads the file. */
export function applyConfigFile(base: WalnutConfig, parsed: Json): WalnutConfig {
  if (!isObject(parsed)) throw new ConfigError('config file: expected a JSON object');
  expectKeys('config', parsed, ['dataDir', 'nativeCacheDir', 'listen', 'logLevel', 'nut', 'ups', 'shutdown', 'tls', 'users', 'legacyClients', 'loginThrottle', 'auth', 'mdns']);
  const c = structuredClone(base);
  if (parsed.dataDir !== undefined) c.dataDir = str('dataDir', parsed.dataDir);
  if (parsed.nativeCacheDir !== undefined) c.nativeCacheDir = str('nativeCacheDir', parsed.nativeCacheDir);
  if (parsed.listen !== undefined) c.listen = strList('listen', parsed.listen, LISTEN);
  if (parsed.logLevel !== undefined) c.logLevel = str('logLevel', parsed.logLevel, /^(debug|info|warn|error)$/) as Level;
  if (parsed.nut !== undefined) {
    const n = parsed.nut;
    if (!isObject(n)) throw new ConfigError('nut: expected an object');
    expectKeys('nut', n, Object.keys(c.nut));
    const limits: Record<keyof NutConfig, [number, number]> = {
      idleTimeoutSeconds: [1, 86_400],
      maxConnections: [1, 1_000_000],
      outputHighWaterBytes: [1024, 64 * 1024 * 1024],
      writeStallSeconds: [1, 86_400],
      maxPendingInputBytes: [1024, 64 * 1024 * 1024],
      trackingRetentionSeconds: [1, 7 * 86_400],
      maxTrackingEntries: [1, 1_000_000],
      maxAgeSeconds: [1, 3600],
    };
    for (const [k, [lo, hi]] of Object.entries(limits) as [keyof NutConfig, [number, number]][]) {
      if (n[k] !== undefined) c.nut[k] = num(`nut.${k}`, n[k], lo, hi);
    }
  }
  if (parsed.ups !== undefined) {
    const u = parsed.ups;
    if (!isObject(u)) throw new ConfigError('ups: expected an object');
    expectKeys('ups', u, ['name', 'description', 'simulate', 'vendorId', 'productId', 'serial', 'pollIntervalSeconds', 'simulation']);
    if (u.name !== undefined) c.ups.name = str('ups.name', u.name, NAME);
    if (u.description !== undefined) c.ups.description = str('ups.description', u.description, /^[\x20-\x7e]{0,200}$/);
    if (u.simulate !== undefined) c.ups.simulate = str('ups.simulate', u.simulate);
    if (u.vendorId !== undefined) c.ups.vendorId = str('ups.vendorId', u.vendorId, /^[0-9a-fA-F]{4}$/).toLowerCase();
    if (u.productId !== undefined) c.ups.productId = str('ups.productId', u.productId, /^[0-9a-fA-F]{4}$/).toLowerCase();
    if (u.serial !== undefined) c.ups.serial = str('ups.serial', u.serial, /^[\x20-\x7e]{1,126}$/);
    if (u.pollIntervalSeconds !== undefined) c.ups.pollIntervalSeconds = num('ups.pollIntervalSeconds', u.pollIntervalSeconds, 0.1, 60);
    if (u.simulation !== undefined) {
      const sim = u.simulation;
      if (!isObject(sim)) throw new ConfigError('ups.simulation: expected an object');
      expectKeys('ups.simulation', sim, ['dischargePercentPerSecond', 'chargePercentPerSecond', 'fillMissingReports']);
      if (sim.fillMissingReports !== undefined) {
        if (typeof sim.fillMissingReports !== 'boolean') throw new ConfigError('ups.simulation.fillMissingReports: expected true or false');
        c.ups.simulation.fillMissingReports = sim.fillMissingReports;
      }
      if (sim.dischargePercentPerSecond !== undefined) {
        c.ups.simulation.dischargePercentPerSecond = num('ups.simulation.dischargePercentPerSecond', sim.dischargePercentPerSecond, 0.001, 100);
      }
      if (sim.chargePercentPerSecond !== undefined) {
        c.ups.simulation.chargePercentPerSecond = num('ups.simulation.chargePercentPerSecond', sim.chargePercentPerSecond, 0.001, 100);
      }
    }
  }
  if (parsed.tls !== undefined) {
    const t = parsed.tls;
    if (!isObject(t)) throw new ConfigError('tls: expected an object');
    expectKeys('tls', t, ['enabled', 'factory', 'clientCertificates', 'clearCredentials', 'anonymousReads', 'handshakeTimeoutSeconds']);
    for (const k of ['enabled', 'clearCredentials'] as const) {
      if (t[k] === undefined) continue;
      if (typeof t[k] !== 'boolean') throw new ConfigError(`tls.${k}: expected true or false`);
      c.tls[k] = t[k];
    }
    if (t.clientCertificates !== undefined) {
      c.tls.clientCertificates = str('tls.clientCertificates', t.clientCertificates, /^(off|request|require)$/) as TlsConfig['clientCertificates'];
    }
    if (t.anonymousReads !== undefined) c.tls.anonymousReads = str('tls.anonymousReads', t.anonymousReads, /^(any|tls|none)$/) as TlsConfig['anonymousReads'];
    if (t.handshakeTimeoutSeconds !== undefined) c.tls.handshakeTimeoutSeconds = num('tls.handshakeTimeoutSeconds', t.handshakeTimeoutSeconds, 1, 300);
    if (t.factory !== undefined) {
      const f = t.factory;
      if (!isObject(f)) throw new ConfigError('tls.factory: expected an object');
      expectKeys('tls.factory', f, ['certificate', 'key', 'ca']);
      c.tls.factory = { certificate: str('tls.factory.certificate', f.certificate), key: str('tls.factory.key', f.key), ca: str('tls.factory.ca', f.ca) };
    }
  }
  if (parsed.shutdown !== undefined) {
    const sd = parsed.shutdown;
    if (!isObject(sd)) throw new ConfigError('shutdown: expected an object');
    const numbers: Record<string, [number, number]> = {
      runtimeBelowSeconds: [0, 86_400],
      chargeBelowPercent: [0, 100],
      onBatteryForSeconds: [0, 86_400],
      hostSyncSeconds: [0, 3600],
      finalDelaySeconds: [0, 3600],
      offDelaySeconds: [0, 32_767],
      onDelaySeconds: [0, 32_767],
    };
    expectKeys('shutdown', sd, ['enabled', 'onBatteryLowBattery', ...Object.keys(numbers)]);
    for (const k of ['enabled', 'onBatteryLowBattery'] as const) {
      if (sd[k] === undefined) continue;
      if (typeof sd[k] !== 'boolean') throw new ConfigError(`shutdown.${k}: expected true or false`);
      c.shutdown[k] = sd[k];
    }
    for (const [k, [lo, hi]] of Object.entries(numbers)) {
      if (sd[k] !== undefined) (c.shutdown as unknown as Record<string, number>)[k] = num(`shutdown.${k}`, sd[k], lo, hi);
    }
  }
  if (parsed.users !== undefined) {
    const users = parsed.users;
    if (!isObject(users)) throw new ConfigError('users: expected an object');
    for (const [name, entry] of Object.entries(users)) {
      const where = `users.${name}`;
      if (!NAME.test(name)) throw new ConfigError(`${where}: invalid user name`);
      if (!isObject(entry)) throw new ConfigError(`${where}: expected an object`);
      expectKeys(where, entry, ['password', 'actions', 'instcmds', 'upsmon']);
      const user: UserConfig = { password: str(`${where}.password`, entry.password, /^[\x20-\x7e]{1,256}$/) };
      if (entry.actions !== undefined) user.actions = strList(`${where}.actions`, entry.actions, /^(set|fsd|login|primary|master)$/i);
      if (entry.instcmds !== undefined) user.instcmds = strList(`${where}.instcmds`, entry.instcmds, NAME);
      if (entry.upsmon !== undefined) {
        user.upsmon = str(`${where}.upsmon`, entry.upsmon, /^(primary|secondary|master|slave)$/) as UserConfig['upsmon'];
      }
      c.users[name] = user;
    }
  }
  if (parsed.legacyClients !== undefined) c.legacyClients = legacyClients(parsed.legacyClients);
  if (parsed.auth !== undefined) c.auth = authSection(parsed.auth, c.auth);
  if (parsed.mdns !== undefined) {
    const m = parsed.mdns;
    if (!isObject(m)) throw new ConfigError('mdns: expected an object');
    expectKeys('mdns', m, ['enabled', 'name']);
    if (m.enabled !== undefined) {
      if (typeof m.enabled !== 'boolean') throw new ConfigError('mdns.enabled: expected true or false');
      c.mdns = { ...c.mdns, enabled: m.enabled };
    }
    // a DNS-SD instance name: 1-63 bytes of UTF-8 (RFC 6763 §4.1.1), no control characters
    if (m.name !== undefined) {
      const name = str('mdns.name', m.name, /^[^\x00-\x1f\x7f]{1,63}$/u);
      if (Buffer.byteLength(name) > 63) throw new ConfigError('mdns.name: at most 63 bytes of UTF-8 (RFC 6763 §4.1.1)');
      c.mdns = { ...c.mdns, name };
    }
  }
  if (parsed.loginThrottle !== undefined) {
    const t = parsed.loginThrottle;
    if (!isObject(t)) throw new ConfigError('loginThrottle: expected an object');
    const limits: Record<keyof ThrottleOptions, [number, number]> = {
      freeFailures: [0, 1000],
      baseDelayMs: [1, 3_600_000],
      maxDelayMs: [1, 3_600_000],
      halfLifeSeconds: [1, 7 * 86_400],
      userDistinctSources: [1, 32],
      maxTrackedSources: [16, 1_000_000],
      maxTrackedUsers: [16, 1_000_000],
    };
    expectKeys('loginThrottle', t, Object.keys(limits));
    for (const [k, [lo, hi]] of Object.entries(limits) as [keyof ThrottleOptions, [number, number]][]) {
      if (t[k] !== undefined) c.loginThrottle[k] = Math.floor(num(`loginThrottle.${k}`, t[k], lo, hi));
    }
    if (c.loginThrottle.maxDelayMs < c.loginThrottle.baseDelayMs) {
      throw new ConfigError('loginThrottle.maxDelayMs: must not be below loginThrottle.baseDelayMs');
    }
  }
  return c;
}

function authSection(v: unknown, base: AuthConfig): AuthConfig {
  if (!isObject(v)) throw new ConfigError('auth: expected an object');
  expectKeys('auth', v, ['server', 'domain', 'keyDir', 'runDir', 'listen', 'lockout']);
  const a: AuthConfig = { ...base, lockout: { ...base.lockout } };
  if (v.server !== undefined) a.server = str('auth.server', v.server, /^(spawn|connect)$/) as AuthConfig['server'];
  if (v.domain !== undefined) a.domain = str('auth.domain', v.domain, /^[A-Za-z0-9._-]{1,64}$/);
  if (v.keyDir !== undefined) a.keyDir = str('auth.keyDir', v.keyDir);
  if (v.runDir !== undefined) a.runDir = str('auth.runDir', v.runDir);
  if (v.listen !== undefined) a.listen = strList('auth.listen', v.listen, LISTEN);
  if (v.lockout !== undefined) {
    const l = v.lockout;
    if (!isObject(l)) throw new ConfigError('auth.lockout: expected an object');
    const limits: Record<keyof LockoutOptions, [number, number]> = {
      failures: [1, 1000],
      lockSeconds: [1, 86_400],
      maxLockSeconds: [1, 7 * 86_400],
      forgetSeconds: [1, 30 * 86_400],
      distinctSources: [1, 64],
    };
    expectKeys('auth.lockout', l, Object.keys(limits));
    for (const [k, [lo, hi]] of Object.entries(limits) as [keyof LockoutOptions, [number, number]][]) {
      if (l[k] !== undefined) a.lockout[k] = Math.floor(num(`auth.lockout.${k}`, l[k], lo, hi));
    }
  }
  return a;
}

function legacyClients(v: unknown): LegacyClientConfig[] {
  if (!Array.isArray(v)) throw new ConfigError('legacyClients: expected a list');
  const seen = new Set<string>();
  return v.map((entry, i) => {
    const where = `legacyClients[${i}]`;
    if (!isObject(entry)) throw new ConfigError(`${where}: expected an object`);
    expectKeys(where, entry, ['username', 'password', 'from']);
    const username = str(`${where}.username`, entry.username);
    const password = str(`${where}.password`, entry.password);
    const nameWhy = nameProblem(Buffer.from(username, 'utf8'));
    if (nameWhy) throw new ConfigError(`${where}.username: ${nameWhy}`);
    const passwordWhy = passwordProblem(Buffer.from(password, 'utf8'));
    if (passwordWhy) throw new ConfigError(`${where}.password: ${passwordWhy}`);
    if (seen.has(username)) throw new ConfigError(`${where}.username: ${JSON.stringify(username)} is listed twice`);
    seen.add(username);
    const from = strList(`${where}.from`, entry.from);
    // the point of a legacy entry is that its well-known password only works from the NAS it is for
    if (from.length === 0) throw new ConfigError(`${where}.from: list the addresses it may log in from`);
    from.forEach((f, j) => {
      const cidr = parseCidr(f);
      if (!cidr) throw new ConfigError(`${where}.from[${j}]: expected an IPv4/IPv6 address or CIDR block, got ${JSON.stringify(f)}`);
      if (cidr.prefix === 0) throw new ConfigError(`${where}.from[${j}]: ${f} is every address; list the NAS's address`);
    });
    return { username, password, from };
  });
}

export interface ListenAddress {
  host: string;
  port: number;
}

/** "HOST:PORT", "[v6]:PORT" or "*:PORT" → host and port; `*` becomes `::` (dual-stack). */
export function parseListen(spec: string): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(spec);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new ConfigError(`listen: expected HOST:PORT, got ${JSON.stringify(spec)}`);
  const host = m[1] ?? m[2]!;
  return { host: host === '*' ? '::' : host, port };
}
