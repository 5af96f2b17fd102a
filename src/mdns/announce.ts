// walnut serve's DNS-SD announcement (issue 7): the advertiser over avahi, with the instance name from the
// config (default: the host name, as NUT's own avahi service file) and the NUT port actually bound.
import { hostname } from 'node:os';
import type { Logger } from '../util/log.ts';
import { Advertiser, nutServices } from './advertiser.ts';
import { avahiRegistrar, type MdnsModule } from './registrar.ts';

/** The config file's `mdns` section: DNS-SD announcement through the system's avahi-daemon (issue 7). Defined
 *  here, where it is used, so that src/config imports mdns and never the reverse (docs/architecture.md). */
export interface MdnsConfig {
  /** false: announce nothing */
  enabled: boolean;
  /** the instance name LAN browsers show; unset: the host name (as NUT's own avahi service file, `%h`) */
  name?: string;
}

export interface Announcement {
  /** the UPS set changed: `_upsd._tcp`'s device_list follows */
  upsNames(names: readonly string[]): void;
  /** withdraw everything (goodbyes) */
  stop(): void;
}

/** The instance name: configured, else the host name cut to DNS-SD's 63 bytes. */
export function instanceName(config: MdnsConfig, host = hostname()): string {
  if (config.name !== undefined) return config.name;
  let name = host.split('.')[0] || 'walnut';
  while (Buffer.byteLength(name) > 63) name = name.slice(0, -1);
  return name;
}

/** Starts announcing, or says (once) why it cannot; undefined when mDNS is off or the addon is missing. */
export async function announce(
  config: MdnsConfig,
  port: number,
  upsNames: readonly string[],
  load: () => Promise<MdnsModule>,
  log: Logger,
  /** the web page's HTTPS port, announced as `_https._tcp` (issue 15); undefined: the page is off */
  webPort?: number,
): Promise<Announcement | undefined> {
  if (!config.enabled) return undefined;
  let mdns: MdnsModule;
  try {
    mdns = await load();
  } catch (err) {
    log.warn(`mDNS: ${(err as Error).message}; walnut is not announced on the LAN (clients must be given its address)`);
    return undefined;
  }
  const name = instanceName(config);
  const advertiser = new Advertiser(avahiRegistrar(mdns), log);
  advertiser.publish(nutServices(name, port, upsNames, webPort));
  return {
    upsNames: (names) => advertiser.publish(nutServices(name, port, names, webPort)),
    stop: () => advertiser.stop(),
  };
}
