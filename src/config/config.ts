// walnut's one configuration object. Precedence: built-in defaults (below, each explained), then the JSON
// config file, then command-line flags. Unknown keys are errors, so a typo never silently means "default".
import { BUILD } from '../util/build-info.ts';
import type { Level } from '../util/log.ts';
import { parseHostPort, type HostPort } from '../util/host-port.ts';
import { SchemaError, applySection, expectKeys, isObject, oneOf, type Schema } from '../util/schema.ts';
import { parseCidr } from '../auth/address.ts';
import { nameProblem, passwordProblem } from '../auth/bytes.ts';
import { DEFAULT_THROTTLE, type ThrottleOptions } from '../auth/throttle.ts';
import { THROTTLE_BOUNDS } from '../auth/throttle-bounds.ts';
import { DEFAULT_LOCKOUT, type LockoutOptions } from '../authsrv/lockout.ts';
import { AUTH_BOUNDS, LISTENERS, SETUP_BOUNDS } from '../authsrv/bounds.ts';
import { UPS_BOUNDS, UPS_NAME } from '../device/bounds.ts';
import { MDNS_BOUNDS } from '../mdns/bounds.ts';
import { NUT_BOUNDS } from '../nut/bounds.ts';
import { SHUTDOWN_BOUNDS } from '../shutdown/bounds.ts';
import type { PolicySettings } from '../shutdown/policy-settings.ts';
import { HISTORY_BOUNDS } from '../storage/history-bounds.ts';
import { TLS_BOUNDS } from '../tls/bounds.ts';
import { WEB_BOUNDS } from '../web/bounds.ts';
import type { UserConfig } from '../auth/config-migration.ts';
import type { MdnsConfig } from '../mdns/announce.ts';

export type { MdnsConfig, UserConfig };

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
  /** Replies in a row that say the client's line made no sense (ERR UNKNOWN-COMMAND or INVALID-ARGUMENT)
   *  before walnut drops it, as go-smtp's error threshold does: a client that only sends junk goes (upsd has no
   *  such limit). Real clients never send more than a few in a row. */
  maxConsecutiveErrors: number;
  /** Seconds a SET/INSTCMD tracking result stays readable (upsd's TRACKINGDELAY). */
  trackingRetentionSeconds: number;
  /** Tracking results kept at most (upsd has no bound). */
  maxTrackingEntries: number;
  /** Seconds without news from the device before its data is stale (upsd's MAXAGE). */
  maxAgeSeconds: number;
}

/** walnut as the primary of its UPS (upsmon primary's job): when to shut everything down, and how. The setup
 *  page's power policy, once saved, replaces this section whole (src/appliance/power-policy.ts says why). Each
 *  field is explained in src/shutdown/policy-settings.ts. */
export type ShutdownConfig = PolicySettings;

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

/** The first-boot claim (issue 14, docs/auth-protocol.md): an unclaimed unit takes its label code for `admin`,
 *  in a password change only, inside a setup window. */
export interface SetupConfig {
  /** how long a window stays open: after boot, after first start, after `walnut setup open` or the trigger file */
  windowSeconds: number;
  /** failed attempts that close a window early (Matter's 20) */
  maxFailures: number;
  /** where a unit without factory data writes the code it made at first start (0600); unset: <keyDir>/setup-code.txt */
  codeFile?: string;
  /** a file whose presence at the AS's start opens the window (then it is removed), as Raspberry Pi OS's `ssh` */
  triggerFile?: string;
}

