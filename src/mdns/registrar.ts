// The Registrar of advertiser.ts over the `mdns` package (avahi's dns_sd compat layer, docs/packaging.md
// §2.2): one DNSServiceRegister per service. Without avahi-daemon the registration throws at once ("dns service
// error: unknown", kDNSServiceErr_Unknown); the advertiser catches that and retries. An error reported later
// (the daemon went away) arrives both in the callback and as an 'error' event: both become `failed`, and the
// listener keeps the event from being thrown.
import type { Registrar, Registration, RegistrationEvents, ServiceSpec } from './advertiser.ts';

/** The part of the `mdns` module walnut uses. */
export interface MdnsModule {
  tcp(name: string): unknown;
  createAdvertisement(
    type: unknown,
    port: number,
    options: { name?: string; txtRecord?: Record<string, string> },
    callback: (error: Error | undefined | null, service: { name: string }) => void,
  ): { start(): void; stop(): void; on(event: 'error', fn: (err: Error) => void): void };
}

/** `_nut._tcp` → `nut` (mdns.tcp adds the underscores and the protocol back). */
export function serviceName(type: string): string {
  const m = /^_([A-Za-z0-9-]{1,15})\._tcp$/.exec(type);
  if (!m) throw new RangeError(`not a TCP DNS-SD service type: ${type}`);
  return m[1]!;
}

export function avahiRegistrar(mdns: MdnsModule): Registrar {
  return {
    register(spec: ServiceSpec, events: RegistrationEvents): Registration {
      const options = { name: spec.name, ...(spec.txt ? { txtRecord: { ...spec.txt } } : {}) };
      const ad = mdns.createAdvertisement(mdns.tcp(serviceName(spec.type)), spec.port, options, (error, service) => {
        if (error) events.failed(error);
        else events.registered(service.name);
      });
      ad.on('error', (err) => events.failed(err));
      ad.start();
      return { stop: () => ad.stop() };
    },
  };
}
