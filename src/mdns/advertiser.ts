// DNS-SD advertisement of walnut's services (issue 7): `_nut._tcp` (what Home Assistant and NUT's own avahi file
// use) and `_upsd._tcp` with the TXT `nut-scanner -A` reads (docs/packaging.md §2.1, docs/nut-protocol.md §6).
// The registrations go through the system's avahi-daemon (registrar.ts: the `mdns` addon, avahi's dns_sd compat
// layer); avahi does the probing, announcing, conflict renaming and goodbyes (RFC 6762 §8-10).
//
// This file keeps the wanted set and the state of each registration, with no socket and no addon: the registrar
// is injected, and so are the timers, so every path below is a unit test.
// - No avahi (a registration throws or fails): one clear warning, then retries with back-off per service, and
//   one info line when it is published after all. walnut keeps serving NUT meanwhile.
// - A name conflict: avahi registers the service under a new name; walnut reports it (log, `published()`).
// - A change of TXT or port (the UPS set changed): that service is registered again.
// - stop(): every registration is withdrawn (avahi sends the goodbyes).

export interface ServiceSpec {
  /** e.g. `_nut._tcp` */
  readonly type: string;
  /** the instance name asked for */
  readonly name: string;
  readonly port: number;
  readonly txt?: Readonly<Record<string, string>>;
}

export interface RegistrationEvents {
  /** avahi registered the service, under this instance name (another one after a conflict) */
  registered(name: string): void;
  /** the registration failed or was lost after it was made */
  failed(err: Error): void;
}

export interface Registration {
  stop(): void;
}

export interface Registrar {
  /** Starts a registration; throws at once when the daemon cannot be reached. */
  register(spec: ServiceSpec, events: RegistrationEvents): Registration;
}

export interface AdvertiserLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface AdvertiserOptions {
  minRetryMs?: number;
  maxRetryMs?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

export type ServiceState = 'registering' | 'published' | 'waiting';

export interface ServiceStatus {
  type: string;
  wanted: string;
  /** the name avahi registered, once published */
  name?: string;
  state: ServiceState;
}

interface Entry {
  spec: ServiceSpec;
  registration?: Registration;
  state: ServiceState;
  name?: string;
  /** the current registration attempt: events of an older one are ignored */
  attempt: number;
  retryMs: number;
  timer?: unknown;
}

const sameSpec = (a: ServiceSpec, b: ServiceSpec): boolean =>
  a.type === b.type && a.name === b.name && a.port === b.port && JSON.stringify(a.txt ?? {}) === JSON.stringify(b.txt ?? {});

export class Advertiser {
  readonly #registrar: Registrar;
  readonly #log: AdvertiserLog;
  readonly #minRetryMs: number;
  readonly #maxRetryMs: number;
  readonly #setTimer: (fn: () => void, ms: number) => unknown;
  readonly #clearTimer: (timer: unknown) => void;
  readonly #entries = new Map<string, Entry>();
  /** avahi was found missing and that was said; cleared when a registration succeeds */
  #warned = false;
  #stopped = false;

  constructor(registrar: Registrar, log: AdvertiserLog, o: AdvertiserOptions = {}) {
    this.#registrar = registrar;
    this.#log = log;
    this.#minRetryMs = o.minRetryMs ?? 1000;
    this.#maxRetryMs = o.maxRetryMs ?? 60_000;
    this.#setTimer = o.setTimer ?? ((fn, ms) => setTimeout(fn, ms).unref());
    this.#clearTimer = o.clearTimer ?? ((t) => clearTimeout(t as NodeJS.Timeout));
  }