/** The web setup page (issue 15): HTTPS with the unit's TLS identity, its live channel over ws, /metrics. */
export interface WebConfig {
  enabled: boolean;
  /** HTTPS listeners as HOST:PORT. 8443 needs no privilege (`make run`); the images' config says *:443 */
  listen: string[];
  /** plain-HTTP listeners that only redirect to HTTPS (the images: *:80); none by default */
  redirectListen: string[];
  /** a session unused this long ends (NMC3 logs out after minutes; 30 min keeps a dashboard tab useful) */
  sessionIdleSeconds: number;
  /** ... and every session ends this long after its login, used or not (12 h: a working day) */
  sessionMaxSeconds: number;
  /** logged-in sessions at once; past it the oldest goes (a box has a handful of people, not thousands) */
  maxSessions: number;
  /** a request body larger than this is refused with 413 (the largest API input, an AS message, is 1.5 KB) */
  maxBodyBytes: number;
  /** request line and headers together (Node's own default is 16 KB; a page of ours needs < 2 KB) */
  maxHeaderBytes: number;
  /** requests per client address per minute before 429 (a dashboard makes a few; ws pushes the rest) */
  requestsPerMinute: number;
  /** open HTTPS connections at once (a small box: a flood must not exhaust file descriptors) */
  maxSockets: number;
  /** a live-channel client with more unsent bytes than this is too slow and is dropped, never waited for */
  wsMaxBufferedBytes: number;
  /** `Authorization: Bearer <token>` lets a Prometheus scraper read /metrics; unset: /metrics follows
   *  tls.anonymousReads ('any' lets anyone read it, as NUT GET) */
  metricsToken?: string;
}

/** The history of the main variables (issue 15): sampled into walnut.db for the setup page's chart and its CSV.
 *  Retention is fixed by the chart's ranges (src/storage/history-buckets.ts TIERS), not configured. */
export interface HistoryConfig {
  /** seconds between samples of the UPS's values (60: 1440 points on the 24 h chart, one transaction a minute
   *  on the SD card; a test config uses 5) */
  intervalSeconds: number;
}

export interface WalnutConfig {
  /** SQLite database, keys and state. */
  dataDir: string;
  /** The unit's factory data (unit.json, device.pem, device.key, ca.pem; src/factory/unit-data.ts), read only:
   *  when there, it is the unit's TLS identity, auth domain and label code. Absent: a DIY unit, which makes its
   *  own identity and setup code at first start. */
  factoryDir: string;
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
  setup: SetupConfig;
  web: WebConfig;
  history: HistoryConfig;
}

