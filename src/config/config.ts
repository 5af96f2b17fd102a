// walnut's one configuration object. Precedence: built-in defaults (below, each explained), then the JSON
// config file, then command-line flags. Unknown keys are errors, so a typo never silently means "default".
import { BUILD } from './build-info.ts';
import type { Level } from '../util/log.ts';

export interface UserConfig {
  /** upsd.users `password`; moved into the principal database by the accounts work, never logged */
  password: string;
  /** upsd.users `actions`: SET, FSD (LOGIN and PRIMARY come from `upsmon`) */
  actions?: string[];
  /** upsd.users `instcmds`: command names, or ALL */
  instcmds?: string[];
  /** upsd.users `upsmon primary|secondary` (master/slave accepted) */
  upsmon?: 'primary' | 'secondary' | 'master' | 'slave';
}

export interface UpsConfig {
  /** name clients use (`upsc ups@host`) */
  name: string;
  /** `desc=` in ups.conf: LIST UPS / GET UPSDESC */
  description?: string;
  /** serve a fixture (shared/fixtures/ups format) instead of a USB device */
  simulate?: string;
  /** Which USB UPS to drive (hex, as `lsusb` prints them); unset: the first HID Power Device found. */
  vendorId?: string;
  productId?: string;
  serial?: string;
  /** NUT's pollinterval: seconds between quick updates (usbhid-ups default 2). */
  pollIntervalSeconds: number;
  /** How the simulated UPS's battery moves once mains fail (test.failure.start): percent of charge per
   *  second. Real batteries take minutes; the default makes a drill take about a minute, tests go faster. */
  simulation: { dischargePercentPerSecond: number; chargePercentPerSecond: number };
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
  users: Record<string, UserConfig>;
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
    users: {},
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
  expectKeys('config', parsed, ['dataDir', 'nativeCacheDir', 'listen', 'logLevel', 'nut', 'ups', 'users']);
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
      expectKeys('ups.simulation', sim, ['dischargePercentPerSecond', 'chargePercentPerSecond']);
      if (sim.dischargePercentPerSecond !== undefined) {
        c.ups.simulation.dischargePercentPerSecond = num('ups.simulation.dischargePercentPerSecond', sim.dischargePercentPerSecond, 0.001, 100);
      }
      if (sim.chargePercentPerSecond !== undefined) {
        c.ups.simulation.chargePercentPerSecond = num('ups.simulation.chargePercentPerSecond', sim.chargePercentPerSecond, 0.001, 100);
      }
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
  return c;
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