  /** The wanted services, one per type: new ones are registered, changed ones registered again, missing ones
   *  withdrawn. */
  publish(specs: readonly ServiceSpec[]): void {
    if (this.#stopped) return;
    const wanted = new Map(specs.map((s) => [s.type, s]));
    for (const [type, entry] of this.#entries) {
      const next = wanted.get(type);
      if (next && sameSpec(next, entry.spec)) continue;
      this.#withdraw(entry);
      this.#entries.delete(type);
    }
    for (const [type, spec] of wanted) {
      if (this.#entries.has(type)) continue;
      const entry: Entry = { spec, state: 'waiting', attempt: 0, retryMs: this.#minRetryMs };
      this.#entries.set(type, entry);
      this.#register(entry);
    }
  }

  /** Withdraws everything (avahi sends goodbyes) and stops retrying. */
  stop(): void {
    this.#stopped = true;
    for (const entry of this.#entries.values()) this.#withdraw(entry);
    this.#entries.clear();
  }

  published(): ServiceStatus[] {
    return [...this.#entries.values()].map((e) => ({
      type: e.spec.type,
      wanted: e.spec.name,
      state: e.state,
      ...(e.name === undefined ? {} : { name: e.name }),
    }));
  }

  #withdraw(entry: Entry): void {
    entry.attempt++; // late events of this registration are ignored
    if (entry.timer !== undefined) this.#clearTimer(entry.timer);
    entry.timer = undefined;
    const r = entry.registration;
    entry.registration = undefined;
    if (!r) return;
    try {
      r.stop();
    } catch {
      // a daemon that went away takes its records with it
    }
  }

  #register(entry: Entry): void {
    const attempt = ++entry.attempt;
    entry.state = 'registering';
    entry.timer = undefined;
    const current = (): boolean => !this.#stopped && entry.attempt === attempt && this.#entries.get(entry.spec.type) === entry;
    try {
      entry.registration = this.#registrar.register(entry.spec, {
        registered: (name) => {
          if (!current()) return;
          const was = entry.name;
          entry.state = 'published';
          entry.name = name;
          entry.retryMs = this.#minRetryMs;
          if (this.#warned) {
            this.#warned = false;
            this.#log.info('mDNS: avahi is reachable again; announcing');
          }
          if (name !== entry.spec.name) {
            this.#log.warn(`mDNS: ${entry.spec.type} "${entry.spec.name}" is taken on the network; avahi published it as "${name}"`);
          } else if (was !== name) {
            this.#log.info(`mDNS: published ${entry.spec.type} "${name}" on port ${entry.spec.port}`);
          }
        },
        failed: (err) => {
          if (current()) this.#retry(entry, err);
        },
      });
    } catch (err) {
      this.#retry(entry, err as Error);
    }
  }

  #retry(entry: Entry, err: Error): void {
    this.#withdraw(entry);
    entry.state = 'waiting';
    entry.name = undefined;
    if (!this.#warned) {
      this.#warned = true;
      this.#log.warn(
        `mDNS: cannot register with avahi (${err.message}); NUT keeps serving, and walnut announces itself once avahi-daemon runs (retrying with back-off)`,
      );
    }
    const delay = entry.retryMs;
    entry.retryMs = Math.min(this.#maxRetryMs, entry.retryMs * 2);
    const attempt = entry.attempt;
    entry.timer = this.#setTimer(() => {
      if (!this.#stopped && entry.attempt === attempt && this.#entries.get(entry.spec.type) === entry) this.#register(entry);
    }, delay);
  }
}

/** The services walnut announces (issue 7): `_nut._tcp`, and `_upsd._tcp` with nut-scanner's TXT; with the web
 *  page on (issue 15), `_https._tcp` with `path=/` (RFC 6763 §7 and the DNS-SD service registry's TXT key for
 *  http/https), which browsers' and phones' service finders open directly. */
export function nutServices(name: string, port: number, upsNames: readonly string[], webPort?: number): ServiceSpec[] {
  return [
    { type: '_nut._tcp', name, port },
    { type: '_upsd._tcp', name, port, txt: { txtvers: '1', protovers: '1.3.0', device_list: upsNames.join(';') } },
    ...(webPort === undefined ? [] : [{ type: '_https._tcp', name, port: webPort, txt: { path: '/' } }]),
  ];
}
