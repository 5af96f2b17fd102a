// Loads npm mdns, the DNS-SD binding to avahi's Bonjour compatibility library (docs/packaging.md §2.2). Its
// NAN addon, dns_sd_bindings.node, is built for Node 24 by build/mdns-addon.sh; in the single executable it is a
// SEA asset that build/shims/mdns-dns-sd.cjs unpacks and dlopens (src/native/addons.ts), when run from source
// mdns finds the x64 build in node_modules/mdns/build/Release. Loading needs libdns_sd.so.1 (Debian's
// libavahi-compat-libdnssd1) but no daemon: registering needs avahi-daemon, and without one
// Advertisement.start() throws synchronously (errorCode kDNSServiceErr_Unknown, -65537).
import { setPackageAddonCacheDir } from '../native/addons.ts';

/** `_nut._tcp` and the like (lib/service_type.js). */
export interface MdnsServiceType {
  name: string;
  protocol: string;
  subtypes: string[];
  toString(): string;
}

/** What the addon throws or emits: `errorCode` is one of the kDNSServiceErr_* constants. */
export interface DnsServiceError extends Error {
  errorCode: number;
}

export interface MdnsAdvertisementOptions {
  /** the instance name (default: the host name, renamed by avahi on a conflict) */
  name?: string;
  txtRecord?: Record<string, string | Buffer | null | undefined>;
  /** an interface name or index (default: all) */
  networkInterface?: string | number;
  host?: string;
  domain?: string;
  flags?: number;
}

export interface MdnsRegisteredService {
  name: string;
  type: MdnsServiceType;
  domain: string;
  flags: number;
}

/** lib/advertisement.js: an EventEmitter that emits 'error' (DnsServiceError) once started. */
export interface MdnsAdvertisement {
  start(): void;
  stop(): void;
  updateTXTRecord(txtRecord: Record<string, string | Buffer | null | undefined>): void;
  on(event: 'error', listener: (err: DnsServiceError) => void): this;
}

/** The part of mdns 2.7.2's lib/mdns.js walnut uses; add to it as needed. */
export interface MdnsModule {
  createAdvertisement(
    type: MdnsServiceType | string,
    port: number,
    options?: MdnsAdvertisementOptions,
    callback?: (err: DnsServiceError | undefined, service: MdnsRegisteredService) => void,
  ): MdnsAdvertisement;
  tcp(name: string, ...subtypes: string[]): MdnsServiceType;
  udp(name: string, ...subtypes: string[]): MdnsServiceType;
  makeServiceType(...args: string[]): MdnsServiceType;
  /** true with avahi's compatibility library (probed at load) */
  isAvahi: boolean;
  kDNSServiceErr_NoError: number;
  kDNSServiceErr_Unknown: number;
  kDNSServiceErr_NameConflict: number;
  kDNSServiceErr_ServiceNotRunning?: number;
}

export class MdnsUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MdnsUnavailableError';
  }
}

/** The message for a failed load: what failed, and the library (and package) it needs. Pure, for the tests. */
export function mdnsLoadProblem(message: string): string {
  if (/Cannot find module .*dns_sd_bindings/.test(message)) {
    return 'cannot load the mDNS addon: dns_sd_bindings.node is not built for this Node (make mdns-addon builds it)';
  }
  return `cannot load the mDNS addon: ${message} (it needs libdns_sd.so.1 from libavahi-compat-libdnssd1)`;
}

let loading: Promise<MdnsModule> | undefined;

/**
 * Loads mdns and its addon once, unpacking the addon into `nativeCacheDir` inside the single executable. Rejects
 * with MdnsUnavailableError naming the missing library. A failed load is not retried: the bundled module would
 * come back half-initialised.
 */
export function loadMdns(nativeCacheDir: string): Promise<MdnsModule> {
  loading ??= (async () => {
    setPackageAddonCacheDir(nativeCacheDir);
    // avahi's compat layer prints a banner to stderr at the first call (mdns probes it at load); this silences
    // the first of its two warnings (the "DNSServiceRegister() not supported" one stays)
    process.env.AVAHI_COMPAT_NOWARN ??= '1';
    try {
      const m = (await import('mdns')) as { default?: unknown };
      return (m.default ?? m) as MdnsModule;
    } catch (err) {
      throw new MdnsUnavailableError(mdnsLoadProblem((err as Error).message));
    }
  })();
  return loading;
}