export function defaultConfig(): WalnutConfig {
  return {
    dataDir: BUILD.paths.data,
    factoryDir: BUILD.paths.factory ?? '/etc/walnut/factory',
    nativeCacheDir: BUILD.paths.nativeCache,
    listen: ['*:3493'],
    logLevel: 'info',
    nut: {
      idleTimeoutSeconds: 300,
      maxConnections: 16_384,
      outputHighWaterBytes: 64 * 1024,
      writeStallSeconds: 30,
      maxPendingInputBytes: 256 * 1024,
      maxConsecutiveErrors: 20,
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
    // 15 minutes: time to unbox, plug in and claim; 20 failures: Matter's bound
    setup: { windowSeconds: 900, maxFailures: 20 },
    web: {
      enabled: true,
      listen: ['*:8443'],
      redirectListen: [],
      sessionIdleSeconds: 1800,
      sessionMaxSeconds: 43_200,
      maxSessions: 64,
      maxBodyBytes: 16 * 1024,
      maxHeaderBytes: 8 * 1024,
      requestsPerMinute: 600,
      maxSockets: 256,
      wsMaxBufferedBytes: 256 * 1024,
    },
    history: { intervalSeconds: 60 },
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

const LOG_LEVEL = oneOf('debug', 'info', 'warn', 'error');

/** The file's top level; each section's bounds live beside the code that owns it. */
const CONFIG_BOUNDS: Schema = {
  dataDir: { kind: 'string' },
  factoryDir: { kind: 'string' },
  nativeCacheDir: { kind: 'string' },
  listen: LISTENERS,
  logLevel: LOG_LEVEL,
  nut: { kind: 'section', schema: NUT_BOUNDS },
  ups: { kind: 'section', schema: UPS_BOUNDS },
  shutdown: { kind: 'section', schema: SHUTDOWN_BOUNDS },
  tls: { kind: 'section', schema: TLS_BOUNDS },
  loginThrottle: { kind: 'section', schema: THROTTLE_BOUNDS },
  auth: { kind: 'section', schema: AUTH_BOUNDS },
  mdns: { kind: 'section', schema: MDNS_BOUNDS },
  setup: { kind: 'section', schema: SETUP_BOUNDS },
  web: { kind: 'section', schema: WEB_BOUNDS },
  history: { kind: 'section', schema: HISTORY_BOUNDS },
};

/** Applies a parsed config file on top of `base`. Pure: the caller reads the file. */
export function applyConfigFile(base: WalnutConfig, parsed: Json): WalnutConfig {
  try {
    if (!isObject(parsed)) throw new SchemaError('config file: expected a JSON object');
    const { users, legacyClients: legacy, ...sections } = parsed;
    expectKeys('config', parsed, [...Object.keys(CONFIG_BOUNDS), 'users', 'legacyClients']);
    const c = applySection('', sections, structuredClone(base), CONFIG_BOUNDS);
    if (c.loginThrottle.maxDelayMs < c.loginThrottle.baseDelayMs) {
      throw new SchemaError('loginThrottle.maxDelayMs: must not be below loginThrottle.baseDelayMs');
    }
    if (users !== undefined) c.users = { ...c.users, ...usersSection(users) };
    if (legacy !== undefined) c.legacyClients = legacyClients(legacy);
    return c;
  } catch (err) {
    if (err instanceof SchemaError) throw new ConfigError(err.message);
    throw err;
  }
}

/** `users`: upsd.users entries by name. A password follows the one rule of src/auth/bytes.ts (passwordProblem:
 *  1 to 512 bytes, a NUT word), the same as `walnut user passwd` and the AS apply. */
function usersSection(v: unknown): Record<string, UserConfig> {
  if (!isObject(v)) throw new SchemaError('users: expected an object');
  const out: Record<string, UserConfig> = {};
  for (const [name, entry] of Object.entries(v)) {
    const where = `users.${name}`;
    if (!UPS_NAME.test(name)) throw new SchemaError(`${where}: invalid user name`);
    const user = applySection<Partial<UserConfig>>(where, entry, {}, USER_BOUNDS);
    if (user.password === undefined) throw new SchemaError(`${where}.password: missing`);
    out[name] = user as UserConfig;
  }
  return out;
}

const USER_BOUNDS: Schema = {
  password: { kind: 'string', check: (v) => passwordProblem(Buffer.from(v, 'utf8')) },
  actions: { kind: 'list', pattern: /^(set|fsd|login|primary|master)$/i },
  instcmds: { kind: 'list', pattern: UPS_NAME },
  upsmon: oneOf('primary', 'secondary', 'master', 'slave'),
};

const LEGACY_BOUNDS: Schema = {
  username: { kind: 'string', check: (v) => nameProblem(Buffer.from(v, 'utf8')) },
  password: { kind: 'string', check: (v) => passwordProblem(Buffer.from(v, 'utf8')) },
  from: { kind: 'list' },
};

function legacyClients(v: unknown): LegacyClientConfig[] {
  if (!Array.isArray(v)) throw new SchemaError('legacyClients: expected a list');
  const seen = new Set<string>();
  return v.map((entry, i) => {
    const where = `legacyClients[${i}]`;
    const e = applySection<Partial<LegacyClientConfig>>(where, entry, {}, LEGACY_BOUNDS);
    if (e.username === undefined) throw new SchemaError(`${where}.username: expected a string, got undefined`);
    if (e.password === undefined) throw new SchemaError(`${where}.password: expected a string, got undefined`);
    if (e.from === undefined) throw new SchemaError(`${where}.from: expected a list of strings`);
    if (seen.has(e.username)) throw new SchemaError(`${where}.username: ${JSON.stringify(e.username)} is listed twice`);
    seen.add(e.username);
    // the point of a legacy entry is that its well-known password only works from the NAS it is for
    if (e.from.length === 0) throw new SchemaError(`${where}.from: list the addresses it may log in from`);
    e.from.forEach((f, j) => {
      const cidr = parseCidr(f);
      if (!cidr) throw new SchemaError(`${where}.from[${j}]: expected an IPv4/IPv6 address or CIDR block, got ${JSON.stringify(f)}`);
      if (cidr.prefix === 0) throw new SchemaError(`${where}.from[${j}]: ${f} is every address; list the NAS's address`);
    });
    return { username: e.username, password: e.password, from: e.from };
  });
}

/** "HOST:PORT", "[v6]:PORT" or "*:PORT" → host and port; `*` becomes `::` (dual-stack). */
export function parseListen(spec: string): HostPort {
  const hp = parseHostPort(spec, { wildcard: true, minPort: 0 });
  if (!hp) throw new ConfigError(`listen: expected HOST:PORT, got ${JSON.stringify(spec)}`);
  return hp;
}
